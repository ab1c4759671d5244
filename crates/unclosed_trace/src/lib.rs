//! `unclosed trace`: run a Python command under observation.

use std::path::PathBuf;

use unclosed_diagnostics::FileReport;

/// Options of `unclosed trace`.
#[derive(Debug, clap::Args)]
pub struct TraceArgs {
    /// The command to run, after `--`.
    #[arg(last = true, required = true)]
    pub command: Vec<String>,
}

/// Runs the static analyzer on files (for `--check`).
pub type StaticCheck<'a> = &'a dyn Fn(&[PathBuf]) -> Vec<FileReport>;

/// Run the command; returns the process exit code to use.
pub fn run(_args: TraceArgs, _check: StaticCheck<'_>) -> anyhow::Result<i32> {
    anyhow::bail!("`unclosed trace` is not implemented yet")
}
