use super::*;

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn resolver(dir: &Path, source: Source) -> Resolver {
    Resolver::new(source, Overrides::default(), dir.to_path_buf()).unwrap()
}

fn origin(resolver: &Resolver, file: &str) -> Option<String> {
    let resolved = resolver.for_file(Path::new(file)).unwrap();
    resolved.origin.as_ref().map(|p| p.display().to_string())
}

#[test]
fn closest_configuration_wins_and_is_cached() {
    let dir = tree(&[
        ("pyproject.toml", "[tool.unclosed]\nstrict = true\n"),
        ("pkg/pyproject.toml", "[project]\nname = \"pkg\"\n"),
        ("pkg/sub/unclosed.toml", "ignore = [\"UC104\"]\n"),
        (
            "pkg/sub/pyproject.toml",
            "[tool.unclosed]\nstrict = false\n",
        ),
        ("other/.unclosed.toml", "strict = false\n"),
        ("other/unclosed.toml", "bogus = 1\n"),
    ]);
    let r = resolver(dir.path(), Source::Discover);
    assert_eq!(origin(&r, "a.py").as_deref(), Some("pyproject.toml"));
    // A pyproject.toml without [tool.unclosed] does not count.
    assert_eq!(origin(&r, "pkg/a.py").as_deref(), Some("pyproject.toml"));
    // unclosed.toml beats pyproject.toml in the same directory.
    assert_eq!(
        origin(&r, "pkg/sub/deeper/a.py").as_deref(),
        Some("pkg/sub/unclosed.toml")
    );
    // .unclosed.toml beats unclosed.toml (which is not even read).
    assert_eq!(
        origin(&r, "other/a.py").as_deref(),
        Some("other/.unclosed.toml")
    );
    let a = r.for_file(Path::new("pkg/x.py")).unwrap();
    let b = r.for_file(Path::new("./pkg/../y.py")).unwrap();
    assert!(Arc::ptr_eq(&a, &b), "one Resolved per configuration");
    assert!(a.settings.strict);
}

#[test]
fn config_flag_and_isolated() {
    let dir = tree(&[
        ("pyproject.toml", "[tool.unclosed]\nstrict = true\n"),
        ("ci/strict.toml", "select = [\"UC102\"]\n"),
        ("sub/unclosed.toml", "strict = false\n"),
    ]);
    let fixed = resolver(dir.path(), Source::File("ci/strict.toml".into()));
    assert_eq!(
        origin(&fixed, "sub/a.py").as_deref(),
        Some("ci/strict.toml")
    );
    let settings = &fixed.for_file(Path::new("a.py")).unwrap().settings;
    assert_eq!(settings.selection.enabled(), ["UC102"]);
    let isolated = resolver(dir.path(), Source::Isolated);
    assert_eq!(origin(&isolated, "sub/a.py"), None);
    assert!(
        !isolated
            .for_file(Path::new("a.py"))
            .unwrap()
            .settings
            .strict
    );
    let missing = Resolver::new(
        Source::File("nope.toml".into()),
        Overrides::default(),
        dir.path().to_path_buf(),
    );
    assert!(
        matches!(missing, Err(ResolveError::Config(ref e)) if e.to_string().starts_with("nope.toml: cannot read")),
        "{missing:?}",
        missing = missing.err()
    );
    let no_table = tree(&[("pyproject.toml", "[project]\n")]);
    let err = Resolver::new(
        Source::File("pyproject.toml".into()),
        Overrides::default(),
        no_table.path().to_path_buf(),
    )
    .err()
    .unwrap();
    assert_eq!(
        err.to_string(),
        "pyproject.toml: has no [tool.unclosed] table"
    );
}

#[test]
fn the_command_line_wins() {
    let dir = tree(&[(
        "unclosed.toml",
        "select = [\"UC101\"]\nstrict = false\nrespect-gitignore = true\n",
    )]);
    let overrides = Overrides {
        extend_select: vec!["UC104".into()],
        strict: true,
        respect_gitignore: Some(false),
        ..Overrides::default()
    };
    let r = Resolver::new(Source::Discover, overrides, dir.path().to_path_buf()).unwrap();
    let resolved = r.for_file(Path::new("a.py")).unwrap();
    assert_eq!(resolved.settings.selection.enabled(), ["UC101", "UC104"]);
    assert!(resolved.settings.strict);
    assert!(!resolved.respect_gitignore);
    let replaced = Resolver::new(
        Source::Discover,
        Overrides {
            select: Some(vec!["UC102".into()]),
            ..Overrides::default()
        },
        dir.path().to_path_buf(),
    )
    .unwrap();
    let selection = &replaced
        .for_file(Path::new("a.py"))
        .unwrap()
        .settings
        .selection;
    assert_eq!(selection.enabled(), ["UC102"]);
    let bad = Resolver::new(
        Source::Discover,
        Overrides {
            ignore: vec!["XY".into()],
            ..Overrides::default()
        },
        dir.path().to_path_buf(),
    );
    assert!(matches!(bad, Err(ResolveError::Prefix(_))));
}

#[test]
fn excludes_and_per_file_ignores_are_relative_to_the_configuration() {
    let dir = tree(&[(
        "proj/unclosed.toml",
        "exclude = [\"gen\"]\nextend-exclude = [\"legacy/*.py\"]\n\
         [per-file-ignores]\n\"tests/*\" = [\"UC1\"]\n\"!src/**\" = [\"UC107\"]\n\"conftest.py\" = [\"ALL\"]\n",
    )]);
    let r = resolver(dir.path(), Source::Discover);
    let resolved = r.for_file(Path::new("proj/a.py")).unwrap();
    let abs = |p: &str| dir.path().join(p);
    assert!(resolved.is_excluded(&abs("proj/gen")));
    assert!(resolved.is_excluded(&abs("proj/deep/gen")));
    assert!(resolved.is_excluded(&abs("proj/legacy/old.py")));
    // `exclude` replaced the defaults.
    assert!(!resolved.is_excluded(&abs("proj/build")));
    assert!(!resolved.is_excluded(&abs("proj/src/app.py")));
    assert!(resolved.is_ignored(&abs("proj/tests/test_a.py"), "UC101"));
    assert!(!resolved.is_ignored(&abs("proj/tests/test_a.py"), "UC000"));
    assert!(!resolved.is_ignored(&abs("proj/src/tests/x.py"), "UC101"));
    assert!(resolved.is_ignored(&abs("proj/tools/x.py"), "UC107"));
    assert!(!resolved.is_ignored(&abs("proj/src/x.py"), "UC107"));
    assert!(resolved.is_ignored(&abs("proj/src/conftest.py"), "UC000"));
    let defaults = resolver(dir.path(), Source::Isolated)
        .for_file(Path::new("proj/a.py"))
        .unwrap();
    assert!(defaults.is_excluded(&abs("proj/build")));
    assert!(defaults.is_excluded(&abs(".venv")));
}

#[test]
fn an_invalid_file_on_the_way_is_an_error() {
    let dir = tree(&[
        ("pyproject.toml", "[tool.unclosed]\nselect = [\"UC1\"\n"),
        ("vendor/pyproject.toml", "this is = not [toml\n"),
    ]);
    let r = resolver(dir.path(), Source::Discover);
    let err = r.for_file(Path::new("a.py")).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("pyproject.toml:2:16: invalid TOML: unclosed array"),
        "{err}"
    );
    // A broken pyproject.toml that does not mention unclosed is skipped.
    let dir = tree(&[("vendor/pyproject.toml", "this is = not [toml\n")]);
    let r = resolver(dir.path(), Source::Discover);
    assert_eq!(origin(&r, "vendor/a.py"), None);
}

#[test]
fn absolute_is_lexical() {
    assert_eq!(
        absolute(Path::new("/w"), Path::new("./a/../b/./c.py")),
        PathBuf::from("/w/b/c.py")
    );
    assert_eq!(
        absolute(Path::new("/w"), Path::new("/x/y")),
        PathBuf::from("/x/y")
    );
}
