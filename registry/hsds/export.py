"""HSDS exports, streamed: NDJSON of whole organizations, the tabular package in a folder, or as a zip.

Every form reads actors one at a time from `ActorDao.export` (a streamed query) and writes each
before reading the next, so memory does not grow with the number of actors. The zip is the one
form that cannot be written in one pass to a socket (one CSV per table, each a zip entry after
the other): the package is first written to a temporary folder, then streamed out as a zip.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from flask import Response, stream_with_context

from registry.hsds import mapping
from registry.hsds.tabular import TABLES, TabularWriter, path_of

# Whether the caller may see this actor's contact persons (registry.auth decides; the API passes its rule).
ContactRule = Callable[[dict[str, Any]], bool]
_CHUNK = 64 * 1024


def taxonomy_rows(
    terms: Mapping[str, Iterable[Mapping[str, Any]]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The registry's taxonomies and their terms ({kind: [{id, label_sv, label_en, broader}]}) as HSDS objects."""
    taxonomies = [t.to_hsds() for t in mapping.TAXONOMIES.values()]
    hsds_terms = [mapping.taxonomy_term(kind, term) for kind in mapping.TAXONOMIES for term in terms.get(kind, ())]
    return taxonomies, hsds_terms


def ndjson_lines(actors: Iterable[dict[str, Any]], contacts: ContactRule) -> Iterator[str]:
    """One whole organization per line (HSDS's `format=ndjson`), services, locations and terms nested."""
    for actor in actors:
        org = mapping.organization(actor, with_contacts=contacts(actor))
        yield json.dumps(org, ensure_ascii=False, separators=(",", ":")) + "\n"


def write_package(
    actors: Iterable[dict[str, Any]],
    terms: Mapping[str, Iterable[Mapping[str, Any]]],
    directory: Path,
    contacts: ContactRule,
    *,
    ndjson: bool = True,
    progress: Callable[[], object] | None = None,
) -> dict[str, int]:
    """Writes the tabular package (and, with `ndjson`, `organizations.ndjson`) into `directory`; rows per table."""
    taxonomies, hsds_terms = taxonomy_rows(terms)
    directory.mkdir(parents=True, exist_ok=True)
    json_out = (directory / "organizations.ndjson").open("w", encoding="utf-8") if ndjson else None
    try:
        with TabularWriter(directory) as writer:
            writer.add_all("taxonomy", taxonomies)
            writer.add_all("taxonomy_term", hsds_terms)
            for actor in actors:
                org = mapping.organization(actor, with_contacts=contacts(actor))
                writer.add("organization", org)
                if json_out is not None:
                    json_out.write(json.dumps(org, ensure_ascii=False, separators=(",", ":")) + "\n")
                if progress is not None:
                    progress()
            return dict(writer.rows)
    finally:
        if json_out is not None:
            json_out.close()


class _Pipe:
    """A write-only, unseekable file for zipfile: what it is given waits in `chunks` until drained."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> Iterator[bytes]:
        chunks, self.chunks = self.chunks, []
        yield from chunks


def zip_stream(
    actors: Iterable[dict[str, Any]], terms: Mapping[str, Iterable[Mapping[str, Any]]], contacts: ContactRule
) -> Iterator[bytes]:
    """The tabular package as a zip, in chunks: spooled to a temporary folder, then zipped as it is sent."""
    with tempfile.TemporaryDirectory(prefix="hsds-") as tmp:
        folder = Path(tmp)
        write_package(actors, terms, folder, contacts, ndjson=False)
        pipe = _Pipe()
        # An unseekable target makes zipfile write each entry's sizes after its data (data descriptors).
        with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED) as archive:  # type: ignore[arg-type]
            for name in ("datapackage.json", *(path_of(t) for t in TABLES)):
                path = folder / name
                big = path.stat().st_size > 2**30
                with archive.open(name, "w", force_zip64=big) as entry, path.open("rb") as source:
                    while chunk := source.read(_CHUNK):
                        entry.write(chunk)
                        yield from pipe.drain()
                yield from pipe.drain()
        yield from pipe.drain()


# -- over HTTP --------------------------------------------------------------------------------------
FORMATS = {
    # format name -> (media type, file name)
    "hsds": ("application/x-ndjson", "hsds-organizations.ndjson"),
    "hsds-tabular": ("application/zip", "hsds-tabular.zip"),
}


def export_response(
    fmt: str,
    actors: Iterable[dict[str, Any]],
    terms: Mapping[str, Iterable[Mapping[str, Any]]],
    contacts: ContactRule,
) -> Response:
    """`format=hsds` (NDJSON, one organization a line) or `format=hsds-tabular` (the package as a zip), streamed."""
    mimetype, filename = FORMATS[fmt]
    body: Iterator[str] | Iterator[bytes] = (
        ndjson_lines(actors, contacts) if fmt == "hsds" else zip_stream(actors, terms, contacts)
    )
    response = Response(stream_with_context(body), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
