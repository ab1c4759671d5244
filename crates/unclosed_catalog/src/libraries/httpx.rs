//! `httpx`: `Client` is released by `close()`, `AsyncClient` by `await
//! aclose()`, each also by its `with` / `async with` block.
//!
//! `httpx.stream(...)` and `client.stream(...)` are context managers only:
//! the request is made when the `with` block is entered and the response
//! closed when it ends, so they hold nothing to release by hand. The
//! module-level functions (`httpx.get(url)`, ...) use a client of their
//! own that they close; they leave the files passed to them open.
//!
//! Left out: `client.send(request, stream=True)` returns a response that
//! must be closed, but only when `stream=True`; it is rare outside of
//! httpx's own code.

use super::Library;
use crate::{Kind, asynchronous, entry, long_lived, releases};

pub(super) const LIBRARY: Library = Library {
    name: "httpx",
    modules: &["httpx"],
    acquirers: &[
        long_lived(entry("httpx.Client", Kind::Client, "httpx.Client")),
        long_lived(asynchronous(releases(
            entry("httpx.AsyncClient", Kind::Client, "httpx.AsyncClient"),
            &["aclose"],
        ))),
    ],
    borrowers: &[
        "httpx.request",
        "httpx.get",
        "httpx.options",
        "httpx.head",
        "httpx.post",
        "httpx.put",
        "httpx.patch",
        "httpx.delete",
    ],
    ..Library::EMPTY
};
