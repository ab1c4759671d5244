//! Fixes: the edits that turn a finding into correct code.
//!
//! A fix is computed from the fact a rule reports and the file's syntax
//! tree, and attached to the diagnostic (`Diagnostic::fix`). Applying fixes
//! (non-overlapping, repeated until nothing changes, re-parsed after each
//! round) is the job of `crate::fix_loop`, not of this module; `edits.rs`
//! has what several fixes share (locating a statement, line endings,
//! indentation, adding an import). A fix is
//! `Safe` when it keeps the program's meaning on every path, `Unsafe` when
//! it rests on a guess (where a block ends, that a callee does not keep the
//! object).
//!
//! Every fix preserves the file byte for byte outside its edits, and within
//! them keeps the file's indentation style and line endings.

use ruff_python_ast::Stmt;
use unclosed_dataflow::Fact;
use unclosed_diagnostics::{Diagnostic, Fix, SourceText};

use crate::Settings;

mod communicate;
pub(crate) mod edits;
mod generators;
mod sqlite;
mod temporary;
mod unbound;
mod with_block;

/// What a fix may look at.
#[allow(dead_code)] // until the first fix reads it
pub(crate) struct FixContext<'a> {
    /// The module's statements.
    pub suite: &'a [Stmt],
    pub source: &'a SourceText,
    pub settings: &'a Settings,
}

/// The fix for `diagnostic`, reported for `fact`, if there is one.
pub(crate) fn fix(fact: &Fact, diagnostic: &Diagnostic, cx: &FixContext) -> Option<Fix> {
    match (fact, diagnostic.code) {
        (Fact::Leak(leak), "UC101" | "UC102" | "UC106") => with_block::fix(leak, cx),
        (Fact::Leak(leak), "UC105") => sqlite::fix(leak, cx),
        (Fact::Temporary(temporary), "UC104") => temporary::fix(temporary, cx),
        (Fact::PossiblyUnbound(unbound), "UC202") => unbound::fix(unbound, cx),
        (Fact::PipeDeadlock(deadlock), "UC203") => communicate::fix(deadlock, cx),
        (Fact::AbandonedGenerator(generator), "UC301" | "UC302") => generators::fix(generator, cx),
        _ => None,
    }
}
