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
    pub struct ClosedOnlyOnHappyPath {
        code: "UC102",
        name: "closed-only-on-happy-path",
        summary: "a resource is closed on normal paths but not when an exception is raised",
    }
}

pub(crate) fn diagnostic(leak: &Leak, source: &SourceText) -> Diagnostic {
    leaks::leak_diagnostic(&ClosedOnlyOnHappyPath::RULE, leak, source, "")
}
