//! The fix loop: check a text, apply the applicable fixes that do not
//! overlap, check the result again, and repeat until no fix applies.
//!
//! This is ruff's model. A fix is applicable when it is `Safe`, or `Unsafe`
//! and unsafe fixes are asked for; `DisplayOnly` fixes are never applied.
//! One round applies every applicable fix that does not overlap a fix taken
//! before it (`apply_fixes`); fixes that overlap wait for the next round,
//! where they are computed again on the new text.
//!
//! **Invariant:** a fix never produces code that fails to parse. After each
//! round the new text is parsed; when it does not parse, the round's fixes
//! are applied again one at a time, each one that breaks the code (alone or
//! with those before it) is dropped and reported ([`DroppedFix`]), and the
//! others are kept. A dropped fix is not tried again.
//!
//! The loop stops after [`MAX_FIX_ROUNDS`] rounds that changed the text; if
//! applicable fixes remain then, the outcome says it did not converge.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use unclosed_diagnostics::{
    Applicability, Diagnostic, Edit, FileReport, Fix, Location, SourceText, TextRange, TextSize,
    apply_fixes,
};

use crate::{Settings, check_text};

/// Rounds of fixes after which the loop gives up (ruff allows 100; a fix
/// that needs more than a few rounds is a bug in the fix).
pub const MAX_FIX_ROUNDS: usize = 10;

/// What the fix loop did to one text.
#[derive(Debug)]
pub struct FixOutcome {
    /// The text with every applied fix (the input when none applied).
    pub text: String,
    /// How many fixes were applied, per rule code.
    pub fixed: BTreeMap<&'static str, usize>,
    /// The findings of the fixed text: what remains to be done by hand (or
    /// by fixes that were not applicable).
    pub report: FileReport,
    /// Fixes not applied because the code they produce does not parse.
    pub dropped: Vec<DroppedFix>,
    /// Rounds in which the text changed.
    pub rounds: usize,
    /// False when applicable fixes still remained after
    /// [`MAX_FIX_ROUNDS`] rounds.
    pub converged: bool,
}

impl FixOutcome {
    /// How many fixes were applied in all.
    pub fn fixed_count(&self) -> usize {
        self.fixed.values().sum()
    }
}

/// A fix left out because the code it would produce does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DroppedFix {
    pub code: &'static str,
    /// Where its finding is, in the fixed text ([`FixOutcome::text`]).
    pub range: TextRange,
    /// The same, as row and column.
    pub location: Location,
    /// What the parser said about the code the fix would produce.
    pub error: String,
}

impl fmt::Display for DroppedFix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "fix for {} at {}:{} would produce invalid code ({}); not applied",
            self.code, self.location.row, self.location.column, self.error
        )
    }
}

/// Whether `fix` is applied: `Safe` always, `Unsafe` with `unsafe_fixes`.
pub fn is_applicable(fix: &Fix, unsafe_fixes: bool) -> bool {
    match fix.applicability {
        Applicability::Safe => true,
        Applicability::Unsafe => unsafe_fixes,
        Applicability::DisplayOnly => false,
    }
}

/// Check `text` and fix it: [`check_text`] with `settings`, then the fix
/// loop. `unsafe_fixes` also applies `Unsafe` fixes.
pub fn fix_text(path: &Path, text: String, settings: &Settings, unsafe_fixes: bool) -> FixOutcome {
    fix_text_with(path, text, settings, unsafe_fixes, &|_| true)
}

/// [`fix_text`] that fixes, and reports, only the diagnostics `keep`
/// accepts (the command line's `per-file-ignores`).
pub fn fix_text_with(
    path: &Path,
    text: String,
    settings: &Settings,
    unsafe_fixes: bool,
    keep: &dyn Fn(&Diagnostic) -> bool,
) -> FixOutcome {
    let check = |text: &str| {
        let mut report = check_text(path, text.to_owned(), settings);
        report.diagnostics.retain(|d| keep(d));
        report
    };
    let parses = |text: &str| {
        unclosed_source::parse(text)
            .map(|_| ())
            .map_err(|e| e.message)
    };
    run(text, &check, &parses, unsafe_fixes)
}

/// A fix that was dropped, in the coordinates of the current text, so
/// that it is not tried again when its finding comes back.
struct Rejected {
    code: &'static str,
    /// The finding's range.
    range: TextRange,
    edits: Vec<Edit>,
    error: String,
}

/// The loop proper, over any checker and parser (tests give their own).
pub(crate) fn run(
    mut text: String,
    check: &dyn Fn(&str) -> FileReport,
    parses: &dyn Fn(&str) -> Result<(), String>,
    unsafe_fixes: bool,
) -> FixOutcome {
    let mut report = check(&text);
    let mut rejected: Vec<Rejected> = Vec::new();
    let mut fixed: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut rounds = 0;
    let converged = loop {
        let candidates: Vec<&Diagnostic> = report
            .diagnostics
            .iter()
            .filter(|d| {
                d.fix.as_ref().is_some_and(|fix| {
                    is_applicable(fix, unsafe_fixes)
                        && !rejected
                            .iter()
                            .any(|r| r.code == d.code && r.edits == fix.edits)
                })
            })
            .collect();
        if candidates.is_empty() {
            break true;
        }
        if rounds == MAX_FIX_ROUNDS {
            break false;
        }
        let fixes: Vec<&Fix> = candidates.iter().filter_map(|d| d.fix.as_ref()).collect();
        let applied = apply_fixes(&text, &fixes);
        if applied.applied.is_empty() {
            // Every fix has an edit outside the text: nothing will change.
            break true;
        }
        let (new_text, used) = match parses(&applied.text) {
            Ok(()) => (applied.text, applied.applied),
            Err(_) => {
                // Find the fixes that break the code: add them one at a
                // time, keep those after which the code still parses.
                let mut good: Vec<usize> = Vec::new();
                let mut good_text = text.clone();
                for &i in &applied.applied {
                    let trial: Vec<&Fix> = good.iter().chain([&i]).map(|&k| fixes[k]).collect();
                    let attempt = apply_fixes(&text, &trial);
                    let outcome = if attempt.applied.len() == trial.len() {
                        parses(&attempt.text)
                    } else {
                        Err("it overlaps another fix".to_owned())
                    };
                    match outcome {
                        Ok(()) => {
                            good.push(i);
                            good_text = attempt.text;
                        }
                        Err(error) => rejected.push(Rejected {
                            code: candidates[i].code,
                            range: candidates[i].range,
                            edits: fixes[i].edits.clone(),
                            error,
                        }),
                    }
                }
                (good_text, good)
            }
        };
        if used.is_empty() {
            // Every fix of the round was dropped; the text and its
            // findings are unchanged, and the dropped fixes are no longer
            // candidates.
            continue;
        }
        let edits = union_of_edits(used.iter().map(|&i| fixes[i]));
        for r in &mut rejected {
            r.range = map_range(r.range, &edits);
            for edit in &mut r.edits {
                edit.range = map_range(edit.range, &edits);
            }
        }
        for &i in &used {
            *fixed.entry(candidates[i].code).or_default() += 1;
        }
        rounds += 1;
        text = new_text;
        report = check(&text);
    };
    let source = report
        .source
        .clone()
        .unwrap_or_else(|| std::sync::Arc::new(SourceText::new(text.clone())));
    let mut dropped: Vec<DroppedFix> = Vec::new();
    for r in rejected {
        let location = source.location(r.range.start());
        if !dropped
            .iter()
            .any(|d| d.code == r.code && d.range == r.range)
        {
            dropped.push(DroppedFix {
                code: r.code,
                range: r.range,
                location,
                error: r.error,
            });
        }
    }
    dropped.sort_by_key(|d| (d.range.start(), d.code));
    FixOutcome {
        text,
        fixed,
        report,
        dropped,
        rounds,
        converged,
    }
}

/// The edits of `fixes`, each once, in text order (what `apply_fixes`
/// applied when it took all of them).
fn union_of_edits<'a>(fixes: impl Iterator<Item = &'a Fix>) -> Vec<&'a Edit> {
    let mut edits: Vec<&Edit> = Vec::new();
    for fix in fixes {
        let before = edits.len();
        for edit in &fix.edits {
            if !edits[..before].contains(&edit) {
                edits.push(edit);
            }
        }
    }
    edits.sort_by_key(|e| (e.range.start(), e.range.end()));
    edits
}

/// Where `range` of the text before `edits` is in the text after them.
/// What was at an insertion point follows the insertion; a bound inside a
/// replaced range moves to the start of the replacement.
fn map_range(range: TextRange, edits: &[&Edit]) -> TextRange {
    let start = map_offset(range.start(), edits);
    let end = map_offset(range.end(), edits).max(start);
    TextRange::new(start, end)
}

fn map_offset(offset: TextSize, edits: &[&Edit]) -> TextSize {
    let mut grown: i64 = 0;
    for edit in edits {
        if edit.range.end() <= offset {
            grown += edit.content.len() as i64 - i64::from(u32::from(edit.range.len()));
        } else if edit.range.start() < offset {
            // Inside a replaced range.
            let at = i64::from(u32::from(edit.range.start())) + grown;
            return TextSize::new(u32::try_from(at.max(0)).unwrap_or(u32::MAX));
        } else {
            break;
        }
    }
    let at = i64::from(u32::from(offset)) + grown;
    TextSize::new(u32::try_from(at.max(0)).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::sync::Arc;

    /// A toy checker: every `bad` in the text is a finding `UC900` whose fix
    /// replaces it with `good`; every `[` is a finding `UC901` whose fix
    /// deletes it (which breaks the code when the `]` stays).
    fn toy_check(text: &str) -> FileReport {
        let mut diagnostics = Vec::new();
        for (at, _) in text.match_indices("bad") {
            let range = TextRange::at(TextSize::new(at as u32), TextSize::new(3));
            let mut d = Diagnostic::new("UC900", "toy", "bad".into(), range);
            d.fix = Some(Fix {
                applicability: Applicability::Safe,
                message: "Use `good`".into(),
                edits: vec![Edit::replacement("good", range)],
            });
            diagnostics.push(d);
        }
        for (at, _) in text.match_indices('[') {
            let range = TextRange::at(TextSize::new(at as u32), TextSize::new(1));
            let mut d = Diagnostic::new("UC901", "toy", "bracket".into(), range);
            d.fix = Some(Fix {
                applicability: Applicability::Unsafe,
                message: "Remove it".into(),
                edits: vec![Edit::deletion(range)],
            });
            diagnostics.push(d);
        }
        FileReport {
            path: PathBuf::from("toy.py"),
            source: Some(Arc::new(SourceText::new(text.to_owned()))),
            diagnostics,
        }
    }

    fn python_parses(text: &str) -> Result<(), String> {
        unclosed_source::parse(text)
            .map(|_| ())
            .map_err(|e| e.message)
    }

    #[test]
    fn applies_fixes_until_nothing_is_left() {
        let out = run(
            "x = bad\ny = bad\n".into(),
            &toy_check,
            &python_parses,
            false,
        );
        assert_eq!(out.text, "x = good\ny = good\n");
        assert_eq!(out.fixed.get("UC900"), Some(&2));
        assert_eq!(out.rounds, 1);
        assert!(out.converged);
        assert!(out.report.diagnostics.is_empty());
        assert!(out.dropped.is_empty());
    }

    #[test]
    fn unsafe_fixes_only_when_asked() {
        let out = run("x = [1, bad]\n".into(), &toy_check, &python_parses, false);
        assert_eq!(out.text, "x = [1, good]\n");
        assert_eq!(out.report.diagnostics.len(), 1, "the UC901 remains");
        assert!(out.dropped.is_empty());
    }

    #[test]
    fn a_fix_that_breaks_the_code_is_dropped_and_reported() {
        let out = run(
            "x = bad\ny = [1, bad]\n".into(),
            &toy_check,
            &python_parses,
            true,
        );
        // The two UC900 fixes are kept, the UC901 fix dropped.
        assert_eq!(out.text, "x = good\ny = [1, good]\n");
        assert_eq!(out.fixed.get("UC900"), Some(&2));
        assert_eq!(out.fixed.get("UC901"), None);
        assert_eq!(out.dropped.len(), 1);
        let dropped = &out.dropped[0];
        assert_eq!(dropped.code, "UC901");
        // Reported where the finding is in the fixed text.
        assert_eq!(dropped.location, Location { row: 2, column: 5 });
        assert_eq!(&out.text[dropped.range], "[");
        assert!(
            dropped
                .to_string()
                .starts_with("fix for UC901 at 2:5 would produce invalid code (SyntaxError"),
            "{dropped}"
        );
        assert!(out.converged);
        assert_eq!(out.report.diagnostics.len(), 1);
    }

    #[test]
    fn a_dropped_fix_alone_leaves_the_text_unchanged() {
        let out = run("y = [1]\n".into(), &toy_check, &python_parses, true);
        assert_eq!(out.text, "y = [1]\n");
        assert_eq!(out.rounds, 0);
        assert_eq!(out.dropped.len(), 1);
        assert!(out.converged);
    }

    #[test]
    fn overlapping_fixes_wait_for_the_next_round() {
        // Two fixes on the same range: one per round.
        let check = |text: &str| {
            let mut report = toy_check("");
            report.source = Some(Arc::new(SourceText::new(text.to_owned())));
            if let Some(at) = text.find("ab") {
                let range = TextRange::at(TextSize::new(at as u32), TextSize::new(2));
                for (code, content) in [("UC902", "a"), ("UC903", "b")] {
                    let mut d = Diagnostic::new(code, "toy", String::new(), range);
                    d.fix = Some(Fix {
                        applicability: Applicability::Safe,
                        message: String::new(),
                        edits: vec![Edit::replacement(content, range)],
                    });
                    report.diagnostics.push(d);
                }
            }
            report
        };
        let out = run("x = 'abab'\n".into(), &check, &python_parses, false);
        assert_eq!(out.text, "x = 'aa'\n");
        assert_eq!(out.rounds, 2);
        assert!(out.converged);
    }

    #[test]
    fn a_fix_that_never_converges_is_stopped() {
        // The fix brings its own finding back.
        let check = |text: &str| {
            let mut report = toy_check("");
            report.source = Some(Arc::new(SourceText::new(text.to_owned())));
            let end = TextSize::new(text.len() as u32);
            let mut d = Diagnostic::new("UC904", "toy", String::new(), TextRange::empty(end));
            d.fix = Some(Fix {
                applicability: Applicability::Safe,
                message: String::new(),
                edits: vec![Edit::insertion("#\n", end)],
            });
            report.diagnostics.push(d);
            report
        };
        let out = run("x = 1\n".into(), &check, &python_parses, false);
        assert!(!out.converged);
        assert_eq!(out.rounds, MAX_FIX_ROUNDS);
        assert_eq!(out.fixed.get("UC904"), Some(&MAX_FIX_ROUNDS));
    }

    #[test]
    fn text_that_does_not_parse_is_left_alone() {
        let out = fix_text(
            Path::new("broken.py"),
            "def f(:\n".into(),
            &Settings::default(),
            true,
        );
        assert_eq!(out.text, "def f(:\n");
        assert_eq!(out.rounds, 0);
        assert_eq!(out.report.diagnostics[0].code, "UC000");
    }

    #[test]
    fn offsets_follow_the_edits() {
        let a = Edit::replacement("xyz", TextRange::new(2.into(), 3.into()));
        let b = Edit::insertion("++", TextSize::new(5));
        let edits = [&a, &b];
        assert_eq!(map_offset(TextSize::new(1), &edits), TextSize::new(1));
        assert_eq!(map_offset(TextSize::new(3), &edits), TextSize::new(5));
        // What was at an insertion point follows the insertion.
        assert_eq!(map_offset(TextSize::new(5), &edits), TextSize::new(9));
        // A bound inside a replaced range moves to its start.
        let c = Edit::replacement("", TextRange::new(1.into(), 4.into()));
        assert_eq!(map_offset(TextSize::new(2), &[&c]), TextSize::new(1));
        assert_eq!(map_offset(TextSize::new(6), &edits), TextSize::new(10));
    }
}
