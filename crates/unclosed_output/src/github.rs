//! `--output-format github`: GitHub Actions workflow commands, which the
//! runner turns into annotations on the pull request's diff:
//! `::error file=...,line=...,col=...,endLine=...,endColumn=...,title=...::message`.

use std::io::{self, Write};

use unclosed_diagnostics::FileReport;

use crate::{RenderOptions, start_location};

pub(crate) fn render(
    out: &mut dyn Write,
    reports: &[FileReport],
    _options: &RenderOptions,
) -> io::Result<()> {
    for report in reports {
        let file = escape_property(&report.path.display().to_string());
        for diagnostic in &report.diagnostics {
            let start = start_location(report, diagnostic.range.start());
            let end = start_location(report, diagnostic.range.end());
            let title = format!("{} ({})", diagnostic.code, diagnostic.name);
            writeln!(
                out,
                "::error file={file},line={},col={},endLine={},endColumn={},title={}::{}",
                start.row,
                start.column,
                end.row,
                end.column,
                escape_property(&title),
                escape_data(&diagnostic.message)
            )?;
        }
    }
    Ok(())
}

/// The message after `::` (the runner's `escapeData`).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A `key=value` property (the runner's `escapeProperty`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_actions_toolkit() {
        assert_eq!(escape_data("100% a\r\nb: c,d"), "100%25 a%0D%0Ab: c,d");
        assert_eq!(escape_property("C:\\a,b%\n.py"), "C%3A\\a%2Cb%25%0A.py");
    }
}
