//! `aiohttp`: a `ClientSession` and a connector (`TCPConnector`,
//! `UnixConnector`) are released by `await x.close()` or by `async with`.
//!
//! A session owns the connector it is given (`ClientSession(connector=
//! conn)` closes `conn` with the session, unless `connector_owner=False`).
//!
//! Left out: a `ClientResponse` (`resp = await session.get(url)`) returns
//! its connection when its body is read (`await resp.read()`, `.text()`,
//! `.json()`) or on `release()`; `async with session.get(url) as resp:` is
//! the usual form. Telling a read response from an unread one needs more
//! than the method calls on it, so responses are not tracked.

use super::Library;
use crate::{Kind, Lazy, asynchronous, entry, lazy, long_lived, owning};

/// A connector holds sockets only once a session connects through it; an
/// unused one warns about nothing when collected.
const CONNECTS: Lazy = Lazy::UntilMethod(&["connect"]);

pub(super) const LIBRARY: Library = Library {
    name: "aiohttp",
    modules: &["aiohttp"],
    acquirers: &[
        long_lived(asynchronous(owning(entry(
            "aiohttp.ClientSession",
            Kind::Client,
            "aiohttp.ClientSession",
        )))),
        long_lived(asynchronous(lazy(
            entry(
                "aiohttp.TCPConnector",
                Kind::ConnectionPool,
                "aiohttp.BaseConnector",
            ),
            CONNECTS,
        ))),
        long_lived(asynchronous(lazy(
            entry(
                "aiohttp.UnixConnector",
                Kind::ConnectionPool,
                "aiohttp.BaseConnector",
            ),
            CONNECTS,
        ))),
    ],
    ..Library::EMPTY
};
