//! Summaries across functions and modules: `resources/fixtures/summaries/`
//! holds a module checked alone (`module.py`) and a package checked as one
//! program (`pkg/`), the way `unclosed check` runs: every file read and
//! indexed first, then each analyzed with the summaries of the others'
//! functions. Findings only above each file's `# Safe code` line, and a
//! snapshot of them.

use std::path::{Path, PathBuf};

use unclosed_dataflow::Summaries;
use unclosed_diagnostics::FileReport;
use unclosed_output::{OutputFormat, RenderOptions};
use unclosed_rules::{Settings, check_loaded, check_text, index_program, load_file};

fn summaries_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("resources/fixtures/summaries")
}

fn render(reports: &[FileReport]) -> String {
    let mut out = Vec::new();
    unclosed_output::render(
        &mut out,
        OutputFormat::Text,
        reports,
        &RenderOptions::default(),
    )
    .expect("rendering to memory");
    String::from_utf8(out).expect("utf-8 output")
}

/// No finding at or below the `# Safe code` line of its file.
fn assert_safe_parts_are_silent(reports: &[FileReport]) {
    for report in reports {
        let source = report.source.as_ref().expect("parsed");
        let Some(safe_from) = source
            .text
            .lines()
            .position(|l| l.starts_with("# Safe code"))
        else {
            continue;
        };
        for d in &report.diagnostics {
            let row = source.location(d.range.start()).row;
            assert!(
                row <= safe_from,
                "{}:{row}: {} in the safe part",
                report.path.display(),
                d.message
            );
        }
    }
}

#[test]
fn summaries_within_a_module() {
    let path = summaries_dir().join("module.py");
    let text = std::fs::read_to_string(&path).expect("fixture is readable");
    let report = check_text(Path::new("module.py"), text, &Settings::default());
    let reports = [report];
    assert_safe_parts_are_silent(&reports);
    let output = render(&reports);
    assert!(!output.is_empty(), "the fixture must have violations");
    insta::assert_snapshot!("summaries_module", output);
}

#[test]
fn summaries_across_modules() {
    let dir = summaries_dir();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.join("pkg"))
        .expect("the package exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    paths.sort();
    let settings = Settings::default();
    let files: Vec<_> = paths.iter().map(|p| load_file(p, 1 << 20)).collect();
    let (program, modules) = index_program(&files);
    let names: Vec<&str> = program.modules.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "pkg",
            "pkg.app",
            "pkg.cycle_a",
            "pkg.cycle_b",
            "pkg.holders",
            "pkg.local_imports",
            "pkg.loops",
            "pkg.util"
        ]
    );
    let catalog = settings.resource_catalog();
    let summaries = Summaries::new(&program, vec![&*catalog; program.modules.len()]);
    let mut reports: Vec<FileReport> = files
        .iter()
        .zip(&modules)
        .map(|(file, module)| {
            let mut report = check_loaded(file, &settings, &summaries, *module);
            report.path = report
                .path
                .strip_prefix(&dir)
                .expect("under the fixtures")
                .to_path_buf();
            report
        })
        .collect();
    reports.retain(|r| !r.diagnostics.is_empty());
    assert_safe_parts_are_silent(&reports);
    let output = render(&reports);
    insta::assert_snapshot!("summaries_package", output);

    // Alone, a module knows nothing of the others: no finding there.
    let app = dir.join("pkg/app.py");
    let text = std::fs::read_to_string(&app).expect("fixture is readable");
    let alone = check_text(&app, text, &settings);
    assert!(alone.diagnostics.is_empty(), "{}", render(&[alone]));
}

/// The text is read again for the second phase: a file edited between the
/// phases is reported, not checked with the ranges of its old tree.
#[test]
fn a_file_changed_between_the_phases_is_reported() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("m.py");
    std::fs::write(&path, "def f(p):\n    return open(p)\n").expect("writable");
    let files = [load_file(&path, 1 << 20)];
    let (program, modules) = index_program(&files);
    let settings = Settings::default();
    let catalog = settings.resource_catalog();
    let summaries = Summaries::new(&program, vec![&*catalog]);

    let unchanged = check_loaded(&files[0], &settings, &summaries, modules[0]);
    assert!(unchanged.diagnostics.is_empty(), "{unchanged:?}");

    std::fs::write(&path, "x = 1\n").expect("writable");
    let changed = check_loaded(&files[0], &settings, &summaries, modules[0]);
    assert_eq!(changed.diagnostics.len(), 1);
    assert!(
        changed.diagnostics[0]
            .message
            .contains("changed while it was being checked"),
        "{:?}",
        changed.diagnostics[0]
    );
}
