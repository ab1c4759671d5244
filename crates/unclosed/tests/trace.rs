//! `unclosed trace` end to end: the real binary runs real Python processes.
//!
//! Fixtures live in `crates/unclosed_trace/tests/fixtures/`. A leaking line
//! carries a marker `# LEAK: <kind> <how>[; <kind> <how>]`, and the tests
//! check that the report has exactly those sites. The core script runs on
//! every CPython 3.8-3.13 found (pyenv's, or `python3.X` on PATH); the rest
//! on `python3` only, to keep the suite fast.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../unclosed_trace/tests/fixtures")
        .canonicalize()
        .expect("fixtures directory")
}

/// Runs and reports its version, or None.
fn probe(python: &Path) -> Option<String> {
    let out = Command::new(python)
        .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The interpreter for a minor version 3.`minor`, if this machine has one.
fn interpreter(minor: u32) -> Option<PathBuf> {
    let want = format!("3.{minor}");
    let mut candidates = Vec::new();
    if let Some(home) = std::env::var_os("HOME") {
        let versions = Path::new(&home).join(".pyenv/versions");
        if let Ok(entries) = std::fs::read_dir(&versions) {
            let mut names: Vec<String> = entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| {
                    n.strip_prefix(&format!("{want}."))
                        .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit()))
                })
                .collect();
            names.sort();
            candidates.extend(
                names
                    .into_iter()
                    .rev()
                    .map(|n| versions.join(n).join("bin/python3")),
            );
        }
    }
    candidates.push(PathBuf::from(format!("python{want}")));
    candidates
        .into_iter()
        .find(|p| probe(p).as_deref() == Some(want.as_str()))
}

/// `python3`, the interpreter most tests use.
fn python3() -> &'static str {
    static CHECK: OnceLock<()> = OnceLock::new();
    CHECK.get_or_init(|| {
        assert!(
            probe(Path::new("python3")).is_some(),
            "python3 is needed for the trace tests"
        );
    });
    "python3"
}

struct Traced {
    output: Output,
    report: Value,
}

/// Run `unclosed trace [flags] -- cmd` in the fixtures directory; the JSON
/// report goes to a file so stdout/stderr stay the command's.
fn trace(flags: &[&str], cmd: &[&str]) -> Traced {
    let dir = tempfile::tempdir().unwrap();
    let report_path = dir.path().join("report.json");
    let output = Command::new(env!("CARGO_BIN_EXE_unclosed"))
        .arg("trace")
        .args(["--output-format", "json", "-o"])
        .arg(&report_path)
        .args(flags)
        .arg("--")
        .args(cmd)
        .current_dir(fixtures())
        .output()
        .expect("run unclosed");
    let text = std::fs::read_to_string(&report_path).unwrap_or_else(|e| {
        panic!(
            "no report ({e}); stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let report = serde_json::from_str(&text).expect("valid JSON report");
    Traced { output, report }
}

/// (file, line, kind, how) of every marker in `files`.
fn markers(files: &[PathBuf]) -> BTreeSet<(String, u64, String, String)> {
    let mut out = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        for (i, line) in text.lines().enumerate() {
            let Some((_, spec)) = line.split_once("# LEAK: ") else {
                continue;
            };
            for item in spec.split(';') {
                let (kind, how) = item.trim().rsplit_once(' ').expect("kind how");
                out.insert((
                    file.to_string_lossy().into_owned(),
                    i as u64 + 1,
                    kind.to_owned(),
                    how.to_owned(),
                ));
            }
        }
    }
    out
}

/// (file, line, kind, how) of every leak site in a report; `how` is each
/// reason with a non-zero count.
fn sites(report: &Value) -> BTreeSet<(String, u64, String, String)> {
    let mut out = BTreeSet::new();
    for leak in report["leaks"].as_array().unwrap() {
        for (field, how) in [
            ("closed_by_gc", "gc"),
            ("open_at_exit", "exit"),
            ("never_closed", "never"),
        ] {
            if leak[field].as_u64().unwrap() > 0 {
                out.insert((
                    leak["path"].as_str().unwrap().to_owned(),
                    leak["line"].as_u64().unwrap(),
                    leak["kind"].as_str().unwrap().to_owned(),
                    how.to_owned(),
                ));
            }
        }
    }
    out
}

fn assert_exact_leaks(t: &Traced, files: &[PathBuf]) {
    let want = markers(files);
    let got = sites(&t.report);
    assert_eq!(
        got,
        want,
        "leak sites differ from the markers\nreport: {:#}\nstderr: {}",
        t.report,
        String::from_utf8_lossy(&t.output.stderr)
    );
    assert_eq!(
        t.report["unattributed"].as_array().unwrap().len(),
        0,
        "{:#}",
        t.report["unattributed"]
    );
    assert_eq!(
        t.report["descriptors_left_open"].as_array().unwrap().len(),
        0,
        "{:#}",
        t.report["descriptors_left_open"]
    );
}

fn kinds_dir() -> PathBuf {
    fixtures().join("kinds")
}

/// One leaky script per resource kind, on python3.
macro_rules! kind_tests {
    ($($name:ident => $file:literal,)*) => {$(
        #[test]
        fn $name() {
            let file = kinds_dir().join($file);
            let t = trace(&[], &[python3(), file.to_str().unwrap()]);
            assert!(t.output.status.success(), "{:?}", t.output);
            assert_eq!(t.report["instrumentation"]["instrumented"], true);
            assert_exact_leaks(&t, &[file]);
        }
    )*};
}

kind_tests! {
    kind_file_closed_by_gc => "file_gc.py",
    kind_file_open_at_exit => "file_exit.py",
    kind_generator_alive_at_exit => "generator_exit.py",
    kind_os_open => "os_open.py",
    kind_os_pipe => "os_pipe.py",
    kind_fdopen => "fdopen.py",
    kind_socket => "socket_gc.py",
    kind_popen_and_pipe => "popen.py",
    kind_sqlite3 => "sqlite.py",
    kind_scandir => "scandir.py",
    kind_zipfile => "zip_file.py",
    kind_tarfile => "tar_file.py",
    kind_named_tempfile => "named_tempfile.py",
    kind_tempdir => "tempdir.py",
    kind_mkstemp => "mkstemp.py",
    kind_selector => "selector.py",
    kind_mmap => "mmap_leak.py",
    kind_multiprocessing_pool => "pool.py",
    kind_asyncio_event_loop => "event_loop.py",
}

fn all_kind_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(kinds_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "py")
                && !["all_kinds.py", "pool.py"].contains(&p.file_name().unwrap().to_str().unwrap())
        })
        .collect();
    files.sort();
    files
}

/// Every kind in one process, on one interpreter version.
fn matrix(minor: u32) {
    let Some(python) = interpreter(minor) else {
        eprintln!("skipped: no CPython 3.{minor} on this machine");
        return;
    };
    let script = kinds_dir().join("all_kinds.py");
    let t = trace(&[], &[python.to_str().unwrap(), script.to_str().unwrap()]);
    assert!(t.output.status.success(), "3.{minor}: {:?}", t.output);
    assert_eq!(
        String::from_utf8_lossy(&t.output.stdout),
        "all kinds ran\n",
        "stdout passes through"
    );
    let versions = t.report["instrumentation"]["python_versions"].to_string();
    assert!(versions.contains(&format!("\"3.{minor}.")), "{versions}");
    assert_exact_leaks(&t, &all_kind_files());
}

#[test]
fn matrix_python_3_8() {
    matrix(8);
}
#[test]
fn matrix_python_3_9() {
    matrix(9);
}
#[test]
fn matrix_python_3_10() {
    matrix(10);
}
#[test]
fn matrix_python_3_11() {
    matrix(11);
}
#[test]
fn matrix_python_3_12() {
    matrix(12);
}
#[test]
fn matrix_python_3_13() {
    matrix(13);
}

#[test]
fn at_least_one_interpreter_in_the_matrix() {
    assert!(
        (8..=13).any(|m| interpreter(m).is_some()),
        "no CPython 3.8-3.13 found"
    );
}

#[test]
fn clean_script_reports_nothing_and_passes_output_through() {
    let script = fixtures().join("procs/clean.py");
    let plain = Command::new(python3())
        .arg(&script)
        .current_dir(fixtures())
        .output()
        .unwrap();
    let t = trace(&[], &[python3(), script.to_str().unwrap()]);
    assert_eq!(t.output.status.code(), Some(3), "the command's own status");
    assert_eq!(plain.status.code(), Some(3));
    assert_eq!(t.output.stdout, plain.stdout);
    assert_eq!(t.output.stderr, plain.stderr);
    assert_exact_leaks(&t, &[script]);
    assert_eq!(t.report["total_leaks"], 0);
    // clean.py runs one Python child: both processes are instrumented.
    assert_eq!(t.report["instrumentation"]["processes"], 2);
    assert_eq!(t.report["exit_code"], 3);
}

#[test]
fn leak_in_a_child_process() {
    let parent = fixtures().join("procs/child_parent.py");
    let t = trace(&[], &[python3(), parent.to_str().unwrap()]);
    assert!(t.output.status.success());
    assert_eq!(t.report["instrumentation"]["processes"], 2);
    assert_exact_leaks(&t, &[parent, fixtures().join("procs/child_leaker.py")]);
}

#[test]
fn leaks_in_multiprocessing_children_fork_and_spawn() {
    let script = fixtures().join("procs/mp_children.py");
    let t = trace(&[], &[python3(), script.to_str().unwrap(), "fork", "spawn"]);
    assert!(t.output.status.success(), "{:?}", t.output);
    assert_exact_leaks(&t, std::slice::from_ref(&script));
    let leak = &t.report["leaks"][0];
    assert_eq!(leak["count"], 2, "one leak per child");
    assert_eq!(leak["processes"], 2);
}

#[test]
fn isolated_run_is_not_instrumented_never_clean() {
    let script = kinds_dir().join("file_gc.py");
    let t = trace(
        &["--fail-on-leak"],
        &[python3(), "-I", script.to_str().unwrap()],
    );
    assert_eq!(t.report["instrumentation"]["instrumented"], false);
    let why = t.report["instrumentation"]["not_instrumented"].to_string();
    assert!(why.contains("-I"), "{why}");
    assert_eq!(t.output.status.code(), Some(2), "unknown is not success");

    // The text report says so too.
    let out = Command::new(env!("CARGO_BIN_EXE_unclosed"))
        .args(["trace", "--", python3(), "-I", script.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("NOT INSTRUMENTED"), "{stderr}");
    assert!(out.status.success(), "the command's own status");
}

#[test]
fn isolated_child_is_reported() {
    let script = fixtures().join("procs/isolated_child.py");
    let t = trace(&[], &[python3(), script.to_str().unwrap()]);
    assert!(t.output.status.success());
    let items = t.report["instrumentation"]["not_instrumented"]
        .as_array()
        .unwrap();
    assert!(
        items
            .iter()
            .any(|n| n["argv"].to_string().contains("\"-I\"")),
        "{items:?}"
    );
}

#[test]
fn fail_on_leak_sets_the_exit_status() {
    let script = kinds_dir().join("file_gc.py");
    let t = trace(&[], &[python3(), script.to_str().unwrap()]);
    assert_eq!(t.output.status.code(), Some(0));
    let t = trace(&["--fail-on-leak"], &[python3(), script.to_str().unwrap()]);
    assert_eq!(t.output.status.code(), Some(1));
    let t = trace(&["--fail-on-leak"], &[python3(), "-c", "pass"]);
    assert_eq!(t.output.status.code(), Some(0));
}

#[test]
fn text_report_names_the_site() {
    let out = Command::new(env!("CARGO_BIN_EXE_unclosed"))
        .args(["trace", "--", python3(), "kinds/file_gc.py"])
        .current_dir(fixtures())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("kinds/file_gc.py:2: file leaked 1 time (closed by GC)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("    at kinds/file_gc.py:6 in <module>"),
        "{stderr}"
    );
    assert!(stderr.contains("descriptors: peak "), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn chains_an_existing_sitecustomize() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("sitecustomize.py"),
        "import sys\nsys.stdout.write('chained\\n')\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_unclosed"))
        .args(["trace", "--output-format", "json", "--"])
        .args([python3(), "-c", "open(__import__('os').devnull)"])
        .env("PYTHONPATH", dir.path())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "chained\n");
    let report: Value = serde_json::from_slice(&output.stderr).expect("JSON on stderr");
    assert_eq!(report["instrumentation"]["instrumented"], true);
    assert_eq!(report["total_leaks"], 1, "{report:#}");
}

#[test]
fn check_marks_each_leak() {
    let script = kinds_dir().join("file_gc.py");
    let t = trace(&["--check"], &[python3(), script.to_str().unwrap()]);
    let check = &t.report["check"];
    assert_eq!(check["runtime_leak_sites"], 1, "{check:#}");
    assert_eq!(
        check["confirmed"].as_u64().unwrap() + check["missed"].as_u64().unwrap(),
        1
    );
    let status = t.report["leaks"][0]["static"]["status"].as_str().unwrap();
    assert!(["confirmed", "missed"].contains(&status));
}

/// A file whose leak the static check does not report (silenced here) is
/// analyzed, not listed as a file that could not be.
#[test]
fn check_lists_no_failure_for_a_file_without_findings() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("silenced.py");
    std::fs::write(
        &script,
        "import gc\n\n\ndef leak(path):\n    f = open(path)  # noqa: UC101\n    return f.name\n\n\nleak(__file__)\ngc.collect()\n",
    )
    .unwrap();
    let t = trace(&["--check"], &[python3(), script.to_str().unwrap()]);
    let check = &t.report["check"];
    assert_eq!(check["runtime_leak_sites"], 1, "{check:#}");
    assert_eq!(check["files_failed"], serde_json::json!([]), "{check:#}");
}

#[test]
fn not_a_python_command() {
    let t = trace(&["--fail-on-leak"], &["true"]);
    assert_eq!(t.report["instrumentation"]["instrumented"], false);
    assert_eq!(t.output.status.code(), Some(2));
    let t = trace(&[], &["sh", "-c", "exit 7"]);
    assert_eq!(t.output.status.code(), Some(7));
}

#[test]
fn missing_command_is_an_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_unclosed"))
        .args(["trace", "--", "/nonexistent/python"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot run"));
}

/// A Python with pytest: `UNCLOSED_TEST_PYTEST_PYTHON`, else `python3` if it
/// has pytest, else a venv made here (needs PyPI). CI sets the variable.
fn pytest_python() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("UNCLOSED_TEST_PYTEST_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let has_pytest = |p: &Path| {
        Command::new(p)
            .args(["-c", "import pytest"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if has_pytest(Path::new("python3")) {
        return Some(PathBuf::from("python3"));
    }
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("trace-pytest-venv");
    let python = venv.join("bin/python");
    if !has_pytest(&python) {
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success())
            && Command::new(&python)
                .args(["-m", "pip", "install", "-q", "pytest"])
                .status()
                .is_ok_and(|s| s.success());
        if !made {
            return None;
        }
    }
    Some(python)
}

#[test]
fn pytest_leaks_are_blamed_on_their_tests() {
    let Some(python) = pytest_python() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must provide pytest (UNCLOSED_TEST_PYTEST_PYTHON)"
        );
        eprintln!("skipped: no pytest available");
        return;
    };
    let suite = fixtures().join("pytest_suite");
    let file = suite.join("test_two_leaks.py");
    let t = trace(
        &[],
        &[
            python.to_str().unwrap(),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            suite.to_str().unwrap(),
        ],
    );
    assert!(t.output.status.success(), "{:?}", t.output);
    assert!(String::from_utf8_lossy(&t.output.stdout).contains("3 passed"));
    assert_exact_leaks(&t, std::slice::from_ref(&file));
    let tests: Vec<&str> = t.report["leaks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["first_test"].as_str().unwrap())
        .collect();
    assert_eq!(tests.len(), 2);
    assert!(
        tests[0].ends_with("test_two_leaks.py::test_reads_file"),
        "{tests:?}"
    );
    assert!(
        tests[1].ends_with("test_two_leaks.py::test_sockets"),
        "{tests:?}"
    );
}
