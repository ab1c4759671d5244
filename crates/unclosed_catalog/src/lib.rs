//! The resource catalog: which calls acquire a resource (and of what kind),
//! how it is released, which calls only borrow an argument, and which take
//! ownership of it.
//!
//! Everything is data in tables, keyed by qualified name (`zipfile.ZipFile`)
//! or, for methods, by the receiver's type and the method name
//! (`zipfile.ZipFile` + `open`). The analysis never matches on a library
//! name itself; to teach it a library, add rows.
//!
//! The tables of this module cover the standard library. The analysis does
//! not read them directly: it uses a [`Catalog`], a value built once per
//! configuration ([`CatalogConfig`]) from these tables, the third-party
//! catalogs switched on, and the user's additions, indexed for the lookups.
//! Each file sees it as an [`ActiveCatalog`], which knows the third-party
//! catalogs its imports switch on.
//!
//! # Third-party catalogs
//!
//! Off unless switched on by name (`catalogs = ["requests", ...]`: exactly
//! those, for every file) or, when `catalogs` is not configured, for each
//! file that imports the library. One module per library under
//! `libraries/`, whose documentation says what is covered and what is left
//! out and why:
//!
//! | catalog | covers |
//! | --- | --- |
//! | `requests` | `requests.Session` / `requests.session()` (`close()`, `with`); the request functions borrow the files they send |
//! | `httpx` | `httpx.Client` (`close()`), `httpx.AsyncClient` (`aclose()`), `with` / `async with`; the request functions borrow files |
//! | `aiohttp` | `aiohttp.ClientSession` (owns its connector), `TCPConnector`, `UnixConnector` (`await close()`, `async with`) |
//! | `psycopg` | `psycopg.connect` / `Connection.connect` (`with` closes), `await psycopg.AsyncConnection.connect()`, `psycopg2.connect` (`with` only ends the transaction: UC105), named (server-side) cursors of both, psycopg2 connection pools (`closeall()`) |
//! | `sqlalchemy` | `create_engine` / `engine_from_config` / `create_async_engine` (`dispose()`), `engine.connect()`, `Session`, `AsyncSession`, `sessionmaker()` / `async_sessionmaker()` factories called |
//! | `redis` | `Redis`, `StrictRedis`, `from_url`, `from_pool` (not with `connection_pool=`), `ConnectionPool`, `BlockingConnectionPool`, `client.pubsub()` once subscribed, and the `redis.asyncio` equivalents (`aclose()`) |
//! | `paramiko` | `SSHClient` once connected, `client.open_sftp()`, `SFTPClient.from_transport`, `sftp.open()` remote files (writers), `Transport` |
//! | `boto3` | `upload_fileobj` closes the file it is given; `download_fileobj` borrows it. No client or response is tracked (see `libraries/boto3.rs`) |
//!
//! Clients, sessions and pools meant to be shared (an HTTP session, an
//! engine, a Redis client) are not reported when created at module level:
//! that is the application's instance, imported by other modules.
//!
//! # Configuration
//!
//! User `resources` become acquirers of functions or classes, released by
//! their `release` methods (`close()` by default) or by `with`. `borrow` and
//! `owning` entries that are qualified names (`acme.inspect`) are functions;
//! bare names (`peek`) are methods, on any receiver.

mod bases;
mod catalog;
mod libraries;

pub use bases::{KNOWN_BASES, KnownBase, PLAIN_BASE_MODULES, known_base};
pub use catalog::{ActiveCatalog, ArgUse, Catalog, MethodUse};
pub use libraries::{LIBRARIES, Library};

/// What kind of thing leaks. Decides the noun in messages and which rule
/// reports a leak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    File,
    Socket,
    Connection,
    Database,
    Process,
    Archive,
    TempFile,
    TempDir,
    /// A raw integer file descriptor, released by `os.close`.
    Fd,
    Mmap,
    Selector,
    Pool,
    Executor,
    DirIterator,
    /// `contextlib.closing(x)` and other owning adapters.
    Wrapper,
    /// A network client or session holding a pool of connections
    /// (`requests.Session`, `httpx.Client`, `redis.Redis`, an SSH client).
    Client,
    /// A database session (`sqlalchemy.orm.Session`).
    Session,
    /// A pool of connections (`sqlalchemy` engines, `redis.ConnectionPool`).
    ConnectionPool,
    /// A server-side database cursor.
    Cursor,
}

impl Kind {
    /// The noun used in messages: "file opened at line 3 ...".
    pub fn noun(self) -> &'static str {
        match self {
            Kind::File => "file",
            Kind::Socket => "socket",
            Kind::Connection => "connection",
            Kind::Database => "database connection",
            Kind::Process => "subprocess",
            Kind::Archive => "archive",
            Kind::TempFile => "temporary file",
            Kind::TempDir => "temporary directory",
            Kind::Fd => "file descriptor",
            Kind::Mmap => "memory map",
            Kind::Selector => "selector",
            Kind::Pool => "process pool",
            Kind::Executor => "executor",
            Kind::DirIterator => "directory iterator",
            Kind::Wrapper => "closing wrapper",
            Kind::Client => "client",
            Kind::Session => "session",
            Kind::ConnectionPool => "connection pool",
            Kind::Cursor => "cursor",
        }
    }

    /// The verb of acquisition: "opened", "created", "started".
    pub fn verb(self) -> &'static str {
        match self {
            Kind::Process | Kind::Pool | Kind::Executor => "started",
            Kind::Socket
            | Kind::Selector
            | Kind::Mmap
            | Kind::TempDir
            | Kind::Wrapper
            | Kind::Client
            | Kind::ConnectionPool => "created",
            Kind::Fd => "returned",
            _ => "opened",
        }
    }
}

impl Kind {
    /// The names accepted for `kind = "..."` in configuration.
    pub const NAMES: &'static [(&'static str, Kind)] = &[
        ("file", Kind::File),
        ("socket", Kind::Socket),
        ("connection", Kind::Connection),
        ("database", Kind::Database),
        ("process", Kind::Process),
        ("archive", Kind::Archive),
        ("tempfile", Kind::TempFile),
        ("tempdir", Kind::TempDir),
        ("fd", Kind::Fd),
        ("mmap", Kind::Mmap),
        ("selector", Kind::Selector),
        ("pool", Kind::Pool),
        ("executor", Kind::Executor),
        ("dir-iterator", Kind::DirIterator),
        ("client", Kind::Client),
        ("session", Kind::Session),
        ("connection-pool", Kind::ConnectionPool),
        ("cursor", Kind::Cursor),
    ];

    /// Parse a configuration kind name (`"connection"`).
    pub fn from_name(name: &str) -> Option<Kind> {
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, k)| *k)
    }
}

/// The built-in catalogs of third-party libraries, switched on by name
/// (`catalogs = ["requests"]`) or when a file imports the library.
pub const THIRD_PARTY_CATALOGS: &[&str] = &[
    "requests",
    "httpx",
    "aiohttp",
    "psycopg",
    "sqlalchemy",
    "redis",
    "paramiko",
    "boto3",
];

/// Additions to the built-in tables that come from configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogConfig {
    /// Third-party catalogs to use: `None` means automatic (those a file
    /// imports); `Some(list)` means exactly these.
    pub catalogs: Option<Vec<String>>,
    /// User-declared acquirers (`[[tool.unclosed.resources]]`).
    pub resources: Vec<ResourceSpec>,
    /// Qualified functions (or bare method names) that only borrow their
    /// arguments.
    pub borrow: Vec<String>,
    /// Qualified functions (or bare method names) that take ownership of
    /// their arguments.
    pub owning: Vec<String>,
}

/// One `[[tool.unclosed.resources]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResourceSpec {
    /// Qualified name of the acquiring function or class
    /// (`requests.Session`).
    pub acquire: String,
    /// Method names that release it; `["close"]` by default.
    pub release: Vec<String>,
    pub kind: Kind,
}

/// What the call returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returns {
    /// The resource itself.
    Object,
    /// A tuple whose elements at these indices are resources
    /// (`fd, path = mkstemp()`, `r, w = os.pipe()`).
    Tuple(&'static [usize]),
}

/// When the resource is a writer (UC106: unflushed data or index is lost
/// if it is not closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    Never,
    Always,
    /// Decided by a mode string argument: writer when it contains `w`, `a`,
    /// `x` or `+`.
    Mode {
        position: usize,
        keyword: &'static str,
        default: &'static str,
    },
    /// `dbm`/`shelve` flag: writer unless it is `r`.
    Flag {
        position: usize,
        keyword: &'static str,
        default: &'static str,
    },
}

/// A call that creates a resource the caller must release.
#[derive(Debug, Clone, Copy)]
pub struct Acquirer {
    /// Qualified name of a function or class (`socket.create_connection`),
    /// or, when `receiver` is set, the method name (`open`).
    pub name: &'static str,
    /// For methods: the qualified type of the receiver (`pathlib.Path`).
    pub receiver: Option<&'static str>,
    pub kind: Kind,
    pub returns: Returns,
    /// The qualified type of the returned object, for method lookups on it.
    pub type_name: &'static str,
    pub writer: Writer,
    /// Method names that release it (`close`, `shutdown`, `wait`, ...).
    pub release: &'static [&'static str],
    /// Whether `with x:` releases it at the end of the block. `sqlite3`
    /// connections only commit or roll back.
    pub with_releases: bool,
    /// Whether it takes ownership of resources passed as arguments
    /// (`os.fdopen(fd)`, `io.TextIOWrapper(raw)`); otherwise they are
    /// borrowed (`zipfile.ZipFile(fileobj)` does not close `fileobj`).
    pub owns_args: bool,
    /// Iterating it to exhaustion releases it (`os.scandir`).
    pub exhaustion_releases: bool,
    /// Given an open file object instead of a path (first argument, or the
    /// `fileobj=` keyword), it holds no descriptor of its own: the caller
    /// still owns the file. Only a writer must then be closed (to write its
    /// index or trailer).
    pub accepts_fileobj: bool,
    /// Holds nothing until it connects or reads.
    pub lazy: Lazy,
    /// Its own methods close it before raising (`smtplib`): their failures
    /// leak nothing.
    pub closes_on_error: bool,
    /// Which calls of it acquire something.
    pub when: When,
    /// An application-wide object (an HTTP session, a connection pool): one
    /// created at module level is shared by the program, which imports it
    /// from there, and is not reported.
    pub long_lived: bool,
    /// The call returns a coroutine: the resource is what `await` gives
    /// (`await psycopg.AsyncConnection.connect()`); the call alone
    /// acquires nothing.
    pub awaited: bool,
    /// Its context manager and release are asynchronous (`async with`,
    /// `await client.aclose()`): for the advice only.
    pub asynchronous: bool,
}

/// Which calls of an acquirer acquire something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Always,
    /// Only when given this argument (by position or keyword), other than
    /// a literal `None` or `""`: `conn.cursor("name")` opens a server-side
    /// cursor, `conn.cursor()` a client-side one that holds nothing.
    Argument {
        position: usize,
        keyword: &'static str,
    },
    /// Not when given this keyword argument: `redis.Redis(connection_pool=
    /// pool)` borrows a pool it does not own.
    WithoutKeyword(&'static str),
}

/// When an object that acquires lazily starts holding its resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lazy {
    /// From construction.
    No,
    /// From the first call of one of these methods (`HTTPConnection`
    /// connects on `request()`).
    UntilMethod(&'static [&'static str]),
    /// From construction when given a host (the first argument or `host=`),
    /// else from one of these methods (`smtplib.SMTP()` then `connect()`).
    UnlessHost(&'static [&'static str]),
    /// From its first use (`fileinput.input()` opens files as it is read).
    UntilUse,
}

const CLOSE: &[&str] = &["close"];

const fn entry(name: &'static str, kind: Kind, type_name: &'static str) -> Acquirer {
    Acquirer {
        name,
        receiver: None,
        kind,
        returns: Returns::Object,
        type_name,
        writer: Writer::Never,
        release: CLOSE,
        with_releases: true,
        owns_args: false,
        exhaustion_releases: false,
        accepts_fileobj: false,
        lazy: Lazy::No,
        closes_on_error: false,
        when: When::Always,
        long_lived: false,
        awaited: false,
        asynchronous: false,
    }
}

const fn closes_on_error(a: Acquirer) -> Acquirer {
    Acquirer {
        closes_on_error: true,
        ..a
    }
}

const fn exhausts(a: Acquirer) -> Acquirer {
    Acquirer {
        exhaustion_releases: true,
        ..a
    }
}

const FILEINPUT_RELEASE: &[&str] = &["close", "nextfile"];

const fn lazy(a: Acquirer, lazy: Lazy) -> Acquirer {
    Acquirer { lazy, ..a }
}

const HTTP_CONNECTS: Lazy = Lazy::UntilMethod(&[
    "connect",
    "request",
    "putrequest",
    "endheaders",
    "send",
    "getresponse",
]);
const CONNECT: Lazy = Lazy::UnlessHost(&["connect", "login", "starttls"]);

const fn fileobj(a: Acquirer) -> Acquirer {
    Acquirer {
        accepts_fileobj: true,
        ..a
    }
}

const fn file(name: &'static str, position: usize, default: &'static str) -> Acquirer {
    Acquirer {
        writer: Writer::Mode {
            position,
            keyword: "mode",
            default,
        },
        ..entry(name, Kind::File, "io.IOBase")
    }
}

const fn owning(a: Acquirer) -> Acquirer {
    Acquirer {
        owns_args: true,
        ..a
    }
}

const fn releases(a: Acquirer, release: &'static [&'static str]) -> Acquirer {
    Acquirer { release, ..a }
}

const fn method(receiver: &'static str, a: Acquirer) -> Acquirer {
    Acquirer {
        receiver: Some(receiver),
        ..a
    }
}

const fn tuple(a: Acquirer, indices: &'static [usize]) -> Acquirer {
    Acquirer {
        returns: Returns::Tuple(indices),
        ..a
    }
}

const fn writer(a: Acquirer, writer: Writer) -> Acquirer {
    Acquirer { writer, ..a }
}

/// `with x:` does not release it (it commits, or it is no context manager).
const fn with_does_not_release(a: Acquirer) -> Acquirer {
    Acquirer {
        with_releases: false,
        ..a
    }
}

const fn when(a: Acquirer, when: When) -> Acquirer {
    Acquirer { when, ..a }
}

const fn long_lived(a: Acquirer) -> Acquirer {
    Acquirer {
        long_lived: true,
        ..a
    }
}

const fn awaited(a: Acquirer) -> Acquirer {
    Acquirer { awaited: true, ..a }
}

const fn asynchronous(a: Acquirer) -> Acquirer {
    Acquirer {
        asynchronous: true,
        ..a
    }
}

const FD: Acquirer = Acquirer {
    release: &[],
    with_releases: false,
    ..entry("", Kind::Fd, "int")
};

const fn fd(name: &'static str) -> Acquirer {
    Acquirer { name, ..FD }
}

/// The release "method" of a `read()` call with no argument (reads to the
/// end): effects report such calls under this name.
pub const FULL_READ: &str = "read()";

const SOCKET: &str = "socket.socket";
/// The receiver type of methods recognized on any object.
pub const ANY_RECEIVER: &str = "*";
/// `detach()` gives the descriptor away: the socket object no longer owns it.
const SOCKET_RELEASE: &[&str] = &["close", "detach"];
/// `poll()` reaps the child once it has exited (`while p.poll() is None:`).
const PROCESS_RELEASE: &[&str] = &[
    "wait",
    "communicate",
    "poll",
    "kill",
    "terminate",
    "__exit__",
];
const ARCHIVE_MODE_R: Writer = Writer::Mode {
    position: 1,
    keyword: "mode",
    default: "r",
};

/// Every acquirer of the standard library we know.
pub const ACQUIRERS: &[Acquirer] = &[
    // Files.
    owning(file("builtins.open", 1, "r")),
    owning(file("io.open", 1, "r")),
    owning(file("io.FileIO", 1, "r")),
    owning(file("os.fdopen", 1, "r")),
    owning(file("io.TextIOWrapper", usize::MAX, "r")),
    owning(file("io.BufferedReader", usize::MAX, "r")),
    owning(writer(
        file("io.BufferedWriter", usize::MAX, "w"),
        Writer::Always,
    )),
    owning(file("io.BufferedRandom", usize::MAX, "r")),
    owning(file("io.BufferedRWPair", usize::MAX, "r")),
    file("codecs.open", 1, "r"),
    method("pathlib.Path", file("open", 0, "r")),
    fileobj(file("gzip.open", 1, "rb")),
    fileobj(file("gzip.GzipFile", 1, "rb")),
    fileobj(file("bz2.open", 1, "rb")),
    fileobj(file("bz2.BZ2File", 1, "r")),
    fileobj(file("lzma.open", 1, "rb")),
    fileobj(file("lzma.LZMAFile", 1, "r")),
    // Each file is closed at its end; `nextfile()` closes the current one.
    lazy(
        exhausts(releases(
            file("fileinput.input", usize::MAX, "r"),
            FILEINPUT_RELEASE,
        )),
        Lazy::UntilUse,
    ),
    lazy(
        exhausts(releases(
            file("fileinput.FileInput", usize::MAX, "r"),
            FILEINPUT_RELEASE,
        )),
        Lazy::UntilUse,
    ),
    fileobj(file("wave.open", 1, "rb")),
    method("socket.socket", file("makefile", 0, "r")),
    // Archives.
    fileobj(writer(
        entry("zipfile.ZipFile", Kind::Archive, "zipfile.ZipFile"),
        ARCHIVE_MODE_R,
    )),
    method("zipfile.ZipFile", file("open", 1, "r")),
    fileobj(writer(
        entry("tarfile.open", Kind::Archive, "tarfile.TarFile"),
        ARCHIVE_MODE_R,
    )),
    fileobj(writer(
        entry("tarfile.TarFile", Kind::Archive, "tarfile.TarFile"),
        ARCHIVE_MODE_R,
    )),
    // `TarFile.extractfile()` is a view over the archive's own file: it
    // holds no descriptor of its own.
    // Sockets.
    owning(releases(
        entry("socket.socket", Kind::Socket, SOCKET),
        SOCKET_RELEASE,
    )),
    releases(
        entry("socket.create_connection", Kind::Socket, SOCKET),
        SOCKET_RELEASE,
    ),
    releases(
        entry("socket.create_server", Kind::Socket, SOCKET),
        SOCKET_RELEASE,
    ),
    releases(entry("socket.fromfd", Kind::Socket, SOCKET), SOCKET_RELEASE),
    tuple(
        releases(
            entry("socket.socketpair", Kind::Socket, SOCKET),
            SOCKET_RELEASE,
        ),
        &[0, 1],
    ),
    tuple(
        releases(
            method(SOCKET, entry("accept", Kind::Socket, SOCKET)),
            SOCKET_RELEASE,
        ),
        &[0],
    ),
    // `conn, addr = listener.accept()` whatever `listener` is: the
    // two-element unpacking is the socket API's signature.
    tuple(
        releases(
            method(ANY_RECEIVER, entry("accept", Kind::Socket, SOCKET)),
            SOCKET_RELEASE,
        ),
        &[0],
    ),
    method(SOCKET, fd("detach")),
    method(
        SOCKET,
        releases(entry("dup", Kind::Socket, SOCKET), SOCKET_RELEASE),
    ),
    owning(method(
        "ssl.SSLContext",
        entry("wrap_socket", Kind::Socket, SOCKET),
    )),
    // Network clients.
    // A response read to its end (`read()` with no size, or iterated to
    // the end) closes itself.
    Acquirer {
        exhaustion_releases: true,
        ..releases(
            entry(
                "urllib.request.urlopen",
                Kind::Connection,
                "http.client.HTTPResponse",
            ),
            &["close", FULL_READ],
        )
    },
    lazy(
        entry(
            "http.client.HTTPConnection",
            Kind::Connection,
            "http.client.HTTPConnection",
        ),
        HTTP_CONNECTS,
    ),
    lazy(
        entry(
            "http.client.HTTPSConnection",
            Kind::Connection,
            "http.client.HTTPConnection",
        ),
        HTTP_CONNECTS,
    ),
    lazy(
        releases(
            entry("ftplib.FTP", Kind::Connection, "ftplib.FTP"),
            &["close", "quit"],
        ),
        CONNECT,
    ),
    lazy(
        releases(
            entry("ftplib.FTP_TLS", Kind::Connection, "ftplib.FTP"),
            &["close", "quit"],
        ),
        CONNECT,
    ),
    lazy(
        releases(
            closes_on_error(entry("smtplib.SMTP", Kind::Connection, "smtplib.SMTP")),
            &["close", "quit"],
        ),
        CONNECT,
    ),
    lazy(
        releases(
            closes_on_error(entry("smtplib.SMTP_SSL", Kind::Connection, "smtplib.SMTP")),
            &["close", "quit"],
        ),
        CONNECT,
    ),
    lazy(
        releases(
            closes_on_error(entry("smtplib.LMTP", Kind::Connection, "smtplib.SMTP")),
            &["close", "quit"],
        ),
        CONNECT,
    ),
    lazy(
        releases(
            entry("imaplib.IMAP4", Kind::Connection, "imaplib.IMAP4"),
            &["logout", "shutdown"],
        ),
        CONNECT,
    ),
    lazy(
        releases(
            entry("imaplib.IMAP4_SSL", Kind::Connection, "imaplib.IMAP4"),
            &["logout", "shutdown"],
        ),
        CONNECT,
    ),
    lazy(
        releases(
            entry("poplib.POP3", Kind::Connection, "poplib.POP3"),
            &["quit", "close"],
        ),
        CONNECT,
    ),
    lazy(
        releases(
            entry("poplib.POP3_SSL", Kind::Connection, "poplib.POP3"),
            &["quit", "close"],
        ),
        CONNECT,
    ),
    releases(
        entry("telnetlib.Telnet", Kind::Connection, "telnetlib.Telnet"),
        &["close"],
    ),
    // Temporary files and directories.
    entry("tempfile.TemporaryFile", Kind::TempFile, "io.IOBase"),
    entry("tempfile.NamedTemporaryFile", Kind::TempFile, "io.IOBase"),
    // In memory until it rolls over to a real file.
    lazy(
        entry("tempfile.SpooledTemporaryFile", Kind::TempFile, "io.IOBase"),
        Lazy::UntilMethod(&["rollover", "fileno"]),
    ),
    releases(
        entry(
            "tempfile.TemporaryDirectory",
            Kind::TempDir,
            "tempfile.TemporaryDirectory",
        ),
        &["cleanup"],
    ),
    tuple(fd("tempfile.mkstemp"), &[0]),
    // Databases and key-value stores.
    Acquirer {
        with_releases: false,
        ..entry("sqlite3.connect", Kind::Database, "sqlite3.Connection")
    },
    Acquirer {
        with_releases: false,
        ..entry("sqlite3.Connection", Kind::Database, "sqlite3.Connection")
    },
    writer(
        entry("dbm.open", Kind::Database, "dbm"),
        Writer::Flag {
            position: 1,
            keyword: "flag",
            default: "r",
        },
    ),
    writer(
        entry("dbm.gnu.open", Kind::Database, "dbm"),
        Writer::Flag {
            position: 1,
            keyword: "flag",
            default: "r",
        },
    ),
    writer(
        entry("dbm.ndbm.open", Kind::Database, "dbm"),
        Writer::Flag {
            position: 1,
            keyword: "flag",
            default: "r",
        },
    ),
    writer(
        entry("shelve.open", Kind::Database, "shelve.Shelf"),
        Writer::Flag {
            position: 1,
            keyword: "flag",
            default: "c",
        },
    ),
    // Memory maps, selectors, polling objects.
    entry("mmap.mmap", Kind::Mmap, "mmap.mmap"),
    entry(
        "selectors.DefaultSelector",
        Kind::Selector,
        "selectors.BaseSelector",
    ),
    // `SelectSelector` and `PollSelector` hold no descriptor.
    entry(
        "selectors.EpollSelector",
        Kind::Selector,
        "selectors.BaseSelector",
    ),
    entry(
        "selectors.DevpollSelector",
        Kind::Selector,
        "selectors.BaseSelector",
    ),
    entry(
        "selectors.KqueueSelector",
        Kind::Selector,
        "selectors.BaseSelector",
    ),
    entry("select.epoll", Kind::Selector, "select.epoll"),
    entry("select.kqueue", Kind::Selector, "select.kqueue"),
    entry("select.devpoll", Kind::Selector, "select.devpoll"),
    // Processes and pools.
    releases(
        entry("subprocess.Popen", Kind::Process, "subprocess.Popen"),
        PROCESS_RELEASE,
    ),
    releases(
        entry(
            "multiprocessing.Pool",
            Kind::Pool,
            "multiprocessing.pool.Pool",
        ),
        &["close", "terminate"],
    ),
    releases(
        entry(
            "multiprocessing.pool.Pool",
            Kind::Pool,
            "multiprocessing.pool.Pool",
        ),
        &["close", "terminate"],
    ),
    releases(
        entry(
            "multiprocessing.pool.ThreadPool",
            Kind::Pool,
            "multiprocessing.pool.Pool",
        ),
        &["close", "terminate"],
    ),
    releases(
        entry(
            "concurrent.futures.ThreadPoolExecutor",
            Kind::Executor,
            "concurrent.futures.Executor",
        ),
        &["shutdown"],
    ),
    releases(
        entry(
            "concurrent.futures.ProcessPoolExecutor",
            Kind::Executor,
            "concurrent.futures.Executor",
        ),
        &["shutdown"],
    ),
    // Directory iterators.
    Acquirer {
        exhaustion_releases: true,
        ..entry("os.scandir", Kind::DirIterator, "os.ScandirIterator")
    },
    // Raw file descriptors.
    fd("os.open"),
    tuple(fd("os.pipe"), &[0, 1]),
    tuple(fd("os.pipe2"), &[0, 1]),
    fd("os.dup"),
    tuple(fd("os.openpty"), &[0, 1]),
    tuple(fd("pty.openpty"), &[0, 1]),
    fd("os.memfd_create"),
    fd("os.eventfd"),
    // Owning adapters.
    owning(entry(
        "contextlib.closing",
        Kind::Wrapper,
        "contextlib.closing",
    )),
];

/// Functions that release the resource passed as their first argument.
pub const RELEASE_FUNCTIONS: &[&str] = &["os.close", "socket.close"];

/// Functions and classes that use an argument without taking ownership of
/// it: passing a resource to them keeps the caller responsible.
pub const BORROWERS: &[&str] = &[
    "builtins.print",
    "builtins.len",
    "builtins.iter",
    "builtins.next",
    "builtins.isinstance",
    "builtins.issubclass",
    "builtins.repr",
    "builtins.str",
    "builtins.bytes",
    "builtins.bool",
    "builtins.int",
    "builtins.id",
    "builtins.type",
    "builtins.hash",
    "builtins.hasattr",
    "builtins.getattr",
    "builtins.vars",
    "builtins.dir",
    "builtins.enumerate",
    "builtins.zip",
    "builtins.list",
    "builtins.tuple",
    "builtins.set",
    "builtins.frozenset",
    "builtins.sorted",
    "builtins.reversed",
    "builtins.min",
    "builtins.max",
    "builtins.sum",
    "builtins.any",
    "builtins.all",
    "builtins.map",
    "builtins.filter",
    "builtins.format",
    "json.load",
    "json.dump",
    "pickle.load",
    "pickle.dump",
    "pickle.Unpickler",
    "pickle.Pickler",
    "marshal.load",
    "marshal.dump",
    "tomllib.load",
    "plistlib.load",
    "plistlib.dump",
    "csv.reader",
    "csv.writer",
    "csv.DictReader",
    "csv.DictWriter",
    "shutil.copyfileobj",
    "hashlib.file_digest",
    "select.select",
    "os.read",
    "os.write",
    "os.pread",
    "os.pwrite",
    "os.readv",
    "os.writev",
    "os.lseek",
    "os.fstat",
    "os.fsync",
    "os.fdatasync",
    "os.ftruncate",
    "os.isatty",
    "os.ttyname",
    "os.fchmod",
    "os.fchown",
    "os.fchdir",
    "os.fstatvfs",
    "os.set_blocking",
    "os.get_blocking",
    "os.set_inheritable",
    "os.get_inheritable",
    "os.get_terminal_size",
    "os.dup",
    "os.dup2",
    "os.login_tty",
    "os.sendfile",
    "os.posix_fallocate",
    "os.posix_fadvise",
    "os.device_encoding",
    "fcntl.fcntl",
    "fcntl.flock",
    "fcntl.ioctl",
    "fcntl.lockf",
    "termios.tcgetattr",
    "termios.tcsetattr",
    "tty.setraw",
    "tty.setcbreak",
    "mmap.mmap",
    "socket.fromfd",
    "zipfile.ZipFile",
    "tarfile.open",
    "tarfile.TarFile",
    "gzip.GzipFile",
    "bz2.BZ2File",
    "lzma.LZMAFile",
    "wave.open",
    "subprocess.Popen",
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
    "email.message_from_file",
    "email.message_from_binary_file",
    "tokenize.tokenize",
    "tokenize.detect_encoding",
    "traceback.print_exc",
    "traceback.print_exception",
    "traceback.print_stack",
    "pprint.pprint",
    "contextlib.redirect_stdout",
    "contextlib.redirect_stderr",
];

/// Methods, on any receiver, that take ownership of their argument
/// (`stack.enter_context(f)`, `self.addCleanup(f.close)`).
pub const OWNING_METHODS: &[&str] = &[
    "enter_context",
    "enter_async_context",
    "push",
    "push_async_exit",
    "callback",
    "push_async_callback",
    "enterContext",
    "enterAsyncContext",
    "addCleanup",
    "addAsyncCleanup",
    "addClassCleanup",
];

/// Methods, on any receiver, that use an argument without keeping it
/// (`selector.register(fd, ...)`, `poller.unregister(fd)`).
pub const BORROWING_METHODS: &[&str] = &["register", "unregister", "modify"];

/// Functions that take ownership of their arguments.
pub const OWNING_FUNCTIONS: &[&str] = &["atexit.register", "weakref.finalize"];

/// Calls that return an object whose methods acquire but that holds nothing
/// itself, and the type of that object: `pathlib.Path(p).open()`,
/// `ssl.create_default_context().wrap_socket(sock)`.
pub const TYPED_CALLS: &[(&str, &str)] = &[
    ("pathlib.Path", "pathlib.Path"),
    ("pathlib.PosixPath", "pathlib.Path"),
    ("pathlib.WindowsPath", "pathlib.Path"),
    ("pathlib.Path.home", "pathlib.Path"),
    ("pathlib.Path.cwd", "pathlib.Path"),
    ("ssl.create_default_context", "ssl.SSLContext"),
    ("ssl.SSLContext", "ssl.SSLContext"),
];

/// Methods of `pathlib.Path` that return another path.
pub const PATH_RETURNING_METHODS: &[&str] = &[
    "joinpath",
    "with_name",
    "with_suffix",
    "with_stem",
    "resolve",
    "absolute",
    "expanduser",
    "relative_to",
];

/// Whether a mode/flag string makes the resource a writer.
pub fn mode_writes(writer: Writer, mode: &str) -> bool {
    match writer {
        Writer::Never => false,
        Writer::Always => true,
        Writer::Mode { .. } => mode.contains(['w', 'a', 'x', '+']),
        Writer::Flag { .. } => mode.contains(['c', 'w', 'n']),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups() {
        let catalog = Catalog::default();
        let std = catalog.for_imports([]);
        assert_eq!(std.acquirer("builtins.open").unwrap().kind, Kind::File);
        assert!(
            std.acquirer("sqlite3.connect")
                .is_some_and(|a| !a.with_releases)
        );
        assert_eq!(
            std.method_acquirer("zipfile.ZipFile", "open").unwrap().kind,
            Kind::File
        );
        assert_eq!(
            std.acquirer("tempfile.mkstemp").unwrap().returns,
            Returns::Tuple(&[0])
        );
        assert!(std.acquirer("json.load").is_none());
        assert_eq!(std.callee_use("json.load"), Some(ArgUse::Borrow));
    }

    #[test]
    fn writers() {
        let catalog = Catalog::default();
        let std = catalog.for_imports([]);
        let open = std.acquirer("builtins.open").unwrap();
        assert!(mode_writes(open.writer, "w"));
        assert!(mode_writes(open.writer, "r+"));
        assert!(!mode_writes(open.writer, "rb"));
        let shelve = std.acquirer("shelve.open").unwrap();
        assert!(mode_writes(shelve.writer, "c"));
        assert!(!mode_writes(shelve.writer, "r"));
    }

    #[test]
    fn names_are_unique() {
        let mut seen = std::collections::HashSet::new();
        let third_party = LIBRARIES.iter().flat_map(|l| l.acquirers);
        for a in ACQUIRERS.iter().chain(third_party) {
            assert!(seen.insert((a.receiver, a.name)), "duplicate {}", a.name);
        }
    }

    #[test]
    fn third_party_catalog_names() {
        let names: Vec<&str> = LIBRARIES.iter().map(|l| l.name).collect();
        assert_eq!(names, THIRD_PARTY_CATALOGS);
    }

    #[test]
    fn third_party_rows_belong_to_their_library() {
        // A catalog switched on by an import only resolves names under that
        // import: every qualified row starts with one of its modules.
        for library in LIBRARIES {
            let ours = |name: &str| {
                library
                    .modules
                    .iter()
                    .any(|m| name.split('.').next() == Some(*m))
            };
            for a in library.acquirers {
                let qualified = a.receiver.unwrap_or(a.name);
                assert!(ours(qualified), "{}: {qualified}", library.name);
            }
            for name in library
                .borrowers
                .iter()
                .chain(library.owning_functions)
                .chain(library.typed_calls.iter().map(|(n, _)| n))
            {
                assert!(ours(name), "{}: {name}", library.name);
            }
        }
    }
}
