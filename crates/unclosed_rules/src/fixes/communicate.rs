//! UC203: the write/close/read/wait sequence of a `Popen` replaced by `communicate()`.

use unclosed_dataflow::PipeDeadlock;
use unclosed_diagnostics::Fix;

use super::FixContext;

pub(crate) fn fix(_fact: &PipeDeadlock, _cx: &FixContext) -> Option<Fix> {
    None
}
