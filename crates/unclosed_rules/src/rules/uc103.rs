use unclosed_dataflow::{Leak, LeakCause};
use unclosed_diagnostics::{Diagnostic, SourceText};

use crate::leaks;
use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds a name that refers to an open resource and is rebound to
    /// something else while that resource is still open, when no other
    /// reference to it remains.
    ///
    /// ## Why is this bad?
    /// Rebinding does not close anything. The first resource can no longer
    /// be closed by the code; it stays open until the garbage collector
    /// happens to free it. This is "Mistake 2": forgetting that reassignment
    /// does not close.
    ///
    /// ## Example
    /// ```python
    /// f = open("file1.txt")
    /// f = open("file2.txt")  # file1.txt's descriptor is now leaked
    /// f.close()
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// with open("file1.txt") as f:
    ///     ...
    /// with open("file2.txt") as f:
    ///     ...
    /// ```
    pub struct ReassignedWhileOpen {
        code: "UC103",
        name: "reassigned-while-open",
        summary: "the only reference to an open resource is rebound",
    }
}

pub(crate) fn diagnostic(leak: &Leak, source: &SourceText) -> Diagnostic {
    let rule = ReassignedWhileOpen::RULE;
    let LeakCause::Rebound(at) = leak.cause else {
        unreachable!("UC103 reports rebinding only")
    };
    let name = leak.name.as_deref().unwrap_or("the name");
    let message = format!(
        "`{name}` is rebound while the {} is still open; that {} is never closed",
        leaks::subject(leak, source),
        leak.kind().noun()
    );
    Diagnostic::new(rule.code, rule.name, message, at)
        .with_label(leak.range, "acquired here")
        .with_help(format!(
            "close `{name}` before rebinding it, or use a `with` block for each resource"
        ))
}
