//! `unclosed trace`: run a Python command under observation and report the
//! resources that really leaked, with the line that acquired them.
//!
//! How it works:
//! 1. A temporary directory gets the shim (`shim/sitecustomize.py`, Python
//!    source embedded in the binary) and an empty `events/` directory. The
//!    command runs with that directory first on `PYTHONPATH`, so every
//!    Python process of the command, children included, imports the shim at
//!    startup; the shim chains to the `sitecustomize` it shadows. Nothing of
//!    the user's is edited. (`-X` flags would not reach child processes;
//!    environment variables do.)
//! 2. The shim records, per process, leaks and per-site acquisition counts
//!    as JSON lines in `events/` ([`events`]).
//! 3. Meanwhile the runner samples the process tree's `/proc/PID/fd` for
//!    the descriptor peak against the soft `RLIMIT_NOFILE` ([`sample`]).
//!    The command inherits stdin, stdout and stderr; its exit status is
//!    returned unchanged (128+N if killed by signal N), unless
//!    `--fail-on-leak`.
//! 4. The events become a report grouped by acquisition site ([`report`]);
//!    `--check` matches it with the static analyzer's findings ([`check`]).
//!
//! The report goes to stderr (or `--output FILE`), never to stdout, which
//! belongs to the command.

pub mod check;
pub mod events;
pub mod report;
pub mod sample;
mod signals;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::time::{Duration, Instant};

use anyhow::Context;
use unclosed_diagnostics::FileReport;

use crate::report::{Report, RunFacts};
use crate::sample::Sampler;

/// The shim, loaded by every Python process of the traced command.
pub const SHIM_SOURCE: &str = include_str!("../shim/sitecustomize.py");

/// Options of `unclosed trace`.
#[derive(Debug, clap::Args)]
pub struct TraceArgs {
    /// How to print the report: text or json.
    #[arg(long, value_name = "FORMAT", default_value = "text",
          value_parser = clap::builder::PossibleValuesParser::new(["text", "json"]))]
    pub output_format: String,
    /// Same as `--output-format json`.
    #[arg(long)]
    pub json: bool,
    /// Write the report to this file instead of stderr.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit with 1 when anything leaked (the command's own status if it
    /// failed), and 2 when nothing could be instrumented.
    #[arg(long)]
    pub fail_on_leak: bool,
    /// Also record allocation tracebacks with tracemalloc, N frames deep
    /// (finds the site of objects the shim does not wrap; slower).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub tracemalloc: Option<u16>,
    /// Run the static analyzer on the files that leaked and report which
    /// leaks it confirms and which it misses.
    #[arg(long)]
    pub check: bool,
    /// Frames of user code kept for each acquisition site.
    #[arg(long, value_name = "N", default_value_t = 5,
          value_parser = clap::value_parser!(u8).range(1..=50))]
    pub stack_depth: u8,
    /// Milliseconds between samples of the open descriptors.
    #[arg(long, value_name = "MS", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub sample_interval: u64,
    /// Keep the shim's raw events in this directory (for debugging).
    #[arg(long, value_name = "DIR", hide = true)]
    pub events_dir: Option<PathBuf>,
    /// The command to run, after `--`.
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<String>,
}

/// Runs the static analyzer on files (for `--check`).
pub type StaticCheck<'a> = &'a dyn Fn(&[PathBuf]) -> Vec<FileReport>;

/// Run the command; returns the process exit code to use.
pub fn run(args: TraceArgs, check: StaticCheck<'_>) -> anyhow::Result<i32> {
    let Some(program) = args.command.first() else {
        anyhow::bail!("no command given after `--`");
    };
    let dir = tempfile::Builder::new()
        .prefix("unclosed-trace-")
        .tempdir()
        .context("cannot create a temporary directory for the shim")?;
    let events_dir = match &args.events_dir {
        Some(d) => d.clone(),
        None => dir.path().join("events"),
    };
    std::fs::create_dir_all(&events_dir).context("cannot create the events directory")?;
    let events_dir = events_dir
        .canonicalize()
        .context("cannot resolve the events directory")?;
    std::fs::write(dir.path().join("sitecustomize.py"), SHIM_SOURCE)
        .context("cannot write the shim")?;

    let mut cmd = Command::new(program);
    cmd.args(&args.command[1..]);
    set_env(&mut cmd, dir.path(), &events_dir, &args);

    signals::install();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot run `{program}`"))?;
    let mut sampler = Sampler::new(child.id());
    let status = wait_sampling(&mut child, &mut sampler, args.sample_interval)?;
    let exit_code = exit_code(status);

    let events = wait_for_stragglers(&events_dir, STRAGGLER_WAIT);
    let mut report = report::build(
        &events,
        RunFacts {
            command: args.command.clone(),
            exit_code,
            fds: sampler.stats.clone(),
            cmdlines: sampler.cmdlines,
            command_reason: report::uninstrumentable_python(&args.command),
        },
    );
    if args.check {
        check::apply(&mut report, check);
    }
    emit_report(&report, &args)?;
    drop(dir);

    Ok(final_code(&report, args.fail_on_leak))
}

/// The environment that makes Python load the shim.
fn set_env(cmd: &mut Command, shim_dir: &Path, events_dir: &Path, args: &TraceArgs) {
    let mut pythonpath = std::ffi::OsString::from(shim_dir.as_os_str());
    if let Some(old) = std::env::var_os("PYTHONPATH").filter(|p| !p.is_empty()) {
        pythonpath.push(":");
        pythonpath.push(old);
    }
    cmd.env("PYTHONPATH", pythonpath)
        .env("UNCLOSED_TRACE_DIR", events_dir)
        .env("UNCLOSED_TRACE_STACK", args.stack_depth.to_string());
    match args.tracemalloc {
        Some(n) => cmd.env("UNCLOSED_TRACE_TRACEMALLOC", n.to_string()),
        None => cmd.env_remove("UNCLOSED_TRACE_TRACEMALLOC"),
    };
}

/// Wait for the child, sampling descriptors and forwarding termination
/// signals meanwhile. Bounded: each step sleeps at most `interval_ms`.
fn wait_sampling(
    child: &mut std::process::Child,
    sampler: &mut Sampler,
    interval_ms: u64,
) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let fast = Duration::from_millis(interval_ms.min(5));
    let slow = Duration::from_millis(interval_ms);
    loop {
        if let Some(status) = child.try_wait().context("cannot wait for the command")? {
            return Ok(status);
        }
        if let Some(sig) = signals::take_pending() {
            signals::forward(child.id(), sig);
        }
        sampler.sample();
        // Sample densely while Python starts up, then at the set interval.
        let step = if started.elapsed() < Duration::from_millis(300) {
            fast
        } else {
            slow
        };
        std::thread::sleep(step);
    }
}

/// How long to wait, after the command exits, for instrumented children
/// still running (multiprocessing's resource tracker finishes just after its
/// parent) to write their exit reports.
const STRAGGLER_WAIT: Duration = Duration::from_secs(3);

/// Read the events once every instrumented process that is still alive has
/// written its exit report, or when `limit` has passed.
fn wait_for_stragglers(events_dir: &Path, limit: Duration) -> events::Events {
    let started = Instant::now();
    loop {
        let ev = events::read_dir(events_dir);
        let mut ended = std::collections::HashSet::new();
        let mut started_pids = Vec::new();
        for e in &ev.events {
            match e {
                events::Event::Start { pid, .. } => started_pids.push(*pid),
                events::Event::End { pid } => {
                    ended.insert(*pid);
                }
                _ => {}
            }
        }
        let waiting = started_pids
            .iter()
            .any(|p| !ended.contains(p) && sample::is_running(*p));
        if !waiting || started.elapsed() >= limit {
            return ev;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn exit_code(status: ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(sig)) => 128 + sig,
        (None, None) => 1,
    }
}

fn final_code(report: &Report, fail_on_leak: bool) -> i32 {
    let own = report.exit_code;
    if !fail_on_leak || own != 0 {
        return own;
    }
    if !report.instrumentation.instrumented {
        2
    } else if report.leaked() || !report.descriptors_left_open.is_empty() {
        1
    } else {
        0
    }
}

fn emit_report(report: &Report, args: &TraceArgs) -> anyhow::Result<()> {
    let json = args.json || args.output_format == "json";
    let text = if json {
        let mut s = serde_json::to_string_pretty(report)?;
        s.push('\n');
        s
    } else {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        report.to_text(&cwd)
    };
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write the report to {}", path.display()))?,
        None => {
            let mut err = std::io::stderr().lock();
            // A closed stderr must not turn into a panic or a lost status.
            let _ = err.write_all(text.as_bytes());
            let _ = err.flush();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Events, parse_line};

    fn report(lines: &[&str], exit: i32) -> Report {
        let mut ev = Events::default();
        for l in lines {
            parse_line(l.as_bytes(), &mut ev);
        }
        report::build(
            &ev,
            RunFacts {
                exit_code: exit,
                ..RunFacts::default()
            },
        )
    }

    #[test]
    fn exit_codes() {
        let start = r#"{"ev":"start","pid":1}"#;
        let leak = r#"{"ev":"leak","how":"gc","kind":"file","stack":null,"pid":1}"#;
        assert_eq!(final_code(&report(&[start, leak], 0), false), 0);
        assert_eq!(final_code(&report(&[start, leak], 0), true), 1);
        assert_eq!(final_code(&report(&[start, leak], 3), true), 3);
        assert_eq!(final_code(&report(&[start], 0), true), 0);
        assert_eq!(final_code(&report(&[], 0), true), 2);
        assert_eq!(final_code(&report(&[], 0), false), 0);
    }

    #[test]
    fn shim_is_embedded() {
        assert!(SHIM_SOURCE.contains("def _unclosed_install"));
    }
}
