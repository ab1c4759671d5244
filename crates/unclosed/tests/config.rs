//! Configuration files, run through the real binary: discovery (closest
//! file wins), precedence of the command line, `--config`, `--isolated`,
//! the effect of every key, and a clear exit-2 error for each mistake.

mod common;

use common::{project, stdout, unclosed};

/// UC101 at line 2 (function `load`) and UC104 at line 6.
const LEAKY: &str = "\
def load(path):
    f = open(path)
    return f.read()


def temporary(path):
    return open(path).read()
";

/// Reported only with `strict`: the callee's ownership is unknown.
const HANDED_OFF: &str = "\
def f(p):
    f = open(p)
    process(f)
";

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `check -q --output-format concise ARGS`: one line per finding, as
/// `path:line CODE`.
fn findings(dir: &std::path::Path, args: &[&str]) -> Vec<String> {
    let mut all = vec!["check", "-q", "--output-format", "concise"];
    all.extend_from_slice(args);
    let out = unclosed(dir, &all);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "exit {:?}: {}",
        out.status.code(),
        stderr(&out)
    );
    stdout(&out)
        .lines()
        .map(|line| {
            let mut parts = line.splitn(4, ':');
            let (path, row, _col) = (parts.next(), parts.next(), parts.next());
            let code = parts.next().unwrap_or("").split_whitespace().next();
            format!("{}:{} {}", path.unwrap(), row.unwrap(), code.unwrap_or(""))
        })
        .collect()
}

/// A configuration error: exit status 2, the file and line in the message.
fn config_error(files: &[(&str, &str)], args: &[&str], location: &str, words: &[&str]) {
    let dir = project(files);
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    let out = unclosed(dir.path(), &all);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("--> {location}")),
        "no {location} in:\n{err}"
    );
    for word in words {
        assert!(err.contains(word), "no `{word}` in:\n{err}");
    }
    assert!(
        stdout(&out).is_empty(),
        "nothing analyzed on a bad configuration"
    );
}

#[test]
fn closest_configuration_wins() {
    let dir = project(&[
        ("pyproject.toml", "[tool.unclosed]\nselect = [\"UC101\"]\n"),
        ("app.py", LEAKY),
        // A pyproject.toml without [tool.unclosed] does not count.
        ("pkg/pyproject.toml", "[project]\nname = \"pkg\"\n"),
        ("pkg/a.py", LEAKY),
        // A nested project with its own configuration.
        (
            "nested/pyproject.toml",
            "[tool.unclosed]\nselect = [\"UC104\"]\n",
        ),
        ("nested/deep/b.py", LEAKY),
        // unclosed.toml beats pyproject.toml in the same directory.
        ("both/unclosed.toml", "select = [\"UC104\"]\n"),
        (
            "both/pyproject.toml",
            "[tool.unclosed]\nselect = [\"UC101\"]\n",
        ),
        ("both/c.py", LEAKY),
    ]);
    assert_eq!(
        findings(dir.path(), &[]),
        [
            "app.py:2 UC101",
            "both/c.py:7 UC104",
            "nested/deep/b.py:7 UC104",
            "pkg/a.py:2 UC101",
        ]
    );
    // The same when the files are named one by one, or from a subdirectory.
    assert_eq!(
        findings(dir.path(), &["nested/deep/b.py", "pkg/a.py"]),
        ["nested/deep/b.py:7 UC104", "pkg/a.py:2 UC101"]
    );
    assert_eq!(
        findings(&dir.path().join("pkg"), &[]),
        ["a.py:2 UC101"],
        "the parent's pyproject.toml applies"
    );
}

#[test]
fn dot_unclosed_toml_is_found_too() {
    let dir = project(&[
        (".unclosed.toml", "ignore = [\"UC101\"]\n"),
        ("app.py", LEAKY),
    ]);
    assert_eq!(findings(dir.path(), &[]), ["app.py:7 UC104"]);
}

#[test]
fn config_flag_and_isolated() {
    let dir = project(&[
        ("pyproject.toml", "[tool.unclosed]\nselect = [\"UC101\"]\n"),
        ("sub/unclosed.toml", "select = [\"UC104\"]\n"),
        (
            "ci/only-104.toml",
            "select = [\"UC104\"]\nexclude = [\"skipped\"]\n",
        ),
        ("app.py", LEAKY),
        ("sub/s.py", LEAKY),
        ("skipped/x.py", LEAKY),
    ]);
    assert_eq!(
        findings(dir.path(), &[]),
        ["app.py:2 UC101", "skipped/x.py:2 UC101", "sub/s.py:7 UC104"]
    );
    // --config: one file for everything, paths relative to the current
    // directory.
    assert_eq!(
        findings(dir.path(), &["--config", "ci/only-104.toml"]),
        ["app.py:7 UC104", "sub/s.py:7 UC104"]
    );
    // --isolated: no configuration file at all.
    assert_eq!(findings(dir.path(), &["--isolated"]).len(), 6);
    let both = unclosed(dir.path(), &["check", "--isolated", "--config", "x.toml"]);
    assert_eq!(both.status.code(), Some(2));
    let missing = unclosed(dir.path(), &["check", "--config", "nope.toml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("nope.toml: cannot read"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn the_command_line_wins() {
    let dir = project(&[
        (
            "unclosed.toml",
            "select = [\"UC101\"]\nstrict = false\nrespect-gitignore = true\n",
        ),
        ("app.py", LEAKY),
        ("h.py", HANDED_OFF),
        ("ignored/i.py", LEAKY),
        (".gitignore", "ignored/\n"),
    ]);
    assert_eq!(findings(dir.path(), &[]), ["app.py:2 UC101"]);
    // --select replaces the configuration's selection.
    assert_eq!(
        findings(dir.path(), &["--select", "UC104"]),
        ["app.py:7 UC104"]
    );
    // --extend-select and --ignore amend it.
    assert_eq!(
        findings(dir.path(), &["--extend-select", "UC104"]),
        ["app.py:2 UC101", "app.py:7 UC104"]
    );
    assert!(findings(dir.path(), &["--ignore", "UC101"]).is_empty());
    // --strict beats strict = false.
    assert_eq!(
        findings(dir.path(), &["--strict"]),
        ["app.py:2 UC101", "h.py:2 UC101"]
    );
    // --no-respect-gitignore beats respect-gitignore = true.
    assert_eq!(
        findings(dir.path(), &["--no-respect-gitignore"]),
        ["app.py:2 UC101", "ignored/i.py:2 UC101"]
    );
    // --exclude adds to the configuration's excludes.
    assert!(findings(dir.path(), &["--exclude", "app.py"]).is_empty());
}

#[test]
fn selection_keys() {
    let dir = project(&[
        (
            "pyproject.toml",
            "[tool.unclosed]\nselect = [\"UC10\"]\nignore = [\"UC1\"]\nextend-select = [\"UC104\"]\n",
        ),
        ("app.py", LEAKY),
    ]);
    // The most specific prefix wins: `select` UC10 beats `ignore` UC1, and
    // `extend-select` UC104 brings back a rule UC10 does not cover.
    assert_eq!(
        findings(dir.path(), &[]),
        ["app.py:2 UC101", "app.py:7 UC104"]
    );
    let dir = project(&[
        ("pyproject.toml", "[tool.unclosed]\nignore = [\"UC101\"]\n"),
        ("app.py", LEAKY),
    ]);
    assert_eq!(findings(dir.path(), &[]), ["app.py:7 UC104"]);
}

#[test]
fn per_file_ignores() {
    let dir = project(&[
        (
            "pyproject.toml",
            "[tool.unclosed.per-file-ignores]\n\"tests/*\" = [\"UC1\"]\n\"scripts/tool.py\" = [\"UC104\"]\n\"!src/**\" = [\"UC101\"]\n",
        ),
        ("tests/test_app.py", LEAKY),
        ("scripts/tool.py", LEAKY),
        ("src/app.py", LEAKY),
        ("sub/tests/t.py", LEAKY),
    ]);
    assert_eq!(
        findings(dir.path(), &[]),
        [
            // `!src/**`: UC101 is ignored everywhere but src/.
            "src/app.py:2 UC101",
            "src/app.py:7 UC104",
            // `tests/*` is relative to the configuration's directory.
            "sub/tests/t.py:7 UC104",
        ]
    );
}

#[test]
fn exclude_keys_and_respect_gitignore() {
    let files = |config: &'static str| {
        project(&[
            ("unclosed.toml", config),
            ("src/app.py", LEAKY),
            ("build/out.py", LEAKY),
            ("gen/g.py", LEAKY),
            ("legacy/old.py", LEAKY),
            ("ignored/i.py", LEAKY),
            (".gitignore", "ignored/\n"),
        ])
    };
    let files_of = |dir: &tempfile::TempDir| {
        let mut paths: Vec<String> = findings(dir.path(), &["--select", "UC101"])
            .into_iter()
            .map(|f| f.split(':').next().unwrap().to_owned())
            .collect();
        paths.dedup();
        paths
    };
    // `exclude` replaces the defaults (build/ is analyzed again).
    let dir = files("exclude = [\"gen\"]\n");
    assert_eq!(
        files_of(&dir),
        ["build/out.py", "legacy/old.py", "src/app.py"]
    );
    // `extend-exclude` adds to them, relative to the configuration.
    let dir = files("extend-exclude = [\"gen\", \"legacy/*.py\"]\n");
    assert_eq!(files_of(&dir), ["src/app.py"]);
    let dir = files("respect-gitignore = false\n");
    assert_eq!(
        files_of(&dir),
        ["gen/g.py", "ignored/i.py", "legacy/old.py", "src/app.py"]
    );
    // A file named on the command line is analyzed even when excluded.
    let dir = files("extend-exclude = [\"gen\"]\n");
    assert_eq!(
        findings(dir.path(), &["--select", "UC101", "gen/g.py"]),
        ["gen/g.py:2 UC101"]
    );
    // A nested configuration's excludes apply below it.
    let dir = project(&[
        ("pkg/unclosed.toml", "extend-exclude = [\"fixtures\"]\n"),
        ("pkg/fixtures/f.py", LEAKY),
        ("fixtures/f.py", LEAKY),
    ]);
    assert_eq!(
        findings(dir.path(), &["--select", "UC101"]),
        ["fixtures/f.py:2 UC101"]
    );
}

#[test]
fn strict_key() {
    let dir = project(&[("unclosed.toml", "strict = true\n"), ("h.py", HANDED_OFF)]);
    assert_eq!(findings(dir.path(), &[]), ["h.py:2 UC101"]);
    assert!(findings(dir.path(), &["--isolated"]).is_empty());
}

#[test]
fn show_settings_has_every_key() {
    let dir = project(&[(
        "pyproject.toml",
        r#"[tool.unclosed]
select = ["UC1"]
ignore = ["UC104"]
target-version = "py310"
catalogs = ["requests", "redis"]
borrow = ["mylib.inspect", "peek"]
owning = ["mylib.adopt"]
extend-exclude = ["gen"]

[tool.unclosed.per-file-ignores]
"tests/*" = ["UC102"]

[[tool.unclosed.resources]]
acquire = "mylib.Client"
release = ["close", "shutdown"]
kind = "connection"
"#,
    )]);
    let out = unclosed(dir.path(), &["check", "--show-settings", "--strict", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for line in [
        "Settings for .:",
        "configuration file: pyproject.toml",
        "enabled rules: UC101, UC102, UC103, UC105, UC106, UC107",
        "strict: true",
        "target-version: py310",
        "extend-exclude: [gen]",
        "  tests/* = [UC102]",
        "catalogs: [requests, redis]",
        "  mylib.Client (kind connection, released by [close, shutdown])",
        "borrow: [mylib.inspect, peek]",
        "owning: [mylib.adopt]",
    ] {
        assert!(text.lines().any(|l| l == line), "no `{line}` in:\n{text}");
    }
    let isolated = stdout(&unclosed(
        dir.path(),
        &["check", "--show-settings", "--isolated"],
    ));
    assert!(isolated.contains("configuration file: none (defaults)"));
    assert!(isolated.contains("catalogs: automatic (those a file imports)"));
}

#[test]
fn unknown_key_suggests_the_closest() {
    config_error(
        &[
            (
                "pyproject.toml",
                "[tool.unclosed]\nstrict = true\nextend_select = [\"UC1\"]\n",
            ),
            ("app.py", LEAKY),
        ],
        &[],
        "pyproject.toml:3:1",
        &[
            "unknown key `extend_select`",
            "did you mean `extend-select`?",
        ],
    );
    config_error(
        &[(
            "unclosed.toml",
            "[[resources]]\nacquire = \"a.B\"\nkind = \"file\"\nrelase = []\n",
        )],
        &[],
        "unclosed.toml:4:1",
        &["unknown key `relase`", "did you mean `release`?"],
    );
}

#[test]
fn wrong_type() {
    config_error(
        &[("pyproject.toml", "[tool.unclosed]\nstrict = \"yes\"\n")],
        &[],
        "pyproject.toml:2:10",
        &["`strict` must be a boolean", "found string"],
    );
    config_error(
        &[("unclosed.toml", "select = \"UC1\"\n")],
        &[],
        "unclosed.toml:1:10",
        &["`select` must be a list of strings"],
    );
}

#[test]
fn bad_code() {
    config_error(
        &[(
            "pyproject.toml",
            "[tool.unclosed]\nignore = [\"UC101\", \"E501\"]\n",
        )],
        &[],
        "pyproject.toml:2:20",
        &["`E501` in `ignore` matches no rule code"],
    );
    config_error(
        &[(
            "unclosed.toml",
            "[per-file-ignores]\n\"tests/*\" = [\"UC9\"]\n",
        )],
        &[],
        "unclosed.toml:2:14",
        &["`UC9`", "matches no rule code"],
    );
}

#[test]
fn bad_glob() {
    config_error(
        &[("unclosed.toml", "\nextend-exclude = [\"src/[abc\"]\n")],
        &[],
        "unclosed.toml:2:19",
        &["invalid glob `src/[abc` in `extend-exclude`"],
    );
}

#[test]
fn bad_catalog() {
    config_error(
        &[(
            "pyproject.toml",
            "[tool.unclosed]\ncatalogs = [\"reqests\"]\n",
        )],
        &[],
        "pyproject.toml:2:13",
        &["unknown catalog `reqests`", "did you mean `requests`?"],
    );
}

#[test]
fn bad_kind() {
    config_error(
        &[(
            "pyproject.toml",
            "[tool.unclosed]\n\n[[tool.unclosed.resources]]\nacquire = \"mylib.Client\"\nkind = \"sockett\"\n",
        )],
        &[],
        "pyproject.toml:5:8",
        &["unknown resource kind `sockett`", "did you mean `socket`?"],
    );
    config_error(
        &[(
            "pyproject.toml",
            "[[tool.unclosed.resources]]\nacquire = \"mylib.Client\"\n",
        )],
        &[],
        "pyproject.toml:1:1",
        &["missing `kind`", "connection"],
    );
}

#[test]
fn bad_target_version() {
    config_error(
        &[("unclosed.toml", "target-version = \"py27\"\n")],
        &[],
        "unclosed.toml:1:18",
        &["unknown `target-version` `py27`", "py38", "py314"],
    );
}

#[test]
fn invalid_toml() {
    config_error(
        &[
            (
                "pyproject.toml",
                "[tool.unclosed]\nselect = [\"UC1\"\nstrict = true\n",
            ),
            ("app.py", LEAKY),
        ],
        &[],
        "pyproject.toml:3:1",
        &["invalid TOML"],
    );
}

#[test]
fn a_bad_nested_configuration_stops_the_run() {
    config_error(
        &[
            ("app.py", LEAKY),
            ("pkg/unclosed.toml", "strict = 1\n"),
            ("pkg/m.py", LEAKY),
        ],
        &[],
        "pkg/unclosed.toml:1:10",
        &["`strict` must be a boolean"],
    );
    // ... and so does a bad --config file.
    config_error(
        &[("ci.toml", "selec = []\n"), ("app.py", LEAKY)],
        &["--config", "ci.toml"],
        "ci.toml:1:1",
        &["did you mean `select`?"],
    );
}

#[test]
fn verbose_reports_configurations_rate_and_slowest_files() {
    let mut files: Vec<(String, &str)> = (0..12).map(|i| (format!("m{i:02}.py"), LEAKY)).collect();
    files.push(("pyproject.toml".into(), "[tool.unclosed]\nstrict = true\n"));
    files.push(("plain/p.py".into(), LEAKY));
    files.push(("plain/unclosed.toml".into(), ""));
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, t)| (n.as_str(), *t)).collect();
    let dir = project(&refs);
    let out = unclosed(dir.path(), &["check", "-v", "-q"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines.contains(&"unclosed: 1 file configured by plain/unclosed.toml"),
        "{err}"
    );
    assert!(
        lines.contains(&"unclosed: 12 files configured by pyproject.toml"),
        "{err}"
    );
    let rate = lines
        .iter()
        .find(|l| l.starts_with("unclosed: analyzed 13 files in "))
        .unwrap_or_else(|| panic!("no rate line in:\n{err}"));
    assert!(rate.ends_with(" files/s)"), "{rate}");
    let at = lines
        .iter()
        .position(|l| *l == "unclosed: the 10 slowest files:")
        .unwrap_or_else(|| panic!("no slowest files in:\n{err}"));
    let slowest = &lines[at + 1..];
    assert_eq!(slowest.len(), 10, "{err}");
    for line in slowest {
        assert!(line.trim_start().contains("ms  "), "{line}");
        assert!(line.ends_with(".py"), "{line}");
    }
    // Never a progress bar in piped output.
    assert!(!err.contains('\r') && !err.contains('\u{1b}'), "{err:?}");
    // Without -v, stderr stays empty.
    let quiet = unclosed(dir.path(), &["check", "-q"]);
    assert!(stderr(&quiet).is_empty(), "{}", stderr(&quiet));
}

/// A broken `unclosed.toml` among data files (CPython's `test_tomllib`
/// has one) governs no Python file: it is never read.
#[test]
fn broken_config_next_to_no_python_code_is_not_read() {
    let dir = project(&[
        ("app.py", LEAKY),
        ("data/invalid/unclosed.toml", "gee ''\n"),
        ("data/invalid/other.toml", "x = 1\n"),
    ]);
    assert_eq!(
        findings(dir.path(), &[]),
        ["app.py:2 UC101", "app.py:7 UC104"]
    );
}

/// The same file next to Python code is that code's configuration: an
/// error.
#[test]
fn broken_config_next_to_python_code_is_an_error() {
    config_error(
        &[
            ("app.py", LEAKY),
            ("pkg/unclosed.toml", "gee ''\n"),
            ("pkg/mod.py", LEAKY),
        ],
        &[],
        "pkg/unclosed.toml:1:5",
        &["invalid TOML"],
    );
}
