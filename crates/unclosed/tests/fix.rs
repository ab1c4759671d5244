//! `check --fix`, `--diff`, `--fix-only`, `--unsafe-fixes` on the real
//! binary: what is written, what is printed, exit codes, and that files
//! keep their line endings, byte-order mark and encoding.

mod common;

use std::path::Path;
use std::process::Command;

use common::{project, stdout, unclosed};

/// UC202 (safe fix) only.
const UNBOUND: &str = "\
import os


def read(path):
    try:
        fd = os.open(path, os.O_RDONLY)
        return os.read(fd, 10)
    finally:
        os.close(fd)  # keep this comment
";

const UNBOUND_FIXED: &str = "\
import os


def read(path):
    fd = None
    try:
        fd = os.open(path, os.O_RDONLY)
        return os.read(fd, 10)
    finally:
        if fd is not None:
            os.close(fd)  # keep this comment
";

/// UC107, which has no fix.
const FD_LEAK: &str = "\
import os


def leak(path):
    fd = os.open(path, os.O_RDONLY)
    return os.read(fd, 10)
";

/// UC105 whose fix is unsafe: a value made from the connection is assigned.
const SQLITE_UNSAFE: &str = "\
import sqlite3


def rows(db):
    with sqlite3.connect(db) as conn:
        found = conn.execute(\"select 1\").fetchall()
    return found
";

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn fix_writes_the_file_and_exits_0_when_nothing_remains() {
    let dir = project(&[("a.py", UNBOUND)]);
    let out = unclosed(dir.path(), &["check", "--isolated", "--fix", "a.py"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(read(dir.path(), "a.py"), UNBOUND_FIXED);
    assert_eq!(stdout(&out), "Found 1 finding (1 fixed, 0 remaining).\n");
    // Nothing left to do: a second run changes nothing.
    let again = unclosed(dir.path(), &["check", "--isolated", "--fix", "a.py"]);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(stdout(&again), "All checks passed!\n");
    assert_eq!(read(dir.path(), "a.py"), UNBOUND_FIXED);
}

#[test]
fn fix_exits_1_when_findings_remain_and_leaves_unfixable_files_alone() {
    let dir = project(&[("a.py", UNBOUND), ("b.py", FD_LEAK)]);
    let before = std::fs::metadata(dir.path().join("b.py"))
        .unwrap()
        .modified()
        .unwrap();
    let out = unclosed(
        dir.path(),
        &["check", "--isolated", "--fix", "--output-format", "concise"],
    );
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("b.py:5:10: UC107 "), "{text}");
    assert!(!text.contains("UC202"), "{text}");
    assert!(
        text.ends_with("Found 2 findings (1 fixed, 1 remaining).\n"),
        "{text}"
    );
    assert_eq!(read(dir.path(), "a.py"), UNBOUND_FIXED);
    assert_eq!(read(dir.path(), "b.py"), FD_LEAK);
    let after = std::fs::metadata(dir.path().join("b.py"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(before, after, "a file without fixes is not written");
}

#[test]
fn no_fix_cancels_fix() {
    let dir = project(&[("a.py", UNBOUND)]);
    let out = unclosed(
        dir.path(),
        &["check", "--isolated", "--fix", "--no-fix", "a.py"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(read(dir.path(), "a.py"), UNBOUND);
    assert!(
        stdout(&out)
            .ends_with("Found 1 finding in 1 file.\n[*] 1 fixable with the `--fix` option.\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn fix_only_reports_nothing_else_and_exits_0() {
    let dir = project(&[("a.py", UNBOUND), ("b.py", FD_LEAK)]);
    let out = unclosed(dir.path(), &["check", "--isolated", "--fix-only"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "Fixed 1 finding.\n");
    assert_eq!(read(dir.path(), "a.py"), UNBOUND_FIXED);
}

fn tool_exists(name: &str) -> bool {
    Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn diff_changes_nothing_and_applies_like_fix() {
    let dir = project(&[("a.py", UNBOUND), ("b.py", FD_LEAK)]);
    let out = unclosed(dir.path(), &["check", "--isolated", "--diff"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(read(dir.path(), "a.py"), UNBOUND);
    let diff = stdout(&out);
    assert!(diff.starts_with("--- a/a.py\n+++ b/a.py\n@@ "), "{diff}");
    assert!(diff.contains("+    fd = None\n"), "{diff}");
    assert!(stderr(&out).contains("Would fix 1 finding."));
    std::fs::write(dir.path().join("fix.patch"), &out.stdout).unwrap();
    if tool_exists("git") {
        let applied = Command::new("git")
            .args(["apply", "--unsafe-paths", "fix.patch"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            applied.status.success(),
            "{}",
            String::from_utf8_lossy(&applied.stderr)
        );
        assert_eq!(read(dir.path(), "a.py"), UNBOUND_FIXED);
        std::fs::write(dir.path().join("a.py"), UNBOUND).unwrap();
    }
    if tool_exists("patch") {
        let applied = Command::new("patch")
            .args(["-p1", "-i", "fix.patch"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(applied.status.success(), "{}", stdout(&applied));
        assert_eq!(read(dir.path(), "a.py"), UNBOUND_FIXED);
    }
    // Nothing to fix: no diff, exit 0.
    let clean = project(&[("b.py", FD_LEAK)]);
    let out = unclosed(clean.path(), &["check", "--isolated", "--diff"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "");
}

#[test]
fn unsafe_fixes_decide_the_fixable_marker() {
    let dir = project(&[("a.py", SQLITE_UNSAFE)]);
    let args = ["check", "--isolated", "--output-format", "concise", "a.py"];
    let out = unclosed(dir.path(), &args);
    let text = stdout(&out);
    assert!(text.starts_with("a.py:5:10: UC105 database"), "{text}");
    assert!(
        text.ends_with(
            "Found 1 finding in 1 file.\n1 hidden fix can be enabled with the `--unsafe-fixes` option.\n"
        ),
        "{text}"
    );
    let out = unclosed(dir.path(), &[&args[..], &["--unsafe-fixes"]].concat());
    let text = stdout(&out);
    assert!(text.starts_with("a.py:5:10: UC105 [*] database"), "{text}");
    assert!(
        text.ends_with("Found 1 finding in 1 file.\n[*] 1 fixable with the `--fix` option.\n"),
        "{text}"
    );
    // --fix alone does not apply it; with --unsafe-fixes it does.
    let out = unclosed(dir.path(), &[&args[..], &["--fix"]].concat());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(read(dir.path(), "a.py"), SQLITE_UNSAFE);
    let out = unclosed(
        dir.path(),
        &[&args[..], &["--fix", "--unsafe-fixes"]].concat(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(
        read(dir.path(), "a.py"),
        SQLITE_UNSAFE
            .replace("import sqlite3", "import contextlib\nimport sqlite3")
            .replace(
                "with sqlite3.connect(db) as conn:",
                "with contextlib.closing(sqlite3.connect(db)) as conn, conn:"
            )
    );
}

#[test]
fn crlf_and_bom_are_kept() {
    let crlf = format!("\u{feff}{}", UNBOUND.replace('\n', "\r\n"));
    let dir = project(&[("a.py", &crlf)]);
    let out = unclosed(dir.path(), &["check", "--isolated", "--fix", "a.py"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let bytes = std::fs::read(dir.path().join("a.py")).unwrap();
    let expected = format!("\u{feff}{}", UNBOUND_FIXED.replace('\n', "\r\n"));
    assert_eq!(String::from_utf8(bytes).unwrap(), expected);
}

#[test]
fn a_latin1_file_is_written_back_in_latin1() {
    let mut original = b"# -*- coding: latin-1 -*-\nNAME = '\xe9t\xe9'\n".to_vec();
    original.extend_from_slice(UNBOUND.as_bytes());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.py"), &original).unwrap();
    let out = unclosed(dir.path(), &["check", "--isolated", "--fix", "a.py"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut expected = b"# -*- coding: latin-1 -*-\nNAME = '\xe9t\xe9'\n".to_vec();
    expected.extend_from_slice(UNBOUND_FIXED.as_bytes());
    assert_eq!(std::fs::read(dir.path().join("a.py")).unwrap(), expected);
    // --diff is in the file's encoding too, so it applies to its bytes.
    std::fs::write(dir.path().join("a.py"), &original).unwrap();
    let out = unclosed(dir.path(), &["check", "--isolated", "--diff", "a.py"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.windows(2).all(|w| w != b"\xc3\xa9"));
}

#[test]
fn a_file_its_encoding_cannot_give_back_is_not_written() {
    // In Shift_JIS, 0xED40 (an NEC-selected IBM extension) decodes to
    // U+7E8A, which encodes as 0xFA5C: writing the file back would change
    // a byte no fix touched.
    let mut original = b"# -*- coding: shift_jis -*-\nNAME = '\xed\x40'\n".to_vec();
    original.extend_from_slice(UNBOUND.as_bytes());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.py"), &original).unwrap();
    let out = unclosed(dir.path(), &["check", "--isolated", "--fix", "a.py"]);
    assert_eq!(std::fs::read(dir.path().join("a.py")).unwrap(), original);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("a.py: not fixed: the file is encoded in Shift_JIS and encoding the file back would change bytes the fixes did not touch"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("UC202"), "{}", stdout(&out));
}
