//! Every acquirer of the catalog, exercised: leaking it is reported with
//! the right rule, releasing it (or using it in `with`) is not.

use std::path::Path;

use unclosed_catalog::{ACQUIRERS, Acquirer, Kind, Lazy, Returns};
use unclosed_rules::{Settings, check_text};

/// A receiver expression of the given type, and the import it needs.
fn receiver(type_name: &str) -> (&'static str, &'static str) {
    match type_name {
        "pathlib.Path" => ("import pathlib", "pathlib.Path(p)"),
        "zipfile.ZipFile" => ("import zipfile", "zipfile.ZipFile(p)"),
        "tarfile.TarFile" => ("import tarfile", "tarfile.open(p)"),
        "socket.socket" => ("import socket", "socket.socket()"),
        "ssl.SSLContext" => ("import ssl", "ssl.create_default_context()"),
        "*" => ("from server import get_listener", "get_listener()"),
        other => panic!("no receiver recipe for {other}: add one"),
    }
}

/// The imports, set-up lines and binding statement that acquire with `a`
/// into `x` (or `x, y`).
fn acquisition(a: &Acquirer) -> (String, String, String) {
    let (import, setup, call) = match a.receiver {
        Some(type_name) => {
            let (import, ctor) = receiver(type_name);
            (
                import.to_owned(),
                format!("    with {ctor} as recv:\n"),
                format!("recv.{}(p)", a.name),
            )
        }
        None => match a.name.rsplit_once('.') {
            Some(("builtins", name)) => (String::new(), String::new(), format!("{name}(p)")),
            // Layers (`io.TextIOWrapper`) are resources when what they wrap is.
            Some(("io", layer)) if layer.starts_with("Text") || layer.starts_with("Buffered") => (
                "import io".to_owned(),
                String::new(),
                format!("{}(open(p, 'rb'))", a.name),
            ),
            Some((module, _)) => (
                format!("import {module}"),
                String::new(),
                format!("{}(p)", a.name),
            ),
            None => unreachable!("qualified names have a module"),
        },
    };
    let bind = match a.returns {
        Returns::Object => format!("x = {call}"),
        Returns::Tuple(idx) if idx.contains(&1) => format!("x, y = {call}"),
        Returns::Tuple(_) => format!("x, _unused = {call}"),
    };
    (format!("import os\n{import}\n"), setup, bind)
}

fn release(a: &Acquirer, var: &str) -> String {
    if a.kind == Kind::Fd {
        format!("os.close({var})")
    } else {
        format!("{var}.{}()", a.release.first().unwrap_or(&"close"))
    }
}

fn codes(src: &str) -> Vec<&'static str> {
    check_text(
        Path::new("catalog.py"),
        src.to_owned(),
        &Settings::default(),
    )
    .diagnostics
    .iter()
    .map(|d| d.code)
    .collect()
}

#[test]
fn every_acquirer_leaks_when_dropped_and_not_when_released() {
    for a in ACQUIRERS {
        let (imports, setup, bind) = acquisition(a);
        let second = matches!(a.returns, Returns::Tuple(idx) if idx.contains(&1));
        let pad = if setup.is_empty() { "    " } else { "        " };
        // Lazy resources hold something once used.
        let used = match a.lazy {
            Lazy::UntilMethod(methods) => format!("{pad}x.{}()\n", methods[0]),
            Lazy::UntilUse => format!("{pad}x.readline()\n"),
            Lazy::No | Lazy::UnlessHost(_) => String::new(),
        };
        let leaking = format!("{imports}def f(p):\n{setup}{pad}{bind}\n{used}{pad}return 1\n");
        let found = codes(&leaking);
        let expected = if a.kind == Kind::Fd { "UC107" } else { "UC101" };
        let writer_ok = found.contains(&"UC106");
        assert!(
            found.contains(&expected) || writer_ok || found.contains(&"UC105"),
            "{}: leaking code not reported: {found:?}\n{leaking}",
            a.name
        );

        let mut closes = format!("{pad}{}\n", release(a, "x"));
        if second {
            closes.push_str(&format!("{pad}{}\n", release(a, "y")));
        }
        let clean = format!("{imports}def f(p):\n{setup}{pad}{bind}\n{closes}");
        let found = codes(&clean);
        assert!(
            found.is_empty(),
            "{}: released but reported {found:?}\n{clean}",
            a.name
        );

        if a.with_releases && a.returns == Returns::Object && a.receiver.is_none() {
            let call = bind.trim_start_matches("x = ");
            let managed = format!("{imports}def f(p):\n    with {call} as x:\n        return x\n");
            let found = codes(&managed);
            assert!(
                found.is_empty(),
                "{}: `with` reported {found:?}\n{managed}",
                a.name
            );
        }
    }
}
