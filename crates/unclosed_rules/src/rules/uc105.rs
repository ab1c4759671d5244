use unclosed_dataflow::Leak;
use unclosed_diagnostics::{Diagnostic, SourceText};

use crate::leaks;
use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds a `sqlite3` connection used as a context manager (`with
    /// sqlite3.connect(...) as conn:` or `with conn:`) and never closed.
    ///
    /// ## Why is this bad?
    /// A `sqlite3.Connection`'s `__exit__` commits (or rolls back) the
    /// transaction; it does not close the connection. The database file
    /// stays open, and from Python 3.13 a `ResourceWarning` says so. This is
    /// "Mistake 3": assuming `sqlite3`'s `with` closes the connection.
    ///
    /// `psycopg2` connections behave the same (their `with` ends the
    /// transaction) and are reported when the `psycopg` catalog is on;
    /// psycopg 3's `with` does close.
    ///
    /// ## Example
    /// ```python
    /// with sqlite3.connect("app.db") as conn:
    ///     conn.execute("INSERT INTO logs VALUES (?)", (message,))
    /// # conn is committed, but still open
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// with contextlib.closing(sqlite3.connect("app.db")) as conn, conn:
    ///     conn.execute("INSERT INTO logs VALUES (?)", (message,))
    /// ```
    ///
    /// ## Fix
    /// `--fix` wraps the connection in `contextlib.closing()` in the same
    /// `with` statement (`with conn:` becomes `with
    /// contextlib.closing(conn), conn:`), importing `contextlib` at the top
    /// of the module if needed. It is not offered when the connection is
    /// used after the block (closing it would break that use). It is safe
    /// when every use of the connection in the block is a statement
    /// `conn.method(...)`; otherwise (a cursor or result made from it may
    /// outlive the block) it is unsafe and applied with `--unsafe-fixes`.
    pub struct Sqlite3WithDoesNotClose {
        code: "UC105",
        name: "sqlite3-with-does-not-close",
        summary: "`with` on a sqlite3 connection commits but does not close it",
    }
}

pub(crate) fn diagnostic(leak: &Leak, source: &SourceText) -> Diagnostic {
    let rule = Sqlite3WithDoesNotClose::RULE;
    let with_line = leak
        .non_closing_with
        .map(|r| source.location(r.start()).row)
        .unwrap_or_default();
    let message = format!(
        "{} is never closed: the `with` block at line {with_line} only commits or rolls back; {}",
        leaks::subject(leak, source),
        leaks::when(leak, source)
    );
    let var = leak.name.as_deref().unwrap_or("conn");
    leaks::with_path_labels(
        Diagnostic::new(rule.code, rule.name, message, leak.range).with_help(format!(
            "use `with contextlib.closing({}(...)) as {var}, {var}:` to commit and close",
            leak.callee
        )),
        leak,
    )
}
