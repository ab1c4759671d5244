use unclosed_catalog::Kind;
use unclosed_dataflow::CloseErrorSwallowed as Fact;
use unclosed_diagnostics::{Diagnostic, SourceText};

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds `close()` or `flush()` of a writer (a file opened for writing
    /// or appending, a `ZipFile`/`TarFile`/gzip writer), or `commit()` of a
    /// `sqlite3` connection, inside a `try` whose handler catches I/O
    /// errors and does nothing (`except: pass`, `except Exception: pass`,
    /// `except OSError: pass`), or inside `with
    /// contextlib.suppress(OSError):`.
    ///
    /// Cleanup inside an `except` body, while another exception is being
    /// handled, is not reported: there the first error is the one to keep.
    ///
    /// ## Why is this bad?
    /// Buffered data is written when the file is flushed or closed; a zip
    /// archive's central directory is written by `close()`. When that
    /// write fails (disk full, quota, network file system), the error is the
    /// only sign that the data never reached the disk. Swallowing it turns
    /// a failed save into silent data loss (seed: "Silently swallowing
    /// exceptions during close").
    ///
    /// ## Example
    /// ```python
    /// f = open("output.txt", "w")
    /// f.write(data)
    /// try:
    ///     f.close()
    /// except OSError:
    ///     pass
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// with open("output.txt", "w") as f:
    ///     f.write(data)
    /// ```
    /// or handle the failure (log it, report it to the user, keep the old
    /// file).
    ///
    /// ## References
    /// - [`io.IOBase.close`](https://docs.python.org/3/library/io.html#io.IOBase.close)
    pub struct CloseErrorSwallowed {
        code: "UC204",
        name: "close-error-swallowed",
        summary: "a writer's `close()`/`flush()` (or `commit()`) whose failure is caught and ignored",
    }
}

pub(crate) fn diagnostic(fact: &Fact, _source: &SourceText) -> Diagnostic {
    let rule = &CloseErrorSwallowed::RULE;
    let name = &fact.name;
    let what = match fact.kind {
        Kind::Archive => "the archive's index",
        Kind::Database => "the transaction",
        _ => "buffered data",
    };
    let message = format!(
        "a failure of `{name}.{}()` is swallowed by `{}`: {what} may be lost without an error",
        fact.method, fact.swallowed_by
    );
    Diagnostic::new(rule.code, rule.name, message, fact.range)
        .with_label(fact.handler, "ignores the error")
        .with_help(format!(
            "let the error propagate (or log it) instead of ignoring it; `with` closes `{name}` and reports a failed close"
        ))
}
