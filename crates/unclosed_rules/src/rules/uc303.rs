use unclosed_dataflow::GeneratorExitIgnored as Fact;
use unclosed_diagnostics::{Diagnostic, SourceText};

use crate::leaks::line;
use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds a generator that catches `GeneratorExit` around a `yield` —
    /// with `except GeneratorExit:`, `except BaseException:` or a bare
    /// `except:` — and can then reach a `yield` again (the loop goes on, or
    /// a later `yield`) without re-raising.
    ///
    /// Handlers that re-raise (`except GeneratorExit: cleanup(); raise`) or
    /// return are fine: a generator may finish when it is closed. A broad
    /// handler that names `GeneratorExit` in its body (`if isinstance(e,
    /// GeneratorExit): raise`) is taken to tell them apart, and a `while`
    /// whose test reads something the handler assigns (`self.running =
    /// False`) is taken to stop.
    ///
    /// ## Why is this bad?
    /// `close()` (PEP 342) throws `GeneratorExit` at the suspended `yield`
    /// and expects the generator to finish. If it yields instead, `close()`
    /// raises `RuntimeError: generator ignored GeneratorExit` (`async
    /// generator ignored GeneratorExit` for `aclose()`). When the garbage
    /// collector closes it, the error is printed as "Exception ignored in"
    /// and the generator's cleanup never completes. As Guido van Rossum put
    /// it in PEP 343, this error is meant to surface as a traceback that
    /// the programmer then fixes.
    ///
    /// `except Exception:` is fine: `GeneratorExit` derives from
    /// `BaseException` precisely so that it is not caught there.
    ///
    /// ## Example
    /// ```python
    /// def ticker():
    ///     while True:
    ///         try:
    ///             yield time.time()
    ///         except BaseException:
    ///             log.exception("tick failed")
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// def ticker():
    ///     while True:
    ///         try:
    ///             yield time.time()
    ///         except GeneratorExit:
    ///             raise
    ///         except Exception:
    ///             log.exception("tick failed")
    /// ```
    ///
    /// ## References
    /// - [PEP 342 – Coroutines via Enhanced Generators](https://peps.python.org/pep-0342/)
    /// - [`GeneratorExit`](https://docs.python.org/3/library/exceptions.html#GeneratorExit)
    pub struct GeneratorExitIgnored {
        code: "UC303",
        name: "generator-exit-ignored",
        summary: "a generator that catches `GeneratorExit` around a `yield` and yields again: `close()` raises `RuntimeError`",
    }
}

pub(crate) fn diagnostic(fact: &Fact, source: &SourceText) -> Diagnostic {
    let rule = &GeneratorExitIgnored::RULE;
    let (kind, close) = if fact.is_async {
        ("async generator", "aclose()")
    } else {
        ("generator", "close()")
    };
    let clause = match fact.caught.as_deref() {
        None => "bare `except:`".to_owned(),
        Some(t) => format!("`except {t}:`"),
    };
    let again = if fact.yields_again == fact.suspended_at {
        "the loop reaches that `yield` again".to_owned()
    } else {
        format!(
            "the {kind} can reach the `yield` at line {}",
            line(source, fact.yields_again)
        )
    };
    let message = format!(
        "{clause} in {kind} `{}()` catches the `GeneratorExit` that `{close}` throws at the `yield` at line {}, and {again} without re-raising it: `{close}` then raises `RuntimeError: {kind} ignored GeneratorExit`",
        fact.function,
        line(source, fact.suspended_at),
    );
    let help = match fact.explicit {
        true => {
            "end the handler with `raise` (after any cleanup), or `return` from it".to_owned()
        }
        false => "catch `Exception` instead (it does not include `GeneratorExit`), or add `except GeneratorExit: raise` before this clause".to_owned(),
    };
    let d = Diagnostic::new(rule.code, rule.name, message, fact.range);
    let d = if fact.yields_again == fact.suspended_at {
        d.with_label(
            fact.suspended_at,
            "`GeneratorExit` is thrown here, and the loop yields here again",
        )
    } else {
        d.with_label(fact.suspended_at, "`GeneratorExit` is thrown here")
            .with_label(fact.yields_again, "yields again here")
    };
    d.with_help(help)
}
