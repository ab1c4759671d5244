use unclosed_dataflow::PossiblyUnbound;
use unclosed_diagnostics::{Diagnostic, SourceText};

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds a release in a `finally:` block (or an `except` clause) of a
    /// name that the `try` body binds by acquiring a resource, on a path
    /// where that binding may not have happened: the acquisition itself
    /// raised (the file does not exist, permission denied, disk full), or
    /// an earlier statement of the `try` did.
    ///
    /// A guard silences it: binding the name before the `try` (`f =
    /// None`), testing it (`if f is not None:`, `if 'f' in locals():`), or
    /// catching `NameError` around the release.
    ///
    /// ## Why is this bad?
    /// When `open()` raises, `f` was never assigned, so `f.close()` raises
    /// `UnboundLocalError` (`NameError` at module level). That new
    /// exception replaces the original one: the traceback talks about `f`
    /// instead of the missing file, and an `except OSError:` further up no
    /// longer catches it.
    ///
    /// ## Example
    /// ```python
    /// try:
    ///     f = open("output.txt", "w")
    ///     f.write(data)
    /// except:
    ///     pass
    /// finally:
    ///     f.close()  # What if open() failed? f is not defined.
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// with open("output.txt", "w") as f:
    ///     f.write(data)
    /// ```
    /// or acquire before the `try`:
    /// ```python
    /// f = open("output.txt", "w")
    /// try:
    ///     f.write(data)
    /// finally:
    ///     f.close()
    /// ```
    ///
    /// ## Fix
    /// `--fix` binds the name to `None` before the `try` and guards the
    /// release with `if f is not None:`. It is safe: the program changes
    /// only where it raised `NameError`/`UnboundLocalError`. It is unsafe
    /// (applied with `--unsafe-fixes`) when the name is also bound outside
    /// the `try`, and not offered when the name is a parameter, declared
    /// `global`/`nonlocal`, or the release is not a statement alone on its
    /// line.
    ///
    /// ## References
    /// - [PEP 343 – The "with" Statement](https://peps.python.org/pep-0343/)
    pub struct CloseOfPossiblyUnbound {
        code: "UC202",
        name: "close-of-possibly-unbound",
        summary: "a `finally`/`except` releases a name the `try` may not have bound",
    }
}

pub(crate) fn diagnostic(fact: &PossiblyUnbound, source: &SourceText) -> Diagnostic {
    let rule = &CloseOfPossiblyUnbound::RULE;
    let name = &fact.name;
    let line = source.location(fact.acquisition.start()).row;
    let block = if fact.in_handler {
        "`except` clause"
    } else {
        "`finally` block"
    };
    let message = format!(
        "`{name}` may be unbound in this {block}: if `{}()` at line {line} raises, `{}` raises {} and hides the original exception",
        fact.callee, fact.release, fact.error
    );
    Diagnostic::new(rule.code, rule.name, message, fact.range)
        .with_label(
            fact.acquisition,
            format!("if this raises, `{name}` is never bound"),
        )
        .with_help(format!(
            "use `with {}(...) as {name}:`, or acquire `{name}` before the `try`",
            fact.callee
        ))
}
