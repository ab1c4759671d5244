//! `--check`: compare what leaked at run time with what the static analyzer
//! finds in the same files. This is the tool's own recall measurement.
//!
//! A runtime leak site is *confirmed* when a leak-family finding (UC1xx,
//! UC3xx generators, UC4xx classes) of the same file covers its line: the
//! finding's primary range, or one of its labels ("acquired here"), spans
//! the line. Otherwise it is *missed statically*. A static finding that
//! confirmed nothing is split by whether its lines ran (an acquisition was
//! recorded there) — then it did not leak on the paths this run took — or
//! not.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;
use unclosed_diagnostics::{Diagnostic, FileReport, SYNTAX_ERROR_CODE, SourceText};

use crate::StaticCheck;
use crate::report::{Report, StaticMatch};

/// The counts `--check` prints, and the static findings that did not leak.
#[derive(Debug, Serialize, Default, PartialEq)]
pub struct CheckSummary {
    pub files_analyzed: usize,
    /// Files the analyzer could not read or parse.
    pub files_failed: Vec<String>,
    pub runtime_leak_sites: usize,
    pub confirmed: usize,
    pub missed: usize,
    /// Leak-family findings in the analyzed files.
    pub static_findings: usize,
    /// Findings whose lines ran at least once without leaking there.
    pub static_executed_without_leak: Vec<StaticOnly>,
    /// Findings whose lines never acquired anything in this run.
    pub static_not_executed: usize,
}

#[derive(Debug, Serialize, Clone, PartialEq)]
pub struct StaticOnly {
    pub code: String,
    pub path: String,
    pub line: u32,
    pub message: String,
    /// Acquisitions recorded on the finding's lines.
    pub executed: u64,
}

/// A finding reduced to what matching needs.
struct Finding {
    code: &'static str,
    message: String,
    line: u32,
    /// Rows of the primary range and of every label.
    spans: Vec<(u32, u32)>,
}

impl Finding {
    fn covers(&self, line: u32) -> bool {
        self.spans.iter().any(|&(a, b)| a <= line && line <= b)
    }
}

fn is_leak_code(code: &str) -> bool {
    ["UC1", "UC3", "UC4"].iter().any(|p| code.starts_with(p))
}

fn findings(source: &SourceText, diagnostics: &[Diagnostic]) -> Vec<Finding> {
    let row = |offset| u32::try_from(source.location(offset).row).unwrap_or(u32::MAX);
    diagnostics
        .iter()
        .filter(|d| is_leak_code(d.code))
        .map(|d| {
            let mut spans = vec![(row(d.range.start()), row(d.range.end()))];
            spans.extend(
                d.labels
                    .iter()
                    .map(|l| (row(l.range.start()), row(l.range.end()))),
            );
            Finding {
                code: d.code,
                message: d.message.clone(),
                line: spans[0].0,
                spans,
            }
        })
        .collect()
}

/// The files `--check` analyzes: those with leaks, and those whose lines
/// acquired resources (so findings on executed lines can be judged).
pub fn files_to_check(report: &Report) -> Vec<PathBuf> {
    let mut files: BTreeSet<&str> = report.leaks.iter().map(|l| l.path.as_str()).collect();
    files.extend(report.executed.keys().map(|(f, _)| f.as_str()));
    files
        .into_iter()
        .map(PathBuf::from)
        .filter(|p| p.is_absolute() && p.is_file())
        .collect()
}

/// Run the analyzer and annotate `report`.
pub fn apply(report: &mut Report, check: StaticCheck<'_>) {
    let files = files_to_check(report);
    let reports = if files.is_empty() {
        Vec::new()
    } else {
        check(&files)
    };
    let summary = annotate(report, &files, &reports);
    report.check = Some(summary);
}

/// Match runtime leaks with `reports` (pure: unit-tested on synthetic
/// reports).
pub fn annotate(report: &mut Report, files: &[PathBuf], reports: &[FileReport]) -> CheckSummary {
    let mut summary = CheckSummary {
        files_analyzed: files.len(),
        ..CheckSummary::default()
    };
    let mut by_file: HashMap<&Path, Vec<Finding>> = HashMap::new();
    for r in reports {
        // A file that could not be read or parsed has a `UC000`; one
        // without findings may have no text (a check run drops it).
        if r.diagnostics.iter().any(|d| d.code == SYNTAX_ERROR_CODE) {
            summary
                .files_failed
                .push(r.path.to_string_lossy().into_owned());
        }
        if let Some(source) = &r.source {
            by_file
                .entry(r.path.as_path())
                .or_default()
                .extend(findings(source, &r.diagnostics));
        }
    }
    summary.files_failed.sort();
    summary.files_failed.dedup();
    summary.static_findings = by_file.values().map(Vec::len).sum();
    let mut used: BTreeSet<(&Path, usize)> = BTreeSet::new();

    for leak in &mut report.leaks {
        summary.runtime_leak_sites += 1;
        let path = Path::new(&leak.path);
        let candidates = by_file.get(path).map(Vec::as_slice).unwrap_or_default();
        // Prefer a finding that starts on the line, then a UC1 one.
        let best = candidates
            .iter()
            .enumerate()
            .filter(|(_, f)| f.covers(leak.line))
            .min_by_key(|(_, f)| (f.line != leak.line, !f.code.starts_with("UC1"), f.line));
        leak.static_match = Some(match best {
            Some((i, f)) => {
                summary.confirmed += 1;
                used.insert((path, i));
                StaticMatch {
                    status: "confirmed".to_owned(),
                    code: Some(f.code.to_owned()),
                    path: Some(leak.path.clone()),
                    line: Some(f.line),
                    message: Some(f.message.clone()),
                }
            }
            None => {
                summary.missed += 1;
                StaticMatch {
                    status: "missed".to_owned(),
                    code: None,
                    path: None,
                    line: None,
                    message: None,
                }
            }
        });
    }

    let mut executed_by_file: HashMap<&str, Vec<(u32, u64)>> = HashMap::new();
    for ((file, line), n) in &report.executed {
        executed_by_file
            .entry(file.as_str())
            .or_default()
            .push((*line, *n));
    }
    let mut paths: Vec<&&Path> = by_file.keys().collect();
    paths.sort();
    for path in paths {
        let path_str = path.to_string_lossy();
        let lines = executed_by_file
            .get(path_str.as_ref())
            .map(Vec::as_slice)
            .unwrap_or_default();
        for (i, f) in by_file[*path].iter().enumerate() {
            if used.contains(&(*path, i)) {
                continue;
            }
            let executed: u64 = lines
                .iter()
                .filter(|(l, _)| f.covers(*l))
                .map(|(_, n)| n)
                .sum();
            if executed > 0 {
                summary.static_executed_without_leak.push(StaticOnly {
                    code: f.code.to_owned(),
                    path: path_str.clone().into_owned(),
                    line: f.line,
                    message: f.message.clone(),
                    executed,
                });
            } else {
                summary.static_not_executed += 1;
            }
        }
    }
    summary
}

impl CheckSummary {
    pub fn write_text(&self, out: &mut String, rel: &dyn Fn(&str) -> String) {
        for s in &self.static_executed_without_leak {
            let _ = writeln!(
                out,
                "{}:{}: {} not confirmed: the line acquired {} and nothing leaked there: {}",
                rel(&s.path),
                s.line,
                s.code,
                if s.executed == 1 {
                    "once".to_owned()
                } else {
                    format!("{} times", s.executed)
                },
                s.message
            );
        }
        for f in &self.files_failed {
            let _ = writeln!(out, "check: could not analyze {}", rel(f));
        }
        let recall = if self.runtime_leak_sites == 0 {
            "n/a".to_owned()
        } else {
            format!(
                "{:.0}%",
                self.confirmed as f64 * 100.0 / self.runtime_leak_sites as f64
            )
        };
        let _ = writeln!(
            out,
            "check: {} runtime leak site{}: {} confirmed statically, {} missed (recall {recall}); \
             {} static finding{} in {} file{}: {} on executed lines without a leak, {} not executed",
            self.runtime_leak_sites,
            if self.runtime_leak_sites == 1 {
                ""
            } else {
                "s"
            },
            self.confirmed,
            self.missed,
            self.static_findings,
            if self.static_findings == 1 { "" } else { "s" },
            self.files_analyzed,
            if self.files_analyzed == 1 { "" } else { "s" },
            self.static_executed_without_leak.len(),
            self.static_not_executed,
        );
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use unclosed_diagnostics::{TextRange, TextSize};

    use super::*;
    use crate::events::{Events, parse_line};
    use crate::report::{RunFacts, build};

    const SRC: &str = "import os\nf = open('a')\ng = open('b')\nh = open('c')\nx = 1\n";

    fn range_of_line(line: usize) -> TextRange {
        let start: usize = SRC.split_inclusive('\n').take(line - 1).map(str::len).sum();
        let len = SRC.split_inclusive('\n').nth(line - 1).unwrap().len() - 1;
        TextRange::at(
            TextSize::try_from(start).unwrap(),
            TextSize::try_from(len).unwrap(),
        )
    }

    fn diag(code: &'static str, line: usize) -> Diagnostic {
        Diagnostic::new(
            code,
            "resource-not-closed",
            format!("{code} here"),
            range_of_line(line),
        )
    }

    fn report_with(lines: &[&str]) -> Report {
        let mut ev = Events::default();
        for l in lines {
            parse_line(l.as_bytes(), &mut ev);
        }
        build(&ev, RunFacts::default())
    }

    #[test]
    fn confirms_misses_and_lists_static_only() {
        let mut report = report_with(&[
            r#"{"ev":"start","pid":1}"#,
            // line 2 leaks, a finding covers it: confirmed.
            r#"{"ev":"leak","how":"gc","kind":"file","stack":[["/p/a.py",2,"<module>"]],"pid":1}"#,
            // line 4 leaks, no finding: missed.
            r#"{"ev":"leak","how":"exit","kind":"file","stack":[["/p/a.py",4,"<module>"]],"pid":1}"#,
            r#"{"ev":"sites","sites":[{"kind":"file","file":"/p/a.py","line":2,"count":1},{"kind":"file","file":"/p/a.py","line":3,"count":5},{"kind":"file","file":"/p/a.py","line":4,"count":1}],"pid":1}"#,
        ]);
        let source = Arc::new(SourceText::new(SRC.to_owned()));
        // A UC2 finding on line 4 is not a leak finding and confirms nothing.
        let reports = vec![FileReport {
            path: PathBuf::from("/p/a.py"),
            source: Some(source),
            diagnostics: vec![
                diag("UC101", 2),
                diag("UC102", 3),
                diag("UC201", 4),
                diag("UC104", 5),
            ],
        }];
        let s = annotate(&mut report, &[PathBuf::from("/p/a.py")], &reports);
        assert_eq!((s.runtime_leak_sites, s.confirmed, s.missed), (2, 1, 1));
        assert_eq!(s.static_findings, 3);
        assert_eq!(s.static_executed_without_leak.len(), 1);
        assert_eq!(s.static_executed_without_leak[0].line, 3);
        assert_eq!(s.static_executed_without_leak[0].executed, 5);
        assert_eq!(s.static_not_executed, 1);
        let m = report.leaks[0].static_match.as_ref().unwrap();
        assert_eq!(
            (m.status.as_str(), m.code.as_deref(), m.line),
            ("confirmed", Some("UC101"), Some(2))
        );
        assert_eq!(
            report.leaks[1].static_match.as_ref().unwrap().status,
            "missed"
        );
        let mut text = String::new();
        s.write_text(&mut text, &|p| p.to_owned());
        assert!(
            text.contains("1 confirmed statically, 1 missed (recall 50%)"),
            "{text}"
        );
        assert!(text.contains("/p/a.py:3: UC102 not confirmed"), "{text}");
    }

    #[test]
    fn label_on_the_acquisition_line_confirms() {
        let mut report = report_with(&[
            r#"{"ev":"leak","how":"gc","kind":"file","stack":[["/p/a.py",2,"<module>"]],"pid":1}"#,
        ]);
        let source = Arc::new(SourceText::new(SRC.to_owned()));
        let d = diag("UC102", 5).with_label(range_of_line(2), "acquired here");
        let reports = vec![FileReport {
            path: PathBuf::from("/p/a.py"),
            source: Some(source),
            diagnostics: vec![d],
        }];
        let s = annotate(&mut report, &[], &reports);
        assert_eq!(s.confirmed, 1);
        assert_eq!(report.leaks[0].static_match.as_ref().unwrap().line, Some(5));
    }

    #[test]
    fn unreadable_files_are_listed() {
        let mut report = report_with(&[]);
        let reports = vec![FileReport {
            path: PathBuf::from("/p/bad.py"),
            source: None,
            diagnostics: vec![Diagnostic::new(
                SYNTAX_ERROR_CODE,
                "syntax-error",
                "bad".into(),
                TextRange::default(),
            )],
        }];
        let s = annotate(&mut report, &[PathBuf::from("/p/bad.py")], &reports);
        assert_eq!(s.files_failed, vec!["/p/bad.py".to_owned()]);
        assert_eq!(s.static_findings, 0);
    }

    #[test]
    fn clean_files_without_text_are_not_failures() {
        // A check run drops the text of a file without findings.
        let mut report = report_with(&[]);
        let reports = vec![FileReport {
            path: PathBuf::from("/p/clean.py"),
            source: None,
            diagnostics: Vec::new(),
        }];
        let s = annotate(&mut report, &[PathBuf::from("/p/clean.py")], &reports);
        assert!(s.files_failed.is_empty(), "{:?}", s.files_failed);
        assert_eq!(s.files_analyzed, 1);
    }
}
