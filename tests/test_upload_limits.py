"""Hostile uploads are refused with a message, never read whole: a shared-strings zip bomb, 300,000
rows, a DTD (billion laughs), a broken XML part, a lying dimension, a CSV line of delimiters and
deep or huge JSON; through the reader and through every upload route (/api/v1/imports, the
umbrella member import API, the /paraply preview). The files are built here (bench.upload_memory)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient

from bench import upload_memory as hostile
from importers.limits import UploadLimits, load_upload_limits
from importers.readers import LimitError, ReadError, Row, check_upload, open_source
from registry.db import Graph
from tests.auth_support import UMBRELLA, Tokens, bearer


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Each hostile file, built once for the module."""
    folder = tmp_path_factory.mktemp("hostile")
    built: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in built:
            suffix = {"csv-delimiters": ".csv", "json-nested": ".json", "jsonl-objects": ".jsonl"}.get(name, ".xlsx")
            built[name] = hostile.FILES[name][1](folder / f"{name}{suffix}")
        return built[name]

    return get


def _read_all(path: Path) -> list[Row]:
    return [item for item in open_source(path).rows() if isinstance(item, Row)]


# -- the reader -------------------------------------------------------------------------------
def test_the_builder_makes_readable_workbooks(tmp_path: Path) -> None:
    # The control: the same builder, within the limits, is read row by row (so the refusals below
    # are about the hostile part, not a broken skeleton).
    path = hostile.write_xlsx(tmp_path / "ok.xlsx", hostile.register_rows(3))
    rows = _read_all(path)
    assert [r.values for r in rows] == [{"Föreningsnamn": f"Förening {i}", "Ort": "Kumla"} for i in (2, 3, 4)]
    strings = hostile.write_xlsx(
        tmp_path / "strings.xlsx",
        [b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>', b'<row r="2"><c r="A2" t="s"><v>1</v></c></row>'],
        shared_strings=[b"<si><t>Namn</t></si><si><t>Kumla Schackklubb</t></si>"],
    )
    assert [r.values for r in _read_all(strings)] == [{"Namn": "Kumla Schackklubb"}]


def test_a_shared_strings_bomb_is_refused_from_the_zip_directory(files: Callable[[str], Path]) -> None:
    path = files("sharedstrings-bomb")
    assert path.stat().st_size < 1_200_000
    with pytest.raises(LimitError, match="packas upp till mer än"):
        check_upload(path)
    with pytest.raises(LimitError):
        open_source(path)
    # Under a larger total, the part limit and then the compression ratio still hold.
    with pytest.raises(LimitError, match=r"xl/sharedStrings\.xml"):
        open_source(path, limits=UploadLimits(max_expanded_bytes=2 << 30))
    with pytest.raises(LimitError, match="komprimerad mer än 100:1"):
        open_source(path, limits=UploadLimits(max_expanded_bytes=2 << 30, max_part_bytes=2 << 30))


def test_rows_beyond_the_limit_stop_the_read(files: Callable[[str], Path]) -> None:
    # The upload limit is 50,000 rows (IMPORT_MAX_ROWS); 5,000 here keeps the test short.
    source = open_source(files("300k-rows"), limits=UploadLimits(max_rows=5000))
    read = 0
    with pytest.raises(LimitError, match="fler än 5000 rader"):
        for _ in source.rows():
            read += 1
    assert read == 4999  # the header and 4,999 rows, then the 5,001st row stops it
    assert UploadLimits().max_rows == 50_000


def test_the_row_limit_is_a_setting(tmp_path: Path) -> None:
    path = hostile.many_rows(tmp_path / "rows.xlsx", 120)
    with pytest.raises(LimitError, match="fler än 100 rader"):
        list(open_source(path, limits=UploadLimits(max_rows=100)).rows())
    # The CLI's limits (importers.cli) are higher: all of them are read.
    assert sum(1 for _ in open_source(path, limits=UploadLimits(max_rows=200)).rows()) == 120


def test_cells_and_columns_are_counted_while_reading(tmp_path: Path) -> None:
    wide = hostile.write_xlsx(
        tmp_path / "wide.xlsx",
        [b'<row r="1"><c r="A1" t="inlineStr"><is><t>Namn</t></is></c><c r="IV1"><v>1</v></c></row>'],
    )
    with pytest.raises(LimitError, match="256 kolumner"):
        open_source(wide)
    with pytest.raises(LimitError, match="ifyllda celler"):
        list(open_source(hostile.many_rows(tmp_path / "cells.xlsx", 100), limits=UploadLimits(max_cells=50)).rows())


def test_a_dtd_is_refused_before_any_parser(files: Callable[[str], Path]) -> None:
    with pytest.raises(ReadError, match="DTD") as refused:
        open_source(files("billion-laughs"))
    assert not isinstance(refused.value, LimitError)
    # openpyxl parses through defusedxml too (the dependency), should a DTD get past the scan.
    assert openpyxl.DEFUSEDXML is True


def test_a_broken_part_is_a_read_error(files: Callable[[str], Path], tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="trasig"):
        open_source(files("broken-part"))
    # Broken in a later row: the failure comes while the rows are read, as a ReadError too.
    rows = [*hostile.register_rows(2), b'<row r="9"><c r="A9" t="inlineStr"><is><t>x</is></c></row>']
    path = hostile.write_xlsx(tmp_path / "late.xlsx", rows)
    with pytest.raises(ReadError, match="trasig"):
        list(open_source(path).rows())


def test_an_overlong_cell_is_refused(tmp_path: Path) -> None:
    long = b"x" * 300_000
    path = hostile.write_xlsx(
        tmp_path / "long.xlsx",
        [*hostile.register_rows(1), b'<row r="3"><c r="A3" t="inlineStr"><is><t>' + long + b"</t></is></c></row>"],
    )
    with pytest.raises(LimitError, match="större än 256 kB"):
        open_source(path)


def test_a_lying_dimension_is_not_padded(files: Callable[[str], Path]) -> None:
    assert [r.values for r in _read_all(files("dimension-bomb"))] == [{"Föreningsnamn": "Förening 2", "Ort": "Kumla"}]


def test_text_uploads_are_read_in_bounded_pieces(files: Callable[[str], Path]) -> None:
    with pytest.raises(LimitError, match="längre än"):
        list(open_source(files("csv-delimiters")).rows())
    with pytest.raises(ReadError, match="nästlad för djupt"):
        list(open_source(files("json-nested")).rows())
    with pytest.raises(ReadError, match="större än 1024 kB"):
        list(open_source(files("jsonl-objects")).rows())


def test_the_cli_reads_more_rows_than_an_upload() -> None:
    from importers.cli import _limits

    limits = _limits()
    assert limits.max_rows == 10_000_000 and limits.max_rows > UploadLimits().max_rows
    # What bounds memory is the same as for an upload.
    assert limits.max_part_bytes == UploadLimits().max_part_bytes


def test_limits_come_from_the_environment() -> None:
    limits = load_upload_limits({"IMPORT_MAX_ROWS": "10", "IMPORT_XLSX_MAX_PART_MB": "3", "IMPORT_MAX_CELLS": "x"})
    assert limits.max_rows == 10 and limits.max_part_bytes == 3 * 1024 * 1024
    assert limits.max_cells == UploadLimits().max_cells


# -- the routes -------------------------------------------------------------------------------
def _file(path: Path, name: str = "lista.xlsx") -> tuple[io.BytesIO, str]:
    return io.BytesIO(path.read_bytes()), name


def _nothing_written(graph: Graph) -> bool:
    return graph.read_one("MATCH (n) WHERE n:SourceRecord OR n:ImportRun RETURN count(n) AS n") == {"n": 0}


def test_the_import_api_answers_413_and_422(
    graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
    files: Callable[[str], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The route reads its limits from the environment at each upload; a lower row limit keeps the
    # 300,000-row file's test short (the default limit is the reader test's above).
    monkeypatch.setenv("IMPORT_MAX_ROWS", "1000")
    admin = bearer(tokens.admin)
    bomb = client.post("/api/v1/imports", data={"file": _file(files("sharedstrings-bomb"))}, headers=admin)
    assert bomb.status_code == 413
    assert "packas upp till mer än 200 MB" in bomb.get_json()["message"]
    for name, message in (("billion-laughs", "DTD"), ("broken-part", "trasig"), ("300k-rows", "1000 rader")):
        response = client.post("/api/v1/imports", data={"file": _file(files(name))}, headers=admin)
        assert response.status_code == 422, (name, response.get_json())
        assert message in response.get_json()["message"]
    assert _nothing_written(graph)


def test_the_umbrella_import_api_answers_413_and_422(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
    files: Callable[[str], Path],
) -> None:
    url = f"/api/v1/umbrellas/{UMBRELLA}/members/import"
    umbrella = bearer(tokens.umbrella)
    bomb = client.post(url, data={"file": _file(files("sharedstrings-bomb"))}, headers=umbrella)
    assert bomb.status_code == 413 and "packas upp" in bomb.get_json()["message"]
    laughs = client.post(url, data={"file": _file(files("billion-laughs"))}, headers=umbrella)
    assert laughs.status_code == 422 and "DTD" in laughs.get_json()["message"]
    broken = client.post(url, data={"file": _file(files("broken-part"))}, headers=umbrella)
    assert broken.status_code == 422 and "trasig" in broken.get_json()["message"]


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _signed_in(app: Flask, tmp_path: Path, token: str) -> tuple[FlaskClient, str]:
    app.config["UMBRELLA_UPLOAD_DIR"] = str(tmp_path / "uploads")
    page = app.test_client()
    form = page.get("/paraply/logga-in")
    csrf = _CSRF.search(form.text)
    assert csrf
    assert page.post("/paraply/logga-in", data={"token": token, "csrf_token": csrf.group(1)}).status_code == 302
    listing = _CSRF.search(page.get("/paraply/").text)
    assert listing
    return page, listing.group(1)


def test_the_paraply_preview_answers_413_and_422_and_keeps_no_file(
    app: Flask,
    demo_graph: Graph,
    tokens: Tokens,
    files: Callable[[str], Path],
    tmp_path: Path,
) -> None:
    page, csrf = _signed_in(app, tmp_path, tokens.umbrella)
    expected = {
        "sharedstrings-bomb": (413, "packas upp"),
        "billion-laughs": (422, "DTD"),
        "broken-part": (422, "trasig"),
    }
    for name, (status, message) in expected.items():
        response = page.post(
            "/paraply/medlemslista",
            data={"file": _file(files(name)), "csrf_token": csrf},
            content_type="multipart/form-data",
        )
        assert response.status_code == status, (name, response.text[:500])
        assert message in response.text
        assert "Genomför" not in response.text
    assert list((tmp_path / "uploads").glob("*.upload")) == []


# -- staged files ----------------------------------------------------------------------------
class PreviewCrashError(Exception):
    pass


def _crash(*_: object, **__: object) -> None:
    raise PreviewCrashError


def test_a_preview_that_crashes_leaves_no_file(
    app: Flask,
    demo_graph: Graph,
    tokens: Tokens,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page, csrf = _signed_in(app, tmp_path, tokens.umbrella)
    monkeypatch.setattr("registry.web.umbrella.run_member_import", _crash)
    crashed = page.post(
        "/paraply/medlemslista",
        data={"file": (io.BytesIO(b"Namn\nKumla Schackklubb\n"), "lista.csv"), "csrf_token": csrf},
        content_type="multipart/form-data",
    )
    assert crashed.status_code == 500
    assert list((tmp_path / "uploads").glob("*")) == []


def test_an_api_import_that_crashes_leaves_no_file(
    graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    monkeypatch.setattr("importers.engine.run_import", _crash)
    upload = {"file": (io.BytesIO(b"Namn\nKumla Schackklubb\n"), "lista.csv")}
    assert client.post("/api/v1/imports", data=upload, headers=bearer(tokens.admin)).status_code == 500
    members = client.post(
        f"/api/v1/umbrellas/{UMBRELLA}/members/import",
        data={"file": (io.BytesIO(b"Namn\nKumla Schackklubb\n"), "lista.csv")},
        headers=bearer(tokens.umbrella),
    )
    assert members.status_code == 500
    assert list(tmp_path.iterdir()) == []
