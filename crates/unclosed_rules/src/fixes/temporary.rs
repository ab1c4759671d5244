//! UC104: `open(p).read()` becomes `Path(p).read_text()`, or a `with` block.

use unclosed_dataflow::Temporary;
use unclosed_diagnostics::Fix;

use super::FixContext;

pub(crate) fn fix(_fact: &Temporary, _cx: &FixContext) -> Option<Fix> {
    None
}
