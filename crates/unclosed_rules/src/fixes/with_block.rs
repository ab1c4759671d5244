//! UC101, UC102, UC106: `f = open(...)` and the statements using `f` become a `with` block, or a `try`/`finally` that releases it.

use unclosed_dataflow::Leak;
use unclosed_diagnostics::Fix;

use super::FixContext;

pub(crate) fn fix(_fact: &Leak, _cx: &FixContext) -> Option<Fix> {
    None
}
