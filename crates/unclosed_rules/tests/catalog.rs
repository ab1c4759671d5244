//! Every acquirer of the catalog, the standard library's and the
//! third-party catalogs', exercised: leaking it is reported with the right
//! rule, releasing it (or using it in `with`) is not. Then the catalog's
//! configuration: which third-party catalogs are on, and the user's
//! `resources`, `borrow` and `owning` entries.

use std::path::Path;

use unclosed_catalog::{
    ACQUIRERS, Acquirer, CatalogConfig, Kind, LIBRARIES, Lazy, ResourceSpec, Returns,
};
use unclosed_rules::{Settings, check_text};

/// How a body gets a receiver of the given type, bound to `recv`: the
/// import, the lines before the body (ending with the body's indentation
/// level open), and the lines after it.
struct Receiver {
    import: &'static str,
    before: &'static str,
    after: &'static str,
}

const fn with(import: &'static str, before: &'static str) -> Receiver {
    Receiver {
        import,
        before,
        after: "",
    }
}

fn receiver(type_name: &str) -> Receiver {
    match type_name {
        "pathlib.Path" => with("import pathlib", "    with pathlib.Path(p) as recv:\n"),
        "zipfile.ZipFile" => with("import zipfile", "    with zipfile.ZipFile(p) as recv:\n"),
        "tarfile.TarFile" => with("import tarfile", "    with tarfile.open(p) as recv:\n"),
        "socket.socket" => with("import socket", "    with socket.socket() as recv:\n"),
        "ssl.SSLContext" => with(
            "import ssl",
            "    with ssl.create_default_context() as recv:\n",
        ),
        "*" => with(
            "from server import get_listener",
            "    with get_listener() as recv:\n",
        ),
        "psycopg.Connection" => with("import psycopg", "    with psycopg.connect(p) as recv:\n"),
        // psycopg2's `with` does not close.
        "psycopg2.extensions.connection" => Receiver {
            import: "import psycopg2",
            before: "    recv = psycopg2.connect(p)\n    try:\n",
            after: "    finally:\n        recv.close()\n",
        },
        "sqlalchemy.engine.Engine" => Receiver {
            import: "import sqlalchemy",
            before: "    recv = sqlalchemy.create_engine(p)\n    try:\n",
            after: "    finally:\n        recv.dispose()\n",
        },
        "sqlalchemy.orm.sessionmaker" => with(
            "import sqlalchemy.orm",
            "    recv = sqlalchemy.orm.sessionmaker(p)\n    if p:\n",
        ),
        "sqlalchemy.ext.asyncio.async_sessionmaker" => with(
            "import sqlalchemy.ext.asyncio",
            "    recv = sqlalchemy.ext.asyncio.async_sessionmaker(p)\n    if p:\n",
        ),
        "redis.Redis" => with("import redis", "    with redis.Redis() as recv:\n"),
        "paramiko.SSHClient" => with(
            "import paramiko",
            "    with paramiko.SSHClient() as recv:\n",
        ),
        "paramiko.SFTPClient" => with(
            "import paramiko",
            "    with paramiko.SFTPClient.from_transport(p) as recv:\n",
        ),
        other => panic!("no receiver recipe for {other}: add one"),
    }
}

/// A leaking and a releasing function for one acquirer.
struct Case {
    imports: String,
    before: String,
    after: String,
    pad: &'static str,
    def: &'static str,
    bind: String,
}

impl Case {
    fn new(a: &Acquirer) -> Case {
        let (import, before, after, call) = match a.receiver {
            Some(type_name) => {
                let r = receiver(type_name);
                let call = if a.name == "__call__" {
                    "recv(p)".to_owned()
                } else {
                    format!("recv.{}(p)", a.name)
                };
                (
                    r.import.to_owned(),
                    r.before.to_owned(),
                    r.after.to_owned(),
                    call,
                )
            }
            None => {
                let (import, call) = match a.name.rsplit_once('.') {
                    Some(("builtins", name)) => (String::new(), format!("{name}(p)")),
                    // Layers (`io.TextIOWrapper`) are resources when what
                    // they wrap is.
                    Some(("io", layer))
                        if layer.starts_with("Text") || layer.starts_with("Buffered") =>
                    {
                        ("import io".to_owned(), format!("{}(open(p, 'rb'))", a.name))
                    }
                    Some(_) => {
                        // `import psycopg` for `psycopg.AsyncConnection.connect`.
                        let module = a.name.split('.').next().unwrap_or(a.name);
                        (format!("import {module}"), format!("{}(p)", a.name))
                    }
                    None => unreachable!("qualified names have a module"),
                };
                // Deeper modules (`redis.asyncio`, `sqlalchemy.orm`) are
                // imported too.
                let mut import = import;
                if let Some((module, _)) = a.name.rsplit_once('.')
                    && module.contains('.')
                    && !module.chars().any(char::is_uppercase)
                {
                    import.push_str(&format!("\nimport {module}"));
                }
                (import, String::new(), String::new(), call)
            }
        };
        let call = if a.awaited {
            format!("await {call}")
        } else {
            call
        };
        let bind = match a.returns {
            Returns::Object => format!("x = {call}"),
            Returns::Tuple(idx) if idx.contains(&1) => format!("x, y = {call}"),
            Returns::Tuple(_) => format!("x, _unused = {call}"),
        };
        Case {
            imports: format!("import os\n{import}\n"),
            pad: if before.is_empty() {
                "    "
            } else {
                "        "
            },
            before,
            after,
            def: if a.awaited { "async def" } else { "def" },
            bind,
        }
    }

    fn function(&self, body: &str) -> String {
        format!(
            "{}{} f(p):\n{}{}{}{body}{}",
            self.imports, self.def, self.before, self.pad, self.bind, self.after
        )
    }
}

fn release(a: &Acquirer, var: &str) -> String {
    if a.kind == Kind::Fd {
        format!("os.close({var})")
    } else {
        format!("{var}.{}()", a.release.first().unwrap_or(&"close"))
    }
}

fn codes_with(src: &str, settings: &Settings) -> Vec<&'static str> {
    check_text(Path::new("catalog.py"), src.to_owned(), settings)
        .diagnostics
        .iter()
        .map(|d| d.code)
        .collect()
}

fn codes(src: &str) -> Vec<&'static str> {
    codes_with(src, &Settings::default())
}

fn exercise(a: &Acquirer) {
    let case = Case::new(a);
    let second = matches!(a.returns, Returns::Tuple(idx) if idx.contains(&1));
    let pad = case.pad;
    // Lazy resources hold something once used.
    let used = match a.lazy {
        Lazy::UntilMethod(methods) => format!("{pad}x.{}()\n", methods[0]),
        Lazy::UntilUse => format!("{pad}x.readline()\n"),
        Lazy::No | Lazy::UnlessHost(_) => String::new(),
    };
    let leaking = case.function(&format!("\n{used}{pad}return 1\n"));
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
    let clean = case.function(&format!("\n{closes}"));
    let found = codes(&clean);
    assert!(
        found.is_empty(),
        "{}: released but reported {found:?}\n{clean}",
        a.name
    );

    if a.with_releases && a.returns == Returns::Object && a.receiver.is_none() && !a.awaited {
        let call = case.bind.trim_start_matches("x = ");
        let managed = format!(
            "{}def f(p):\n    with {call} as x:\n        return x\n",
            case.imports
        );
        let found = codes(&managed);
        assert!(
            found.is_empty(),
            "{}: `with` reported {found:?}\n{managed}",
            a.name
        );
    }
}

#[test]
fn every_acquirer_leaks_when_dropped_and_not_when_released() {
    for a in ACQUIRERS {
        exercise(a);
    }
}

/// The third-party catalogs are on (automatic mode) in files that import
/// their library, as each case does.
#[test]
fn every_third_party_acquirer_leaks_when_dropped_and_not_when_released() {
    for library in LIBRARIES {
        for a in library.acquirers {
            exercise(a);
        }
    }
}

fn settings(config: CatalogConfig) -> Settings {
    Settings {
        catalog: config,
        ..Settings::default()
    }
}

fn listed(names: &[&str]) -> Settings {
    settings(CatalogConfig {
        catalogs: Some(names.iter().map(|n| (*n).to_owned()).collect()),
        ..CatalogConfig::default()
    })
}

/// `download_fileobj` borrows its file only where the boto3 catalog is on:
/// elsewhere it is an unknown method, which takes the file.
const DOWNLOAD: &str =
    "def f(s3, path):\n    f = open(path, 'wb')\n    s3.download_fileobj('b', 'k', f)\n";

#[test]
fn a_catalog_is_off_unless_imported_or_listed() {
    assert_eq!(codes(DOWNLOAD), Vec::<&str>::new());
    let imported = format!("import boto3\n{DOWNLOAD}");
    assert_eq!(codes(&imported), ["UC106"]);
    assert_eq!(codes_with(DOWNLOAD, &listed(&["boto3"])), ["UC106"]);
    // Listing catalogs switches the others off, imported or not.
    assert_eq!(
        codes_with(&imported, &listed(&["requests"])),
        Vec::<&str>::new()
    );
}

#[test]
fn listed_catalogs_are_exactly_those() {
    let src = "import httpx\nimport requests\n\ndef f(url):\n    a = httpx.Client()\n    b = requests.Session()\n    return a.get(url), b.get(url)\n";
    assert_eq!(codes(src), ["UC101", "UC101"]);
    let only_requests = check_text(Path::new("c.py"), src.to_owned(), &listed(&["requests"]));
    assert_eq!(only_requests.diagnostics.len(), 1);
    assert!(
        only_requests.diagnostics[0]
            .message
            .contains("requests.Session()")
    );
    assert_eq!(codes_with(src, &listed(&[])), Vec::<&str>::new());
}

fn resource(acquire: &str, release: &[&str], kind: Kind) -> ResourceSpec {
    ResourceSpec {
        acquire: acquire.to_owned(),
        release: release.iter().map(|r| (*r).to_owned()).collect(),
        kind,
    }
}

#[test]
fn user_resources_are_acquirers() {
    let config = settings(CatalogConfig {
        resources: vec![
            resource("acme.db.connect", &["disconnect"], Kind::Database),
            resource("acme.Widget", &[], Kind::File),
        ],
        ..CatalogConfig::default()
    });
    let leak = "from acme.db import connect\n\ndef f(dsn):\n    c = connect(dsn)\n    return c.query('x')\n";
    let report = check_text(Path::new("u.py"), leak.to_owned(), &config);
    let messages: Vec<&str> = report
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].starts_with("database connection `c` opened by `connect()` at line 4"),
        "{}",
        messages[0]
    );
    assert_eq!(codes(leak), Vec::<&str>::new(), "not a resource by default");
    // Released by the listed method, by `with`, and by nothing else.
    let released =
        "import acme.db\n\ndef f(dsn):\n    c = acme.db.connect(dsn)\n    c.disconnect()\n";
    assert_eq!(codes_with(released, &config), Vec::<&str>::new());
    let managed = "import acme.db\n\ndef f(dsn):\n    with acme.db.connect(dsn) as c:\n        return c.query('x')\n";
    assert_eq!(codes_with(managed, &config), Vec::<&str>::new());
    let wrong = "import acme.db\n\ndef f(dsn):\n    c = acme.db.connect(dsn)\n    c.reset()\n";
    assert_eq!(codes_with(wrong, &config), ["UC101"]);
    // `release` defaults to `close()`; temporaries are reported too.
    let widget = "import acme\n\ndef f():\n    w = acme.Widget()\n    w.close()\n    return acme.Widget().size()\n";
    assert_eq!(codes_with(widget, &config), ["UC104"]);
}

#[test]
fn user_borrow_and_owning_entries() {
    let src = |call: &str| format!("import acme\n\ndef f(p):\n    fh = open(p)\n    {call}\n");
    let config = settings(CatalogConfig {
        borrow: vec!["acme.inspect".to_owned(), "peek".to_owned()],
        owning: vec!["acme.adopt".to_owned(), "keep".to_owned()],
        ..CatalogConfig::default()
    });
    // Unknown callees take what they are given, unless configured.
    for call in ["acme.inspect(fh)", "reader.peek(fh)"] {
        assert_eq!(codes(&src(call)), Vec::<&str>::new(), "{call}");
        assert_eq!(codes_with(&src(call), &config), ["UC101"], "{call}");
    }
    // With `--strict` unknown callees borrow, unless configured as owners.
    let strict = Settings {
        strict: true,
        ..config.clone()
    };
    for call in ["acme.adopt(fh)", "registry.keep(fh)"] {
        let plain_strict = Settings {
            strict: true,
            ..Settings::default()
        };
        assert_eq!(codes_with(&src(call), &plain_strict), ["UC101"], "{call}");
        assert_eq!(
            codes_with(&src(call), &strict),
            Vec::<&str>::new(),
            "{call}"
        );
    }
    // A qualified name is that function only, not every method so named.
    assert_eq!(
        codes_with(&src("reader.inspect(fh)"), &config),
        Vec::<&str>::new()
    );
}

#[test]
fn the_catalog_is_rebuilt_when_the_configuration_changes() {
    let src = "import acme\n\ndef f():\n    w = acme.Widget()\n    return 1\n";
    let mut config = settings(CatalogConfig::default());
    assert_eq!(codes_with(src, &config), Vec::<&str>::new());
    config.catalog.resources = vec![resource("acme.Widget", &[], Kind::File)];
    assert_eq!(codes_with(src, &config), ["UC101"]);
}
