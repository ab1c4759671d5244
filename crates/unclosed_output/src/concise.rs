//! `--output-format concise`: `path:row:col: CODE message`, one line each.

use std::io::{self, Write};

use unclosed_diagnostics::FileReport;

use crate::{RenderOptions, start_location};

pub(crate) fn render(
    out: &mut dyn Write,
    reports: &[FileReport],
    options: &RenderOptions,
) -> io::Result<()> {
    for report in reports {
        for diagnostic in &report.diagnostics {
            let loc = start_location(report, diagnostic.range.start());
            let fixable = if options.fixable(diagnostic) {
                " [*]"
            } else {
                ""
            };
            writeln!(
                out,
                "{}:{}:{}: {}{} {}",
                report.path.display(),
                loc.row,
                loc.column,
                diagnostic.code,
                fixable,
                diagnostic.message
            )?;
        }
    }
    Ok(())
}
