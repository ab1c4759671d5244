//! The built-in catalogs of third-party libraries, one module per library.
//!
//! Each is off unless switched on: by name (`catalogs = ["requests"]`), or,
//! when `catalogs` is not configured, for the files that import the
//! library. Their rows only name the library's own API (qualified names
//! under its packages, methods on its types), so a catalog switched on for
//! a file that does not use the library changes nothing there; the bare
//! method names of [`Library::borrowing_methods`] and
//! [`Library::owning_methods`] are the exception, and are kept to names
//! that are the library's own.

use crate::Acquirer;

mod aiohttp;
mod boto3;
mod httpx;
mod paramiko;
mod psycopg;
mod redis;
mod requests;
mod sqlalchemy;

/// One third-party library's rows.
#[derive(Debug)]
pub struct Library {
    /// The name that switches it on in `catalogs = [...]`.
    pub name: &'static str,
    /// Top-level packages whose import switches it on in automatic mode.
    pub modules: &'static [&'static str],
    pub acquirers: &'static [Acquirer],
    /// Calls that return an object whose methods acquire but that holds
    /// nothing itself (`sqlalchemy.orm.sessionmaker(...)`), and its type.
    pub typed_calls: &'static [(&'static str, &'static str)],
    /// Functions that use their arguments and leave them to the caller.
    pub borrowers: &'static [&'static str],
    /// Functions that take ownership of their arguments.
    pub owning_functions: &'static [&'static str],
    /// Methods, on any receiver, that leave their arguments to the caller.
    pub borrowing_methods: &'static [&'static str],
    /// Methods, on any receiver, that take ownership of their arguments.
    pub owning_methods: &'static [&'static str],
}

impl Library {
    const EMPTY: Library = Library {
        name: "",
        modules: &[],
        acquirers: &[],
        typed_calls: &[],
        borrowers: &[],
        owning_functions: &[],
        borrowing_methods: &[],
        owning_methods: &[],
    };
}

/// Every built-in third-party catalog, in the order of
/// [`crate::THIRD_PARTY_CATALOGS`].
pub const LIBRARIES: &[Library] = &[
    requests::LIBRARY,
    httpx::LIBRARY,
    aiohttp::LIBRARY,
    psycopg::LIBRARY,
    sqlalchemy::LIBRARY,
    redis::LIBRARY,
    paramiko::LIBRARY,
    boto3::LIBRARY,
];
