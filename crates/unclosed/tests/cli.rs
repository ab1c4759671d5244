//! Tests of the command line: they run the real `unclosed` binary on
//! scratch projects and check exit codes and output.

mod common;

use common::{project, stdout, unclosed};

const LEAKY: &str = "\
import json


def load(path):
    f = open(path)
    return json.load(f)


def mistake_1(path):
    f = open(path)
    data = f.read()
    process(data)
    f.close()


def temporary(path):
    return open(path).read()
";

const CLEAN: &str = "\
def load(path):
    with open(path) as f:
        return f.read()
";

#[test]
fn text_output_and_exit_code() {
    let dir = project(&[("app.py", LEAKY), ("ok.py", CLEAN)]);
    let out = unclosed(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn concise_output() {
    let dir = project(&[("app.py", LEAKY)]);
    let out = unclosed(
        dir.path(),
        &["check", "--output-format", "concise", "app.py"],
    );
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn json_output_has_ruff_fields() {
    let dir = project(&[("app.py", LEAKY)]);
    let out = unclosed(dir.path(), &["check", "--output-format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let text = stdout(&out).replace(&root.display().to_string(), "[TMP]");
    let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    for finding in value.as_array().unwrap() {
        for field in [
            "code",
            "message",
            "filename",
            "location",
            "end_location",
            "fix",
            "url",
            "noqa_row",
        ] {
            assert!(finding.get(field).is_some(), "missing {field}");
        }
    }
    insta::assert_snapshot!(text);
}

#[test]
fn clean_project_exits_zero() {
    let dir = project(&[("ok.py", CLEAN)]);
    let out = unclosed(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "All checks passed!\n");
}

#[test]
fn select_and_ignore_take_prefixes() {
    let dir = project(&[("app.py", LEAKY)]);
    let only = unclosed(
        dir.path(),
        &[
            "check",
            "--select",
            "UC102",
            "--output-format",
            "concise",
            "-q",
        ],
    );
    let text = stdout(&only);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("UC102"));
    let none = unclosed(dir.path(), &["check", "--ignore", "UC1"]);
    assert_eq!(none.status.code(), Some(0));
    let specific_wins = unclosed(
        dir.path(),
        &[
            "check",
            "--ignore",
            "UC1",
            "--extend-select",
            "UC104",
            "--output-format",
            "concise",
            "-q",
        ],
    );
    assert_eq!(stdout(&specific_wins).lines().count(), 1);
    let bad = unclosed(dir.path(), &["check", "--select", "XY1"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("`XY1` matches no rule code"));
}

#[test]
fn statistics() {
    let dir = project(&[("app.py", LEAKY)]);
    let out = unclosed(dir.path(), &["check", "--statistics"]);
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn noqa_and_ignore_noqa() {
    let src = "def f(p):\n    x = open(p)  # noqa: UC101\n    return x.read()\n\ndef g(p):\n    y = open(p)  # noqa\n    return y.read()\n\ndef h(p):\n    z = open(p)  # noqa: UC102\n    return z.read()\n";
    let dir = project(&[("n.py", src)]);
    let out = unclosed(dir.path(), &["check", "--output-format", "concise", "-q"]);
    let text = stdout(&out);
    assert_eq!(
        text.lines().count(),
        1,
        "only the wrong-code noqa reports:\n{text}"
    );
    assert!(text.contains(":10:"));
    let all = unclosed(
        dir.path(),
        &["check", "--ignore-noqa", "--output-format", "concise", "-q"],
    );
    assert_eq!(stdout(&all).lines().count(), 3);
}

#[test]
fn gitignore_and_exclude_and_default_excludes() {
    let dir = project(&[
        ("src/app.py", LEAKY),
        ("generated/gen.py", LEAKY),
        (".venv/lib/dep.py", LEAKY),
        ("build/out.py", LEAKY),
        ("vendor/v.py", LEAKY),
        (".gitignore", "generated/\n"),
    ]);
    let out = unclosed(
        dir.path(),
        &[
            "check",
            "--output-format",
            "concise",
            "-q",
            "--exclude",
            "vendor",
        ],
    );
    let text = stdout(&out);
    assert!(text.contains("src/app.py"));
    for skipped in ["generated", ".venv", "build/", "vendor"] {
        assert!(!text.contains(skipped), "{skipped} analyzed:\n{text}");
    }
    let all = unclosed(
        dir.path(),
        &[
            "check",
            "--no-respect-gitignore",
            "--output-format",
            "concise",
            "-q",
        ],
    );
    assert!(stdout(&all).contains("generated/gen.py"));
    // A file named explicitly is analyzed even inside an excluded folder.
    let explicit = unclosed(
        dir.path(),
        &["check", "build/out.py", "-q", "--output-format", "concise"],
    );
    assert!(stdout(&explicit).contains("build/out.py"));
}

#[test]
fn output_is_deterministic() {
    let files: Vec<(String, &str)> = (0..30).map(|i| (format!("m{i:02}.py"), LEAKY)).collect();
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, t)| (n.as_str(), *t)).collect();
    let dir = project(&refs);
    let first = stdout(&unclosed(
        dir.path(),
        &["check", "--output-format", "concise", "-q"],
    ));
    for _ in 0..3 {
        assert_eq!(
            first,
            stdout(&unclosed(
                dir.path(),
                &["check", "--output-format", "concise", "-q"]
            ))
        );
    }
    let paths: Vec<&str> = first.lines().filter_map(|l| l.split(':').next()).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
}

#[test]
fn missing_path_is_an_error_finding() {
    let dir = project(&[("ok.py", CLEAN)]);
    let out = unclosed(
        dir.path(),
        &["check", "nope.py", "ok.py", "--output-format", "concise"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("nope.py:1:1: UC000 cannot read"));
}

#[test]
fn rule_command() {
    let dir = project(&[]);
    let out = unclosed(dir.path(), &["rule", "UC101"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.starts_with("# resource-not-closed (UC101)"));
    assert!(text.contains("## Why is this bad?"));
    assert!(text.contains("## Use instead"));
    let by_name = unclosed(dir.path(), &["rule", "closed-only-on-happy-path"]);
    assert!(stdout(&by_name).contains("(UC102)"));
    let all = stdout(&unclosed(dir.path(), &["rule", "--all"]));
    for code in [
        "UC000", "UC101", "UC102", "UC103", "UC104", "UC105", "UC106", "UC107",
    ] {
        assert!(all.contains(&format!("({code})")), "{code} missing");
    }
    let unknown = unclosed(dir.path(), &["rule", "UC999"]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn usage_errors_exit_two() {
    let dir = project(&[]);
    assert_eq!(
        unclosed(dir.path(), &["check", "--output-format", "xml"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(unclosed(dir.path(), &["frobnicate"]).status.code(), Some(2));
    assert_eq!(unclosed(dir.path(), &["--help"]).status.code(), Some(0));
}

/// A factory in one module makes its callers in another module acquire;
/// checked alone, the caller has nothing to report.
#[test]
fn summaries_across_files() {
    let dir = project(&[
        ("pkg/__init__.py", ""),
        (
            "pkg/util.py",
            "def open_log(path):\n    return open(path, 'a')\n\n\ndef shut(f):\n    f.close()\n",
        ),
        (
            "pkg/app.py",
            "from .util import open_log, shut\n\n\n\
             def leaks(path):\n    log = open_log(path)\n    log.write('x')\n\n\n\
             def released(path):\n    log = open_log(path)\n    try:\n        log.write('x')\n    finally:\n        shut(log)\n",
        ),
    ]);
    let out = unclosed(
        dir.path(),
        &["check", "-q", "--output-format", "concise", "pkg"],
    );
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.starts_with("pkg/app.py:5:11: UC106 file `log` opened for writing by `open_log()`"),
        "{text}"
    );
    let alone = unclosed(
        dir.path(),
        &["check", "--output-format", "concise", "pkg/app.py"],
    );
    assert_eq!(alone.status.code(), Some(0), "{}", stdout(&alone));
}

/// A file that cannot be read twice (a pipe behind `/dev/stdin`) keeps its
/// text between the two phases: it is checked, not reported as changed.
#[cfg(unix)]
#[test]
fn a_pipe_is_checked_like_a_file() {
    use std::io::Write;
    use std::process::{Command, Stdio};

    let mut child = Command::new(env!("CARGO_BIN_EXE_unclosed"))
        .args([
            "check",
            "--isolated",
            "--output-format",
            "concise",
            "/dev/stdin",
        ])
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(LEAKY.as_bytes())
        .expect("the source is written");
    let out = child.wait_with_output().expect("the binary ends");
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("/dev/stdin:5:9: UC101"), "{text}");
    assert!(!text.contains("UC000"), "{text}");
}
