use unclosed_dataflow::ReleasedOnlyInDel;
use unclosed_diagnostics::{Diagnostic, SourceText};

use crate::leaks;
use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds a resource stored in an attribute of `self` whose only release
    /// is in `__del__` (directly, or in a private helper that only
    /// `__del__` calls). What counts as a release, and which classes are
    /// not checked, is as for UC401.
    ///
    /// ## Why is this bad?
    /// `__del__` runs when the object is garbage-collected: right away in
    /// CPython when the last reference goes, but late (or, before Python
    /// 3.4 and at interpreter exit, never) for objects in reference cycles,
    /// and late in PyPy. An exception traceback that refers to the object
    /// keeps it alive too. The seed calls `__del__` "a safety net, not a
    /// guarantee": it is fine as a second line of defence behind an explicit
    /// `close()`, not as the only one.
    ///
    /// ## Example
    /// ```python
    /// class Connection:
    ///     def __init__(self, address):
    ///         self.sock = socket.create_connection(address)
    ///
    ///     def __del__(self):
    ///         self.sock.close()
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// class Connection:
    ///     def __init__(self, address):
    ///         self.sock = socket.create_connection(address)
    ///
    ///     def close(self):
    ///         self.sock.close()
    ///
    ///     def __enter__(self):
    ///         return self
    ///
    ///     def __exit__(self, exc_type, exc, tb):
    ///         self.close()
    ///
    ///     def __del__(self):
    ///         # Safety net, not a guarantee.
    ///         self.close()
    /// ```
    ///
    /// ## References
    /// - [`object.__del__`](https://docs.python.org/3/reference/datamodel.html#object.__del__)
    pub struct DelOnlyCleanup {
        code: "UC402",
        name: "del-only-cleanup",
        summary: "a resource stored in `self.x` is released only in `__del__`",
    }
}

pub(crate) fn diagnostic(fact: &ReleasedOnlyInDel, source: &SourceText) -> Diagnostic {
    let rule = &DelOnlyCleanup::RULE;
    let owned = &fact.owned;
    let message = format!(
        "`self.{attr}` holds the {what}, and `{class}` releases it only from `__del__` (at line {line}), which runs whenever the object is garbage-collected, if ever",
        attr = owned.attr,
        what = leaks::owned_subject(owned, source),
        class = owned.class,
        line = leaks::line(source, fact.release),
    );
    Diagnostic::new(rule.code, rule.name, message, owned.range)
        .with_label(fact.release, "the only release")
        .with_help(format!(
            "{}; keep `__del__` only as a safety net",
            leaks::owned_help(owned)
        ))
}
