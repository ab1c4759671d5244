//! `redis` (redis-py): clients, connection pools and pub/sub objects.
//!
//! A `Redis` client creates its own connection pool and closes it on
//! `close()` or at the end of its `with` block; given `connection_pool=`
//! it uses a pool it does not own and holds no connection between
//! commands, so it is not tracked then. The pool is handed to it (it keeps
//! a reference: `return redis.Redis(connection_pool=pool)` is the usual way
//! to build a client), so a pool is reported only when nothing takes it. Clients and pools are
//! meant to be shared: one created at module level is not reported.
//! `client.pubsub()` holds a connection from its first `subscribe()` until
//! `close()` (or `reset()`, or its `with` block).
//!
//! The asyncio clients (`redis.asyncio`) are released by `await
//! client.aclose()` (`close()` before redis-py 5.0.1) or `async with`.

use super::Library;
use crate::{
    Acquirer, Kind, Lazy, When, asynchronous, entry, lazy, long_lived, method, owning, releases,
    when,
};

const REDIS: &str = "redis.Redis";
const ASYNC_REDIS: &str = "redis.asyncio.Redis";
const POOL: &str = "redis.ConnectionPool";
const ASYNC_POOL: &str = "redis.asyncio.ConnectionPool";

const fn client(name: &'static str) -> Acquirer {
    long_lived(when(
        entry(name, Kind::Client, REDIS),
        When::WithoutKeyword("connection_pool"),
    ))
}

const fn async_client(name: &'static str) -> Acquirer {
    asynchronous(releases(
        long_lived(when(
            entry(name, Kind::Client, ASYNC_REDIS),
            When::WithoutKeyword("connection_pool"),
        )),
        &["aclose", "close"],
    ))
}

const fn pool(name: &'static str) -> Acquirer {
    long_lived(releases(
        entry(name, Kind::ConnectionPool, POOL),
        &["disconnect", "close"],
    ))
}

const fn async_pool(name: &'static str) -> Acquirer {
    asynchronous(long_lived(releases(
        entry(name, Kind::ConnectionPool, ASYNC_POOL),
        &["disconnect", "aclose"],
    )))
}

pub(super) const LIBRARY: Library = Library {
    name: "redis",
    modules: &["redis"],
    acquirers: &[
        client("redis.Redis"),
        client("redis.StrictRedis"),
        client("redis.client.Redis"),
        client("redis.client.StrictRedis"),
        client("redis.from_url"),
        client("redis.Redis.from_url"),
        client("redis.StrictRedis.from_url"),
        // Takes the pool over: closing the client closes it.
        owning(client("redis.Redis.from_pool")),
        pool("redis.ConnectionPool"),
        pool("redis.BlockingConnectionPool"),
        pool("redis.ConnectionPool.from_url"),
        pool("redis.BlockingConnectionPool.from_url"),
        method(
            REDIS,
            lazy(
                releases(
                    entry("pubsub", Kind::Connection, "redis.client.PubSub"),
                    &["close", "reset"],
                ),
                Lazy::UntilMethod(&["subscribe", "psubscribe", "ssubscribe"]),
            ),
        ),
        async_client("redis.asyncio.Redis"),
        async_client("redis.asyncio.StrictRedis"),
        async_client("redis.asyncio.from_url"),
        async_client("redis.asyncio.Redis.from_url"),
        owning(async_client("redis.asyncio.Redis.from_pool")),
        async_pool("redis.asyncio.ConnectionPool"),
        async_pool("redis.asyncio.BlockingConnectionPool"),
        async_pool("redis.asyncio.ConnectionPool.from_url"),
    ],
    ..Library::EMPTY
};
