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
    /// `None` when the file could not be read or decoded (then a `UC000`
    /// diagnostic says why), and for a file without findings in a check
    /// run of many files, which does not keep texts it will not show.
    pub source: Option<Arc<SourceText>>,
    pub diagnostics: Vec<Diagnostic>,
}

impl FileReport {
    /// The report of a file that could not be read or decoded: one
    /// `UC000` `file-error` diagnostic saying why.
    pub fn file_error(path: &std::path::Path, message: String) -> Self {
        Self {
            path: path.to_path_buf(),
            source: None,
            diagnostics: vec![Diagnostic::new(
                SYNTAX_ERROR_CODE,
                "file-error",
                message,
                TextRange::default(),
            )],
        }
    }

    /// Sort diagnostics by position, then code: output must be deterministic.
    pub fn sort(&mut self) {
        self.diagnostics
            .sort_by(|a, b| (a.range.start(), a.code).cmp(&(b.range.start(), b.code)));
    }
}

/// The result of applying fixes to a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The text with the applied fixes' edits.
    pub text: String,
    /// The indices (into the given fixes) of the fixes applied, in order.
    pub applied: Vec<usize>,
}

/// Apply `fixes` to `text`, each whole or not at all: a fix is skipped when
/// one of its edits overlaps (or touches at the same insertion point) an
/// edit of a fix already taken. An edit identical to one already taken (the
/// same `import contextlib` two fixes both add) is shared, not a conflict:
/// it is applied once. Fixes are taken in the order of their first edit, so
/// the result does not depend on the order they are given in. Edits outside
/// the text make the fix skipped, never a panic.
pub fn apply_fixes(text: &str, fixes: &[&Fix]) -> Applied {
    let mut order: Vec<usize> = (0..fixes.len())
        .filter(|&i| !fixes[i].edits.is_empty())
        .collect();
    let first = |i: usize| {
        fixes[i]
            .edits
            .iter()
            .map(|e| (e.range.start(), e.range.end()))
            .min()
            .unwrap_or_default()
    };
    order.sort_by_key(|&i| (first(i), i));
    let len = TextSize::try_from(text.len()).unwrap_or(TextSize::new(u32::MAX));
    let mut taken: Vec<&Edit> = Vec::new();
    let mut applied = Vec::new();
    'fixes: for i in order {
        let mut edits: Vec<&Edit> = fixes[i].edits.iter().collect();
        edits.sort_by_key(|e| (e.range.start(), e.range.end()));
        for (k, edit) in edits.iter().enumerate() {
            if edit.range.end() > len
                || !text.is_char_boundary(edit.range.start().to_usize())
                || !text.is_char_boundary(edit.range.end().to_usize())
            {
                continue 'fixes;
            }
            if k > 0 && edits[k - 1].range.end() > edit.range.start() {
                continue 'fixes;
            }
            if taken
                .iter()
                .any(|t| *t != *edit && overlaps(t.range, edit.range))
            {
                continue 'fixes;
            }
        }
        let before = taken.len();
        for edit in edits {
            if !taken[..before].contains(&edit) {
                taken.push(edit);
            }
        }
        applied.push(i);
    }
    taken.sort_by_key(|e| (e.range.start(), e.range.end()));
    let mut out = String::with_capacity(text.len());
    let mut at = 0usize;
    for edit in taken {
        out.push_str(&text[at..edit.range.start().to_usize()]);
        out.push_str(&edit.content);
        at = edit.range.end().to_usize();
    }
    out.push_str(&text[at..]);
    Applied { text: out, applied }
}

/// Two edits conflict when their ranges share a byte, or both insert at
/// the same point (their order would be a guess).
fn overlaps(a: TextRange, b: TextRange) -> bool {
    if a.is_empty() && b.is_empty() {
        return a.start() == b.start();
    }
    a.start() < b.end() && b.start() < a.end()
        || (a.is_empty() && b.start() < a.start() && a.start() < b.end())
        || (b.is_empty() && a.start() < b.start() && b.start() < a.end())
}

impl Edit {
    pub fn replacement(content: impl Into<String>, range: TextRange) -> Self {
        Self {
            range,
            content: content.into(),
        }
    }

    pub fn insertion(content: impl Into<String>, at: TextSize) -> Self {
        Self {
            range: TextRange::empty(at),
            content: content.into(),
        }
    }

    pub fn deletion(range: TextRange) -> Self {
        Self {
            range,
            content: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(edits: Vec<Edit>) -> Fix {
        Fix {
            applicability: Applicability::Safe,
            message: String::new(),
            edits,
        }
    }

    fn range(a: u32, b: u32) -> TextRange {
        TextRange::new(TextSize::new(a), TextSize::new(b))
    }

    #[test]
    fn applies_non_overlapping_fixes_whole() {
        let text = "abcdef";
        let a = fix(vec![
            Edit::replacement("X", range(0, 1)),
            Edit::insertion("!", TextSize::new(6)),
        ]);
        let b = fix(vec![Edit::replacement("Y", range(2, 4))]);
        let c = fix(vec![Edit::deletion(range(3, 5))]);
        let out = apply_fixes(text, &[&c, &a, &b]);
        assert_eq!(out.text, "XbYef!");
        assert_eq!(out.applied, vec![1, 2]);
    }

    #[test]
    fn skips_edits_out_of_range_or_inside_a_character() {
        let out = apply_fixes("é", &[&fix(vec![Edit::deletion(range(1, 2))])]);
        assert_eq!(out.text, "é");
        assert!(out.applied.is_empty());
        let out = apply_fixes("ab", &[&fix(vec![Edit::deletion(range(1, 9))])]);
        assert_eq!(out.text, "ab");
    }

    #[test]
    fn identical_edits_are_shared() {
        let import = Edit::insertion("import contextlib\n", TextSize::new(0));
        let a = fix(vec![import.clone(), Edit::replacement("A", range(2, 3))]);
        let b = fix(vec![import.clone(), Edit::replacement("B", range(4, 5))]);
        let out = apply_fixes("x\ny\nz\n", &[&a, &b]);
        assert_eq!(out.text, "import contextlib\nx\nA\nB\n");
        assert_eq!(out.applied, vec![0, 1]);
    }

    #[test]
    fn same_point_insertions_conflict() {
        let a = fix(vec![Edit::insertion("1", TextSize::new(1))]);
        let b = fix(vec![Edit::insertion("2", TextSize::new(1))]);
        let out = apply_fixes("ab", &[&a, &b]);
        assert_eq!(out.text, "a1b");
        assert_eq!(out.applied, vec![0]);
    }
}
