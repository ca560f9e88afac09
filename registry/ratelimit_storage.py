"""Rate-limit counters in a SQLite file, which every worker process on one host shares.

The `limits` library (under flask-limiter) keeps counters in memory by default, that is per
gunicorn worker: with five workers a limit of 10 a minute let 50 through (issue 15). Redis or
memcached share them, but need a server of their own, which a local run or a small municipal
install should not. `limits` has no file-backed storage, and documents adding one: a subclass of
`limits.storage.Storage` registers its URI scheme by declaring it. This one registers `sqlite`
(`RATELIMIT_STORAGE_URI=sqlite:////abs/path/ratelimits.sqlite`) for the fixed-window strategy,
which is flask-limiter's default and the only one the service uses.

Each counter is one row (key, value, expires). An increment is one UPSERT statement, which
SQLite runs atomically however many processes write: a row past its expiry starts again from
the amount, else grows by it. The file is in WAL mode, so reads do not wait for writers and a
writer waits (`busy_timeout`) rather than fails. A file on one host's disk only: for several
hosts, use Redis.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

from limits.storage import Storage

SCHEME = "sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL,
    expires REAL NOT NULL
) WITHOUT ROWID
"""
_INCR = """
INSERT INTO counters (key, value, expires) VALUES (:key, :amount, :now + :expiry)
ON CONFLICT (key) DO UPDATE SET
    value = CASE WHEN counters.expires <= :now THEN :amount ELSE counters.value + :amount END,
    expires = CASE WHEN counters.expires <= :now THEN :now + :expiry ELSE counters.expires END
RETURNING value
"""
# Expired rows are deleted now and then, not on every write.
_SWEEP_EVERY = 1000


def path_of(uri: str) -> Path:
    """'sqlite:////srv/registry/var/ratelimits.sqlite' -> /srv/registry/var/ratelimits.sqlite."""
    if not uri.startswith(f"{SCHEME}:///"):
        raise ValueError(f"expected {SCHEME}:///ABSOLUTE/PATH, not {uri!r}")
    return Path(uri.removeprefix(f"{SCHEME}://"))


class SQLiteStorage(Storage):
    """A `limits` storage in a SQLite file (fixed windows); see the module docstring."""

    # Declaring the scheme registers the class with `limits` (its StorageRegistry metaclass); the
    # base class types it as a plain list.
    STORAGE_SCHEME = [SCHEME]  # noqa: RUF012

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: float | str | bool) -> None:
        self.path = path_of(uri or "")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.timeout = float(options.get("timeout", 5.0))
        # One connection per process and thread: sqlite3 connections are neither fork- nor thread-safe.
        self._local = threading.local()
        self._writes = 0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        with self._connection() as connection:
            connection.execute(_SCHEMA)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None or getattr(self._local, "pid", None) != os.getpid():
            connection = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        connection = self._connection()
        row = connection.execute(_INCR, {"key": key, "amount": amount, "now": now, "expiry": expiry}).fetchone()
        self._writes += 1
        if self._writes % _SWEEP_EVERY == 0:
            connection.execute("DELETE FROM counters WHERE expires <= ?", (now,))
        return int(row[0])

    def get(self, key: str) -> int:
        row = (
            self._connection()
            .execute("SELECT value FROM counters WHERE key = ? AND expires > ?", (key, time.time()))
            .fetchone()
        )
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        row = (
            self._connection()
            .execute("SELECT expires FROM counters WHERE key = ? AND expires > ?", (key, now))
            .fetchone()
        )
        return float(row[0]) if row else now

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counters WHERE key = ?", (key,))
