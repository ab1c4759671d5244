use unclosed_catalog::Kind;
use unclosed_dataflow::{Temporary, TemporaryUse};
use unclosed_diagnostics::{Diagnostic, SourceText};

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds a resource that is created inside an expression and dropped
    /// there without being closed: `open(p).read()`, `json.load(open(p))`,
    /// `for line in open(p):`, or a call like `open(p, "w")` used as a
    /// statement of its own.
    ///
    /// ## Why is this bad?
    /// Nothing can close the object: it relies entirely on the garbage
    /// collector. On CPython that is usually immediate, but not inside
    /// reference cycles, under a debugger or tracer that holds frames, nor on
    /// PyPy; `python -X dev` shows a `ResourceWarning` for each.
    ///
    /// ## Example
    /// ```python
    /// config = json.load(open("config.json"))
    /// for line in open("words.txt"):
    ///     count(line)
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// with open("config.json") as f:
    ///     config = json.load(f)
    /// words = Path("words.txt").read_text().splitlines()
    /// ```
    ///
    /// ## Fix
    /// `unclosed check --fix` rewrites `open(p).read()` to
    /// `Path(p).read_text()` (`read_bytes()` in binary mode) and
    /// `open(p, "w").write(s)` to `Path(p).write_text(s)` (`write_bytes`),
    /// keeping `encoding=` and `errors=`; it uses the module's `Path` or
    /// `pathlib` import, or adds `from pathlib import Path` after the
    /// docstring and `__future__` imports. This is safe when `p` is a string
    /// literal, unsafe otherwise: `open()` also accepts a file descriptor or
    /// a `bytes` path, and `Path()` does not.
    ///
    /// Other temporaries in a statement of their own (an assignment, an
    /// expression, a `return`, the iterable of a `for` or of a list
    /// comprehension), used in a way that ends with the statement (`.read()`,
    /// `json.load(...)`, iteration), get a `with call(...) as f:` around the
    /// statement with a fresh name. That is unsafe only when another call of
    /// the statement used to run before the acquisition. There is no `with`
    /// fix when the temporary is evaluated conditionally (`x and
    /// open(p).read()`: only the `Path` form applies there), inside a
    /// generator or a lambda, or given to a call that keeps it
    /// (`csv.reader(open(p))`).
    pub struct UnclosedTemporary {
        code: "UC104",
        name: "unclosed-temporary",
        summary: "a resource is created and dropped inside an expression",
    }
}

pub(crate) fn diagnostic(t: &Temporary, source: &SourceText) -> Diagnostic {
    let rule = UnclosedTemporary::RULE;
    let kind = t.acquirer.kind;
    let line = source.location(t.range.start()).row;
    let what = format!(
        "{} {} by `{}()` at line {line}",
        kind.noun(),
        kind.verb(),
        t.callee
    );
    let how = match &t.how {
        TemporaryUse::Receiver(method) => format!("it is dropped right after `.{method}()`"),
        TemporaryUse::Argument(callee) if !callee.is_empty() => {
            format!("it is passed to `{callee}()` and dropped")
        }
        TemporaryUse::Argument(_) => "it is used once and dropped".to_owned(),
        TemporaryUse::Iterated => "it is iterated and then dropped".to_owned(),
        TemporaryUse::Dropped => "the statement drops it at once".to_owned(),
    };
    let help = if kind == Kind::File
        && t.callee == "open"
        && !t.writer
        && matches!(&t.how, TemporaryUse::Receiver(m) if m == "read")
    {
        "use `pathlib.Path(...).read_text()` (or `.read_bytes()`), which closes the file".to_owned()
    } else if kind == Kind::File && t.callee == "open" && t.writer {
        "use `pathlib.Path(...).write_text()`, or `with open(...) as f:`".to_owned()
    } else if t.acquirer.with_releases {
        format!("bind it in a `with {}(...) as name:` statement", t.callee)
    } else {
        format!(
            "bind it to a name and close it, e.g. with `contextlib.closing({}(...))`",
            t.callee
        )
    };
    Diagnostic::new(
        rule.code,
        rule.name,
        format!("{what} is never closed: {how}"),
        t.range,
    )
    .with_help(help)
}
