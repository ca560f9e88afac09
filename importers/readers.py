"""Reading register files row by row in constant memory: format, encoding and delimiter detected.

`open_source` looks at the file (never trusting its name alone) and returns a `Source` whose
`rows()` yields each record once, with the line (or spreadsheet row) it starts on, as a
`Row` or as a `RowError` when only that record is broken. A file that cannot be read at all
raises `ReadError`, one message in Swedish and English, before anything is written.

Hostile files are refused, not survived: a workbook is a zip of XML parts, so before any XML
parser sees it the archive's directory is checked (how many parts, how large each unpacks, how
much it is compressed) and every part is streamed once through a scanner that refuses a DTD
(entity expansion) and any text or tag longer than a spreadsheet cell can be. Rows, columns and
cells are counted while the rows are read. A file over a limit raises `LimitError` (the routes
answer 413 for what the archive shows before reading, else 422 with the report); the limits are
`importers.limits.UploadLimits`. Text input is read in bounded lines, so no line or record larger
than a limit is ever held whole.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any, TextIO

import charset_normalizer

from importers.hsds import open_hsds
from importers.limits import UploadLimits, load_upload_limits
from importers.source import CHUNK as _CHUNK
from importers.source import MAX_JSON_VALUE, JsonStream, LimitError, ReadError, Row, RowError, Source

# Re-exported: callers read a file through this module.
__all__ = ["FORMATS", "LimitError", "ReadError", "Row", "RowError", "Source", "check_upload", "open_source"]

FORMATS = ("auto", "ibgo", "csv", "xlsx", "json", "hsds")

# A cell up to this size is read, so that the row can be rejected with a reason; beyond it the
# CSV parser stops, which keeps a runaway quoted field from filling memory.
MAX_FIELD_BYTES = 4 * 1024 * 1024
# A physical line of CSV longer than this is not a register row; the csv module would otherwise
# hold it whole and split it into as many fields as it has delimiters (a line of 4 MB of `;` is a
# list of 4 million fields, 32 MB). A cell up to MAX_FIELD_BYTES still only rejects its row.
MAX_LINE_CHARS = MAX_FIELD_BYTES + 64 * 1024
# Excel holds at most 32,767 characters in a cell; as XML (UTF-8, `&amp;`) that is under 200 KB.
# A longer run of text or a longer tag in a workbook part is not a spreadsheet's.
MAX_XML_RUN = 256 * 1024
# A workbook has a dozen parts; thousands are an attack on the zip directory's own memory.
MAX_ZIP_MEMBERS = 1000
# A part this small may be compressed as much as it likes (a sheet of empty cells).
_RATIO_FROM = 1024 * 1024
_SAMPLE = 1024 * 1024

csv.field_size_limit(MAX_FIELD_BYTES)


class FileSource(Source):
    """An opened register file: CSV, XLSX, JSON, JSON Lines or Interbook Go."""

    def rows(self) -> Iterator[Row | RowError]:
        if self.format == "csv":
            return _csv_rows(self)
        if self.format == "xlsx":
            return _xlsx_rows(self)
        if self.format == "jsonl":
            return _jsonl_rows(self)
        if self.format == "json":
            return _json_array_rows(self)
        return _ibgo_rows(self)


def open_source(
    path: Path, fmt: str = "auto", *, sheet: str | None = None, limits: UploadLimits | None = None
) -> Source:
    """Detects the format (and for text its encoding and delimiter) and reads the header.

    `limits` default to the environment's (`importers.limits.load_upload_limits`)."""
    limits = limits or load_upload_limits()
    if fmt not in FORMATS:
        raise ReadError(f"okänt format {fmt!r} / unknown format (choose one of {', '.join(FORMATS)})")
    if fmt == "hsds":  # Open Referral HSDS: importers/hsds.py
        return open_hsds(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(_CHUNK)
    except OSError as exc:
        raise ReadError(f"filen kan inte läsas / the file cannot be read: {exc.strerror or exc}") from exc
    if not head.strip():
        raise ReadError("filen är tom / the file is empty")
    is_zip = head.startswith(b"PK\x03\x04")
    if fmt == "auto":
        fmt = "xlsx" if is_zip else _guess_text_format(path, head)
    if fmt == "xlsx":
        if not is_zip:
            raise ReadError("filen är inte en XLSX-arbetsbok / the file is not an XLSX workbook")
        return _open_xlsx(path, sheet, limits)
    if is_zip:
        raise ReadError(
            "filen är ett komprimerat arkiv, inte text; välj --format xlsx för arbetsböcker / "
            "the file is a zip archive, not text; use --format xlsx for workbooks"
        )
    encoding = detect_encoding(path, head)
    if fmt == "csv":
        return _open_csv(path, encoding, limits)
    source = _open_json(path, encoding, fmt)
    source.limits = limits
    return source


def _guess_text_format(path: Path, head: bytes) -> str:
    for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if head.startswith(bom):
            encoding = "utf-8-sig" if bom == codecs.BOM_UTF8 else "utf-16"
            first = head.decode(encoding, errors="ignore").lstrip()[:1]
            return "json" if first in ("{", "[") else "csv"
    first_byte = head.lstrip()[:1]
    if first_byte in (b"{", b"["):
        return "json"
    if path.suffix.lower() in (".json", ".jsonl", ".ndjson"):
        return "json"
    return "csv"


def detect_encoding(path: Path, head: bytes) -> str:
    """UTF-8 (with or without BOM) when every byte decodes; else charset-normalizer's best guess.

    The UTF-8 check streams the whole file, because a Windows-1252 export is often plain
    ASCII for thousands of lines before its first 'ö'.
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    if utf8 and b"\x00" not in head:
        return "utf-8"
    with path.open("rb") as handle:
        sample = handle.read(_SAMPLE)
    matches = list(charset_normalizer.from_bytes(sample))
    best = matches[0] if matches else None
    if best is None or (b"\x00" in sample and not best.encoding.startswith("utf_16")):
        raise ReadError(
            "filen är inte text i någon känd teckenkodning (binär fil?) / "
            "the file is not text in any known encoding (binary?)"
        )
    # Central European code pages decode Swedish text with as little chaos as Windows-1252 does
    # (only å differs); Windows-1252 is what Swedish registers are exported in.
    for match in matches:
        if "cp1252" in match.could_be_from_charset and match.chaos <= best.chaos + 0.005:
            return "cp1252"
    # The sample may be all ASCII while later bytes are not UTF-8: that is Windows-1252 in practice.
    if best.encoding in ("ascii", "utf_8"):
        return "cp1252"
    return best.encoding


def _text(path: Path, encoding: str) -> TextIO:
    # Windows-1252 leaves five byte values undefined; one stray byte must not stop a whole register.
    errors = "replace" if encoding.replace("_", "").lower() in ("cp1252", "windows1252") else "strict"
    return path.open("r", encoding=encoding, errors=errors, newline="")


# -- CSV ------------------------------------------------------------------------------------
_DELIMITERS = (";", ",", "\t")


def _open_csv(path: Path, encoding: str, limits: UploadLimits) -> Source:
    try:
        with _text(path, encoding) as handle:
            sample = handle.read(_CHUNK)
    except UnicodeDecodeError as exc:
        raise ReadError(f"filen kan inte avkodas som {encoding} / cannot be decoded as {encoding}") from exc
    delimiter = _detect_delimiter(sample)
    source = FileSource(path, "csv", encoding=encoding, delimiter=delimiter, limits=limits)
    source.headers = _csv_header(source)
    _check_columns(len(source.headers), limits)
    return source


def _check_columns(count: int, limits: UploadLimits) -> None:
    if count > limits.max_columns:
        raise LimitError(
            f"filen har {count} kolumner, högst {limits.max_columns} tillåts / "
            f"the file has {count} columns, at most {limits.max_columns} are allowed"
        )


def _check_rows(line: int, limits: UploadLimits) -> None:
    if line > limits.max_rows:
        raise LimitError(f"filen har fler än {limits.max_rows} rader / the file has more than {limits.max_rows} rows")


def _bounded_lines(handle: TextIO, limit: int) -> Iterator[str]:
    """The handle's lines, each read at most `limit` characters at a time: a longer one stops the file."""
    number = 0
    while line := handle.readline(limit + 1):
        number += 1
        if len(line) > limit:
            raise LimitError(
                f"rad {number} är längre än {limit} tecken / line {number} is longer than {limit} characters"
            )
        yield line


def _detect_delimiter(sample: str) -> str:
    """The delimiter that splits the header into the most columns and the next rows into as many."""
    # The sample may end inside a quoted field: cut it at its last line break.
    text = sample if "\n" not in sample else sample[: sample.rfind("\n") + 1] or sample
    best, best_score = ",", (0, 0.0)
    for delimiter in _DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if any(c.strip() for c in r)][:50]
        except csv.Error:
            continue
        if not rows:
            continue
        width = len(_trim_trailing(rows[0]))
        if width < 2:
            continue
        others = rows[1:]
        consistent = sum(1 for r in others if len(_trim_trailing(r)) <= width) / len(others) if others else 1.0
        score = (1 if consistent >= 0.9 else 0, width * consistent)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _trim_trailing(cells: list[str]) -> list[str]:
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


def _csv_header(source: Source) -> list[str]:
    for _, cells in _csv_records(source):
        if any(c.strip() for c in cells):
            return _headers(cells)
    raise ReadError("filen är tom / the file is empty")


def _headers(cells: list[Any]) -> list[str]:
    headers = [str(c).strip() if c is not None else "" for c in _trim_trailing([str(c or "") for c in cells])]
    return [h or f"(kolumn {i})" for i, h in enumerate(headers, 1)]


def _csv_records(source: Source) -> Iterator[tuple[int, list[str]]]:
    assert source.encoding and source.delimiter
    line = 0
    try:
        with _text(source.path, source.encoding) as handle:
            reader = csv.reader(_bounded_lines(handle, MAX_LINE_CHARS), delimiter=source.delimiter)
            while True:
                start = reader.line_num + 1
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                line = reader.line_num
                yield start, cells
    except csv.Error as exc:
        raise ReadError(
            f"CSV-filen är trasig efter rad {line} / the CSV is malformed after line {line}: {exc}"
        ) from exc
    except UnicodeDecodeError as exc:
        raise ReadError(
            f"filen kan inte avkodas som {source.encoding} / cannot be decoded as {source.encoding}"
        ) from exc


def _table_rows(
    records: Iterable[tuple[int, list[str]]],
    headers: list[str],
    unit: tuple[str, str],
    check: Callable[[int], None] | None = None,
) -> Iterator[Row | RowError]:
    """The rows of a table (CSV or a worksheet) after its header, blank ones skipped; a row with more
    cells (`unit`: Swedish and English word for them) than the header names is a `RowError`."""
    seen_header = False
    for line, cells in records:
        if not any(c.strip() for c in cells):
            continue
        if not seen_header:
            seen_header = True
            continue
        if check is not None:
            check(line)
        trimmed = _trim_trailing(cells)
        if len(trimmed) > len(headers):
            yield RowError(
                line,
                f"raden har {len(trimmed)} {unit[0]} men rubriken {len(headers)} / "
                f"the row has {len(trimmed)} {unit[1]} but the header {len(headers)}",
            )
            continue
        yield Row(line, {h: v for h, v in zip(headers, cells, strict=False) if v.strip()})


def _csv_rows(source: Source) -> Iterator[Row | RowError]:
    limits = source.limits
    yield from _table_rows(
        _csv_records(source), source.headers or [], ("fält", "fields"), lambda line: _check_rows(line, limits)
    )


# -- XLSX -----------------------------------------------------------------------------------
def check_upload(path: Path, limits: UploadLimits | None = None) -> None:
    """What can be refused from a workbook's zip directory alone, before anything is unpacked: too
    many parts, a part (or all of them) unpacking beyond the limits, or compressed beyond the ratio.
    Any other file passes (its limits apply while it is read). Raises `LimitError` or `ReadError`."""
    limits = limits or load_upload_limits()
    with path.open("rb") as handle:
        if handle.read(4) != b"PK\x03\x04":
            return
    _check_directory(path, limits)


def _zip_member_count(path: Path) -> int:
    """The member count of the zip's end-of-directory record, read before `zipfile` builds an object
    per member (a 20 MB zip can name 250,000 of them)."""
    with path.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 66_000))
        tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise ReadError("arbetsboken är inte ett giltigt zip-arkiv / the workbook is not a valid zip archive")
    (entries,) = struct.unpack_from("<H", tail, at + 10)
    return int(entries)


def _too_large(what: str, limit: int) -> LimitError:
    mb = limit // (1024 * 1024)
    return LimitError(
        f"arbetsboken packas upp till mer än {mb} MB ({what}) / the workbook unpacks to more than {mb} MB ({what})"
    )


def _is_worksheet(name: str) -> bool:
    # Worksheets are streamed row by row; every other part is parsed whole by openpyxl.
    return name.startswith("xl/worksheets/") and name.endswith(".xml") and "/_rels/" not in name


def _check_directory(path: Path, limits: UploadLimits) -> list[zipfile.ZipInfo]:
    entries = _zip_member_count(path)
    # 0xFFFF: a ZIP64 archive, which a workbook within the limits never needs.
    if entries > MAX_ZIP_MEMBERS:
        raise LimitError(
            f"arbetsboken har fler än {MAX_ZIP_MEMBERS} delar / the workbook has more than {MAX_ZIP_MEMBERS} parts"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ReadError(f"arbetsboken kan inte läsas / the workbook cannot be read: {exc}") from exc
    total = 0
    for info in infos:
        total += info.file_size
        if total > limits.max_expanded_bytes:
            raise _too_large("alla delar / all parts", limits.max_expanded_bytes)
        if not _is_worksheet(info.filename) and info.file_size > limits.max_part_bytes:
            raise _too_large(info.filename, limits.max_part_bytes)
        if info.file_size > _RATIO_FROM and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise LimitError(
                f"delen {info.filename} är komprimerad mer än {limits.max_ratio}:1 (en zip-bomb?) / "
                f"the part {info.filename} is compressed more than {limits.max_ratio}:1 (a zip bomb?)"
            )
    return infos


def _scan_parts(path: Path, limits: UploadLimits) -> None:
    """Streams every XML part once, in constant memory: refuses a DTD and overlong text or tags.

    `zipfile` stops a part at the size the directory declares (and then fails its checksum), so
    the directory's sizes checked before hold for what is unpacked here and by openpyxl later.
    """
    infos = _check_directory(path, limits)
    try:
        with zipfile.ZipFile(path) as archive:
            for info in infos:
                if info.filename.endswith((".xml", ".rels", ".vml")) and not info.is_dir():
                    with archive.open(info) as part:
                        _scan_xml(part, info.filename)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as exc:
        raise ReadError(f"arbetsboken kan inte läsas / the workbook cannot be read: {exc}") from exc
    except zlib.error as exc:
        raise ReadError(f"arbetsboken är trasig / the workbook is corrupt: {exc}") from exc


def _scan_xml(part: IO[bytes], name: str) -> None:
    text_run = tag_run = 0
    carry = b""
    while chunk := part.read(_CHUNK):
        window = carry + chunk
        # A DTD is where entity expansion (billion laughs) and external entities live; a workbook has none.
        if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
            raise ReadError(
                f"arbetsboken innehåller en DTD ({name}), vilket inte tillåts / "
                f"the workbook contains a DTD ({name}), which is not allowed"
            )
        carry = chunk[-16:]
        text_run = _run(chunk, b"<", text_run)
        tag_run = _run(chunk, b">", tag_run)
        if text_run > MAX_XML_RUN or tag_run > MAX_XML_RUN:
            raise LimitError(
                f"en cell eller tagg i {name} är större än {MAX_XML_RUN // 1024} kB / "
                f"a cell or tag in {name} is larger than {MAX_XML_RUN // 1024} kB"
            )


def _run(chunk: bytes, stop: bytes, run: int) -> int:
    """The length of the run of bytes without `stop` that is open at the end of `chunk`, given the
    one open before it; a run that ends inside the chunk is checked here (chunks are smaller than
    the limit, so only a run that crosses chunks can exceed it)."""
    first = chunk.find(stop)
    if first < 0:
        return run + len(chunk)
    if run + first > MAX_XML_RUN:
        return run + first
    return len(chunk) - chunk.rfind(stop) - 1


def _open_xlsx(path: Path, sheet: str | None, limits: UploadLimits) -> Source:
    _scan_parts(path, limits)
    source = FileSource(path, "xlsx", limits=limits)
    with _Workbook(path) as workbook:
        worksheet = _worksheet(workbook, sheet)
        source.sheet = worksheet.title
        for line, cells in _sheet_rows(worksheet, limits):
            _check_rows(line, limits)
            if any(_cell(c) for c in cells):
                source.headers = _headers([_cell(c) for c in cells])
                break
    if not source.headers:
        raise ReadError("arbetsbladet är tomt / the worksheet is empty")
    return source


def _broken(exc: Exception) -> ReadError:
    detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    return ReadError(f"arbetsboken är trasig / the workbook is broken: {detail}")


def _sheet_rows(worksheet: Any, limits: UploadLimits) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """The worksheet's rows with their numbers, as openpyxl streams them, under the limits.

    The sheet's own dimension (`A1:XFD1048576`) is ignored, or openpyxl would pad every row to
    its width and add empty rows up to its height. Whatever openpyxl raises on a broken part is
    a broken workbook: openpyxl parses hostile input here, and any failure means it cannot."""
    worksheet.reset_dimensions()
    cells = 0
    rows = worksheet.iter_rows(values_only=True)
    line = (worksheet.min_row or 1) - 1
    while True:
        try:
            raw = next(rows)
        except StopIteration:
            return
        except ReadError:
            raise
        except Exception as exc:  # see the docstring
            raise _broken(exc) from exc
        line += 1
        _check_rows(line, limits)
        _check_columns(len(raw), limits)
        cells += sum(1 for c in raw if c is not None)
        if cells > limits.max_cells:
            raise LimitError(
                f"arbetsboken har fler än {limits.max_cells} ifyllda celler / "
                f"the workbook has more than {limits.max_cells} filled cells"
            )
        yield line, raw


class _Workbook:
    """openpyxl's read-only workbook as a context manager that always closes the zip.

    openpyxl parses through defusedxml (a dependency for this): a DTD is refused by the parser too,
    not only by `_scan_xml`."""

    def __init__(self, path: Path) -> None:
        import openpyxl

        try:
            self.book = openpyxl.load_workbook(path, read_only=True, data_only=False)
        except Exception as exc:  # a hostile workbook may break openpyxl anywhere
            raise _broken(exc) from exc

    def __enter__(self) -> Any:
        return self.book

    def __exit__(self, *_: object) -> None:
        self.book.close()


def _worksheet(workbook: Any, sheet: str | None) -> Any:
    if sheet is None:
        return workbook.worksheets[0]
    if sheet not in workbook.sheetnames:
        raise ReadError(
            f"bladet {sheet!r} finns inte (finns: {', '.join(workbook.sheetnames)}) / "
            f"no sheet named {sheet!r} (there are: {', '.join(workbook.sheetnames)})"
        )
    return workbook[sheet]


def _cell(value: Any) -> str:
    """A spreadsheet value as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _xlsx_rows(source: Source) -> Iterator[Row | RowError]:
    with _Workbook(source.path) as workbook:
        worksheet = _worksheet(workbook, source.sheet)
        cells = ((line, [_cell(c) for c in raw]) for line, raw in _sheet_rows(worksheet, source.limits))
        yield from _table_rows(cells, source.headers or [], ("celler", "cells"))


# -- JSON -----------------------------------------------------------------------------------


def _open_json(path: Path, encoding: str, fmt: str) -> Source:
    with _text(path, encoding) as handle:
        stream = JsonStream(handle)
        first = stream.peek()
        if first == "[" and fmt in ("auto", "json"):
            return FileSource(path, "json", encoding=encoding)
        if first != "{":
            raise ReadError("filen är inte JSON / the file is not JSON")
        first_line = _jsonl_first_object(path, encoding)
        if fmt in ("auto", "json") and first_line is not None:
            return FileSource(path, "jsonl", encoding=encoding)
        source = FileSource(path, "ibgo", encoding=encoding)
        stream.expect("{")
        while True:
            if stream.peek() == "}":
                break
            _, key = stream.value()
            stream.expect(":")
            if key == "Customers":
                if stream.peek() != "[":
                    raise stream.error("Customers är inte en lista / Customers is not a list")
                return source
            _, value = stream.value()
            if key == "TotalNumberOfElements" and isinstance(value, int):
                source.declared_total = value
            if stream.expect(",}") == "}":
                break
    raise ReadError(
        "okänd JSON-layout: väntade en lista av poster, JSON Lines eller ett Interbook Go-register med "
        "Customers / unknown JSON layout: expected an array of records, JSON Lines or an Interbook Go "
        "register with Customers"
    )


def _jsonl_first_object(path: Path, encoding: str) -> dict[str, Any] | None:
    """The first line as a JSON object when the file is JSON Lines (one object per line), else None."""
    with _text(path, encoding) as handle:
        line = handle.readline(MAX_JSON_VALUE)
    try:
        value = json.loads(line.lstrip("\ufeff"))
    except (json.JSONDecodeError, RecursionError):
        return None
    return value if isinstance(value, dict) and "Customers" not in value else None


def _json_array_rows(source: Source) -> Iterator[Row | RowError]:
    assert source.encoding
    with _text(source.path, source.encoding) as handle:
        stream = JsonStream(handle)
        stream.expect("[")
        if stream.peek() == "]":
            stream.expect("]")
            stream.end()
            return
        index = 0
        while True:
            index += 1
            _check_rows(index, source.limits)
            line, value = _located(stream, index)
            yield _flat_record(line, value, index)
            if _located_end(stream, ",]", index) == "]":
                break
        stream.end()


def _jsonl_rows(source: Source) -> Iterator[Row | RowError]:
    assert source.encoding
    with _text(source.path, source.encoding) as handle:
        for number, line in enumerate(_bounded_lines(handle, MAX_JSON_VALUE), 1):
            if not line.strip():
                continue
            _check_rows(number, source.limits)
            try:
                value = json.loads(line.lstrip("\ufeff"))
            except json.JSONDecodeError as exc:
                yield RowError(number, f"ogiltig JSON / invalid JSON: {exc.msg}", number)
                continue
            except RecursionError:
                yield RowError(number, "JSON nästlad för djupt / JSON nested too deeply", number)
                continue
            yield _flat_record(number, value, number)


def _flat_record(line: int, value: Any, index: int) -> Row | RowError:
    if not isinstance(value, dict):
        return RowError(line, "posten är inte ett objekt / the record is not an object", index)
    values: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, dict):
            return RowError(line, f"fältet {key!r} är ett objekt, inte ett värde / field {key!r} is an object", index)
        if isinstance(item, list):
            item = ", ".join(_cell(v) for v in item if v is not None)
        text = _cell(item)
        if text.strip():
            values[str(key)] = text
    return Row(line, values, index)


def _located(stream: JsonStream, index: int) -> tuple[int, Any]:
    """The next record, a broken one named by its position in the list as well as its line."""
    try:
        return stream.value()
    except ReadError as exc:
        raise ReadError(f"post nr {index} / record no. {index}: {exc}") from exc


def _located_end(stream: JsonStream, chars: str, index: int) -> str:
    try:
        return stream.expect(chars)
    except ReadError as exc:
        raise ReadError(f"efter post nr {index} / after record no. {index}: {exc}") from exc


def _ibgo_rows(source: Source) -> Iterator[Row | RowError]:
    assert source.encoding
    with _text(source.path, source.encoding) as handle:
        stream = JsonStream(handle)
        stream.expect("{")
        while True:
            _, key = stream.value()
            stream.expect(":")
            if key != "Customers":
                _, value = stream.value()
                if key == "TotalNumberOfElements" and isinstance(value, int):
                    source.declared_total = value
            else:
                stream.expect("[")
                if stream.peek() == "]":
                    stream.expect("]")
                else:
                    index = 0
                    while True:
                        index += 1
                        _check_rows(index, source.limits)
                        line, value = _located(stream, index)
                        if isinstance(value, dict):
                            yield Row(line, value, index)
                        else:
                            yield RowError(line, "posten är inte ett objekt / the record is not an object", index)
                        if _located_end(stream, ",]", index) == "]":
                            break
            if stream.expect(",}") == "}":
                break
        stream.end()
