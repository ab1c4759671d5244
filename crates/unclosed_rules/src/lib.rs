//! Rules and the per-file check.

pub mod registry;
pub mod rules;
mod selection;

pub use registry::{RULES, Rule, find_rule};
pub use selection::{RuleSelection, UnknownPrefix};

/// Where each rule's documentation page lives; the code and `.md` are
/// appended.
pub const DOCS_URL_BASE: &str = "https://github.com/unclosed/unclosed/blob/main/docs/rules/";

use std::path::Path;
use std::sync::Arc;

use unclosed_diagnostics::{Diagnostic, FileReport, SYNTAX_ERROR_CODE, SourceText, TextRange};

/// What to check and how.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub selection: RuleSelection,
    pub strict: bool,
    pub ignore_noqa: bool,
}

/// Read, parse and check one file. Never panics on bad input: a file that
/// cannot be read or parsed yields one `UC000` diagnostic.
pub fn check_file(path: &Path, settings: &Settings, max_size: u64) -> FileReport {
    match unclosed_source::read(path, max_size) {
        Ok(decoded) => check_text(path, decoded.text, settings),
        Err(err) => FileReport {
            path: path.to_path_buf(),
            source: None,
            diagnostics: vec![Diagnostic::new(
                SYNTAX_ERROR_CODE,
                "file-error",
                err.to_string(),
                TextRange::default(),
            )],
        },
    }
}

/// Check decoded text.
pub fn check_text(path: &Path, text: String, _settings: &Settings) -> FileReport {
    let source = Arc::new(SourceText::new(text));
    let mut diagnostics = Vec::new();
    if let Err(err) = unclosed_source::parse(&source.text) {
        diagnostics.push(Diagnostic::new(
            SYNTAX_ERROR_CODE,
            "syntax-error",
            err.message,
            err.range,
        ));
    }
    let mut report = FileReport {
        path: path.to_path_buf(),
        source: Some(source),
        diagnostics,
    };
    report.sort();
    report
}
