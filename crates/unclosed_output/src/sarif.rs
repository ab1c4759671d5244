//! `--output-format sarif`: SARIF 2.1.0, one run, for GitHub code scanning
//! and every other SARIF viewer. The rule descriptors carry each rule's
//! documentation (`help.markdown`) and the URL of its page.
//!
//! Paths below the current directory are written relative to it, with the
//! `%SRCROOT%` base id (what code scanning resolves against the checkout);
//! other paths as absolute `file://` URIs.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use unclosed_diagnostics::{FileReport, OneIndexed, SourceText, TextRange, TextSize};

use crate::{RenderOptions, RuleInfo, start_location};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    original_uri_base_ids: BTreeMap<&'static str, ArtifactLocation>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Message<'a>,
    full_description: Message<'a>,
    help: MultiformatMessage<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Message<'a> {
    text: std::borrow::Cow<'a, str>,
}

impl<'a> Message<'a> {
    fn new(text: impl Into<std::borrow::Cow<'a, str>>) -> Self {
        Self { text: text.into() }
    }
}

#[derive(Serialize)]
struct MultiformatMessage<'a> {
    text: &'a str,
    markdown: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Message<'a>,
    locations: [Location<'a>; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<Fix<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
    #[serde(skip_serializing_if = "Option::is_none")]
    context_region: Option<Region>,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<Snippet>,
}

#[derive(Serialize)]
struct Snippet {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Fix<'a> {
    description: Message<'a>,
    artifact_changes: [ArtifactChange<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange<'a> {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement<'a> {
    deleted_region: Region,
    inserted_content: Content<'a>,
}

#[derive(Serialize)]
struct Content<'a> {
    text: &'a str,
}

pub(crate) fn render(
    out: &mut dyn Write,
    reports: &[FileReport],
    options: &RenderOptions,
) -> io::Result<()> {
    let cwd = std::env::current_dir().ok();
    let mut original_uri_base_ids = BTreeMap::new();
    if let Some(cwd) = &cwd {
        let mut uri = file_uri(cwd);
        if !uri.ends_with('/') {
            uri.push('/');
        }
        original_uri_base_ids.insert(
            SRCROOT,
            ArtifactLocation {
                uri,
                uri_base_id: None,
            },
        );
    }

    let mut results = Vec::new();
    for report in reports {
        let artifact = artifact_location(&report.path, cwd.as_deref());
        let region = |range: TextRange| {
            let start = start_location(report, range.start());
            let end = start_location(report, range.end());
            Region {
                start_line: start.row,
                start_column: start.column,
                end_line: end.row,
                end_column: end.column,
                snippet: None,
            }
        };
        for d in &report.diagnostics {
            let physical = |range: TextRange| {
                let mut primary = region(range);
                let mut context_region = None;
                if let Some(source) = &report.source {
                    let (range, context) = snippet_ranges(source, range);
                    primary.snippet = Some(Snippet {
                        text: source.text[range].to_owned(),
                    });
                    let mut context_lines = region(context);
                    context_lines.snippet = Some(Snippet {
                        text: source.text[context].to_owned(),
                    });
                    context_region = Some(context_lines);
                }
                PhysicalLocation {
                    artifact_location: artifact.clone(),
                    region: primary,
                    context_region,
                }
            };
            results.push(SarifResult {
                rule_id: d.code,
                rule_index: options.rule(d.code).map(|(i, _)| i),
                level: "error",
                message: Message::new(message_text(&d.message, d.help.as_deref())),
                locations: [Location {
                    id: None,
                    physical_location: physical(d.range),
                    message: None,
                }],
                related_locations: d
                    .labels
                    .iter()
                    .enumerate()
                    .map(|(i, label)| Location {
                        id: Some(i + 1),
                        physical_location: physical(label.range),
                        message: Some(Message::new(label.message.as_str())),
                    })
                    .collect(),
                fixes: d
                    .fix
                    .iter()
                    .map(|fix| Fix {
                        description: Message::new(sentence(&fix.message)),
                        artifact_changes: [ArtifactChange {
                            artifact_location: artifact.clone(),
                            replacements: fix
                                .edits
                                .iter()
                                .map(|edit| Replacement {
                                    deleted_region: region(edit.range),
                                    inserted_content: Content {
                                        text: &edit.content,
                                    },
                                })
                                .collect(),
                        }],
                    })
                    .collect(),
            });
        }
    }

    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "unclosed",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: env!("CARGO_PKG_REPOSITORY"),
                    rules: options
                        .rules
                        .iter()
                        .map(|rule| descriptor(rule, options))
                        .collect(),
                },
            },
            original_uri_base_ids,
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

/// Byte ranges of `range` itself (clamped to the text) and of the whole
/// lines around it, one line of context either side (SARIF's region snippet
/// and context region).
fn snippet_ranges(source: &SourceText, range: TextRange) -> (std::ops::Range<usize>, TextRange) {
    let text = &source.text;
    let clamp = |offset: TextSize| {
        let mut i = usize::from(offset).min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = clamp(range.start());
    let end = clamp(range.end()).max(start);
    let code = source.code();
    let as_size = |i: usize| TextSize::try_from(i).unwrap_or_default();
    let first = code.line_index(as_size(start));
    let last = code.line_index(as_size(end));
    let first = first.saturating_sub(1);
    let last = last.saturating_add(1).min(OneIndexed::from_zero_indexed(
        code.line_count().saturating_sub(1),
    ));
    let last = last.max(first);
    let context = TextRange::new(
        code.line_start(first),
        code.line_end_exclusive(last).max(code.line_start(first)),
    );
    (start..end, context)
}

fn descriptor<'a>(rule: &'a RuleInfo, options: &'a RenderOptions) -> ReportingDescriptor<'a> {
    ReportingDescriptor {
        id: rule.code,
        name: rule.name,
        short_description: Message::new(sentence(rule.summary)),
        full_description: Message::new(
            first_paragraph(&rule.doc).unwrap_or_else(|| sentence(rule.summary)),
        ),
        help: MultiformatMessage {
            text: &rule.doc,
            markdown: &rule.doc,
        },
        help_uri: rule.url.clone().or_else(|| options.url(rule.code)),
        default_configuration: Configuration { level: "error" },
    }
}

/// The result's message: what is wrong, then what to do, each a sentence.
fn message_text(message: &str, help: Option<&str>) -> String {
    let mut text = sentence(message);
    if let Some(help) = help {
        text.push(' ');
        text.push_str(&sentence(help));
    }
    text
}

/// `a normal path leaves a resource open` -> `A normal path leaves a
/// resource open.` (SARIF viewers show these as prose).
fn sentence(text: &str) -> String {
    let text = text.trim();
    let mut chars = text.chars();
    let mut out: String = match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// The first prose paragraph of a Markdown doc, joined into one line.
fn first_paragraph(doc: &str) -> Option<String> {
    let mut lines = Vec::new();
    for line in doc.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("```") {
            if lines.is_empty() {
                continue;
            }
            break;
        }
        lines.push(line);
    }
    (!lines.is_empty()).then(|| lines.join(" "))
}

fn artifact_location(path: &Path, cwd: Option<&Path>) -> ArtifactLocation {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    if let Some(relative) = cwd.and_then(|cwd| absolute.strip_prefix(cwd).ok()) {
        let parts: Vec<String> = relative
            .components()
            .map(|c| percent_encode(&c.as_os_str().to_string_lossy()))
            .collect();
        if !parts.is_empty() {
            return ArtifactLocation {
                uri: parts.join("/"),
                uri_base_id: Some(SRCROOT),
            };
        }
    }
    ArtifactLocation {
        uri: file_uri(&absolute),
        uri_base_id: None,
    }
}

/// `file:///abs/path` for an absolute path (`file:///C:/x` on Windows).
fn file_uri(path: &Path) -> String {
    let path: PathBuf = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let text = path.to_string_lossy();
    let text = if cfg!(windows) {
        text.replace('\\', "/")
    } else {
        text.into_owned()
    };
    let mut uri = String::from("file://");
    if !text.starts_with('/') {
        uri.push('/');
    }
    for (i, segment) in text.split('/').enumerate() {
        if i > 0 {
            uri.push('/');
        }
        // Keep a Windows drive (`C:`) as it is.
        let is_drive = segment.len() == 2
            && segment.ends_with(':')
            && segment.as_bytes()[0].is_ascii_alphabetic()
            && i <= 1;
        if is_drive {
            uri.push_str(segment);
        } else {
            uri.push_str(&percent_encode(segment));
        }
    }
    uri
}

/// Percent-encode one path segment: everything but RFC 3986's unreserved
/// characters, as UTF-8 bytes.
fn percent_encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(unix)]
    fn uris() {
        assert_eq!(percent_encode("a b%é.py"), "a%20b%25%C3%A9.py");
        let loc = artifact_location(Path::new("/srv/app/pkg/m.py"), Some(Path::new("/srv/app")));
        assert_eq!(loc.uri, "pkg/m.py");
        assert_eq!(loc.uri_base_id, Some(SRCROOT));
        let loc = artifact_location(Path::new("/other/m.py"), Some(Path::new("/srv/app")));
        assert_eq!(loc.uri, "file:///other/m.py");
        assert_eq!(loc.uri_base_id, None);
    }

    #[test]
    fn prose() {
        assert_eq!(sentence("a path leaks"), "A path leaks.");
        assert_eq!(sentence("Done."), "Done.");
        assert_eq!(
            first_paragraph("## What it does\nFinds a\nleak.\n\nMore.").as_deref(),
            Some("Finds a leak.")
        );
    }
}
