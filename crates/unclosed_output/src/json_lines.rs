//! `--output-format json-lines`: the objects of `json`, one per line, so a
//! consumer can stream them (`jq -c`, log shippers).

use std::io::{self, Write};

use unclosed_diagnostics::FileReport;

use crate::RenderOptions;

pub(crate) fn render(
    out: &mut dyn Write,
    reports: &[FileReport],
    options: &RenderOptions,
) -> io::Result<()> {
    for diagnostic in crate::json::diagnostics(reports, options) {
        serde_json::to_writer(&mut *out, &diagnostic)?;
        writeln!(out)?;
    }
    Ok(())
}
