//! `unclosed check`: collect files, analyze them in parallel, print.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use unclosed_config::{ConfigError, Overrides, ResolveError, Resolved, Resolver, Source};
use unclosed_diagnostics::FileReport;
use unclosed_output::{OutputFormat, RenderOptions};
use unclosed_rules::Settings;

use crate::progress::{self, Progress};
use crate::walk::Walker;

/// Worker threads get a large stack: deeply nested Python needs deep
/// recursion in the parser and in every tree walk.
pub(crate) const WORKER_STACK_SIZE: usize = 512 * 1024 * 1024;

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
    /// Glob of files or directories to skip (repeatable), on top of the
    /// defaults and the configuration's `exclude`.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Analyze files that .gitignore/.ignore exclude.
    #[arg(long)]
    pub no_respect_gitignore: bool,
    /// Use this configuration file for every file (pyproject.toml with
    /// [tool.unclosed], or an unclosed.toml) instead of discovering one per
    /// directory.
    #[arg(long, value_name = "PATH", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,
    /// Ignore all configuration files.
    #[arg(long)]
    pub isolated: bool,
    /// Print the settings that apply to each path, and exit.
    #[arg(long)]
    pub show_settings: bool,
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
    /// Print to stderr the configuration files used, the files analyzed per
    /// second and the slowest files.
    #[arg(long, short)]
    pub verbose: bool,
    #[command(flatten)]
    pub fix: crate::fix::FixArgs,
}

pub fn run(args: CheckArgs) -> anyhow::Result<i32> {
    let started = Instant::now();
    let format = OutputFormat::from_name(&args.output_format).context("unknown output format")?;
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let resolver = Arc::new(resolver(&args, cwd)?);
    let roots = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    if args.show_settings {
        return show_settings(&resolver, &roots);
    }
    let walker = Walker::new(&args.exclude, Arc::clone(&resolver))?;
    let collected = walker.collect(&roots)?;
    // One `Resolved` (and so one `Settings`) per configuration, shared by
    // the files it governs.
    let jobs: Vec<(PathBuf, Arc<Resolved>)> = collected
        .files
        .into_iter()
        .map(|path| {
            let resolved = resolver.for_file(&path)?;
            Ok((path, resolved))
        })
        .collect::<Result<_, ConfigError>>()?;
    if args.verbose {
        eprint!("{}", configurations_used(&jobs));
    }
    let progress = Progress::new(jobs.len(), progress::wanted(args.quiet), progress::DELAY);
    let job_refs: Vec<(&Path, &Settings)> = jobs
        .iter()
        .map(|(path, resolved)| (path.as_path(), &resolved.settings))
        .collect();
    let fix_mode = args.fix.mode();
    let unsafe_fixes = args.fix.unsafe_fixes();
    let (analyzed, fixed) = match fix_mode {
        Some(mode) => {
            let (analyzed, fixed) = crate::fix::run(
                &jobs,
                &resolver,
                mode,
                unsafe_fixes,
                args.max_file_size,
                &progress,
            )?;
            (analyzed, Some(fixed))
        }
        None => (analyze(&job_refs, args.max_file_size, &progress)?, None),
    };
    progress.finish();
    let timings: Vec<(PathBuf, Duration)> = analyzed
        .iter()
        .map(|(report, time)| (report.path.clone(), *time))
        .collect();
    let mut reports: Vec<FileReport> = analyzed.into_iter().map(|(report, _)| report).collect();
    for (path, message) in collected.errors {
        reports.push(FileReport::file_error(&path, message));
    }
    for report in &mut reports {
        let resolved = resolver
            .for_file(&report.path)
            .unwrap_or_else(|_| resolver.fallback());
        let abs = unclosed_config::absolute(resolver.cwd(), &report.path);
        let per_file = resolved.has_ignores_for(&abs);
        report.diagnostics.retain(|d| {
            resolved.settings.selection.is_enabled(d.code)
                && !(per_file && resolved.is_ignored(&abs, d.code))
        });
    }
    reports.retain(|r| !r.diagnostics.is_empty());
    reports.sort_by(|a, b| a.path.cmp(&b.path));
    let count: usize = reports.iter().map(|r| r.diagnostics.len()).sum();
    if let Some(fixed) = &fixed {
        for warning in fixed.warnings() {
            eprintln!("{warning}");
        }
        match fix_mode {
            Some(crate::fix::Mode::Diff) => {
                let mut out = std::io::stdout().lock();
                out.write_all(&fixed.diffs())?;
                out.flush()?;
                let n = fixed.count();
                if !args.quiet && n > 0 {
                    eprintln!("Would fix {n} finding{}.", if n == 1 { "" } else { "s" });
                }
                return Ok(i32::from(fixed.changed_files() > 0));
            }
            Some(crate::fix::Mode::FixOnly) => {
                let n = fixed.count();
                if !args.quiet {
                    println!("Fixed {n} finding{}.", if n == 1 { "" } else { "s" });
                }
                return Ok(0);
            }
            _ => {}
        }
    }

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
            unsafe_fixes,
        };
        unclosed_output::render(findings, format, &reports, &options)?;
        if format.is_human() && !args.quiet {
            for line in crate::fix::summary(&reports, fixed.as_ref(), unsafe_fixes) {
                writeln!(out, "{line}")?;
            }
        }
    }
    if let (Some(file), Some(path)) = (&mut file_out, &args.output_file) {
        file.flush()
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    out.flush()?;
    if args.verbose {
        eprint!("{}", progress::report(&timings, started.elapsed()));
    }
    Ok(if count == 0 { 0 } else { 1 })
}

/// The configuration source and the command line's overrides.
fn resolver(args: &CheckArgs, cwd: PathBuf) -> anyhow::Result<Resolver> {
    let source = if args.isolated {
        Source::Isolated
    } else if let Some(path) = &args.config {
        Source::File(path.clone())
    } else {
        Source::Discover
    };
    let overrides = Overrides {
        select: (!args.select.is_empty()).then(|| args.select.clone()),
        extend_select: args.extend_select.clone(),
        ignore: args.ignore.clone(),
        strict: args.strict,
        ignore_noqa: args.ignore_noqa,
        respect_gitignore: args.no_respect_gitignore.then_some(false),
    };
    Resolver::new(source, overrides, cwd).map_err(|err| match err {
        ResolveError::Config(err) => anyhow::Error::new(err),
        ResolveError::Prefix(err) => anyhow::Error::new(err),
    })
}

/// `--show-settings`: the resolved settings of each path.
fn show_settings(resolver: &Resolver, paths: &[PathBuf]) -> anyhow::Result<i32> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (i, path) in paths.iter().enumerate() {
        let resolved = if path.is_dir() {
            resolver.for_dir(path)?
        } else {
            resolver.for_file(path)?
        };
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "Settings for {}:", path.display())?;
        write!(out, "{}", resolved.describe())?;
    }
    Ok(0)
}

/// `--verbose`: which configuration governs how many files.
fn configurations_used(jobs: &[(PathBuf, Arc<Resolved>)]) -> String {
    let mut counts: BTreeMap<usize, (Option<&Path>, usize)> = BTreeMap::new();
    for (_, resolved) in jobs {
        counts
            .entry(resolved.id)
            .or_insert((resolved.origin.as_deref(), 0))
            .1 += 1;
    }
    let mut out = String::new();
    for (origin, files) in counts.into_values() {
        let plural = if files == 1 { "" } else { "s" };
        match origin {
            Some(path) => out.push_str(&format!(
                "unclosed: {files} file{plural} configured by {}\n",
                path.display()
            )),
            None => out.push_str(&format!(
                "unclosed: {files} file{plural} with no configuration file\n"
            )),
        }
    }
    out
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

/// Analyze files in parallel on big-stack worker threads, each with the
/// settings of its configuration; how long each file took.
pub fn analyze(
    jobs: &[(&Path, &Settings)],
    max_file_size: u64,
    progress: &Progress,
) -> anyhow::Result<Vec<(FileReport, Duration)>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(WORKER_STACK_SIZE)
        .build()
        .context("cannot start worker threads")?;
    Ok(pool.install(|| crate::program::check_program(jobs, max_file_size, progress)))
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
    let jobs: Vec<(&Path, &Settings)> = paths.iter().map(|p| (p.as_path(), &settings)).collect();
    let progress = Progress::new(jobs.len(), false, progress::DELAY);
    analyze(&jobs, unclosed_source::DEFAULT_MAX_FILE_SIZE, &progress)
        .map(|analyzed| analyzed.into_iter().map(|(report, _)| report).collect())
        .unwrap_or_default()
}
