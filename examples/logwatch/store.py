"""The sqlite3 helper: `with connect()` commits, it does not close."""

import sqlite3
from contextlib import closing


def record(db_path, message):
    """Mistake 3: the connection stays open after the with block."""
    with sqlite3.connect(db_path) as conn:  # expect: UC105
        conn.execute("INSERT INTO logs VALUES (?)", (message,))


def users(db_path):
    """The article's context-manager example, with its own warning."""
    with sqlite3.connect(db_path) as conn:  # expect: UC105
        cursor = conn.cursor()
        cursor.execute("SELECT * FROM users")
        rows = cursor.fetchall()
    # Note: sqlite3's context manager commits/rolls back
    # but does NOT close the connection
    return rows


def last_id(db_path):
    conn = sqlite3.connect(db_path)  # expect: UC101
    row = conn.execute("SELECT max(id) FROM logs").fetchone()
    return row[0]


# ---------------------------------------------------------------- correct code


def users_fixed(db_path):
    """The article's try/finally example."""
    conn = sqlite3.connect(db_path)
    try:
        cursor = conn.cursor()
        cursor.execute("SELECT * FROM users")
        return cursor.fetchall()
    finally:
        conn.close()


def record_many(db_path, messages):
    with closing(sqlite3.connect(db_path)) as conn:
        with conn:
            conn.executemany("INSERT INTO logs VALUES (?)", [(m,) for m in messages])


def migrate(db_path):
    conn = sqlite3.connect(db_path)
    try:
        with conn:
            conn.execute("CREATE TABLE IF NOT EXISTS logs (message TEXT)")
    finally:
        conn.close()


def create_connection(connection_string):
    """Returns a fresh connection: the caller owns it."""
    return sqlite3.connect(connection_string)


class DatabasePool:
    """The article's closeable class (its __del__ is a safety net only)."""

    def __init__(self, connection_string, pool_size=5):
        self.connections = [create_connection(connection_string) for _ in range(pool_size)]

    def close(self):
        for conn in self.connections:
            conn.close()
        self.connections.clear()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.close()
        return False  # Do not suppress exceptions

    def __del__(self):
        # Safety net, not a guarantee
        if self.connections:
            self.close()
