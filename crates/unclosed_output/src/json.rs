//! `--output-format json`: an array of objects with ruff's field names, so
//! tools that read `ruff check --output-format json` read ours.

use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;
use unclosed_diagnostics::{Applicability, FileReport, Location, TextSize};

use crate::{RenderOptions, start_location};

#[derive(Serialize)]
pub(crate) struct JsonDiagnostic<'a> {
    cell: Option<usize>,
    code: &'a str,
    name: &'a str,
    message: &'a str,
    help: Option<&'a str>,
    filename: String,
    location: Location,
    end_location: Location,
    fix: Option<JsonFix<'a>>,
    url: Option<String>,
    noqa_row: usize,
    /// The places that tell the story of the finding, in path order.
    labels: Vec<JsonLabel<'a>>,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    applicability: Applicability,
    message: &'a str,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    content: &'a str,
    location: Location,
    end_location: Location,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    message: &'a str,
    location: Location,
    end_location: Location,
}

fn absolute(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

pub(crate) fn render(
    out: &mut dyn Write,
    reports: &[FileReport],
    options: &RenderOptions,
) -> io::Result<()> {
    let all = diagnostics(reports, options);
    serde_json::to_writer_pretty(&mut *out, &all)?;
    writeln!(out)
}

/// One object per diagnostic, in report order (also `json-lines`' lines).
pub(crate) fn diagnostics<'a>(
    reports: &'a [FileReport],
    options: &RenderOptions,
) -> Vec<JsonDiagnostic<'a>> {
    let mut all = Vec::new();
    for report in reports {
        let filename = absolute(&report.path);
        let loc = |offset: TextSize| start_location(report, offset);
        for d in &report.diagnostics {
            let location = loc(d.range.start());
            all.push(JsonDiagnostic {
                cell: None,
                code: d.code,
                name: d.name,
                message: &d.message,
                help: d.help.as_deref(),
                filename: filename.clone(),
                location,
                end_location: loc(d.range.end()),
                fix: d.fix.as_ref().map(|fix| JsonFix {
                    applicability: fix.applicability,
                    message: &fix.message,
                    edits: fix
                        .edits
                        .iter()
                        .map(|e| JsonEdit {
                            content: &e.content,
                            location: loc(e.range.start()),
                            end_location: loc(e.range.end()),
                        })
                        .collect(),
                }),
                url: options.url(d.code),
                noqa_row: location.row,
                labels: d
                    .labels
                    .iter()
                    .map(|l| JsonLabel {
                        message: &l.message,
                        location: loc(l.range.start()),
                        end_location: loc(l.range.end()),
                    })
                    .collect(),
            });
        }
    }
    all
}
