//! The fix loop on every fixture under `resources/fixtures` (the directory
//! is walked, so fixtures added later are covered): with unsafe fixes on,
//! the fixed text must parse, the loop must converge within 3 rounds, and
//! no finding that had a fix may still be reported after fixing. The diff
//! of each fixture the fixes change is snapshot-tested (`fix@<path>`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use unclosed_rules::{Settings, check_text, fix_text, is_applicable};

fn fixtures() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("fixture directory is readable")
            .map(|e| e.expect("directory entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "py") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("resources/fixtures"),
        &mut out,
    );
    out
}

/// The findings of `text` as (code, reported text) with how many of them
/// have an applicable fix and how many have none.
fn findings(name: &Path, text: &str) -> HashMap<(&'static str, String), (usize, usize)> {
    let report = check_text(name, text.to_owned(), &Settings::default());
    let mut out: HashMap<(&'static str, String), (usize, usize)> = HashMap::new();
    for d in &report.diagnostics {
        let key = (d.code, text[d.range].to_owned());
        let entry = out.entry(key).or_default();
        if d.fix.as_ref().is_some_and(|f| is_applicable(f, true)) {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
    }
    out
}

#[test]
fn every_fixture_fixes_cleanly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("resources/fixtures");
    let all = fixtures();
    assert!(all.len() > 12, "the fixtures are found");
    let mut changed = 0;
    for path in all {
        let relative = path.strip_prefix(&root).expect("under the root");
        let name = Path::new(relative);
        let text = std::fs::read_to_string(&path).expect("fixture is readable");
        let out = fix_text(name, text.clone(), &Settings::default(), true);
        let shown = relative.display();
        if let Err(err) = unclosed_source::parse(&out.text) {
            panic!("{shown}: the fixed text does not parse: {}", err.message);
        }
        assert!(out.converged, "{shown}: the fixes did not converge");
        assert!(out.rounds <= 3, "{shown}: {} rounds", out.rounds);
        assert!(out.dropped.is_empty(), "{shown}: {:?}", out.dropped);
        // A finding that had a fix is gone: of the findings with the same
        // rule on the same text, only those without a fix may remain.
        let before = findings(name, &text);
        for ((code, snippet), (remaining_fixable, remaining_plain)) in findings(name, &out.text) {
            if let Some((fixable, plain)) = before.get(&(code, snippet.clone()))
                && *fixable > 0
            {
                assert!(
                    remaining_fixable + remaining_plain <= *plain,
                    "{shown}: {code} on `{snippet}` is still reported after its fix"
                );
            }
        }
        if out.text == text {
            assert_eq!(out.fixed_count(), 0, "{shown}");
            continue;
        }
        changed += 1;
        let diff = similar::TextDiff::from_lines(&text, &out.text)
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{shown}"), &format!("b/{shown}"))
            .to_string();
        let fixed: Vec<String> = out
            .fixed
            .iter()
            .map(|(code, n)| format!("{code}: {n}"))
            .collect();
        let snapshot = format!(
            "fixed: {}; rounds: {}\n\n{diff}",
            fixed.join(", "),
            out.rounds
        );
        let snapshot_name = format!("fix@{}", shown.to_string().replace('/', "__"));
        insta::assert_snapshot!(snapshot_name, snapshot);
    }
    assert!(changed > 0, "some fixture has a fix");
}
