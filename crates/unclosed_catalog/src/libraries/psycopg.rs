//! `psycopg` (version 3) and `psycopg2`: connections, server-side cursors
//! and psycopg2's connection pools.
//!
//! The two differ on `with conn:`. In psycopg 3 it commits (or rolls back)
//! and closes the connection; in psycopg2 it only ends the transaction,
//! like `sqlite3`, and the connection stays open (UC105).
//!
//! Only named cursors are resources: `conn.cursor("name")` is a
//! server-side cursor, which holds a portal on the server until it is
//! closed; `conn.cursor()` is a client-side cursor whose results are
//! already in the process, closed with its connection. Reporting every
//! unclosed client-side cursor would flag the usual `cur = conn.cursor()`
//! code for nothing.
//!
//! `psycopg.AsyncConnection.connect()` returns a coroutine: the connection
//! is what `await` gives (`conn = await psycopg.AsyncConnection.connect()`),
//! released by `await conn.close()` or `async with`.

use super::Library;
use crate::{
    Kind, When, asynchronous, awaited, entry, long_lived, method, releases, when,
    with_does_not_release,
};

const CONNECTION: &str = "psycopg.Connection";
const CONNECTION2: &str = "psycopg2.extensions.connection";
/// `cursor(name)` or `cursor(name=...)`: a server-side cursor.
const NAMED: When = When::Argument {
    position: 0,
    keyword: "name",
};
const POOL2: &str = "psycopg2.pool.AbstractConnectionPool";

pub(super) const LIBRARY: Library = Library {
    name: "psycopg",
    modules: &["psycopg", "psycopg2"],
    acquirers: &[
        entry("psycopg.connect", Kind::Database, CONNECTION),
        entry("psycopg.Connection.connect", Kind::Database, CONNECTION),
        awaited(asynchronous(entry(
            "psycopg.AsyncConnection.connect",
            Kind::Database,
            "psycopg.AsyncConnection",
        ))),
        method(
            CONNECTION,
            when(entry("cursor", Kind::Cursor, "psycopg.ServerCursor"), NAMED),
        ),
        with_does_not_release(entry("psycopg2.connect", Kind::Database, CONNECTION2)),
        method(
            CONNECTION2,
            when(
                entry("cursor", Kind::Cursor, "psycopg2.extensions.cursor"),
                NAMED,
            ),
        ),
        // Not context managers; `closeall()` closes every connection.
        long_lived(with_does_not_release(releases(
            entry(
                "psycopg2.pool.SimpleConnectionPool",
                Kind::ConnectionPool,
                POOL2,
            ),
            &["closeall"],
        ))),
        long_lived(with_does_not_release(releases(
            entry(
                "psycopg2.pool.ThreadedConnectionPool",
                Kind::ConnectionPool,
                POOL2,
            ),
            &["closeall"],
        ))),
    ],
    ..Library::EMPTY
};
