//! `--output-format` for the machine formats and `--output-file`, on the
//! real binary. The formats' exact bytes are snapshot-tested in
//! `unclosed_output`; here: the CLI wires them up with the rule metadata.

mod common;

use common::unclosed;

const LEAKY: &str = "\
def load(path):
    f = open(path)
    return f.read()
";

fn leaky_project() -> tempfile::TempDir {
    common::project(&[("app.py", LEAKY)])
}

#[test]
fn every_format_reports_the_finding() {
    let dir = leaky_project();
    for (format, expected) in [
        ("sarif", "\"ruleId\": \"UC101\""),
        ("github", "::error file=app.py,line=2,col=9,"),
        (
            "junit",
            "<testcase name=\"UC101 (resource-not-closed) at app.py:2:9\"",
        ),
        ("pylint", "app.py:2: [UC101] "),
        ("json-lines", "\"code\":\"UC101\""),
    ] {
        let out = unclosed(dir.path(), &["check", "--output-format", format]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{format}: {stdout}");
        assert!(stdout.contains(expected), "{format}: {stdout}");
        // Machine formats carry no summary line.
        assert!(!stdout.contains("Found 1 finding"), "{format}: {stdout}");
    }
}

#[test]
fn sarif_lists_every_rule_with_its_doc() {
    let dir = leaky_project();
    let out = unclosed(dir.path(), &["check", "--output-format", "sarif"]);
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let driver = &log["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "unclosed");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), unclosed_rules_count());
    let uc101 = rules.iter().find(|r| r["id"] == "UC101").unwrap();
    assert_eq!(uc101["name"], "resource-not-closed");
    assert!(
        uc101["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("## What it does")
    );
    assert!(
        uc101["helpUri"]
            .as_str()
            .unwrap()
            .ends_with("docs/rules/UC101.md")
    );
    let result = &log["runs"][0]["results"][0];
    let index = result["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[index]["id"], result["ruleId"]);
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "app.py");
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
}

/// The rules `unclosed rule --all` prints, counted by their headings.
fn unclosed_rules_count() -> usize {
    let dir = tempfile::tempdir().unwrap();
    let out = unclosed(dir.path(), &["rule", "--all"]);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("# ") && l.ends_with(')'))
        .count()
}

#[test]
fn output_file_gets_the_findings_and_stdout_the_summary() {
    let dir = leaky_project();
    let out = unclosed(dir.path(), &["check", "--output-file", "report.txt"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout,
        "Found 1 finding in 1 file.\n1 hidden fix can be enabled with the `--unsafe-fixes` option.\n"
    );
    let report = std::fs::read_to_string(dir.path().join("report.txt")).unwrap();
    assert!(report.starts_with("app.py:2:9: UC101 "), "{report}");
    assert!(!report.contains("Found 1 finding"), "{report}");

    let out = unclosed(
        dir.path(),
        &[
            "check",
            "--output-format",
            "sarif",
            "--output-file",
            "out.sarif",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.sarif")).unwrap())
            .unwrap();
    assert_eq!(log["version"], "2.1.0");
}

#[test]
fn output_file_that_cannot_be_created_is_an_error() {
    let dir = leaky_project();
    let out = unclosed(
        dir.path(),
        &["check", "--output-file", "missing/dir/report.txt"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot create"));
}
