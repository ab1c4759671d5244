use unclosed_dataflow::ExitSwallows;
use unclosed_diagnostics::{Diagnostic, SourceText};

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds a `return` of a truthy constant (`True`, a non-zero number, a
    /// non-empty string) in `__exit__` or `__aexit__`.
    ///
    /// A return whose value is computed (`return self.suppress`, `return
    /// exc_type is KeyError`), a falsy one (`return False`, `return None`)
    /// and a `return True` behind a test of the exception's type or of a
    /// flag (`if issubclass(exc_type, KeyError): return True`, the same
    /// choice written as a statement) are not reported; one behind a test
    /// that an exception is present (`if exc_type is not None:`) is, and
    /// one reached only when there is none (`if exc_type is None:`) is not.
    ///
    /// ## Why is this bad?
    /// A true value returned by `__exit__` tells Python that the exception
    /// raised in the `with` block has been handled: it is discarded, and
    /// execution continues after the block as if nothing had happened.
    /// Every error in the block, `KeyboardInterrupt` and typos included,
    /// disappears without a trace.
    ///
    /// ## Example
    /// ```python
    /// class Transaction:
    ///     def __exit__(self, exc_type, exc, tb):
    ///         if exc_type is not None:
    ///             self.rollback()
    ///         else:
    ///             self.commit()
    ///         return True
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// class Transaction:
    ///     def __exit__(self, exc_type, exc, tb):
    ///         if exc_type is not None:
    ///             self.rollback()
    ///         else:
    ///             self.commit()
    ///         return False  # Do not suppress exceptions
    /// ```
    /// To suppress some exceptions on purpose, return a test of their type
    /// (`return exc_type is not None and issubclass(exc_type, KeyError)`),
    /// or let callers use `contextlib.suppress(KeyError)`.
    ///
    /// ## References
    /// - [`object.__exit__`](https://docs.python.org/3/reference/datamodel.html#object.__exit__)
    pub struct ExitSwallowsExceptions {
        code: "UC404",
        name: "exit-swallows-exceptions",
        summary: "`__exit__` returns a truthy constant, silently suppressing every exception",
    }
}

pub(crate) fn diagnostic(fact: &ExitSwallows, source: &SourceText) -> Diagnostic {
    let rule = &ExitSwallowsExceptions::RULE;
    let value = source.text[fact.value].trim();
    let with = if fact.method == "__aexit__" {
        "async with"
    } else {
        "with"
    };
    let message = format!(
        "`{class}.{method}` returns `{value}`: every exception raised in the `{with}` block is silently suppressed",
        class = fact.class,
        method = fact.method,
    );
    Diagnostic::new(rule.code, rule.name, message, fact.range).with_help(
        "return `False` (or nothing) so that exceptions propagate; to suppress some on purpose, return a test of `exc_type` or use `contextlib.suppress(...)`",
    )
}
