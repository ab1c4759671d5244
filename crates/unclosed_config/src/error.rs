//! A configuration error: which file, where in it, what is wrong.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use annotate_snippets::{Level, Renderer, Snippet};

/// An invalid or unreadable configuration file. `unclosed` stops with exit
/// status 2 on any of these: a configuration is never half applied.
#[derive(Debug, Clone)]
pub struct ConfigError {
    /// The configuration file, as the user would name it.
    pub path: PathBuf,
    /// What is wrong: "unknown key `extend_select` in `[tool.unclosed]`".
    pub message: String,
    /// Where: a byte range of `text`, when the error has a place.
    pub span: Option<Range<usize>>,
    /// A short note at the place: "did you mean `extend-select`?".
    pub label: Option<String>,
    text: Option<Arc<str>>,
}

impl ConfigError {
    /// An error at `span` of the file's `text`.
    pub fn at(
        path: &Path,
        text: &Arc<str>,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            path: path.to_path_buf(),
            message: message.into(),
            span: Some(span),
            label: None,
            text: Some(Arc::clone(text)),
        }
    }

    /// An error about the whole file (it cannot be read).
    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        Self {
            path: path.to_path_buf(),
            message: message.into(),
            span: None,
            label: None,
            text: None,
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// The 1-based line and column (in characters) of the error's start.
    pub fn line_column(&self) -> Option<(usize, usize)> {
        let (text, span) = (self.text.as_deref()?, self.span.as_ref()?);
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let before = &text[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = text[line_start..start].chars().count() + 1;
        Some((line, column))
    }

    /// The error with a source frame, as rustc and ruff print them:
    ///
    /// ```text
    /// error: unknown key `extend_select` in `[tool.unclosed]`
    ///  --> pyproject.toml:4:1
    ///   |
    /// 4 | extend_select = ["UC1"]
    ///   | ^^^^^^^^^^^^^ did you mean `extend-select`?
    /// ```
    pub fn render(&self, color: bool) -> String {
        let renderer = if color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        let (Some(text), Some(span)) = (self.text.as_deref(), self.span.clone()) else {
            let origin = self.path.display().to_string();
            return renderer
                .render(Level::Error.title(&format!("{origin}: {}", self.message)))
                .to_string();
        };
        // Frame only the lines of the span, so that a long file stays short.
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let end = floor_char_boundary(text, span.end.clamp(start, text.len()));
        let first_line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let last_line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
        let frame = &text[first_line_start..last_line_end];
        let line = text[..first_line_start].matches('\n').count() + 1;
        let local = start - first_line_start..end - first_line_start;
        let origin = self.path.display().to_string();
        let label = self.label.as_deref().unwrap_or("");
        let snippet = Snippet::source(frame)
            .line_start(line)
            .origin(&origin)
            .annotation(Level::Error.span(local).label(label));
        renderer
            .render(Level::Error.title(&self.message).snippet(snippet))
            .to_string()
    }
}

/// One line: `pyproject.toml:4:1: unknown key ... (did you mean ...?)`.
impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some((line, column)) = self.line_column() {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(label) = &self.label {
            write!(f, " ({label})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_and_render() {
        let text: Arc<str> = Arc::from("[tool.unclosed]\nstrict = 1\n");
        let err = ConfigError::at(
            Path::new("pyproject.toml"),
            &text,
            25..26,
            "`strict` must be a boolean, found integer",
        )
        .with_label("true or false");
        assert_eq!(err.line_column(), Some((2, 10)));
        assert_eq!(
            err.to_string(),
            "pyproject.toml:2:10: `strict` must be a boolean, found integer (true or false)"
        );
        let rendered = err.render(false);
        assert!(rendered.starts_with("error: `strict` must be a boolean"));
        assert!(rendered.contains("--> pyproject.toml:2:10"), "{rendered}");
        assert!(rendered.contains("2 | strict = 1"), "{rendered}");
        assert!(rendered.contains("^ true or false"), "{rendered}");
    }
}
