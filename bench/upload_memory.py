"""Upload memory benchmark: the peak memory of reading hostile (and large legitimate) uploads.

    .venv/bin/python -m bench.upload_memory --repeat 5

Each file is built here with `zipfile` (nothing large is committed) under var/bench/uploads/,
then read by a fresh Python process through `importers.readers.open_source` and its `rows()`,
the reader every upload route uses (with the upload limits of `importers.limits`). The figure
is that process's peak resident memory (`VmHWM`, reset just before reading) minus its resident
memory then, before reading, after the imports: what an upload adds to a worker. With `--repeat N` each file is
read N times; the table shows the median and the largest, and what the reader answered.

The builders are shared with the tests (tests/test_upload_limits.py), which check the answers.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from importers.limits import UploadLimits
from registry.config import PROJECT_ROOT

OUT = PROJECT_ROOT / "var" / "bench" / "uploads"

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _parts(shared_strings: bool) -> dict[str, bytes]:
    strings_type = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>'
    strings_rel = f'<Relationship Id="rId2" Type="{_DOC}/sharedStrings" Target="sharedStrings.xml"/>'
    return {
        "[Content_Types].xml": _HEAD
        + (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
            f"{strings_type if shared_strings else ''}</Types>"
        ).encode(),
        "_rels/.rels": _HEAD
        + (
            f'<Relationships xmlns="{_RELS}"><Relationship Id="rId1" Type="{_DOC}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": _HEAD
        + (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC}"><sheets>'
            '<sheet name="Blad1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": _HEAD
        + (
            f'<Relationships xmlns="{_RELS}">'
            f'<Relationship Id="rId1" Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
            f"{strings_rel if shared_strings else ''}</Relationships>"
        ).encode(),
    }


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def write_xlsx(
    path: Path,
    rows: Iterable[bytes],
    *,
    shared_strings: Iterable[bytes] | None = None,
    dimension: str | None = None,
    replace: dict[str, bytes] | None = None,
) -> Path:
    """A minimal workbook: `rows` are the `<row>` elements of its one sheet (streamed into the zip),
    `shared_strings` the body of its shared strings part; `replace` swaps whole parts."""
    replace = replace or {}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in _parts(shared_strings is not None).items():
            archive.writestr(name, replace.get(name, data))
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=False) as sheet:
            if "xl/worksheets/sheet1.xml" in replace:
                sheet.write(replace["xl/worksheets/sheet1.xml"])
            else:
                sheet.write(_HEAD + f'<worksheet xmlns="{_MAIN}">'.encode())
                if dimension:
                    sheet.write(f'<dimension ref="{dimension}"/>'.encode())
                sheet.write(b"<sheetData>")
                for row in rows:
                    sheet.write(row)
                sheet.write(b"</sheetData></worksheet>")
        if "xl/sharedStrings.xml" in replace:
            archive.writestr("xl/sharedStrings.xml", replace["xl/sharedStrings.xml"])
        elif shared_strings is not None:
            with archive.open("xl/sharedStrings.xml", "w") as part:
                part.write(_HEAD + f'<sst xmlns="{_MAIN}">'.encode())
                for chunk in shared_strings:
                    part.write(chunk)
                part.write(b"</sst>")
    return path


def _header() -> bytes:
    return f'<row r="1">{_inline("A1", "Föreningsnamn")}{_inline("B1", "Ort")}</row>'.encode()


def register_rows(n: int, *, start: int = 2) -> Iterator[bytes]:
    yield _header()
    for i in range(start, start + n):
        yield f'<row r="{i}">{_inline(f"A{i}", f"Förening {i}")}{_inline(f"B{i}", "Kumla")}</row>'.encode()


def shared_strings_bomb(path: Path, expanded: int = 1_000_000_000) -> Path:
    """~1 MB packed: one shared string of `expanded` bytes, which the first data cell names."""

    def strings() -> Iterator[bytes]:
        yield b"<si><t>"
        chunk = b"A" * (1024 * 1024)
        for _ in range(expanded // len(chunk)):
            yield chunk
        yield b"</t></si>"

    rows = [_header(), b'<row r="2"><c r="A2" t="s"><v>0</v></c></row>']
    return write_xlsx(path, rows, shared_strings=strings())


def many_rows(path: Path, rows: int = 300_000) -> Path:
    """300,000 tiny rows (~3 MB packed), with the dimension a spreadsheet program writes."""
    return write_xlsx(path, register_rows(rows), dimension=f"A1:B{rows + 1}")


def billion_laughs(path: Path) -> Path:
    """A shared strings part whose DTD defines entities that expand to 10^9 'lol's."""
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    ]
    dtd = f"<!DOCTYPE sst [{''.join(entities)}]>"
    part = _HEAD + f'{dtd}<sst xmlns="{_MAIN}"><si><t>&lol9;</t></si></sst>'.encode()
    rows = [_header(), b'<row r="2"><c r="A2" t="s"><v>0</v></c></row>']
    return write_xlsx(path, rows, shared_strings=[], replace={"xl/sharedStrings.xml": part})


def broken_part(path: Path) -> Path:
    """A worksheet whose XML stops in the middle of a cell."""
    broken = _HEAD + f'<worksheet xmlns="{_MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Namn'.encode()
    return write_xlsx(path, [], replace={"xl/worksheets/sheet1.xml": broken})


def dimension_bomb(path: Path) -> Path:
    """Two rows that declare the sheet as A1:XFD1048576 (openpyxl would pad to 17 billion cells)."""
    return write_xlsx(path, register_rows(1), dimension="A1:XFD1048576")


def wide_shared_strings(path: Path, size: int = UploadLimits().max_part_bytes - 256 * 1024) -> Path:
    """Legitimate at the limit: a shared strings part of short distinct strings, just under the part limit."""

    def strings() -> Iterator[bytes]:
        written = 0
        i = 0
        while written < size:
            chunk = b"".join(f"<si><t>Förening {i + k}</t></si>".encode() for k in range(1000))
            written += len(chunk)
            i += 1000
            yield chunk

    return write_xlsx(path, register_rows(10), shared_strings=strings())


def csv_delimiter_line(path: Path, size: int = 19 * 1024 * 1024) -> Path:
    """One CSV line of 19 MB of delimiters: 19 million fields to the csv module."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write("Föreningsnamn;Ort\n")
        handle.write(";" * size + "\n")
    return path


def json_nested(path: Path, depth: int = 100_000) -> Path:
    """A JSON array whose one record nests 100,000 lists deep."""
    path.write_text("[" + "[" * depth + "]" * depth + "]", encoding="utf-8")
    return path


def json_many_objects(path: Path, size: int = 19 * 1024 * 1024) -> Path:
    """JSON Lines whose one line is 19 MB of empty objects (a dict each three bytes when decoded)."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write('{"Föreningsnamn": [' + "{}," * (size // 3) + "{}]}\n")
    return path


def legit_rows(path: Path) -> Path:
    """Legitimate at the limit: 50,000 register rows, the most an upload may have."""
    return write_xlsx(path, register_rows(49_999))


FILES: dict[str, tuple[str, Callable[[Path], Path]]] = {
    "sharedstrings-bomb": ("sharedStrings: one string of 1,000 MB", shared_strings_bomb),
    "300k-rows": ("300,000 tiny rows", many_rows),
    "billion-laughs": ("DTD with nested entities", billion_laughs),
    "broken-part": ("worksheet XML cut off", broken_part),
    "dimension-bomb": ("dimension A1:XFD1048576", dimension_bomb),
    "csv-delimiters": ("CSV: one 19 MB line of ;", csv_delimiter_line),
    "json-nested": ("JSON nested 100,000 deep", json_nested),
    "jsonl-objects": ("JSON Lines: 19 MB of {}", json_many_objects),
    "legit-shared-strings": ("legit: shared strings just under the part limit", wide_shared_strings),
    "legit-50k-rows": ("legit: 50,000 rows", legit_rows),
}

_SUFFIX = {"csv-delimiters": ".csv", "json-nested": ".json", "jsonl-objects": ".jsonl"}

# Run in a fresh interpreter: the figure is what reading adds to a process that has the reader loaded.
_MEASURE = """
import json, sys
from pathlib import Path
from importers.readers import ReadError, open_source
import openpyxl  # loaded before the baseline, as in a worker

def status_kib(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))

# The high-water mark starts at the current size (ru_maxrss would carry the parent's over exec).
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
base = status_kib("VmRSS")
answer, rows = "read", 0
try:
    for item in open_source(Path(sys.argv[1])).rows():
        rows += 1
except ReadError as exc:
    answer = f"{type(exc).__name__}: {exc}"
print(json.dumps({"base_mb": base / 1024, "peak_mb": status_kib("VmHWM") / 1024, "rows": rows, "answer": answer}))
"""


def build(name: str) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}{_SUFFIX.get(name, '.xlsx')}"
    if not path.exists():
        FILES[name][1](path)
    return path


def measure(path: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT
    )
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", nargs="*", choices=sorted(FILES), help="these files only")
    args = parser.parse_args(argv)
    print("| file | packed MB | added peak MB (median) | max | rows read | answer |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for name in args.only or FILES:
        path = build(name)
        runs = [measure(path) for _ in range(args.repeat)]
        added = [float(r["peak_mb"]) - float(r["base_mb"]) for r in runs]  # type: ignore[arg-type]
        answer = str(runs[0]["answer"])
        answer = answer if len(answer) <= 90 else answer[:87] + "..."
        print(
            f"| {FILES[name][0]} | {path.stat().st_size / 1e6:.1f} | {statistics.median(added):.1f} | "
            f"{max(added):.1f} | {runs[0]['rows']} | {answer} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
