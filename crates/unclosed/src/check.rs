//! `unclosed check`: collect files, analyze them in parallel, print.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use rayon::prelude::*;
use unclosed_diagnostics::{Diagnostic, FileReport, SYNTAX_ERROR_CODE, TextRange};
use unclosed_output::{OutputFormat, RenderOptions};
use unclosed_rules::{RuleSelection, Settings};

use crate::walk::Walker;

/// Worker threads get a large stack: deeply nested Python needs deep
/// recursion in the parser and in every tree walk.
const WORKER_STACK_SIZE: usize = 512 * 1024 * 1024;

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or directories to analyze [default: .]
    pub paths: Vec<PathBuf>,
    /// Only report rules whose code starts with one of these prefixes (UC1, UC101).
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub select: Vec<String>,
    /// Also report these rule prefixes, on top of --select.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub extend_select: Vec<String>,
    /// Do not report rules whose code starts with one of these prefixes.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub ignore: Vec<String>,
    /// How to print findings.
    #[arg(long, value_name = "FORMAT", default_value = "text",
          value_parser = clap::builder::PossibleValuesParser::new(OutputFormat::NAMES))]
    pub output_format: String,
    /// Write the findings to this file instead of stdout (the summary line,
    /// if any, still goes to stdout).
    #[arg(long, value_name = "PATH")]
    pub output_file: Option<PathBuf>,
    /// Glob of files or directories to skip (repeatable), on top of the defaults.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Analyze files that .gitignore/.ignore exclude.
    #[arg(long)]
    pub no_respect_gitignore: bool,
    /// Print the number of findings per rule instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// Report findings even on lines with `# noqa`.
    #[arg(long)]
    pub ignore_noqa: bool,
    /// Also report resources handed to callees whose ownership is unknown.
    #[arg(long)]
    pub strict: bool,
    /// Skip (and report) files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = unclosed_source::DEFAULT_MAX_FILE_SIZE)]
    pub max_file_size: u64,
    /// Print only the findings, no summary.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print timing and file counts to stderr.
    #[arg(long, short)]
    pub verbose: bool,
}

pub fn run(args: CheckArgs) -> anyhow::Result<i32> {
    let started = Instant::now();
    let format = OutputFormat::from_name(&args.output_format).context("unknown output format")?;
    let selection = RuleSelection::from_prefixes(&args.select, &args.extend_select, &args.ignore)?;
    let settings = Settings {
        selection,
        strict: args.strict,
        ignore_noqa: args.ignore_noqa,
        catalog: Default::default(),
        ..Settings::default()
    };
    let roots = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let walker = Walker::new(&args.exclude, !args.no_respect_gitignore)?;
    let (files, walk_errors) = walker.collect(&roots);
    let mut reports = analyze(&files, &settings, args.max_file_size)?;
    for (path, message) in walk_errors {
        reports.push(FileReport {
            path,
            source: None,
            diagnostics: vec![Diagnostic::new(
                SYNTAX_ERROR_CODE,
                "file-error",
                message,
                TextRange::default(),
            )],
        });
    }
    for report in &mut reports {
        report
            .diagnostics
            .retain(|d| settings.selection.is_enabled(d.code));
    }
    reports.retain(|r| !r.diagnostics.is_empty());
    reports.sort_by(|a, b| a.path.cmp(&b.path));
    let count: usize = reports.iter().map(|r| r.diagnostics.len()).sum();

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut file_out = match &args.output_file {
        Some(path) => Some(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => None,
    };
    let color = args.output_file.is_none()
        && stdout.is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    let findings: &mut dyn Write = match &mut file_out {
        Some(file) => file,
        None => &mut out,
    };
    if args.statistics {
        write_statistics(findings, &reports)?;
    } else {
        let options = RenderOptions {
            color,
            url_base: unclosed_rules::DOCS_URL_BASE.to_owned(),
            rules: rule_infos(),
        };
        unclosed_output::render(findings, format, &reports, &options)?;
        if format.is_human() && !args.quiet {
            if count == 0 {
                writeln!(out, "All checks passed!")?;
            } else {
                let files = reports.len();
                writeln!(
                    out,
                    "Found {count} finding{} in {files} file{}.",
                    if count == 1 { "" } else { "s" },
                    if files == 1 { "" } else { "s" }
                )?;
            }
        }
    }
    if let (Some(file), Some(path)) = (&mut file_out, &args.output_file) {
        file.flush()
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    out.flush()?;
    if args.verbose {
        let elapsed = started.elapsed();
        eprintln!(
            "unclosed: analyzed {} files in {:.2?} ({:.0} files/s)",
            files.len(),
            elapsed,
            files.len() as f64 / elapsed.as_secs_f64().max(1e-9)
        );
    }
    Ok(if count == 0 { 0 } else { 1 })
}

/// The rule metadata output formats need (SARIF rule descriptors).
fn rule_infos() -> Vec<unclosed_output::RuleInfo> {
    unclosed_rules::RULES
        .iter()
        .map(|rule| unclosed_output::RuleInfo {
            code: rule.code,
            name: rule.name,
            summary: rule.summary,
            doc: rule.doc(),
            url: Some(format!("{}{}.md", unclosed_rules::DOCS_URL_BASE, rule.code)),
        })
        .collect()
}

/// Analyze files in parallel on big-stack worker threads.
pub fn analyze(
    files: &[PathBuf],
    settings: &Settings,
    max_file_size: u64,
) -> anyhow::Result<Vec<FileReport>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(WORKER_STACK_SIZE)
        .build()
        .context("cannot start worker threads")?;
    Ok(pool.install(|| {
        files
            .par_iter()
            .map(|path| unclosed_rules::check_file(path, settings, max_file_size))
            .collect()
    }))
}

fn write_statistics(out: &mut dyn Write, reports: &[FileReport]) -> std::io::Result<()> {
    let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for d in reports.iter().flat_map(|r| &r.diagnostics) {
        *counts.entry((d.code, d.name)).or_default() += 1;
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for ((code, name), n) in rows {
        writeln!(out, "{n:>5}\t{code}\t{name}")?;
    }
    Ok(())
}

/// The static analyzer as `unclosed trace --check` uses it: every rule, the
/// default settings, the named files.
pub fn check_paths_for_trace(paths: &[PathBuf]) -> Vec<FileReport> {
    let settings = Settings::default();
    analyze(paths, &settings, unclosed_source::DEFAULT_MAX_FILE_SIZE).unwrap_or_default()
}
