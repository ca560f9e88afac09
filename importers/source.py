"""What every reader yields and raises (`importers.readers` for registers, `importers.hsds` for HSDS):
`Source`, `Row`, `RowError`, `ReadError`, and the bounded JSON stream both read JSON with."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from importers.limits import UploadLimits

# One JSON record larger than this is not a register record. Its decoded form can be ~20 times
# larger (`[{},{},...]`: a dict per three bytes), so this bounds memory too.
MAX_JSON_VALUE = 1024 * 1024
# How much of a file is read at a time.
CHUNK = 64 * 1024


class ReadError(Exception):
    """The whole file cannot be imported; the message says why in Swedish and English."""


class LimitError(ReadError):
    """The file is (or unpacks to) more than a limit allows; nothing of it was kept."""


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, Any]
    # JSON: the record's position in its list (1-based). An export on one line puts every record
    # on line 1, so a problem is located by this, the record's id and its name instead.
    index: int | None = None


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str
    index: int | None = None


@dataclass
class Source:
    """An opened input: what it is and how to iterate its records."""

    path: Path
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    # Column headers of tabular input; None for Interbook Go, whose fields are fixed.
    headers: list[str] | None = None
    sheet: str | None = None
    declared_total: int | None = None
    notes: list[str] = field(default_factory=list)
    limits: UploadLimits = field(default_factory=UploadLimits)

    def rows(self) -> Iterator[Row | RowError]:
        """Each record once, with the line it starts on; a broken record as a `RowError`."""
        raise NotImplementedError


# -- JSON -----------------------------------------------------------------------------------
_TOO_LARGE_RECORD = (
    f"en post är större än {MAX_JSON_VALUE // 1024} kB / a record is larger than {MAX_JSON_VALUE // 1024} kB"
)


class JsonStream:
    """Top-level JSON read value by value from a text stream, keeping only the current value in memory."""

    def __init__(self, handle: TextIO) -> None:
        self.handle = handle
        self.buf = ""
        self.pos = 0
        self.line = 1
        self.eof = False
        self.decoder = json.JSONDecoder()

    def _fill(self) -> bool:
        if self.eof:
            return False
        chunk = self.handle.read(CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.buf = self.buf[self.pos :] + chunk
        self.pos = 0
        return True

    def _advance(self, end: int) -> None:
        self.line += self.buf.count("\n", self.pos, end)
        self.pos = end

    def skip_ws(self) -> None:
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n\ufeff":
                self._advance(self.pos + 1)
            if self.pos < len(self.buf) or not self._fill():
                return

    def peek(self) -> str:
        self.skip_ws()
        return self.buf[self.pos] if self.pos < len(self.buf) else ""

    def expect(self, chars: str) -> str:
        found = self.peek()
        if not found or found not in chars:
            raise self.error(f"väntade {' eller '.join(chars)} / expected {' or '.join(chars)}", truncated=not found)
        self._advance(self.pos + 1)
        return found

    def value(self) -> tuple[int, Any]:
        """The next value and the line it starts on."""
        self.skip_ws()
        start_line = self.line
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buf, self.pos)
            except RecursionError as exc:
                raise self.error("JSON nästlad för djupt / JSON nested too deeply") from exc
            except json.JSONDecodeError as exc:
                if len(self.buf) - self.pos > MAX_JSON_VALUE:
                    raise self.error(_TOO_LARGE_RECORD) from exc
                if self._fill():
                    continue
                raise self.error(f"ogiltig JSON / invalid JSON ({exc.msg})", truncated=True) from exc
            # A number at the very end of the buffer may continue in the next chunk.
            if end == len(self.buf) and self._fill():
                continue
            self._advance(end)
            return start_line, value

    def error(self, message: str, *, truncated: bool = False) -> ReadError:
        if truncated and self.eof:
            return ReadError(
                f"JSON-filen tar slut mitt i en post (rad {self.line}); den är avkortad eller trasig / "
                f"the JSON ends in the middle of a record (line {self.line}); it is truncated or malformed"
            )
        return ReadError(f"rad {self.line}: {message} / line {self.line}")

    def end(self) -> None:
        if self.peek():
            raise self.error("data efter JSON-värdets slut / data after the end of the JSON value")
