//! Output formats. Each format is one module that turns a list of
//! [`FileReport`]s into bytes; rules never see these modules.

use std::io::{self, Write};

use unclosed_diagnostics::FileReport;

mod concise;
mod json;
mod text;

/// `--output-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    #[default]
    Text,
    Concise,
    Json,
}

impl OutputFormat {
    pub const NAMES: &'static [&'static str] = &["text", "concise", "json"];

    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "text" | "full" => Self::Text,
            "concise" => Self::Concise,
            "json" => Self::Json,
            _ => return None,
        })
    }
}

/// Options every format may use.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// ANSI colours (only on a terminal, never with `NO_COLOR`).
    pub color: bool,
    /// Prefix of each rule's documentation URL; the code is appended.
    pub url_base: String,
}

impl RenderOptions {
    pub fn url(&self, code: &str) -> Option<String> {
        if code == unclosed_diagnostics::SYNTAX_ERROR_CODE || self.url_base.is_empty() {
            None
        } else {
            Some(format!("{}{}.md", self.url_base, code))
        }
    }
}

/// Write the diagnostics of `reports` (already sorted) in `format`.
pub fn render(
    out: &mut dyn Write,
    format: OutputFormat,
    reports: &[FileReport],
    options: &RenderOptions,
) -> io::Result<()> {
    match format {
        OutputFormat::Text => text::render(out, reports, options),
        OutputFormat::Concise => concise::render(out, reports, options),
        OutputFormat::Json => json::render(out, reports, options),
    }
}

/// Row and column of a diagnostic's start, `1:1` for files without text.
pub(crate) fn start_location(
    report: &FileReport,
    offset: unclosed_diagnostics::TextSize,
) -> unclosed_diagnostics::Location {
    match &report.source {
        Some(source) => source.location(offset),
        None => unclosed_diagnostics::Location { row: 1, column: 1 },
    }
}
