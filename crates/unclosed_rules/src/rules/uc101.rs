use unclosed_dataflow::Leak;
use unclosed_diagnostics::{Diagnostic, SourceText};

use crate::leaks;
use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds a resource (file, socket, connection, subprocess, archive,
    /// temporary file, pool, ...) that some normal path leaves open: the
    /// function returns, falls off its end, or leaves a loop with `break`
    /// while the resource is still open and nobody else took it over.
    ///
    /// A resource is taken over, and no longer reported, when it is
    /// returned, yielded, stored in an attribute, a container or a global,
    /// captured by a closure, or passed to a callee that may keep it.
    ///
    /// ## Why is this bad?
    /// Every open file, socket and pipe holds an operating-system file
    /// descriptor. CPython usually frees it when the object is garbage
    /// collected, but not deterministically (and PyPy much later). Code that
    /// runs in a loop or a long-lived server exhausts the descriptor limit
    /// and fails with `OSError: [Errno 24] Too many open files`.
    ///
    /// ## Example
    /// ```python
    /// def process_logs(directory):
    ///     results = []
    ///     for filename in os.listdir(directory):
    ///         f = open(os.path.join(directory, filename))
    ///         results.append(parse(f.read()))
    ///     return results
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// def process_logs(directory):
    ///     results = []
    ///     for filename in os.listdir(directory):
    ///         with open(os.path.join(directory, filename)) as f:
    ///             results.append(parse(f.read()))
    ///     return results
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
    ///
    /// ## References
    /// - [PEP 343 – The "with" Statement](https://peps.python.org/pep-0343/)
    pub struct ResourceNotClosed {
        code: "UC101",
        name: "resource-not-closed",
        summary: "a normal path leaves a resource open",
    }
}

pub(crate) fn diagnostic(leak: &Leak, source: &SourceText) -> Diagnostic {
    leaks::leak_diagnostic(&ResourceNotClosed::RULE, leak, source, "")
}
