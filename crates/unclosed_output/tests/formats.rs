//! Every output format on one small, fixed set of findings, and the SARIF
//! output against the official SARIF 2.1.0 schema.

use std::path::PathBuf;
use std::sync::Arc;

use unclosed_diagnostics::{
    Applicability, Diagnostic, Edit, FileReport, Fix, SourceText, TextRange, TextSize,
};
use unclosed_output::{OutputFormat, RenderOptions, RuleInfo, render};

const APP: &str = "\
import json


def load(path):
    f = open(path)
    data = json.load(f)
    return data
";

const DOCS: &str = "https://example.invalid/docs/rules/";

fn range_of(text: &str, needle: &str) -> TextRange {
    let start = text.find(needle).expect("needle in fixture");
    TextRange::new(
        TextSize::try_from(start).unwrap(),
        TextSize::try_from(start + needle.len()).unwrap(),
    )
}

/// Two files: a leak with a label, help and a fix, in a path that needs
/// escaping everywhere; and a file that could not be read.
fn reports() -> Vec<FileReport> {
    let source = Arc::new(SourceText::new(APP.to_owned()));
    let leak = Diagnostic::new(
        "UC101",
        "resource-not-closed",
        "file opened at line 5 is not closed when `load()` returns at line 7 (100%, \"really\")"
            .to_owned(),
        range_of(APP, "open(path)"),
    )
    .with_help("use `with open(...) as f:`")
    .with_label(
        range_of(APP, "return data"),
        "returns here with the file open",
    );
    let mut leak = leak;
    leak.fix = Some(Fix {
        applicability: Applicability::Unsafe,
        message: "close the file before returning".to_owned(),
        edits: vec![Edit {
            range: TextRange::empty(range_of(APP, "    return data").start()),
            content: "    f.close()\n".to_owned(),
        }],
    });
    let temporary = Diagnostic::new(
        "UC104",
        "unclosed-temporary",
        "file <opened> & dropped in an expression".to_owned(),
        range_of(APP, "json.load(f)"),
    );
    vec![
        FileReport {
            path: PathBuf::from("src/app, v2:new.py"),
            source: Some(source),
            diagnostics: vec![leak, temporary],
        },
        FileReport {
            path: PathBuf::from("src/broken.py"),
            source: None,
            diagnostics: vec![Diagnostic::new(
                "UC000",
                "syntax-error",
                "cannot read file: invalid UTF-8".to_owned(),
                TextRange::default(),
            )],
        },
    ]
}

fn rule(code: &'static str, name: &'static str, summary: &'static str) -> RuleInfo {
    RuleInfo {
        code,
        name,
        summary,
        doc: format!(
            "## What it does\nFinds {name}\nproblems.\n\n## Example\n```python\nopen(p).read()\n```\n"
        ),
        url: Some(format!("{DOCS}{code}.md")),
    }
}

fn options() -> RenderOptions {
    RenderOptions {
        color: false,
        url_base: DOCS.to_owned(),
        rules: vec![
            rule(
                "UC000",
                "syntax-error",
                "the file could not be read or parsed",
            ),
            rule(
                "UC101",
                "resource-not-closed",
                "a normal path leaves a resource open",
            ),
            rule(
                "UC104",
                "unclosed-temporary",
                "a resource is created and dropped inside an expression",
            ),
        ],
        // The leak's fix is unsafe: shown as applicable (`[*]`).
        unsafe_fixes: true,
    }
}

fn raw(format: OutputFormat, reports: &[FileReport]) -> String {
    let mut out = Vec::new();
    render(&mut out, format, reports, &options()).expect("render");
    String::from_utf8(out).expect("utf-8 output")
}

/// The output without its machine- and release-specific parts.
fn rendered(format: OutputFormat, reports: &[FileReport]) -> String {
    let text = raw(format, reports);
    let cwd = std::env::current_dir().unwrap().display().to_string();
    text.replace(&cwd, "[CWD]")
        .replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
}

#[test]
fn fixable_marker_follows_applicability() {
    let reports = reports();
    let line = |unsafe_fixes: bool| {
        let options = RenderOptions {
            unsafe_fixes,
            ..options()
        };
        let mut out = Vec::new();
        render(&mut out, OutputFormat::Concise, &reports, &options).expect("render");
        let out = String::from_utf8(out).expect("utf-8 output");
        out.lines().next().expect("a line").to_owned()
    };
    // The leak has an unsafe fix: `[*]` only with --unsafe-fixes.
    assert!(line(true).contains(": UC101 [*] "), "{}", line(true));
    assert!(line(false).contains(": UC101 "), "{}", line(false));
    assert!(!line(false).contains("[*]"), "{}", line(false));
}

#[test]
fn every_name_parses() {
    for name in OutputFormat::NAMES {
        assert!(OutputFormat::from_name(name).is_some(), "{name}");
    }
}

#[test]
fn github() {
    insta::assert_snapshot!(rendered(OutputFormat::Github, &reports()));
}

#[test]
fn pylint() {
    insta::assert_snapshot!(rendered(OutputFormat::Pylint, &reports()));
}

#[test]
fn junit() {
    insta::assert_snapshot!(rendered(OutputFormat::Junit, &reports()));
}

#[test]
fn junit_without_findings() {
    insta::assert_snapshot!(rendered(OutputFormat::Junit, &[]));
}

#[test]
fn json_lines() {
    let text = rendered(OutputFormat::JsonLines, &reports());
    insta::assert_snapshot!(text);
    // Each line is one object of the `json` array, field for field.
    let array: serde_json::Value =
        serde_json::from_str(&rendered(OutputFormat::Json, &reports())).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(serde_json::Value::Array(lines), array);
}

#[test]
fn sarif() {
    insta::assert_snapshot!(rendered(OutputFormat::Sarif, &reports()));
}

fn sarif_schema() -> (boon::Schemas, boon::SchemaIndex) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sarif-2.1.0.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let url = "https://json.schemastore.org/sarif-2.1.0.json";
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.enable_format_assertions();
    compiler.add_resource(url, schema).unwrap();
    let index = compiler.compile(url, &mut schemas).unwrap();
    (schemas, index)
}

fn assert_valid_sarif(text: &str) {
    let (schemas, index) = sarif_schema();
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    if let Err(error) = schemas.validate(&value, index) {
        panic!("SARIF output does not match the 2.1.0 schema:\n{error:#}\n{text}");
    }
}

#[test]
fn sarif_is_valid_against_the_schema() {
    assert_valid_sarif(&raw(OutputFormat::Sarif, &reports()));
    assert_valid_sarif(&raw(OutputFormat::Sarif, &[]));
    // Rules without help URLs, and a result whose rule is not listed.
    let mut bare = RenderOptions::default();
    bare.rules.push(RuleInfo {
        url: None,
        ..rule("UC101", "resource-not-closed", "leaks")
    });
    let mut out = Vec::new();
    render(&mut out, OutputFormat::Sarif, &reports(), &bare).unwrap();
    assert_valid_sarif(std::str::from_utf8(&out).unwrap());
}

#[test]
fn the_schema_rejects_a_broken_log() {
    // Guard against a validator that accepts anything.
    let (schemas, index) = sarif_schema();
    let broken = serde_json::json!({
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {}}, "results": [{"level": "fatal"}]}]
    });
    assert!(schemas.validate(&broken, index).is_err());
}

#[test]
fn sarif_rule_index_points_at_the_rule() {
    let log: serde_json::Value =
        serde_json::from_str(&rendered(OutputFormat::Sarif, &reports())).unwrap();
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
}

/// Microsoft's validator, when `SARIF_MULTITOOL` names its binary (the npm
/// package `@microsoft/sarif-multitool-linux` ships it): no error and no
/// warning on our output. Skipped otherwise; see tests/data/README.md.
#[test]
fn sarif_multitool_finds_no_errors_or_warnings() {
    let Some(tool) = std::env::var_os("SARIF_MULTITOOL") else {
        eprintln!("SARIF_MULTITOOL not set; skipping the Sarif.Multitool check");
        return;
    };
    let dir = std::env::temp_dir().join(format!("unclosed-sarif-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("unclosed.sarif");
    let output = dir.join("validation.sarif");
    std::fs::write(&input, raw(OutputFormat::Sarif, &reports())).unwrap();
    let status = std::process::Command::new(tool)
        .arg("validate")
        .arg("--output")
        .arg(&output)
        .arg(&input)
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .status()
        .expect("run Sarif.Multitool");
    assert!(status.success(), "Sarif.Multitool failed: {status}");
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&output).unwrap()).unwrap();
    let problems: Vec<&serde_json::Value> = log["runs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|run| run["results"].as_array().into_iter().flatten())
        .filter(|r| matches!(r["level"].as_str(), Some("error" | "warning") | None))
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(problems.is_empty(), "Sarif.Multitool: {problems:#?}");
}
