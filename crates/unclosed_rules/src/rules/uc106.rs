use unclosed_catalog::Kind;
use unclosed_dataflow::Leak;
use unclosed_diagnostics::{Diagnostic, SourceText};

use crate::leaks;
use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds a writer that is not closed on some path: a file opened for
    /// writing or appending, a `zipfile.ZipFile`/`tarfile` archive, a
    /// `gzip`/`bz2`/`lzma` stream, a `shelve` or `dbm` database opened for
    /// writing. Reported instead of UC101/UC102 for those resources.
    ///
    /// ## Why is this bad?
    /// Writes are buffered: until `close()` (or `flush()`) the data lives in
    /// the process's memory, and a crash or a lost reference loses it. An
    /// archive is worse: a zip file's central directory is written by
    /// `close()`, so an unclosed archive is corrupt and unreadable.
    ///
    /// ## Example
    /// ```python
    /// f = open("output.txt", "w")
    /// f.write(render(report))  # if render() raises, nothing is flushed
    /// f.close()
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// with open("output.txt", "w") as f:
    ///     f.write(render(report))
    /// ```
    ///
    /// ## Fix
    /// `unclosed check --fix` turns `name = call(...)`, the statements after
    /// it that use `name`, and the `name.close()` that ends them (also when
    /// guarded by `if name:` or `if name is not None:`) into `with call(...)
    /// as name:` around those statements, removing the `close()`. For a
    /// resource whose `with` does not release it (`sqlite3.connect`) or whose
    /// `with` gives something else (`TemporaryDirectory`), it adds `try:` /
    /// `finally: name.close()` (or its release method) instead.
    ///
    /// The fix is safe when an explicit release in the same block of code
    /// ends the statements: the resource is then released where it already
    /// was, and also when an exception or a `return` leaves early. It is
    /// unsafe (`--unsafe-fixes`) when there is no such release: the block
    /// then ends after the last statement that uses `name` (or a value
    /// derived from it, such as `csv.reader(name)`), which is a guess; or
    /// when a `return` in the block hands out a value computed from the
    /// resource.
    ///
    /// There is no fix when the resource may escape (returned, yielded,
    /// stored, captured by a nested function), when `name` is rebound in the
    /// block, used after it or earlier in a loop around it, already released
    /// in a `finally`, when the acquisition is not a statement of its own
    /// (`;`, tuple targets, walrus), or when a line to re-indent starts
    /// inside a multi-line string (its value would change).
    pub struct WriteNotFinalized {
        code: "UC106",
        name: "write-not-finalized",
        summary: "a file or archive opened for writing is not closed on some path",
    }
}

pub(crate) fn diagnostic(leak: &Leak, source: &SourceText) -> Diagnostic {
    let consequence = match leak.kind() {
        Kind::Archive => {
            "the archive is incomplete and unreadable until `close()` writes its index"
        }
        Kind::Database => "pending writes may never reach the database file",
        _ => "its buffered writes reach the disk only when it is closed or garbage-collected",
    };
    leaks::leak_diagnostic(&WriteNotFinalized::RULE, leak, source, consequence)
}
