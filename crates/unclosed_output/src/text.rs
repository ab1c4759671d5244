//! `--output-format text` (the default): a `path:row:col: CODE message`
//! header, then a source frame and a help line, like ruff and rustc.

use std::io::{self, Write};

use annotate_snippets::{Level, Renderer, Snippet};
use unclosed_diagnostics::{Diagnostic, FileReport, OneIndexed, SourceText, TextRange, TextSize};

use crate::{RenderOptions, start_location};

pub(crate) fn render(
    out: &mut dyn Write,
    reports: &[FileReport],
    options: &RenderOptions,
) -> io::Result<()> {
    let renderer = if options.color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    for report in reports {
        for diagnostic in &report.diagnostics {
            let loc = start_location(report, diagnostic.range.start());
            let fixable = if options.fixable(diagnostic) {
                " [*]"
            } else {
                ""
            };
            let (bold, code_style, reset) = if options.color {
                ("\x1b[1m", "\x1b[1;31m", "\x1b[0m")
            } else {
                ("", "", "")
            };
            writeln!(
                out,
                "{bold}{}{reset}:{}:{}: {code_style}{}{reset}{fixable} {}",
                report.path.display(),
                loc.row,
                loc.column,
                diagnostic.code,
                diagnostic.message
            )?;
            if let Some(source) = &report.source {
                write_frame(out, &renderer, source, diagnostic)?;
            }
            if let Some(help) = &diagnostic.help {
                writeln!(out, "  = help: {help}")?;
            }
            writeln!(out)?;
        }
    }
    Ok(())
}

/// The source lines around the primary span and the labels.
fn write_frame(
    out: &mut dyn Write,
    renderer: &Renderer,
    source: &SourceText,
    diagnostic: &Diagnostic,
) -> io::Result<()> {
    let code = source.code();
    let text_len = TextSize::try_from(source.text.len()).unwrap_or_default();
    let clamp = |r: TextRange| {
        let start = r.start().min(text_len);
        TextRange::new(start, r.end().clamp(start, text_len))
    };
    let primary = clamp(diagnostic.range);
    let spans: Vec<TextRange> = std::iter::once(primary)
        .chain(diagnostic.labels.iter().map(|l| clamp(l.range)))
        .collect();
    let first_line = spans
        .iter()
        .map(|r| code.line_index(r.start()))
        .min()
        .unwrap_or(OneIndexed::MIN);
    let last_line = spans
        .iter()
        .map(|r| code.line_index(r.end()))
        .max()
        .unwrap_or(OneIndexed::MIN);
    let start = code.line_start(first_line);
    let end = code.line_end_exclusive(last_line).max(start);
    let snippet_text = &source.text[usize::from(start)..usize::from(end)];
    let local = |r: TextRange| {
        let s = usize::from(r.start() - start).min(snippet_text.len());
        let e = usize::from(r.end().saturating_sub(start)).clamp(s, snippet_text.len());
        // A zero-width span still needs a caret.
        if s == e && e < snippet_text.len() {
            s..e + 1
        } else {
            s..e
        }
    };
    let mut snippet = Snippet::source(snippet_text)
        .line_start(first_line.get())
        .fold(true)
        .annotation(Level::Error.span(local(primary)).label(diagnostic.code));
    for label in &diagnostic.labels {
        snippet = snippet.annotation(
            Level::Warning
                .span(local(clamp(label.range)))
                .label(&label.message),
        );
    }
    let message = Level::Error.title("").snippet(snippet);
    let rendered = renderer.render(message).to_string();
    // The first line is annotate-snippets' own title; ours is the header.
    for line in rendered.lines().skip(1) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}
