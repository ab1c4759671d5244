use unclosed_dataflow::OwnedResource;
use unclosed_diagnostics::{Diagnostic, SourceText};

use crate::leaks;
use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds a class that stores a resource in an attribute of `self`
    /// (`self.f = open(path)`, `self.sock = socket.socket()`, `self.conns =
    /// [connect(a) for a in addresses]`, `self.sock = self._connect()` with
    /// a method or function of the analyzed code that returns a fresh
    /// resource, in any method) when no method of
    /// the class releases it: no `self.f.close()` (or the
    /// release method of its kind), no `with self.f:`, no
    /// `os.close(self.fd)`.
    ///
    /// Ownership is followed generously, and anything we cannot follow
    /// counts as released: a release through an alias (`f = self.f`), the
    /// attribute passed to a call that may close it, returned, yielded or
    /// stored elsewhere, its bound `close` handed on
    /// (`atexit.register(self.f.close)`), a release of `obj.f` (or `obj.f`
    /// passed to any call) anywhere in the module, or by a base or a
    /// subclass defined in the module. A lazy object that holds nothing
    /// until a method connects it (`smtplib.SMTP()` without a host) is
    /// reported only when some method does.
    /// Classes with a base class that is neither defined in the module nor
    /// a known one of the standard library (`io.IOBase`,
    /// `socketserver.TCPServer`, `unittest.TestCase`, ...), and classes
    /// that reach their attributes by name (`getattr(self, name)`,
    /// `vars(self)`, `self.__dict__`), are not checked: that code may
    /// release anything. The finding is at the assignment that stores the
    /// resource (the first one, when several do).
    ///
    /// ## Why is this bad?
    /// The resource lives as long as the object, and nothing but the
    /// garbage collector ever closes it: every instance holds a descriptor
    /// (or a connection, a process) until it is collected, which CPython
    /// does late for objects in reference cycles and PyPy does late always.
    /// Callers cannot release it even when they know they are done.
    ///
    /// ## Example
    /// ```python
    /// class Journal:
    ///     def __init__(self, path):
    ///         self.f = open(path, "a")
    ///
    ///     def log(self, line):
    ///         self.f.write(line + "\n")
    /// ```
    ///
    /// ## Use instead
    /// Give the class a `close()` that releases what it owns, and make it a
    /// context manager (seed: "Building Your Own Closeable Objects"):
    /// ```python
    /// class Journal:
    ///     def __init__(self, path):
    ///         self.f = open(path, "a")
    ///
    ///     def log(self, line):
    ///         self.f.write(line + "\n")
    ///
    ///     def close(self):
    ///         self.f.close()
    ///
    ///     def __enter__(self):
    ///         return self
    ///
    ///     def __exit__(self, exc_type, exc, tb):
    ///         self.close()
    /// ```
    ///
    /// ## References
    /// - [Context manager types](https://docs.python.org/3/library/stdtypes.html#typecontextmanager)
    pub struct OwnedResourceNeverReleased {
        code: "UC401",
        name: "owned-resource-never-released",
        summary: "a class stores a resource in `self.x` and no method of the class releases it",
    }
}

pub(crate) fn diagnostic(owned: &OwnedResource, source: &SourceText) -> Diagnostic {
    let rule = &OwnedResourceNeverReleased::RULE;
    let message = format!(
        "`self.{attr}` holds the {what}, and no method of `{class}` releases it: it stays open until the object is garbage-collected",
        attr = owned.attr,
        what = leaks::owned_subject(owned, source),
        class = owned.class,
    );
    Diagnostic::new(rule.code, rule.name, message, owned.range).with_help(leaks::owned_help(owned))
}
