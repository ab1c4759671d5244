//! Diagnostics: what a rule found, where, and how it could be fixed.
//!
//! A [`Diagnostic`] is format-neutral. Rules create them with byte ranges into
//! the file's text; output formats (`unclosed_output`) turn the ranges into
//! rows and columns with a [`LineIndex`]. Nothing here knows about text, JSON
//! or SARIF.

use std::path::PathBuf;
use std::sync::Arc;

pub use ruff_source_file::{LineIndex, OneIndexed, SourceCode};
pub use ruff_text_size::{Ranged, TextRange, TextSize};

/// The code every file-level problem uses: syntax errors, unreadable files.
pub const SYNTAX_ERROR_CODE: &str = "UC000";

/// How sure a fix is to keep the program's meaning (ruff's model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Shown, never applied.
    DisplayOnly,
    /// Applied with `--unsafe-fixes`.
    Unsafe,
    /// Applied with `--fix`.
    Safe,
}

/// One replacement of a byte range with new text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: TextRange,
    pub content: String,
}

/// A set of non-overlapping edits that together fix one diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub applicability: Applicability,
    pub message: String,
    pub edits: Vec<Edit>,
}

/// A secondary location that explains the finding ("acquired here",
/// "raises here").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub range: TextRange,
    pub message: String,
}

/// One finding in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// `UC101`, or [`SYNTAX_ERROR_CODE`].
    pub code: &'static str,
    /// The rule's kebab-case name (`resource-not-closed`).
    pub name: &'static str,
    /// What is wrong, on which path.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// Where it is reported (the primary span).
    pub range: TextRange,
    /// Other places that tell the story, in path order.
    pub labels: Vec<Label>,
    pub fix: Option<Fix>,
}

impl Diagnostic {
    pub fn new(code: &'static str, name: &'static str, message: String, range: TextRange) -> Self {
        Self {
            code,
            name,
            message,
            help: None,
            range,
            labels: Vec::new(),
            fix: None,
        }
    }

    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    #[must_use]
    pub fn with_label(mut self, range: TextRange, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            range,
            message: message.into(),
        });
        self
    }
}

impl Ranged for Diagnostic {
    fn range(&self) -> TextRange {
        self.range
    }
}

/// The text of an analyzed file and its line index, shared by every
/// diagnostic of that file.
#[derive(Debug)]
pub struct SourceText {
    pub text: String,
    pub index: LineIndex,
}

impl SourceText {
    pub fn new(text: String) -> Self {
        let index = LineIndex::from_source_text(&text);
        Self { text, index }
    }

    pub fn code(&self) -> SourceCode<'_, '_> {
        SourceCode::new(&self.text, &self.index)
    }

    /// 1-based row and column (in characters) of `offset`.
    pub fn location(&self, offset: TextSize) -> Location {
        let lc = self.code().line_column(offset);
        Location {
            row: lc.line.get(),
            column: lc.column.get(),
        }
    }
}

/// 1-based row and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Location {
    pub row: usize,
    pub column: usize,
}

/// Everything `check` learned about one file.
#[derive(Debug)]
pub struct FileReport {
    pub path: PathBuf,
    /// `None` when the file could not be read or decoded.
    pub source: Option<Arc<SourceText>>,
    pub diagnostics: Vec<Diagnostic>,
}

impl FileReport {
    /// Sort diagnostics by position, then code: output must be deterministic.
    pub fn sort(&mut self) {
        self.diagnostics
            .sort_by(|a, b| (a.range.start(), a.code).cmp(&(b.range.start(), b.code)));
    }
}
