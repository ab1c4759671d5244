//! The `unclosed` command line: argument parsing and dispatch. The work is
//! done by the library crates; see ARCHITECTURE.md.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// A check run allocates and frees millions of small syntax-tree nodes,
/// most of them kept until every file is analyzed: mimalloc serves that
/// faster than the system allocator (as in ruff).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod check;
mod fix;
mod program;
mod progress;
mod rule;
mod walk;

/// Find resource-lifecycle bugs in Python code, and prove them at run time.
#[derive(Debug, Parser)]
#[command(name = "unclosed", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Analyze Python files and report resource leaks and misuse.
    Check(check::CheckArgs),
    /// Explain a rule: what it finds, why it matters, how to fix it.
    Rule(rule::RuleArgs),
    /// Run a Python command under observation and report real leaks.
    Trace(unclosed_trace::TraceArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            // clap uses 0 for --help/--version, 2 for usage errors.
            return ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Rule(args) => rule::run(&args),
        Command::Trace(args) => unclosed_trace::run(args, &check::check_paths_for_trace),
    };
    match result {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(2)),
        Err(err) => {
            match err.downcast_ref::<unclosed_config::ConfigError>() {
                // A configuration mistake: show the file, line and key in a
                // source frame.
                Some(config) => {
                    let color =
                        std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
                    eprintln!("{}", config.render(color));
                }
                None => eprintln!("unclosed: error: {err:#}"),
            }
            ExitCode::from(2)
        }
    }
}
