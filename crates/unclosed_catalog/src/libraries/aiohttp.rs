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
use crate::{Kind, asynchronous, entry, long_lived, owning};

pub(super) const LIBRARY: Library = Library {
    name: "aiohttp",
    modules: &["aiohttp"],
    acquirers: &[
        long_lived(asynchronous(owning(entry(
            "aiohttp.ClientSession",
            Kind::Client,
            "aiohttp.ClientSession",
        )))),
        long_lived(asynchronous(entry(
            "aiohttp.TCPConnector",
            Kind::ConnectionPool,
            "aiohttp.BaseConnector",
        ))),
        long_lived(asynchronous(entry(
            "aiohttp.UnixConnector",
            Kind::ConnectionPool,
            "aiohttp.BaseConnector",
        ))),
    ],
    ..Library::EMPTY
};
