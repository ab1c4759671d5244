//! The progress bar of a long `check` on a terminal, and the timing report
//! of `--verbose`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A run shorter than this shows no bar at all.
pub const DELAY: Duration = Duration::from_secs(2);

/// Whether a bar may be drawn: stderr is a terminal, not `--quiet`, not CI,
/// not a dumb terminal.
pub fn wanted(quiet: bool) -> bool {
    let env = |name: &str| std::env::var_os(name);
    allowed(
        quiet,
        std::io::stderr().is_terminal(),
        env("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0"),
        env("TERM").is_some_and(|t| t == "dumb"),
    )
}

fn allowed(quiet: bool, stderr_is_terminal: bool, ci: bool, dumb_terminal: bool) -> bool {
    !quiet && stderr_is_terminal && !ci && !dumb_terminal
}

/// A progress bar that stays hidden until the run has lasted `delay`, and
/// is cleared when it ends.
pub struct Progress {
    bar: ProgressBar,
    done: Option<mpsc::Sender<()>>,
    timer: Option<JoinHandle<()>>,
}

impl Progress {
    pub fn new(total: usize, enabled: bool, delay: Duration) -> Self {
        if !enabled {
            return Self {
                bar: ProgressBar::hidden(),
                done: None,
                timer: None,
            };
        }
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::hidden());
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} {pos}/{len} files {wide_bar} {elapsed}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        let (done, finished) = mpsc::channel::<()>();
        let timer = std::thread::spawn({
            let bar = bar.clone();
            move || {
                if finished.recv_timeout(delay) == Err(mpsc::RecvTimeoutError::Timeout) {
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                    bar.enable_steady_tick(Duration::from_millis(100));
                }
            }
        });
        Self {
            bar,
            done: Some(done),
            timer: Some(timer),
        }
    }

    /// One more file analyzed (from any thread).
    pub fn inc(&self) {
        self.bar.inc(1);
    }

    /// Stop the timer and erase the bar.
    pub fn finish(mut self) {
        drop(self.done.take());
        if let Some(timer) = self.timer.take() {
            let _ = timer.join();
        }
        self.bar.finish_and_clear();
    }
}

/// `--verbose`: the rate and the slowest files.
pub fn report(timings: &[(PathBuf, Duration)], elapsed: Duration) -> String {
    let mut out = format!(
        "unclosed: analyzed {} file{} in {:.2?} ({:.0} files/s)\n",
        timings.len(),
        if timings.len() == 1 { "" } else { "s" },
        elapsed,
        timings.len() as f64 / elapsed.as_secs_f64().max(1e-9)
    );
    let mut slowest: Vec<&(PathBuf, Duration)> = timings.iter().collect();
    slowest.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    slowest.truncate(10);
    if !slowest.is_empty() {
        out.push_str(&format!("unclosed: the {} slowest files:\n", slowest.len()));
        for (path, time) in slowest {
            out.push_str(&format!(
                "  {:>9.3}ms  {}\n",
                time.as_secs_f64() * 1000.0,
                path.display()
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_on_an_interactive_terminal() {
        assert!(allowed(false, true, false, false));
        assert!(!allowed(true, true, false, false), "--quiet");
        assert!(!allowed(false, false, false, false), "piped");
        assert!(!allowed(false, true, true, false), "CI");
        assert!(!allowed(false, true, false, true), "TERM=dumb");
    }

    #[test]
    fn report_lists_the_slowest_first() {
        let timings: Vec<(PathBuf, Duration)> = (0..12)
            .map(|i| {
                (
                    PathBuf::from(format!("f{i:02}.py")),
                    Duration::from_millis(i),
                )
            })
            .collect();
        let text = report(&timings, Duration::from_secs(2));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "unclosed: analyzed 12 files in 2.00s (6 files/s)");
        assert_eq!(lines[1], "unclosed: the 10 slowest files:");
        assert_eq!(lines.len(), 12);
        assert!(lines[2].ends_with("11.000ms  f11.py"), "{}", lines[2]);
        assert!(lines[11].ends_with("2.000ms  f02.py"), "{}", lines[11]);
    }

    #[test]
    fn a_short_run_never_draws() {
        let progress = Progress::new(3, true, Duration::from_secs(60));
        progress.inc();
        progress.finish();
    }
}
