use unclosed_dataflow::{Closeable, NoContextManager};
use unclosed_diagnostics::{Diagnostic, SourceText};

use crate::leaks;
use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds a class that owns a resource and cannot be used in a `with`
    /// statement: it defines neither `__enter__`/`__exit__` nor
    /// `__aenter__`/`__aexit__`, and inherits none. The class owns a
    /// resource when it stores one of the catalog's acquisitions, or what a
    /// factory of the analyzed code returns, in `self` (as for UC401; a
    /// list of them counts), and it is reported when its
    /// `close()` (or `aclose()`) releases that resource, or when a method
    /// named for it (`stop()`, `shutdown()`, `terminate()`, `cleanup()`,
    /// ...) does.
    ///
    /// Not reported, as not worth the change:
    /// - a `close()` that releases no resource of the class: a no-op,
    ///   `raise NotImplementedError`, an abstract method, a test double, a
    ///   wrapper closing what its caller gave it, a parser's `close()`
    ///   that finishes the parse, a window's;
    /// - a resource released at the end of a protocol rather than by a
    ///   close-like method (`load_module()`, `_close()`);
    /// - iterators (`__iter__`/`__next__`): their `close()` is the
    ///   generator protocol, called by whoever drives them (WSGI servers);
    /// - a private class of the module (an `_underscore` name, or one
    ///   missing from `__all__`) that the module only instantiates inside
    ///   methods of other classes: a part of those objects, which manage
    ///   its lifecycle;
    /// - a class whose base (in the module or a known one of the standard
    ///   library: `io.IOBase`, `socketserver.BaseServer`,
    ///   `contextlib.AbstractContextManager`, ...) or subclass in the
    ///   module provides `__enter__`/`__exit__`, and a class with a base we
    ///   do not know (it may provide them);
    /// - objects whose framework calls the cleanup for them
    ///   (`unittest.TestCase` and classes with `setUp`/`tearDown` or
    ///   `setup_method`/`teardown_method`, request handlers, `logging`
    ///   handlers, threads, `asyncio` protocols).
    ///
    /// A subclass that only inherits `close()` is not reported again: the
    /// base is. Nested classes and classes in test modules are classes
    /// like the others.
    ///
    /// ## Why is this bad?
    /// Without the context manager protocol, every user has to write
    /// `try: ... finally: obj.close()` to release the object on every path,
    /// exceptions included, and the simpler `obj = Thing(); ...;
    /// obj.close()` leaks whenever something raises in between (seed:
    /// "Building Your Own Closeable Objects").
    ///
    /// ## Example
    /// ```python
    /// class DatabasePool:
    ///     def __init__(self, connection_string, pool_size=5):
    ///         self.connections = [connect(connection_string) for _ in range(pool_size)]
    ///
    ///     def close(self):
    ///         for conn in self.connections:
    ///             conn.close()
    ///         self.connections.clear()
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// class DatabasePool:
    ///     ...
    ///
    ///     def __enter__(self):
    ///         return self
    ///
    ///     def __exit__(self, exc_type, exc_val, exc_tb):
    ///         self.close()
    ///         return False  # Do not suppress exceptions
    /// ```
    ///
    /// ## References
    /// - [PEP 343 – The "with" Statement](https://peps.python.org/pep-0343/)
    /// - [`contextlib.AbstractContextManager`](https://docs.python.org/3/library/contextlib.html#contextlib.AbstractContextManager)
    pub struct CloseWithoutContextManager {
        code: "UC403",
        name: "close-without-context-manager",
        summary: "a class has `close()` (or owns resources) but no `__enter__`/`__exit__`",
    }
}

pub(crate) fn diagnostic(fact: &NoContextManager, source: &SourceText) -> Diagnostic {
    let rule = &CloseWithoutContextManager::RULE;
    let class = &fact.class;
    let (what, release, is_async) = match &fact.closeable {
        Closeable::Method { name, is_async } => {
            (format!("has `{name}()`"), name.clone(), *is_async)
        }
        Closeable::Owns { owned, released_in } => (
            format!(
                "owns `self.{}` ({}), released by `{released_in}()`,",
                owned.attr,
                leaks::owned_subject(owned, source),
            ),
            released_in.clone(),
            owned.acquirer.asynchronous,
        ),
    };
    let (enter, exit, with, call) = if is_async {
        ("__aenter__", "__aexit__", "an `async with`", "await self.")
    } else {
        ("__enter__", "__exit__", "a `with`", "self.")
    };
    let message = format!(
        "class `{class}` {what} but no `{enter}`/`{exit}`: it cannot be used in {with} statement, so every caller must release it on every path, exceptions included"
    );
    let mut d = Diagnostic::new(rule.code, rule.name, message, fact.range);
    if let Closeable::Owns { owned, .. } = &fact.closeable {
        d = d.with_label(owned.range, "the resource it owns");
    }
    d.with_help(format!(
        "add `{enter}` returning `self` and `{exit}` calling `{call}{release}()`, so that callers can write `{with_kw} {class}(...) as obj:`",
        with_kw = if is_async { "async with" } else { "with" }
    ))
}
