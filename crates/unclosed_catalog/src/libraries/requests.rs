//! `requests`: a `Session` keeps a pool of connections per host until
//! `close()` (or the end of its `with` block).
//!
//! The module-level functions (`requests.get(url)`, ...) read the response
//! and return the connection to a pool that is discarded: nothing to
//! release. They do not close the files passed in `data=` or `files=`, so
//! they borrow their arguments: `requests.post(url, files={"f": open(p,
//! "rb")})` leaks the file.
//!
//! Left out: a response requested with `stream=True` holds its connection
//! until its body is read to the end (`.content`, `.text`, `.json()`,
//! iterating `iter_content()` to the end) or it is closed; the analysis
//! follows method calls and `with`, not attribute reads or the exhaustion
//! of a method's result, so it would report responses the code does
//! consume. Such a response used in `with` is fine either way.

use super::Library;
use crate::{Kind, Lazy, entry, lazy, long_lived};

/// A session opens connections only when it sends a request; one used to
/// prepare requests or hold settings holds nothing.
const SENDS: Lazy = Lazy::UntilMethod(&[
    "request", "get", "post", "put", "patch", "delete", "head", "options", "send",
]);

const SESSION: &str = "requests.Session";

pub(super) const LIBRARY: Library = Library {
    name: "requests",
    modules: &["requests"],
    acquirers: &[
        long_lived(lazy(
            entry("requests.Session", Kind::Client, SESSION),
            SENDS,
        )),
        long_lived(lazy(
            entry("requests.sessions.Session", Kind::Client, SESSION),
            SENDS,
        )),
        // The old spelling, still exported.
        long_lived(lazy(
            entry("requests.session", Kind::Client, SESSION),
            SENDS,
        )),
        long_lived(lazy(
            entry("requests.sessions.session", Kind::Client, SESSION),
            SENDS,
        )),
    ],
    borrowers: &[
        "requests.request",
        "requests.get",
        "requests.options",
        "requests.head",
        "requests.post",
        "requests.put",
        "requests.patch",
        "requests.delete",
        "requests.api.request",
    ],
    ..Library::EMPTY
};
