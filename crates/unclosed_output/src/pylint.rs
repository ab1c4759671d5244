//! `--output-format pylint`: pylint's parseable format,
//! `path:row: [CODE] message`, which editors and CI log parsers read.

use std::io::{self, Write};

use unclosed_diagnostics::FileReport;

use crate::{RenderOptions, start_location};

pub(crate) fn render(
    out: &mut dyn Write,
    reports: &[FileReport],
    _options: &RenderOptions,
) -> io::Result<()> {
    for report in reports {
        for diagnostic in &report.diagnostics {
            let loc = start_location(report, diagnostic.range.start());
            writeln!(
                out,
                "{}:{}: [{}] {}",
                report.path.display(),
                loc.row,
                diagnostic.code,
                one_line(&diagnostic.message)
            )?;
        }
    }
    Ok(())
}

/// Line-oriented formats cannot carry a newline inside a message.
pub(crate) fn one_line(message: &str) -> std::borrow::Cow<'_, str> {
    if message.contains(['\n', '\r']) {
        message
            .split(['\n', '\r'])
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
            .into()
    } else {
        message.into()
    }
}
