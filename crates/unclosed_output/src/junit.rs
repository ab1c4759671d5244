//! `--output-format junit`: JUnit XML, which CI systems (GitLab, Jenkins,
//! Azure Pipelines) show as test results. One `testsuite` per file, one
//! failing `testcase` per finding.

use std::io::{self, Write};

use unclosed_diagnostics::FileReport;

use crate::{RenderOptions, start_location};

pub(crate) fn render(
    out: &mut dyn Write,
    reports: &[FileReport],
    _options: &RenderOptions,
) -> io::Result<()> {
    let total: usize = reports.iter().map(|r| r.diagnostics.len()).sum();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="unclosed" tests="{total}" failures="{total}" errors="0">"#
    )?;
    if reports.is_empty() {
        // An empty report reads as "no tests ran" in some viewers.
        writeln!(
            out,
            r#"  <testsuite name="unclosed" tests="1" failures="0" errors="0">"#
        )?;
        writeln!(
            out,
            r#"    <testcase name="No findings" classname="unclosed"/>"#
        )?;
        writeln!(out, "  </testsuite>")?;
    }
    for report in reports {
        let path = escape(&report.path.display().to_string());
        let n = report.diagnostics.len();
        writeln!(
            out,
            r#"  <testsuite name="{path}" tests="{n}" failures="{n}" errors="0">"#
        )?;
        for diagnostic in &report.diagnostics {
            let loc = start_location(report, diagnostic.range.start());
            let message = escape(&diagnostic.message);
            writeln!(
                out,
                r#"    <testcase name="{code} ({name}) at {path}:{row}:{col}" classname="{path}" file="{path}" line="{row}">"#,
                code = diagnostic.code,
                name = diagnostic.name,
                row = loc.row,
                col = loc.column,
            )?;
            let mut body = format!(
                "{path}:{}:{}: {} {message}",
                loc.row, loc.column, diagnostic.code
            );
            if let Some(help) = &diagnostic.help {
                body.push_str("\nhelp: ");
                body.push_str(&escape(help));
            }
            writeln!(
                out,
                r#"      <failure type="{}" message="{message}">{body}</failure>"#,
                diagnostic.code
            )?;
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

/// Escape text for an XML attribute or element. Characters XML 1.0 cannot
/// carry at all (most C0 controls) become U+FFFD; line breaks inside
/// attributes are kept as character references.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(
            escape("a<b>&\"c\"'\n\u{1}"),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;&#10;\u{FFFD}"
        );
    }
}
