//! Turning the shim's events into the report: leaks grouped by acquisition
//! site, instrumentation coverage, descriptor peaks; text and JSON output.
//!
//! A site is `(file, line, kind)` of the first user frame at acquisition.
//! Each leak event has a reason: `gc` (closed by the garbage collector: a
//! `ResourceWarning`, or a silently finalized object collected while open),
//! `exit` (still open when the process exited) or `never` (a raw descriptor
//! never passed to `os.close`). A run in which no Python process loaded the
//! shim is "not instrumented", never clean.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::check::CheckSummary;
use crate::events::{Event, Events};
use crate::sample::FdStats;

/// The whole result of a traced run.
#[derive(Debug, Serialize)]
pub struct Report {
    pub command: Vec<String>,
    /// The command's own exit status (128+N when killed by signal N).
    pub exit_code: i32,
    pub instrumentation: Instrumentation,
    pub descriptors: FdStats,
    /// Leaks with a known acquisition site, grouped by site.
    pub leaks: Vec<LeakSite>,
    /// ResourceWarnings whose acquisition site is unknown (the object was
    /// made before the shim loaded, or by a path it does not wrap; run with
    /// `--tracemalloc N` to find more of them).
    pub unattributed: Vec<Unattributed>,
    /// Descriptors open at a process's exit that were not open at its start
    /// and that no tracked object accounts for.
    pub descriptors_left_open: Vec<ExitFd>,
    /// Leaks counted one by one (sum over `leaks` and `unattributed`).
    pub total_leaks: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<CheckSummary>,
    /// Acquisitions per `(file, line)`: which lines ran (for `--check`).
    #[serde(skip)]
    pub executed: HashMap<(String, u32), u64>,
}

#[derive(Debug, Serialize)]
pub struct Instrumentation {
    /// At least one Python process loaded the shim.
    pub instrumented: bool,
    /// Python processes (fork children included) that loaded the shim.
    pub processes: usize,
    pub python_versions: Vec<String>,
    /// Processes that started but wrote no exit report (killed, or aborted):
    /// what they left open is unknown.
    pub without_exit_report: Vec<u32>,
    pub not_instrumented: Vec<NotInstrumented>,
}

#[derive(Debug, Serialize, Clone, PartialEq)]
pub struct NotInstrumented {
    pub pid: Option<u32>,
    pub argv: Vec<String>,
    pub reason: String,
}

#[derive(Debug, Serialize, Clone, PartialEq)]
pub struct StackFrame {
    pub path: String,
    pub line: u32,
    pub function: String,
}

#[derive(Debug, Serialize, Clone)]
pub struct LeakSite {
    pub path: String,
    pub line: u32,
    pub function: String,
    pub kind: String,
    /// Leaks at this site.
    pub count: u64,
    pub closed_by_gc: u64,
    pub open_at_exit: u64,
    pub never_closed: u64,
    /// Acquisitions at this site (leaked or not), when known.
    pub acquired: Option<u64>,
    /// The test running when the first leaked resource was acquired.
    pub first_test: Option<String>,
    /// All tests that acquired a leaked resource here (at most 20).
    pub tests: Vec<String>,
    /// Short stack of user frames, innermost first, of the first leak.
    pub stack: Vec<StackFrame>,
    /// Paths, peers, messages (at most 5 distinct).
    pub details: Vec<String>,
    pub processes: usize,
    #[serde(rename = "static", skip_serializing_if = "Option::is_none")]
    pub static_match: Option<StaticMatch>,
}

#[derive(Debug, Serialize, Clone, PartialEq)]
pub struct StaticMatch {
    /// `confirmed` or `missed`.
    pub status: String,
    pub code: Option<String>,
    pub path: Option<String>,
    pub line: Option<u32>,
    pub message: Option<String>,
}

#[derive(Debug, Serialize, Clone)]
pub struct Unattributed {
    pub kind: String,
    pub message: String,
    /// Where the warning was raised (where the last reference was dropped).
    pub dropped_at: Option<String>,
    pub count: u64,
    pub first_test: Option<String>,
}

#[derive(Debug, Serialize, Clone)]
pub struct ExitFd {
    pub pid: u32,
    pub fd: i64,
    pub target: String,
    pub kind: String,
}

const MAX_TESTS: usize = 20;
const MAX_DETAILS: usize = 5;

/// What the runner knows besides the events.
#[derive(Debug, Default)]
pub struct RunFacts {
    pub command: Vec<String>,
    pub exit_code: i32,
    pub fds: FdStats,
    /// Command lines of the processes seen in the tree.
    pub cmdlines: HashMap<u32, Vec<String>>,
    /// Why the command itself cannot be instrumented, if known up front.
    pub command_reason: Option<String>,
}

/// Aggregate the events of one run.
pub fn build(events: &Events, facts: RunFacts) -> Report {
    let mut starts: BTreeSet<u32> = BTreeSet::new();
    let mut ends: HashSet<u32> = HashSet::new();
    let mut versions: BTreeSet<String> = BTreeSet::new();
    let mut not_instrumented: Vec<NotInstrumented> = Vec::new();
    let mut sites: BTreeMap<(String, u32, String), LeakSite> = BTreeMap::new();
    let mut site_pids: HashMap<(String, u32, String), BTreeSet<u32>> = HashMap::new();
    let mut unattributed: BTreeMap<(String, Option<String>), Unattributed> = BTreeMap::new();
    let mut acquired: HashMap<(String, u32, String), u64> = HashMap::new();
    let mut executed: HashMap<(String, u32), u64> = HashMap::new();
    let mut left_open = Vec::new();
    let mut total = 0;

    for ev in &events.events {
        match ev {
            Event::Start { pid, version, .. } => {
                starts.insert(*pid);
                if let Some(v) = version {
                    versions.insert(v.clone());
                }
            }
            Event::End { pid } => {
                ends.insert(*pid);
            }
            Event::Uninstrumented { pid, argv, reason } => {
                let item = NotInstrumented {
                    pid: None,
                    argv: argv.clone(),
                    reason: format!("{reason} (started by pid {pid})"),
                };
                if !not_instrumented.iter().any(|n| n.argv == item.argv) {
                    not_instrumented.push(item);
                }
            }
            Event::Sites { sites: counts, .. } => {
                for s in counts {
                    *acquired
                        .entry((s.file.clone(), s.line, s.kind.clone()))
                        .or_default() += s.count;
                    *executed.entry((s.file.clone(), s.line)).or_default() += s.count;
                }
            }
            Event::Fds { pid, fds } => {
                left_open.extend(fds.iter().map(|f| ExitFd {
                    pid: *pid,
                    fd: f.fd,
                    target: f.target.clone(),
                    kind: f.kind.clone(),
                }));
            }
            Event::Leak {
                pid,
                how,
                kind,
                stack,
                test,
                detail,
                message,
                dropped,
            } => {
                total += 1;
                let Some((file, line, func)) = stack.as_ref().and_then(|s| s.first()).cloned()
                else {
                    let message = message.clone().unwrap_or_else(|| kind.clone());
                    let at = dropped.as_ref().map(|(f, l)| format!("{f}:{l}"));
                    let entry = unattributed
                        .entry((message.clone(), at.clone()))
                        .or_insert_with(|| Unattributed {
                            kind: kind.clone(),
                            message,
                            dropped_at: at,
                            count: 0,
                            first_test: test.clone(),
                        });
                    entry.count += 1;
                    continue;
                };
                let key = (file.clone(), line, kind.clone());
                let site = sites.entry(key.clone()).or_insert_with(|| LeakSite {
                    path: file,
                    line,
                    function: func,
                    kind: kind.clone(),
                    count: 0,
                    closed_by_gc: 0,
                    open_at_exit: 0,
                    never_closed: 0,
                    acquired: None,
                    first_test: None,
                    tests: Vec::new(),
                    stack: stack
                        .iter()
                        .flatten()
                        .map(|(p, l, f)| StackFrame {
                            path: p.clone(),
                            line: *l,
                            function: f.clone(),
                        })
                        .collect(),
                    details: Vec::new(),
                    processes: 0,
                    static_match: None,
                });
                site.count += 1;
                match how.as_str() {
                    "exit" => site.open_at_exit += 1,
                    "never" => site.never_closed += 1,
                    _ => site.closed_by_gc += 1,
                }
                if let Some(t) = test {
                    if site.first_test.is_none() {
                        site.first_test = Some(t.clone());
                    }
                    if site.tests.len() < MAX_TESTS && !site.tests.contains(t) {
                        site.tests.push(t.clone());
                    }
                }
                if let Some(d) = detail.as_ref().or(message.as_ref())
                    && site.details.len() < MAX_DETAILS
                    && !site.details.contains(d)
                {
                    site.details.push(d.clone());
                }
                site_pids.entry(key).or_default().insert(*pid);
            }
            Event::Unknown => {}
        }
    }

    for (key, site) in &mut sites {
        site.processes = site_pids.get(key).map_or(0, BTreeSet::len);
        site.acquired = acquired.get(key).copied();
    }

    // Python processes seen in the tree that never loaded the shim and whose
    // flags explain why.
    let mut pids: Vec<_> = facts.cmdlines.keys().copied().collect();
    pids.sort_unstable();
    for pid in pids {
        let argv = &facts.cmdlines[&pid];
        if starts.contains(&pid) {
            continue;
        }
        if let Some(reason) = uninstrumentable_python(argv) {
            if not_instrumented.iter().any(|n| &n.argv == argv) {
                continue;
            }
            not_instrumented.push(NotInstrumented {
                pid: Some(pid),
                argv: argv.clone(),
                reason,
            });
        }
    }
    if starts.is_empty() || facts.command_reason.is_some() {
        let reason = facts.command_reason.clone().unwrap_or_else(|| {
            "no Python process loaded the shim (python -I, -E or -S, a reset PYTHONPATH, \
             or not a Python command)"
                .to_owned()
        });
        // The launched interpreter may show up sampled under its full path.
        not_instrumented.retain(|n| n.argv.get(1..) != facts.command.get(1..));
        if !not_instrumented.iter().any(|n| n.argv == facts.command) {
            not_instrumented.insert(
                0,
                NotInstrumented {
                    pid: None,
                    argv: facts.command.clone(),
                    reason,
                },
            );
        }
    }

    Report {
        command: facts.command,
        exit_code: facts.exit_code,
        instrumentation: Instrumentation {
            instrumented: !starts.is_empty(),
            processes: starts.len(),
            python_versions: versions.into_iter().collect(),
            without_exit_report: starts
                .iter()
                .filter(|p| !ends.contains(p))
                .copied()
                .collect(),
            not_instrumented,
        },
        descriptors: facts.fds,
        leaks: sites.into_values().collect(),
        unattributed: unattributed.into_values().collect(),
        descriptors_left_open: left_open,
        total_leaks: total,
        check: None,
        executed,
    }
}

/// Why a Python command line cannot load a `sitecustomize` from
/// `PYTHONPATH`, or `None` if it can (or is not Python).
pub fn uninstrumentable_python(argv: &[String]) -> Option<String> {
    let exe = Path::new(argv.first()?).file_name()?.to_string_lossy();
    if !exe.starts_with("python") {
        return None;
    }
    let mut args = argv[1..].iter();
    while let Some(a) = args.next() {
        if !a.starts_with('-') || a == "-" || a.starts_with("--") {
            return None;
        }
        if a == "-W" || a == "-X" {
            args.next();
            continue;
        }
        for ch in a[1..].chars() {
            match ch {
                'I' => return Some("python -I (isolated mode) ignores PYTHONPATH".to_owned()),
                'E' => return Some("python -E ignores PYTHON* environment variables".to_owned()),
                'S' => return Some("python -S does not import site".to_owned()),
                'c' | 'm' => return None,
                // The rest of the cluster is the option's value.
                'W' | 'X' => break,
                _ => {}
            }
        }
    }
    None
}

impl Report {
    /// Anything leaked, attributed or not.
    pub fn leaked(&self) -> bool {
        self.total_leaks > 0
    }

    /// Render for people. Paths under `cwd` are shown relative to it.
    pub fn to_text(&self, cwd: &Path) -> String {
        let mut out = String::new();
        let rel = |p: &str| display_path(p, cwd);
        let _ = writeln!(out, "\nunclosed trace: {}", self.headline());
        let not_inst = &self.instrumentation.not_instrumented;
        for n in not_inst.iter().take(MAX_NOT_INSTRUMENTED_SHOWN) {
            let who = n.pid.map(|p| format!(" (pid {p})")).unwrap_or_default();
            let _ = writeln!(
                out,
                "not instrumented{who}: `{}`: {}",
                shorten(&shell_words(&n.argv), 160),
                n.reason
            );
        }
        if not_inst.len() > MAX_NOT_INSTRUMENTED_SHOWN {
            let _ = writeln!(
                out,
                "not instrumented: ... and {} more processes (see --output-format json)",
                not_inst.len() - MAX_NOT_INSTRUMENTED_SHOWN
            );
        }
        for site in &self.leaks {
            let _ = writeln!(
                out,
                "{}:{}: {} leaked {} ({}){}",
                rel(&site.path),
                site.line,
                site.kind,
                times(site.count),
                reasons(site),
                site.first_test
                    .as_ref()
                    .map(|t| format!(", first in test {t}"))
                    .unwrap_or_default()
            );
            let mut facts = Vec::new();
            if let Some(a) = site.acquired {
                facts.push(format!("acquired {}", times(a)));
            }
            if site.processes > 1 {
                facts.push(format!("in {} processes", site.processes));
            }
            if site.tests.len() > 1 {
                facts.push(format!("in {} tests", site.tests.len()));
            }
            if !site.details.is_empty() {
                facts.push(site.details.join("; "));
            }
            if !facts.is_empty() {
                let _ = writeln!(out, "    {}", facts.join(", "));
            }
            for frame in &site.stack {
                let _ = writeln!(
                    out,
                    "    at {}:{} in {}",
                    rel(&frame.path),
                    frame.line,
                    frame.function
                );
            }
            if let Some(m) = &site.static_match {
                match (m.status.as_str(), &m.code) {
                    ("confirmed", Some(code)) => {
                        let _ = writeln!(
                            out,
                            "    confirmed by {code} at {}:{}",
                            m.path.as_deref().map(&rel).unwrap_or_default(),
                            m.line.unwrap_or(0)
                        );
                    }
                    _ => {
                        let _ = writeln!(out, "    missed statically");
                    }
                }
            }
        }
        for u in &self.unattributed {
            let _ = writeln!(
                out,
                "<unknown site>: {} leaked {} (closed by GC): {}{}{}",
                u.kind,
                times(u.count),
                u.message,
                u.dropped_at
                    .as_ref()
                    .map(|d| format!("; last reference dropped at {}", rel(d)))
                    .unwrap_or_default(),
                u.first_test
                    .as_ref()
                    .map(|t| format!(", first in test {t}"))
                    .unwrap_or_default()
            );
        }
        for fd in &self.descriptors_left_open {
            let _ = writeln!(
                out,
                "<unknown site>: {} descriptor {} left open at exit of pid {}: {}",
                fd.kind, fd.fd, fd.pid, fd.target
            );
        }
        if !self.instrumentation.without_exit_report.is_empty() {
            let pids: Vec<String> = self
                .instrumentation
                .without_exit_report
                .iter()
                .map(u32::to_string)
                .collect();
            let _ = writeln!(
                out,
                "note: no exit report from pid {} (killed or aborted): what it left open is unknown",
                pids.join(", ")
            );
        }
        let d = &self.descriptors;
        if d.samples > 0 {
            let limit = d
                .soft_limit
                .map(|l| format!(" of the soft limit {l} (ulimit -n)"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "descriptors: peak {} open in one process{}{limit}; {} in the whole tree of up to {} processes",
                d.peak_process,
                d.peak_pid
                    .map(|p| format!(" (pid {p})"))
                    .unwrap_or_default(),
                d.peak_total,
                d.peak_processes
            );
            if let Some(l) = d.soft_limit
                && l > 0
                && d.peak_process as u64 * 10 >= l * 8
            {
                let _ = writeln!(
                    out,
                    "warning: the peak is {}% of the limit",
                    d.peak_process as u64 * 100 / l
                );
            }
        }
        if let Some(c) = &self.check {
            c.write_text(&mut out, &rel);
        }
        out
    }

    fn headline(&self) -> String {
        let i = &self.instrumentation;
        if !i.instrumented {
            return "NOT INSTRUMENTED: nothing was observed, so this run proves nothing".to_owned();
        }
        let procs = format!(
            "{} Python process{}{}",
            i.processes,
            if i.processes == 1 { "" } else { "es" },
            if i.python_versions.is_empty() {
                String::new()
            } else {
                format!(" ({})", i.python_versions.join(", "))
            }
        );
        let partial = if i.not_instrumented.is_empty() {
            ""
        } else {
            " (partly instrumented)"
        };
        if self.total_leaks == 0 && self.descriptors_left_open.is_empty() {
            format!("no leaks in {procs}{partial}")
        } else {
            let sites = self.leaks.len() + self.unattributed.len();
            format!(
                "{} leak{} at {} site{} in {procs}{partial}",
                self.total_leaks,
                if self.total_leaks == 1 { "" } else { "s" },
                sites,
                if sites == 1 { "" } else { "s" },
            )
        }
    }
}

fn times(n: u64) -> String {
    if n == 1 {
        "1 time".to_owned()
    } else {
        format!("{n} times")
    }
}

fn reasons(site: &LeakSite) -> String {
    let parts: Vec<(u64, &str)> = [
        (site.closed_by_gc, "closed by GC"),
        (site.open_at_exit, "open at exit"),
        (site.never_closed, "never closed"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .collect();
    if parts.len() == 1 {
        return parts[0].1.to_owned();
    }
    parts
        .iter()
        .map(|(n, what)| format!("{n} {what}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `path` relative to `cwd` when it is inside it.
pub fn display_path(path: &str, cwd: &Path) -> String {
    Path::new(path)
        .strip_prefix(cwd)
        .ok()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| path.to_owned(), |p| p.to_string_lossy().into_owned())
}

const MAX_NOT_INSTRUMENTED_SHOWN: usize = 5;

/// One line, at most `max` characters.
fn shorten(s: &str, max: usize) -> String {
    let one_line = s.replace('\n', "\\n");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(max).collect();
    cut.push_str("...");
    cut
}

fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@+%".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::parse_line;

    fn events(lines: &[&str]) -> Events {
        let mut ev = Events::default();
        for l in lines {
            parse_line(l.as_bytes(), &mut ev);
        }
        ev
    }

    fn facts() -> RunFacts {
        RunFacts {
            command: vec!["python3".into(), "app.py".into()],
            ..RunFacts::default()
        }
    }

    #[test]
    fn groups_by_site_and_counts_reasons() {
        let ev = events(&[
            r#"{"ev":"start","pid":1,"version":"3.11.7"}"#,
            r#"{"ev":"leak","how":"gc","kind":"file","stack":[["/w/app.py",3,"f"],["/w/app.py",9,"<module>"]],"test":"t.py::a","detail":"/tmp/x","pid":1}"#,
            r#"{"ev":"leak","how":"exit","kind":"file","stack":[["/w/app.py",3,"f"]],"test":"t.py::b","pid":1}"#,
            r#"{"ev":"leak","how":"never","kind":"fd (os.open)","stack":[["/w/app.py",5,"g"]],"pid":1}"#,
            r#"{"ev":"leak","how":"gc","kind":"unknown","stack":null,"message":"unclosed file <x>","dropped":["/w/app.py",20],"pid":1}"#,
            r#"{"ev":"sites","sites":[{"kind":"file","file":"/w/app.py","line":3,"count":7}],"pid":1}"#,
            r#"{"ev":"end","pid":1}"#,
        ]);
        let r = build(&ev, facts());
        assert!(r.instrumentation.instrumented);
        assert_eq!(r.total_leaks, 4);
        assert_eq!(r.leaks.len(), 2);
        let s = &r.leaks[0];
        assert_eq!(
            (s.line, s.count, s.closed_by_gc, s.open_at_exit),
            (3, 2, 1, 1)
        );
        assert_eq!(s.acquired, Some(7));
        assert_eq!(s.first_test.as_deref(), Some("t.py::a"));
        assert_eq!(s.tests.len(), 2);
        assert_eq!(r.unattributed.len(), 1);
        let text = r.to_text(Path::new("/w"));
        assert!(text.contains("app.py:3: file leaked 2 times (1 closed by GC, 1 open at exit), first in test t.py::a"), "{text}");
        assert!(
            text.contains("app.py:5: fd (os.open) leaked 1 time (never closed)"),
            "{text}"
        );
        assert!(text.contains("    at app.py:9 in <module>"), "{text}");
        assert_eq!(r.executed.get(&("/w/app.py".to_owned(), 3)), Some(&7));
    }

    #[test]
    fn long_lists_are_shortened() {
        let ev = events(&[r#"{"ev":"start","pid":1}"#, r#"{"ev":"end","pid":1}"#]);
        let mut f = facts();
        for pid in 2..10 {
            f.cmdlines.insert(
                pid,
                vec!["python3".into(), "-I".into(), format!("-c\nprint({pid})")],
            );
        }
        let text = build(&ev, f).to_text(Path::new("/"));
        assert!(text.contains("... and 3 more processes"), "{text}");
        assert!(text.contains("-c\\nprint(2)"), "{text}");
        assert_eq!(shorten("abcdef", 3), "abc...");
    }

    #[test]
    fn no_start_means_not_instrumented() {
        let r = build(&Events::default(), facts());
        assert!(!r.instrumentation.instrumented);
        assert_eq!(r.instrumentation.not_instrumented.len(), 1);
        assert!(r.to_text(Path::new("/")).contains("NOT INSTRUMENTED"));
        assert!(!r.leaked());
    }

    #[test]
    fn clean_run_says_so() {
        let ev = events(&[r#"{"ev":"start","pid":1}"#, r#"{"ev":"end","pid":1}"#]);
        let r = build(&ev, facts());
        assert!(
            r.to_text(Path::new("/"))
                .contains("no leaks in 1 Python process")
        );
        assert!(r.instrumentation.without_exit_report.is_empty());
    }

    #[test]
    fn flags_that_skip_the_shim() {
        let v = |s: &str| s.split(' ').map(str::to_owned).collect::<Vec<_>>();
        assert!(uninstrumentable_python(&v("python3 -I app.py")).is_some());
        assert!(uninstrumentable_python(&v("/usr/bin/python3.11 -bE app.py")).is_some());
        assert!(uninstrumentable_python(&v("python -W error -S x.py")).is_some());
        assert!(uninstrumentable_python(&v("python3 -c import sys -I")).is_none());
        assert!(uninstrumentable_python(&v("python3 -Xdev app.py")).is_none());
        assert!(uninstrumentable_python(&v("python3 app.py -I")).is_none());
        assert!(uninstrumentable_python(&v("bash -I")).is_none());
        assert!(uninstrumentable_python(&[]).is_none());
    }

    #[test]
    fn sampled_isolated_child_is_reported() {
        let ev = events(&[r#"{"ev":"start","pid":1}"#, r#"{"ev":"end","pid":1}"#]);
        let mut f = facts();
        f.cmdlines
            .insert(2, vec!["python3".into(), "-I".into(), "child.py".into()]);
        let r = build(&ev, f);
        assert_eq!(r.instrumentation.not_instrumented.len(), 1);
        assert_eq!(r.instrumentation.not_instrumented[0].pid, Some(2));
    }
}
