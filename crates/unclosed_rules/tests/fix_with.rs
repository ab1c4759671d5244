//! The fixes that turn leaks into `with` blocks (UC101, UC102, UC106) and
//! temporaries into `pathlib` calls or `with` blocks (UC104), applied to
//! the files in `resources/fixes/` until none is left (unsafe ones too).
//! Each snapshot shows the fixes offered on the original, the fixed text and
//! the findings left. Every fixed text must parse, and re-checking it must
//! offer no more fix: what is left are the findings that have none.

use std::path::{Path, PathBuf};

use unclosed_diagnostics::{Applicability, apply_fixes};
use unclosed_rules::{RuleSelection, Settings, check_text};

fn fixes_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("resources/fixes")
}

fn settings(select: &str) -> Settings {
    Settings {
        selection: RuleSelection::from_prefixes(&[select.to_owned()], &[], &[])
            .expect("valid code"),
        ..Settings::default()
    }
}

/// One finding: row, code, and its fix's applicability and message.
fn findings(text: &str, settings: &Settings) -> Vec<(usize, &'static str, Option<String>)> {
    let report = check_text(Path::new("fixture.py"), text.to_owned(), settings);
    let source = report.source.as_ref().expect("decoded");
    report
        .diagnostics
        .iter()
        .map(|d| {
            assert_ne!(d.code, "UC000", "syntax error: {}\n{text}", d.message);
            (
                source.location(d.range.start()).row,
                d.code,
                d.fix
                    .as_ref()
                    .map(|f| format!("{:?}: {}", f.applicability, f.message)),
            )
        })
        .collect()
}

/// Apply every fix (safe and unsafe) until none applies; the text and how
/// many rounds it took.
fn fix_all(text: &str, settings: &Settings) -> (String, usize) {
    let mut text = text.to_owned();
    for round in 0..10 {
        let report = check_text(Path::new("fixture.py"), text.clone(), settings);
        let fixes: Vec<_> = report
            .diagnostics
            .iter()
            .filter_map(|d| d.fix.as_ref())
            .filter(|f| f.applicability >= Applicability::Unsafe)
            .collect();
        let applied = apply_fixes(&text, &fixes);
        if applied.applied.is_empty() {
            return (text, round);
        }
        assert!(
            ruff_python_parser::parse_module(&applied.text).is_ok(),
            "round {round} broke the syntax:\n{}",
            applied.text
        );
        text = applied.text;
    }
    panic!("fixes did not converge:\n{text}");
}

fn snapshot(file: &str, select: &str) -> String {
    let text = std::fs::read_to_string(fixes_dir().join(file)).expect("fixture is readable");
    let settings = settings(select);
    let before = findings(&text, &settings);
    let (fixed, _) = fix_all(&text, &settings);
    let after = findings(&fixed, &settings);
    assert!(
        after.iter().all(|(_, _, fix)| fix.is_none()),
        "a fix is still offered after fixing: {after:?}"
    );
    let mut out = String::from("## Fixes offered\n");
    for (row, code, fix) in &before {
        out.push_str(&format!(
            "{row}: {code} {}\n",
            fix.as_deref().unwrap_or("(no fix)")
        ));
    }
    out.push_str("\n## Fixed\n");
    out.push_str(&fixed);
    out.push_str("\n## Findings left\n");
    for (row, code, _) in &after {
        out.push_str(&format!("{row}: {code}\n"));
    }
    out
}

#[test]
fn with_block() {
    let out = snapshot("with_block.py", "UC1");
    insta::assert_snapshot!("with_block", out);
}

#[test]
fn with_block_no_fix() {
    let text = std::fs::read_to_string(fixes_dir().join("with_block_no_fix.py")).unwrap();
    let found = findings(&text, &settings("UC1"));
    let leaks: Vec<_> = found
        .iter()
        .filter(|(_, code, _)| matches!(*code, "UC101" | "UC102" | "UC106"))
        .collect();
    assert!(leaks.len() >= 5, "the fixture's leaks are found: {found:?}");
    for (row, code, fix) in leaks {
        assert!(fix.is_none(), "{row}: {code} must have no fix, has {fix:?}");
    }
}

#[test]
fn temporary() {
    let out = snapshot("temporary.py", "UC104");
    insta::assert_snapshot!("temporary", out);
}

#[test]
fn temporary_with_path_imported() {
    let out = snapshot("temporary_path_imported.py", "UC104");
    insta::assert_snapshot!("temporary_path_imported", out);
}

#[test]
fn generators() {
    let out = snapshot("generators.py", "UC301");
    insta::assert_snapshot!("generators", out);
}

/// Four-space indentation to tabs, `\n` to `\r\n`.
fn tabs_and_crlf(text: &str) -> String {
    text.split_inclusive('\n')
        .map(|line| {
            let spaces = line.len() - line.trim_start_matches(' ').len();
            let line = format!("{}{}", "\t".repeat(spaces / 4), &line[spaces / 4 * 4..]);
            line.replace('\n', "\r\n")
        })
        .collect()
}

/// Fixing a tab-indented CRLF file gives the fixed LF file, tab-indented
/// and with CRLF: the fixes keep the file's style.
#[test]
fn keeps_tabs_and_crlf() {
    for (file, select) in [
        ("with_block.py", "UC1"),
        ("temporary.py", "UC104"),
        ("generators.py", "UC301"),
    ] {
        let text = std::fs::read_to_string(fixes_dir().join(file)).unwrap();
        let settings = settings(select);
        let (fixed, _) = fix_all(&text, &settings);
        let (fixed_tabs, _) = fix_all(&tabs_and_crlf(&text), &settings);
        assert_eq!(fixed_tabs, tabs_and_crlf(&fixed), "{file}");
    }
}

/// A file without a final newline keeps it that way.
#[test]
fn no_final_newline() {
    let settings = settings("UC1");
    let (fixed, rounds) = fix_all("f = open('x')\nf.read()\nf.close()", &settings);
    assert_eq!(rounds, 1);
    assert_eq!(fixed, "with open('x') as f:\n    f.read()");
    let (fixed, _) = fix_all("def g():\n  f = open('x')\n  return f.read()", &settings);
    assert_eq!(
        fixed,
        "def g():\n  with open('x') as f:\n    return f.read()"
    );
}

#[test]
fn communicate() {
    let out = snapshot("communicate.py", "UC203");
    insta::assert_snapshot!("communicate", out);
}
