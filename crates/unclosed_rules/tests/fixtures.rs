//! Rule fixtures: `resources/fixtures/UCxxx.py` hold violating and safe
//! code for one rule, and the rule's findings on them are snapshot-tested
//! (text output, the way a user reads it). `catalogs/LIBRARY.py` do the same
//! for each third-party catalog, with every rule. Files under `valid/` must
//! produce no finding of any rule.

use std::path::{Path, PathBuf};

use unclosed_output::{OutputFormat, RenderOptions};
use unclosed_rules::{RuleSelection, Settings, check_text};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("resources/fixtures")
}

fn render(path: &Path, select: &str) -> String {
    let text = std::fs::read_to_string(path).expect("fixture is readable");
    let settings = Settings {
        selection: RuleSelection::from_prefixes(&[select.to_owned()], &[], &[])
            .expect("valid code"),
        ..Settings::default()
    };
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let report = check_text(Path::new(&name), text, &settings);
    let mut out = Vec::new();
    unclosed_output::render(
        &mut out,
        OutputFormat::Text,
        &[report],
        &RenderOptions::default(),
    )
    .expect("rendering to memory");
    String::from_utf8(out).expect("utf-8 output")
}

macro_rules! rule_fixture {
    ($name:ident, $code:literal) => {
        #[test]
        fn $name() {
            let output = render(&fixtures_dir().join(concat!($code, ".py")), $code);
            assert!(!output.is_empty(), "the fixture must have violations");
            insta::assert_snapshot!($code, output);
        }
    };
}

rule_fixture!(uc101, "UC101");
rule_fixture!(uc102, "UC102");
rule_fixture!(uc103, "UC103");
rule_fixture!(uc104, "UC104");
rule_fixture!(uc105, "UC105");
rule_fixture!(uc106, "UC106");
rule_fixture!(uc107, "UC107");
rule_fixture!(uc201, "UC201");
rule_fixture!(uc202, "UC202");
rule_fixture!(uc203, "UC203");
rule_fixture!(uc204, "UC204");
rule_fixture!(uc301, "UC301");
rule_fixture!(uc302, "UC302");
rule_fixture!(uc303, "UC303");
rule_fixture!(uc401, "UC401");
rule_fixture!(uc402, "UC402");
rule_fixture!(uc403, "UC403");
rule_fixture!(uc404, "UC404");
rule_fixture!(uc501, "UC501");

/// A third-party catalog's fixture: findings only above the `# Safe code`
/// line, and a snapshot of them.
macro_rules! catalog_fixture {
    ($name:ident) => {
        #[test]
        fn $name() {
            let path = fixtures_dir().join(concat!("catalogs/", stringify!($name), ".py"));
            assert_safe_part_is_silent(&path);
            let output = render(&path, "UC");
            assert!(!output.is_empty(), "the fixture must have violations");
            insta::assert_snapshot!(concat!("catalog_", stringify!($name)), output);
        }
    };
}

fn assert_safe_part_is_silent(path: &Path) {
    let text = std::fs::read_to_string(path).expect("fixture is readable");
    let safe_from = text
        .lines()
        .position(|l| l.starts_with("# Safe code"))
        .expect("the fixture has a `# Safe code` part")
        + 1;
    let report = check_text(path, text, &Settings::default());
    let source = report.source.as_ref().expect("parsed");
    for d in &report.diagnostics {
        let row = source.location(d.range.start()).row;
        assert!(
            row < safe_from,
            "{}:{row}: {} in the safe part",
            path.display(),
            d.message
        );
    }
}

catalog_fixture!(requests);
catalog_fixture!(httpx);
catalog_fixture!(aiohttp);
catalog_fixture!(psycopg);
catalog_fixture!(sqlalchemy);
catalog_fixture!(redis);
catalog_fixture!(paramiko);
catalog_fixture!(boto3);

#[test]
fn every_third_party_catalog_has_a_fixture() {
    for library in unclosed_catalog::LIBRARIES {
        let path = fixtures_dir().join(format!("catalogs/{}.py", library.name));
        assert!(path.exists(), "no fixture for the {} catalog", library.name);
    }
}

#[test]
fn valid_fixtures_have_no_findings() {
    let mut checked = 0;
    for entry in std::fs::read_dir(fixtures_dir().join("valid")).unwrap() {
        let path = entry.unwrap().path();
        let output = render(&path, "UC");
        assert!(
            output.is_empty(),
            "{} has findings:\n{output}",
            path.display()
        );
        checked += 1;
    }
    assert!(checked > 0);
}

/// Every rule with a fixture file has a snapshot, and every rule of the
/// table (but UC000) has a fixture.
#[test]
fn every_rule_has_a_fixture() {
    for rule in unclosed_rules::RULES.iter().filter(|r| r.code != "UC000") {
        let path = fixtures_dir().join(format!("{}.py", rule.code));
        assert!(path.exists(), "no fixture for {}", rule.code);
    }
}
