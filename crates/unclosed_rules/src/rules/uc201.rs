use unclosed_dataflow::UseAfterClose as Fact;
use unclosed_diagnostics::{Diagnostic, SourceText, TextSize};

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds operations on a resource that is already closed on every path
    /// reaching them: reading, writing, seeking, flushing or iterating a
    /// file after `close()` or after the `with` block that opened it ended;
    /// sending or receiving on a closed socket; `execute()` or `cursor()`
    /// on a closed `sqlite3` connection; reading or writing a closed
    /// `ZipFile` or `TarFile`; using a closed memory map.
    ///
    /// Only operations that raise are reported: calling `close()` again,
    /// and reading `.closed`, `.name` or `.mode`, are fine. A resource
    /// closed on some paths only is not reported.
    ///
    /// ## Why is this bad?
    /// A closed file raises `ValueError: I/O operation on closed file`
    /// (sockets raise `OSError`, `sqlite3` raises `ProgrammingError`). The
    /// `with` statement closes its file when the block ends: code dedented
    /// one level too far, or a read moved below the block, fails at run
    /// time, often only on the path that tests do not cover.
    ///
    /// ## Example
    /// ```python
    /// with open("output.txt", "w") as f:
    ///     f.write("hello")
    /// f.write("world")  # ValueError: I/O operation on closed file.
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// with open("output.txt", "w") as f:
    ///     f.write("hello")
    ///     f.write("world")
    /// ```
    ///
    /// ## References
    /// - [`io.IOBase.close`](https://docs.python.org/3/library/io.html#io.IOBase.close)
    /// - [PEP 343 – The "with" Statement](https://peps.python.org/pep-0343/)
    pub struct UseAfterClose {
        code: "UC201",
        name: "use-after-close",
        summary: "an operation on a resource already closed on every path (after `close()` or its `with` block)",
    }
}

pub(crate) fn diagnostic(fact: &Fact, source: &SourceText) -> Diagnostic {
    let rule = &UseAfterClose::RULE;
    let name = &fact.name;
    let (closed, label) = match fact.with_end {
        Some(end) => (
            format!(
                "`{name}` was closed at line {} (end of its `with` block)",
                row(source, end)
            ),
            "its `with` block closes it",
        ),
        None => (
            format!(
                "`{name}` was closed at line {}",
                source.location(fact.closed_at.start()).row
            ),
            "closed here",
        ),
    };
    let what = if fact.operation == "iteration" {
        "iterating it".to_owned()
    } else {
        format!("this `{}`", fact.operation)
    };
    let help = if fact.with_end.is_some() {
        format!("move this use inside the `with` block, or open `{name}` again")
    } else {
        format!("use `{name}` before closing it, or open it again")
    };
    Diagnostic::new(
        rule.code,
        rule.name,
        format!("{closed}; {what} raises {}", fact.exception),
        fact.range,
    )
    .with_label(fact.closed_at, label)
    .with_help(help)
}

/// The row of the line that ends at `end` (the last line of a block).
fn row(source: &SourceText, end: TextSize) -> usize {
    let at = if end > TextSize::from(0) {
        end - TextSize::from(1)
    } else {
        end
    };
    source.location(at).row
}
