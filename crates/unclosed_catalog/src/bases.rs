//! Base classes of the standard library, as data, for the checks of
//! classes that own resources (UC4): whether a subclass inherits a context
//! manager (`__enter__`/`__exit__`), whether the framework drives the
//! object's lifecycle (a test case, a request handler, a logging handler:
//! its cleanup hook is called for it, `with` is not how it is used), and
//! which attributes the base's own methods release (`TCPServer.server_close`
//! closes `self.socket`).
//!
//! A base that is neither listed here nor defined in the analyzed module is
//! unknown: it may release anything and provide anything, so the checks
//! give up on its subclasses.

/// What a subclass inherits from a base class of the standard library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownBase {
    /// Qualified name (`socketserver.TCPServer`).
    pub name: &'static str,
    /// It defines `__enter__`/`__exit__` (or the async pair).
    pub context_manager: bool,
    /// Its lifecycle is driven by a framework that calls its cleanup
    /// (`tearDown`, `finish`, `Handler.close` at `logging.shutdown()`).
    pub managed: bool,
    /// Attributes of `self` its methods release.
    pub releases: &'static [&'static str],
}

const fn cm(name: &'static str) -> KnownBase {
    KnownBase {
        name,
        context_manager: true,
        managed: false,
        releases: &[],
    }
}

const fn cm_releasing(name: &'static str, releases: &'static [&'static str]) -> KnownBase {
    KnownBase {
        name,
        context_manager: true,
        managed: false,
        releases,
    }
}

const fn managed(name: &'static str, releases: &'static [&'static str]) -> KnownBase {
    KnownBase {
        name,
        context_manager: false,
        managed: true,
        releases,
    }
}

const fn plain(name: &'static str) -> KnownBase {
    KnownBase {
        name,
        context_manager: false,
        managed: false,
        releases: &[],
    }
}

/// `server_close()` closes the listening socket.
const SERVER_SOCKET: &[&str] = &["socket"];
/// `StreamRequestHandler.finish()` closes the socket's file objects.
const HANDLER_FILES: &[&str] = &["wfile", "rfile"];

/// Base classes whose behaviour we know. Classes of the modules in
/// [`PLAIN_BASE_MODULES`] not listed here provide nothing.
pub const KNOWN_BASES: &[KnownBase] = &[
    // File objects: `IOBase` has `__enter__`/`__exit__` calling `close()`.
    cm("io.IOBase"),
    cm("io.RawIOBase"),
    cm("io.BufferedIOBase"),
    cm("io.TextIOBase"),
    cm("io.FileIO"),
    cm("io.BytesIO"),
    cm("io.StringIO"),
    cm("io.BufferedReader"),
    cm("io.BufferedWriter"),
    cm("io.BufferedRandom"),
    cm("io.BufferedRWPair"),
    cm("io.TextIOWrapper"),
    cm("_io._IOBase"),
    cm("_io._RawIOBase"),
    cm("_io._BufferedIOBase"),
    cm("_io._TextIOBase"),
    cm("_io.FileIO"),
    cm("_io.BytesIO"),
    cm("_io.StringIO"),
    cm("_io.BufferedReader"),
    cm("_io.BufferedWriter"),
    cm("_io.TextIOWrapper"),
    cm("codecs.StreamReader"),
    cm("codecs.StreamWriter"),
    cm("codecs.StreamReaderWriter"),
    cm("codecs.StreamRecoder"),
    cm("gzip.GzipFile"),
    cm("bz2.BZ2File"),
    cm("lzma.LZMAFile"),
    cm("tempfile.SpooledTemporaryFile"),
    cm("tempfile.TemporaryDirectory"),
    cm("urllib.response.addbase"),
    cm("http.client.HTTPResponse"),
    // Context manager bases.
    cm("contextlib.AbstractContextManager"),
    cm("contextlib.AbstractAsyncContextManager"),
    cm("contextlib.ExitStack"),
    cm("contextlib.AsyncExitStack"),
    cm("contextlib.closing"),
    cm("contextlib.aclosing"),
    cm("contextlib.nullcontext"),
    cm("contextlib.suppress"),
    cm("contextlib.redirect_stdout"),
    cm("contextlib.redirect_stderr"),
    cm("contextlib.chdir"),
    cm("typing.ContextManager"),
    cm("typing.AsyncContextManager"),
    // `ContextDecorator` only adds `__call__`: the subclass must define
    // `__enter__`/`__exit__` itself.
    plain("contextlib.ContextDecorator"),
    plain("contextlib.AsyncContextDecorator"),
    // Resources that are context managers themselves.
    cm("socket.socket"),
    cm("ssl.SSLSocket"),
    cm("subprocess.Popen"),
    cm("zipfile.ZipFile"),
    cm("tarfile.TarFile"),
    cm("selectors.BaseSelector"),
    cm("selectors.DefaultSelector"),
    cm("selectors.SelectSelector"),
    cm("selectors.PollSelector"),
    cm("selectors.EpollSelector"),
    cm("selectors.KqueueSelector"),
    cm("selectors.DevpollSelector"),
    cm("concurrent.futures.Executor"),
    cm("concurrent.futures.ThreadPoolExecutor"),
    cm("concurrent.futures.ProcessPoolExecutor"),
    cm("multiprocessing.pool.Pool"),
    cm("multiprocessing.pool.ThreadPool"),
    cm("multiprocessing.connection.Connection"),
    cm("multiprocessing.connection.Listener"),
    cm("ftplib.FTP"),
    cm("ftplib.FTP_TLS"),
    cm("smtplib.SMTP"),
    cm("smtplib.SMTP_SSL"),
    cm("smtplib.LMTP"),
    cm("imaplib.IMAP4"),
    cm("imaplib.IMAP4_SSL"),
    cm("telnetlib.Telnet"),
    cm("sqlite3.Connection"),
    cm("shelve.Shelf"),
    cm("shelve.DbfilenameShelf"),
    cm("mmap.mmap"),
    cm("asyncio.Runner"),
    // Servers: `BaseServer` has `__enter__`/`__exit__` calling
    // `server_close()`, which closes `self.socket` in `TCPServer`.
    cm("socketserver.BaseServer"),
    cm_releasing("socketserver.TCPServer", SERVER_SOCKET),
    cm_releasing("socketserver.UDPServer", SERVER_SOCKET),
    cm_releasing("socketserver.UnixStreamServer", SERVER_SOCKET),
    cm_releasing("socketserver.UnixDatagramServer", SERVER_SOCKET),
    cm_releasing("socketserver.ThreadingTCPServer", SERVER_SOCKET),
    cm_releasing("socketserver.ThreadingUDPServer", SERVER_SOCKET),
    cm_releasing("socketserver.ForkingTCPServer", SERVER_SOCKET),
    cm_releasing("socketserver.ForkingUDPServer", SERVER_SOCKET),
    cm_releasing("socketserver.ThreadingUnixStreamServer", SERVER_SOCKET),
    cm_releasing("socketserver.ThreadingUnixDatagramServer", SERVER_SOCKET),
    cm_releasing("http.server.HTTPServer", SERVER_SOCKET),
    cm_releasing("http.server.ThreadingHTTPServer", SERVER_SOCKET),
    cm_releasing("xmlrpc.server.SimpleXMLRPCServer", SERVER_SOCKET),
    cm_releasing("xmlrpc.server.DocXMLRPCServer", SERVER_SOCKET),
    cm_releasing("wsgiref.simple_server.WSGIServer", SERVER_SOCKET),
    plain("socketserver.ThreadingMixIn"),
    plain("socketserver.ForkingMixIn"),
    // Objects whose framework calls their cleanup.
    managed("unittest.TestCase", &[]),
    managed("unittest.IsolatedAsyncioTestCase", &[]),
    managed("unittest.case.TestCase", &[]),
    managed("socketserver.BaseRequestHandler", &[]),
    managed("socketserver.StreamRequestHandler", HANDLER_FILES),
    managed("socketserver.DatagramRequestHandler", HANDLER_FILES),
    managed("http.server.BaseHTTPRequestHandler", HANDLER_FILES),
    managed("http.server.SimpleHTTPRequestHandler", HANDLER_FILES),
    managed("http.server.CGIHTTPRequestHandler", HANDLER_FILES),
    managed("xmlrpc.server.SimpleXMLRPCRequestHandler", HANDLER_FILES),
    managed("wsgiref.simple_server.WSGIRequestHandler", HANDLER_FILES),
    managed("logging.Handler", &[]),
    managed("logging.StreamHandler", &[]),
    managed("logging.FileHandler", &["stream"]),
    managed("logging.handlers.BaseRotatingHandler", &["stream"]),
    managed("logging.handlers.RotatingFileHandler", &["stream"]),
    managed("logging.handlers.TimedRotatingFileHandler", &["stream"]),
    managed("logging.handlers.WatchedFileHandler", &["stream"]),
    managed("logging.handlers.SocketHandler", &["sock"]),
    managed("logging.handlers.DatagramHandler", &["sock"]),
    managed("logging.handlers.SysLogHandler", &["socket"]),
    managed("logging.handlers.BufferingHandler", &[]),
    managed("logging.handlers.MemoryHandler", &[]),
    managed("logging.handlers.QueueHandler", &[]),
    managed("threading.Thread", &[]),
    managed("multiprocessing.Process", &[]),
    managed("asyncio.BaseProtocol", &[]),
    managed("asyncio.Protocol", &[]),
    managed("asyncio.BufferedProtocol", &[]),
    managed("asyncio.DatagramProtocol", &[]),
    managed("asyncio.SubprocessProtocol", &[]),
    managed("asyncio.BaseTransport", &[]),
    managed("asyncio.Transport", &[]),
    managed("asyncore.dispatcher", &["socket"]),
    managed("asyncore.dispatcher_with_send", &["socket"]),
    managed("asynchat.async_chat", &["socket"]),
    // Bases that provide none of these, outside the modules below.
    plain("threading.local"),
    plain("string.Formatter"),
    plain("json.JSONEncoder"),
    plain("json.JSONDecoder"),
    plain("argparse.Action"),
    plain("argparse.ArgumentParser"),
    plain("argparse.HelpFormatter"),
];

/// Modules whose classes, unless listed in [`KNOWN_BASES`], provide no
/// context manager and release nothing (`object`, `Exception`, `abc.ABC`,
/// `typing.Generic`, `collections.abc.Iterator`, `enum.Enum`).
pub const PLAIN_BASE_MODULES: &[&str] = &[
    "builtins",
    "abc",
    "typing",
    "typing_extensions",
    "collections.abc",
    "enum",
    "numbers",
];

/// The built-in classes a program subclasses, besides the exceptions and
/// warnings (a name the program does not bind resolves to `builtins`: it
/// must really be one).
const BUILTIN_CLASSES: &[&str] = &[
    "object",
    "BaseException",
    "KeyboardInterrupt",
    "SystemExit",
    "GeneratorExit",
    "StopIteration",
    "StopAsyncIteration",
    "BaseExceptionGroup",
    "ExceptionGroup",
    "dict",
    "list",
    "set",
    "frozenset",
    "tuple",
    "str",
    "bytes",
    "bytearray",
    "int",
    "float",
    "complex",
    "type",
    "property",
    "staticmethod",
    "classmethod",
    "memoryview",
    "range",
    "slice",
    "super",
];

/// What a subclass of the qualified `name` inherits, when we know it.
pub fn known_base(name: &str) -> Option<KnownBase> {
    if let Some(base) = KNOWN_BASES.iter().find(|b| b.name == name) {
        return Some(*base);
    }
    let (module, class) = name.rsplit_once('.')?;
    if module == "builtins"
        && !BUILTIN_CLASSES.contains(&class)
        && !["Error", "Exception", "Warning"]
            .iter()
            .any(|s| class.ends_with(s))
    {
        return None;
    }
    PLAIN_BASE_MODULES.contains(&module).then_some(KnownBase {
        name: "",
        context_manager: false,
        managed: false,
        releases: &[],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_plain_bases() {
        assert!(known_base("io.IOBase").is_some_and(|b| b.context_manager));
        assert_eq!(
            known_base("socketserver.TCPServer").map(|b| b.releases),
            Some(SERVER_SOCKET)
        );
        assert!(known_base("unittest.TestCase").is_some_and(|b| b.managed));
        assert!(known_base("builtins.object").is_some_and(|b| !b.context_manager));
        assert!(known_base("collections.abc.Iterator").is_some());
        assert!(known_base("typing.ContextManager").is_some_and(|b| b.context_manager));
        assert_eq!(known_base("acme.Base"), None);
        assert_eq!(known_base("object"), None);
        assert!(known_base("builtins.ValueError").is_some());
        assert_eq!(known_base("builtins.SomeFrameworkBase"), None);
    }

    #[test]
    fn names_are_unique() {
        for (i, a) in KNOWN_BASES.iter().enumerate() {
            assert!(
                KNOWN_BASES[i + 1..].iter().all(|b| b.name != a.name),
                "{} twice",
                a.name
            );
        }
    }
}
