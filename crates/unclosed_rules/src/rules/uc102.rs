use unclosed_dataflow::Leak;
use unclosed_diagnostics::{Diagnostic, SourceText};

use crate::leaks;
use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds a resource that is closed on every normal path, but not when an
    /// exception is raised between its acquisition and its `close()`.
    ///
    /// ## Why is this bad?
    /// The exception propagates and the `close()` line never runs: the
    /// descriptor stays open until the garbage collector finds the object,
    /// which may be much later (or, under PyPy, never before exit). Code that
    /// retries on errors leaks one descriptor per failure. This is "Mistake
    /// 1" of resource handling: closing only on the happy path.
    ///
    /// ## Example
    /// ```python
    /// f = open("data.txt")
    /// data = f.read()
    /// process(data)  # if this raises, f.close() never runs
    /// f.close()
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// with open("data.txt") as f:
    ///     data = f.read()
    ///     process(data)
    /// ```
    /// or close it in a `finally:` block.
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
    pub struct ClosedOnlyOnHappyPath {
        code: "UC102",
        name: "closed-only-on-happy-path",
        summary: "a resource is closed on normal paths but not when an exception is raised",
    }
}

pub(crate) fn diagnostic(leak: &Leak, source: &SourceText) -> Diagnostic {
    leaks::leak_diagnostic(&ClosedOnlyOnHappyPath::RULE, leak, source, "")
}
