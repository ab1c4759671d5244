use unclosed_dataflow::{DeadlockCause, PipeDeadlock};
use unclosed_diagnostics::{Diagnostic, SourceText};

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds reads and waits on a `subprocess.Popen` that can block
    /// forever:
    ///
    /// - with `stdin=PIPE` written to and never closed, reading the
    ///   child's `stdout`/`stderr` to the end (`read()`, `readlines()`,
    ///   iteration) or calling `wait()`: a child such as `sort` waits for
    ///   the end of its input before it writes or exits, and the parent
    ///   waits for the child;
    /// - with `stdout=PIPE` or `stderr=PIPE`, calling `wait()` (without a
    ///   timeout) before that pipe is read: the child blocks as soon as it
    ///   has written a pipe buffer's worth (64 KiB on Linux), and never
    ///   exits.
    ///
    /// ## Why is this bad?
    /// Both programs wait for each other and the process hangs, typically
    /// only with larger inputs or outputs than in tests. The `subprocess`
    /// documentation warns about both.
    ///
    /// ## Example
    /// ```python
    /// proc = subprocess.Popen(["sort"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    /// proc.stdin.write(b"banana\napple\ncherry\n")
    /// output = proc.stdout.read()  # sort never sees EOF
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// proc = subprocess.Popen(["sort"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    /// output, _ = proc.communicate(b"banana\napple\ncherry\n")
    /// ```
    /// or close stdin before reading:
    /// ```python
    /// proc.stdin.write(b"banana\napple\ncherry\n")
    /// proc.stdin.close()  # signals EOF to the child process
    /// output = proc.stdout.read()
    /// proc.stdout.close()
    /// proc.wait()
    /// ```
    ///
    /// ## Fix
    /// An unsafe fix (`--unsafe-fixes`) for the two simple forms, the write
    /// right before the blocking statement: `p.stdin.write(data)` then
    /// `out = p.stdout.read()` becomes `out = p.communicate(data)[0]`, and
    /// `p.stdin.write(data)` then `p.wait()` becomes `p.communicate(data)`.
    /// Unsafe because `communicate()` also reads `stderr` when it is a pipe
    /// and hands the child its input all at once. No fix for other forms.
    ///
    /// ## References
    /// - [`subprocess.Popen.wait`](https://docs.python.org/3/library/subprocess.html#subprocess.Popen.wait)
    /// - [`subprocess.Popen.communicate`](https://docs.python.org/3/library/subprocess.html#subprocess.Popen.communicate)
    pub struct PopenPipeDeadlock {
        code: "UC203",
        name: "popen-pipe-deadlock",
        summary: "a `Popen` pipe read or `wait()` that blocks: stdin still open, or a pipe never read",
    }
}

pub(crate) fn diagnostic(fact: &PipeDeadlock, source: &SourceText) -> Diagnostic {
    let rule = &PopenPipeDeadlock::RULE;
    let name = &fact.name;
    let line = source.location(fact.popen.start()).row;
    let message = match &fact.cause {
        DeadlockCause::StdinOpen => format!(
            "`{}` can block forever: `{name}.stdin` of the subprocess started at line {line} is written to and never closed, so the child never sees the end of its input",
            fact.operation
        ),
        DeadlockCause::PipeUnread(stream) => format!(
            "`{}` can block forever: `{name}.{stream}` of the subprocess started at line {line} is a pipe nobody reads, and the child blocks once it is full",
            fact.operation
        ),
    };
    let help = match &fact.cause {
        DeadlockCause::StdinOpen => format!(
            "use `{name}.communicate(input)`, or call `{name}.stdin.close()` before reading or waiting"
        ),
        DeadlockCause::PipeUnread(_) => {
            format!("use `{name}.communicate()`, which reads the pipes while it waits")
        }
    };
    Diagnostic::new(rule.code, rule.name, message, fact.range)
        .with_label(fact.popen, "started here")
        .with_help(help)
}
