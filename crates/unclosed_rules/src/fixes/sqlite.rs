//! UC105: `with sqlite3.connect(x) as c:` becomes `with contextlib.closing(sqlite3.connect(x)) as c, c:`.

use unclosed_dataflow::Leak;
use unclosed_diagnostics::Fix;

use super::FixContext;

pub(crate) fn fix(_fact: &Leak, _cx: &FixContext) -> Option<Fix> {
    None
}
