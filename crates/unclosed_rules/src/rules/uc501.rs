use unclosed_dataflow::{Inheritable, MadeInheritable};
use unclosed_diagnostics::{Diagnostic, SourceText};

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds calls that make file descriptors inheritable by child
    /// processes:
    ///
    /// - `os.set_inheritable(fd, True)`;
    /// - `os.dup2(fd, fd2)`, whose copy is inheritable by default, onto a
    ///   descriptor other than the standard streams (an integer above 2,
    ///   or a descriptor this code opened);
    /// - `subprocess.Popen(...)` (and `run`, `call`, `check_call`,
    ///   `check_output`) with `close_fds=False`;
    /// - `pass_fds=` naming the descriptor of a file opened in the same
    ///   function.
    ///
    /// ## Why is this bad?
    /// Since Python 3.4 (PEP 446) new descriptors are non-inheritable, and
    /// `subprocess` closes every descriptor but 0, 1 and 2 in the child.
    /// These calls undo that: every program the process starts (and every
    /// program those start) receives the descriptors. As PEP 433 puts it,
    /// leaking file descriptors is a major security vulnerability: an
    /// untrusted child can read secrets through them or keep a file, a
    /// socket or a lock alive after the parent closed it (a server socket
    /// whose port cannot be reused, a pipe that never reports EOF).
    ///
    /// ## Example
    /// ```python
    /// fd = os.open("secrets.db", os.O_RDONLY)
    /// os.set_inheritable(fd, True)
    /// subprocess.run(["plugin"], close_fds=False)
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// fd = os.open("secrets.db", os.O_RDONLY)
    /// subprocess.run(["plugin"])  # close_fds=True is the default
    /// ```
    /// and pass only what the child needs, through `stdin=`/`stdout=` or
    /// `pass_fds=` of a pipe created for it.
    ///
    /// ## References
    /// - [PEP 446 – Make newly created file descriptors non-inheritable](https://peps.python.org/pep-0446/)
    /// - [PEP 433 – Easier suppression of file descriptor inheritance](https://peps.python.org/pep-0433/)
    /// - [Inheritance of File Descriptors](https://docs.python.org/3/library/os.html#fd-inheritance)
    pub struct FdMadeInheritable {
        code: "UC501",
        name: "fd-made-inheritable",
        summary: "a descriptor made inheritable by child processes (`set_inheritable(fd, True)`, `close_fds=False`, ...)",
    }
}

pub(crate) fn diagnostic(fact: &MadeInheritable, _source: &SourceText) -> Diagnostic {
    let rule = &FdMadeInheritable::RULE;
    let callee = &fact.callee;
    let (message, help) = match &fact.how {
        Inheritable::SetInheritable => (
            format!("`{callee}(..., True)` makes the descriptor inheritable: every child process started afterwards receives it"),
            "keep it non-inheritable and give the child what it needs with `pass_fds=` of `subprocess.Popen`".to_owned(),
        ),
        Inheritable::Dup2 { target } => (
            format!("`{callee}()` makes descriptor `{target}` inheritable (the default): every child process started afterwards receives it"),
            "pass `inheritable=False` to `os.dup2()`".to_owned(),
        ),
        Inheritable::CloseFdsFalse => (
            format!("`{callee}(..., close_fds=False)` lets the child process inherit every inheritable descriptor of this process"),
            "drop `close_fds=False` (the default closes them) and pass what the child needs with `pass_fds=`".to_owned(),
        ),
        Inheritable::PassFds { fd, opened_by } => (
            format!("`pass_fds` gives the child process `{fd}`, the descriptor of a file opened by `{opened_by}()` here"),
            "give the child the data it needs (`stdin=`) rather than the file's descriptor".to_owned(),
        ),
    };
    Diagnostic::new(rule.code, rule.name, message, fact.range).with_help(help)
}
