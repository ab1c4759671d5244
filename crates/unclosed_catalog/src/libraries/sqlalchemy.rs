//! `sqlalchemy`: engines, connections and ORM sessions.
//!
//! An `Engine` (`create_engine(url)`) holds a pool of connections until
//! `dispose()`; it is no context manager. One created at module level is
//! the application's engine and is not reported; one created in a function
//! and never disposed leaves its pooled connections open. `engine.connect()`
//! is a `Connection`, released by `close()` or `with`. A `Session` (the
//! class, or a `sessionmaker()` factory called: `Session = sessionmaker(
//! engine)` then `Session()`) holds a connection once it runs a query,
//! until `close()` or the end of its `with` block. `engine.begin()` and
//! `Session.begin()` are context managers only.
//!
//! A `Session(engine)` uses the engine it is given and does not dispose of
//! it: `engine = create_engine(url)` then `return Session(engine)` creates
//! a pool per call that nothing disposes, and is reported. A
//! `sessionmaker(bind=engine)` factory keeps its engine for the program's
//! lifetime (`return sessionmaker(bind=engine)` is how factories are made):
//! it takes the engine.
//!
//! The asyncio extension: `create_async_engine` (`await engine.dispose()`),
//! `AsyncSession` and `async_sessionmaker()` factories (`await
//! session.close()`, `async with`).

use super::Library;
use crate::{
    Acquirer, Kind, asynchronous, entry, long_lived, method, releases, with_does_not_release,
};

const ENGINE: &str = "sqlalchemy.engine.Engine";
const ASYNC_ENGINE: &str = "sqlalchemy.ext.asyncio.AsyncEngine";
const SESSION: &str = "sqlalchemy.orm.Session";
const ASYNC_SESSION: &str = "sqlalchemy.ext.asyncio.AsyncSession";
const SESSIONMAKER: &str = "sqlalchemy.orm.sessionmaker";
const ASYNC_SESSIONMAKER: &str = "sqlalchemy.ext.asyncio.async_sessionmaker";

const fn engine(name: &'static str, type_name: &'static str) -> Acquirer {
    long_lived(with_does_not_release(releases(
        entry(name, Kind::ConnectionPool, type_name),
        &["dispose"],
    )))
}

pub(super) const LIBRARY: Library = Library {
    name: "sqlalchemy",
    modules: &["sqlalchemy"],
    acquirers: &[
        engine("sqlalchemy.create_engine", ENGINE),
        engine("sqlalchemy.engine.create_engine", ENGINE),
        engine("sqlalchemy.engine_from_config", ENGINE),
        engine("sqlalchemy.engine.engine_from_config", ENGINE),
        method(
            ENGINE,
            entry("connect", Kind::Database, "sqlalchemy.engine.Connection"),
        ),
        entry("sqlalchemy.orm.Session", Kind::Session, SESSION),
        entry("sqlalchemy.orm.session.Session", Kind::Session, SESSION),
        method(SESSIONMAKER, entry("__call__", Kind::Session, SESSION)),
        asynchronous(engine(
            "sqlalchemy.ext.asyncio.create_async_engine",
            ASYNC_ENGINE,
        )),
        asynchronous(entry(
            "sqlalchemy.ext.asyncio.AsyncSession",
            Kind::Session,
            ASYNC_SESSION,
        )),
        method(
            ASYNC_SESSIONMAKER,
            asynchronous(entry("__call__", Kind::Session, ASYNC_SESSION)),
        ),
    ],
    typed_calls: &[
        ("sqlalchemy.orm.sessionmaker", SESSIONMAKER),
        ("sqlalchemy.orm.session.sessionmaker", SESSIONMAKER),
        (
            "sqlalchemy.ext.asyncio.async_sessionmaker",
            ASYNC_SESSIONMAKER,
        ),
    ],
    ..Library::EMPTY
};
