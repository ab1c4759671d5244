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
