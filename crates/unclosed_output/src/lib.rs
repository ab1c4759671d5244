//! Output formats. Each format is one module that turns a list of
//! [`FileReport`]s into bytes; rules never see these modules.

use std::io::{self, Write};

use unclosed_diagnostics::FileReport;

mod concise;
mod github;
mod json;
mod json_lines;
mod junit;
mod pylint;
mod sarif;
mod text;

/// `--output-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    #[default]
    Text,
    Concise,
    Json,
    JsonLines,
    Sarif,
    Github,
    Junit,
    Pylint,
}

impl OutputFormat {
    pub const NAMES: &'static [&'static str] = &[
        "text",
        "concise",
        "json",
        "json-lines",
        "sarif",
        "github",
        "junit",
        "pylint",
    ];

    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "text" | "full" => Self::Text,
            "concise" => Self::Concise,
            "json" => Self::Json,
            "json-lines" => Self::JsonLines,
            "sarif" => Self::Sarif,
            "github" => Self::Github,
            "junit" => Self::Junit,
            "pylint" => Self::Pylint,
            _ => return None,
        })
    }

    /// Formats meant for people, after which `check` prints a summary line.
    pub fn is_human(self) -> bool {
        matches!(self, Self::Text | Self::Concise)
    }
}

/// What a format needs to know about a rule (SARIF's rule descriptors,
/// help links). The CLI fills it from the rule registry, so the rules know
/// nothing about formats and this crate nothing about the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    /// `UC101`.
    pub code: &'static str,
    /// `resource-not-closed`.
    pub name: &'static str,
    /// One line: what the rule reports.
    pub summary: &'static str,
    /// The rule's documentation, Markdown.
    pub doc: String,
    /// Where the rule's documentation page lives.
    pub url: Option<String>,
}

/// Options every format may use.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// ANSI colours (only on a terminal, never with `NO_COLOR`).
    pub color: bool,
    /// Prefix of each rule's documentation URL; the code is appended.
    pub url_base: String,
    /// Every rule that may appear, in code order (SARIF lists them all).
    pub rules: Vec<RuleInfo>,
    /// `--unsafe-fixes`: unsafe fixes count as applicable (`[*]`).
    pub unsafe_fixes: bool,
}

impl RenderOptions {
    pub fn url(&self, code: &str) -> Option<String> {
        if code == unclosed_diagnostics::SYNTAX_ERROR_CODE || self.url_base.is_empty() {
            None
        } else {
            Some(format!("{}{}.md", self.url_base, code))
        }
    }

    /// Whether `diagnostic` has a fix `--fix` would apply: a safe one, or
    /// an unsafe one with `--unsafe-fixes` (ruff's `[*]`).
    pub fn fixable(&self, diagnostic: &unclosed_diagnostics::Diagnostic) -> bool {
        use unclosed_diagnostics::Applicability;
        diagnostic
            .fix
            .as_ref()
            .is_some_and(|fix| match fix.applicability {
                Applicability::Safe => true,
                Applicability::Unsafe => self.unsafe_fixes,
                Applicability::DisplayOnly => false,
            })
    }

    /// The rule with this code, and its position in [`Self::rules`].
    pub(crate) fn rule(&self, code: &str) -> Option<(usize, &RuleInfo)> {
        self.rules.iter().enumerate().find(|(_, r)| r.code == code)
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
        OutputFormat::JsonLines => json_lines::render(out, reports, options),
        OutputFormat::Sarif => sarif::render(out, reports, options),
        OutputFormat::Github => github::render(out, reports, options),
        OutputFormat::Junit => junit::render(out, reports, options),
        OutputFormat::Pylint => pylint::render(out, reports, options),
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
