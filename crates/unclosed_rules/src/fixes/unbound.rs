//! UC202: `name = None` hoisted before the `try`, the release guarded by `if name is not None:`.

use unclosed_dataflow::PossiblyUnbound;
use unclosed_diagnostics::Fix;

use super::FixContext;

pub(crate) fn fix(_fact: &PossiblyUnbound, _cx: &FixContext) -> Option<Fix> {
    None
}
