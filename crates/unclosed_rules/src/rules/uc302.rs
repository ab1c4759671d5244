use unclosed_dataflow::{AbandonedGenerator, EarlyExit, HeldBy};
use unclosed_diagnostics::{Diagnostic, SourceText};

use crate::leaks::line;
use crate::registry::declare_rule;
use crate::{PythonVersion, Settings};

declare_rule! {
    /// ## What it does
    /// Finds an `async for` loop over an asynchronous *resource generator*
    /// that can leave the loop while the generator is suspended, with
    /// nothing that closes it. What makes an async generator a resource
    /// generator, and what counts as leaving early, is as for UC301
    /// (`async with` an acquisition around the `yield`, a `finally` that
    /// releases, delegation); an `await` in the loop body counts as a way
    /// out, since the task can be cancelled there.
    ///
    /// ## Why is this bad?
    /// An async generator's cleanup may need to `await` (close a
    /// connection, send a goodbye), so it is never run synchronously, not
    /// even by CPython's reference counting: when an abandoned async
    /// generator is garbage-collected, the event loop's finalizer hook
    /// schedules `aclose()` as a new task (PEP 525). The cleanup then runs
    /// later, outside the task and the `try`/`except` of the caller, after
    /// the caller went on; at the loop's shutdown
    /// (`loop.shutdown_asyncgens()`); or never, if the loop is already
    /// closed or the framework installs no hook. The article's section on
    /// `aclose()`: "for async generators that are abandoned mid-iteration,
    /// explicit `aclose()` is required".
    ///
    /// ## Example
    /// ```python
    /// async def rows(dsn):
    ///     async with connect(dsn) as conn:
    ///         async for row in conn.cursor("SELECT ..."):
    ///             yield row
    ///
    /// async def first_match(dsn, key):
    ///     async for row in rows(dsn):
    ///         if row.key == key:
    ///             return row
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// import contextlib
    ///
    /// async def first_match(dsn, key):
    ///     async with contextlib.aclosing(rows(dsn)) as it:  # Python 3.10+
    ///         async for row in it:
    ///             if row.key == key:
    ///                 return row
    /// ```
    /// or, before Python 3.10, keep the generator in a name and call `await
    /// it.aclose()` in a `finally:` block. The advice follows the
    /// configured `target-version`.
    ///
    /// ## Fix
    /// `--fix` puts the loop inside `async with contextlib.aclosing(gen(...))
    /// as items:` and iterates `items`, like UC301's fix, when the
    /// `target-version` is 3.10 or newer; with an older target there is no
    /// fix. It is unsafe when no target version is configured
    /// (`aclosing()` needs Python 3.10) or the generator is a method, safe
    /// otherwise. No fix when the loop iterates a name.
    ///
    /// ## References
    /// - [PEP 525 – Asynchronous Generators](https://peps.python.org/pep-0525/)
    /// - [`agen.aclose()`](https://docs.python.org/3/reference/expressions.html#agen.aclose)
    /// - [`contextlib.aclosing`](https://docs.python.org/3/library/contextlib.html#contextlib.aclosing)
    pub struct AsyncGeneratorNotAclosed {
        code: "UC302",
        name: "async-generator-not-aclosed",
        summary: "an `async for` loop that can stop early over an async generator holding a resource, without `aclosing()`/`aclose()`",
    }
}

pub(crate) fn diagnostic(
    fact: &AbandonedGenerator,
    source: &SourceText,
    settings: &Settings,
) -> Diagnostic {
    let rule = &AsyncGeneratorNotAclosed::RULE;
    let message = format!(
        "{}; {} with the generator suspended and nothing closes it: an async generator is never closed synchronously, its cleanup waits for the event loop to finalize it",
        holder(fact, source),
        exit_words(fact, source),
    );
    let name = fact.name.as_deref().unwrap_or("items");
    let aclosing = if settings.target_version.is_some() {
        format!(
            "`async with contextlib.aclosing({}(...)) as {name}:`",
            fact.callee
        )
    } else {
        format!(
            "`async with contextlib.aclosing({}(...)) as {name}:` (Python 3.10+)",
            fact.callee
        )
    };
    let help = if settings.targets_at_least(PythonVersion::PY310) {
        format!("iterate {aclosing}, or call `await {name}.aclose()` in a `finally:` block")
    } else {
        format!(
            "bind it (`{name} = {}(...)`) and call `await {name}.aclose()` in a `finally:` block",
            fact.callee
        )
    };
    labelled(
        Diagnostic::new(rule.code, rule.name, message, fact.range),
        fact,
    )
    .with_help(help)
}

/// "generator `read_lines()` is suspended at `yield` (line 5) inside `with
/// open(...)` (line 3)"; for a generator of another module, its module
/// instead of lines of a file not shown.
pub(crate) fn holder(fact: &AbandonedGenerator, source: &SourceText) -> String {
    let kind = if fact.is_async {
        "async generator"
    } else {
        "generator"
    };
    let held = &fact.held;
    // Lines only in this file.
    let at = |range: ruff_text_size::TextRange| match fact.defined_in {
        None => format!(" (line {})", line(source, range)),
        Some(_) => String::new(),
    };
    let inside = match &held.by {
        HeldBy::With {
            callee,
            is_async,
            range,
        } => format!(
            "inside `{}with {callee}(...)`{}",
            if *is_async { "async " } else { "" },
            at(*range)
        ),
        HeldBy::Finally { release, range } => format!(
            "inside a `try` whose `finally` calls `{release}`{}",
            at(*range)
        ),
        HeldBy::Delegates { callee, range } => {
            format!("inside `{callee}()`{}, itself such a generator", at(*range))
        }
    };
    let of = match &fact.defined_in {
        Some(module) => format!(" (of `{module}`)"),
        None => String::new(),
    };
    format!(
        "{kind} `{}()`{of} holds a resource across `yield`{} {inside}",
        fact.callee,
        at(held.yield_at)
    )
}

/// "`break` at line 12 leaves the loop".
pub(crate) fn exit_words(fact: &AbandonedGenerator, source: &SourceText) -> String {
    match &fact.exit {
        EarlyExit::Break(r) => format!("`break` at line {} leaves the loop", line(source, *r)),
        EarlyExit::Return(r) => format!("`return` at line {} leaves the loop", line(source, *r)),
        EarlyExit::Raise(r) => format!("`raise` at line {} leaves the loop", line(source, *r)),
        EarlyExit::Exception { at, call } if call == "await" => format!(
            "if the `await` at line {} raises or is cancelled, the exception leaves the loop",
            line(source, *at)
        ),
        EarlyExit::Exception { at, call } => format!(
            "if `{call}` raises at line {}, the exception leaves the loop",
            line(source, *at)
        ),
    }
}

/// The labels of UC301 and UC302: where the generator holds what, and
/// where the loop is left.
pub(crate) fn labelled(d: Diagnostic, fact: &AbandonedGenerator) -> Diagnostic {
    let exit = match &fact.exit {
        EarlyExit::Exception { .. } => "if this raises, the loop is left early",
        _ => "leaves the loop early",
    };
    d.with_label(fact.exit.range(), exit)
}
