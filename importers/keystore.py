"""What an import remembers per row without holding it in memory: small tables in a temporary SQLite file
(journal and sync off: it lives only as long as the run)."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile


class ScratchDb:
    """A temporary SQLite file with the tables `schema` creates; removed by `close`."""

    def __init__(self, *schema: str) -> None:
        self._file = tempfile.NamedTemporaryFile(suffix=".sqlite", delete=False)  # noqa: SIM115 (closed in close())
        self._file.close()
        self.db = sqlite3.connect(self._file.name, isolation_level=None)
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        for statement in schema:
            self.db.execute(statement)

    def close(self) -> None:
        self.db.close()
        os.unlink(self._file.name)


class SeenKeys(ScratchDb):
    """The record keys read so far, so duplicate detection needs no memory per row."""

    def __init__(self) -> None:
        super().__init__("CREATE TABLE seen (key INTEGER PRIMARY KEY, line INTEGER)")
        self.db.execute("BEGIN")

    def first_line(self, key: str, line: int) -> int:
        """The line the key was first read on: `line` itself when it is new."""
        # 64 bits of the key's hash: among a million rows, a false duplicate has odds of 1 in 30 million.
        digest = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)
        cursor = self.db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (digest, line))
        if cursor.rowcount:
            return line
        row = self.db.execute("SELECT line FROM seen WHERE key = ?", (digest,)).fetchone()
        return int(row[0])
