use unclosed_dataflow::Leak;
use unclosed_diagnostics::{Diagnostic, SourceText};

use crate::leaks;
use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds raw file descriptors — integers from `os.open`, `os.pipe`,
    /// `os.dup`, `os.openpty`, `tempfile.mkstemp`, `socket.detach()` — that
    /// are not passed to `os.close()` (or handed to an owner such as
    /// `os.fdopen()`) on some path.
    ///
    /// ## Why is this bad?
    /// An integer descriptor has no finalizer: nothing ever closes it, not
    /// even the garbage collector, and no `ResourceWarning` is shown. It
    /// stays open until the process exits, and is inherited by child
    /// processes that run with `close_fds=False` (PEP 433, PEP 446).
    ///
    /// ## Example
    /// ```python
    /// fd, path = tempfile.mkstemp()
    /// os.write(fd, payload)
    /// return path
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// fd, path = tempfile.mkstemp()
    /// with os.fdopen(fd, "wb") as f:
    ///     f.write(payload)
    /// return path
    /// ```
    pub struct FdNotClosed {
        code: "UC107",
        name: "fd-not-closed",
        summary: "a raw file descriptor is not passed to `os.close()` on some path",
    }
}

pub(crate) fn diagnostic(leak: &Leak, source: &SourceText) -> Diagnostic {
    leaks::leak_diagnostic(&FdNotClosed::RULE, leak, source, "")
}
