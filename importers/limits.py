"""Upload limits: how far a file may grow when it is read, each from the environment.

A leaf module (the standard library only): `importers.readers` applies the limits, the upload
routes of `registry.api` and `registry.web` state them, and neither needs the other to load.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class UploadLimits:
    """What an uploaded or imported file may grow to when read (see importers.readers).

    Each from the environment: IMPORT_MAX_BYTES (the upload itself), IMPORT_XLSX_MAX_EXPANDED_MB
    (all parts of a workbook unpacked), IMPORT_XLSX_MAX_PART_MB (a part read whole: shared
    strings, styles, the workbook), IMPORT_XLSX_MAX_RATIO (unpacked : packed size of a part),
    IMPORT_MAX_ROWS, IMPORT_MAX_COLUMNS and IMPORT_MAX_CELLS (filled cells of a workbook).
    """

    max_upload_bytes: int = 20 * 1024 * 1024
    max_expanded_bytes: int = 200 * 1024 * 1024
    max_part_bytes: int = 12 * 1024 * 1024
    max_ratio: int = 100
    # A dry-run preview keeps every actor it would create in memory (importers.engine); 50,000 rows
    # is ten times a large municipality's register. The CLI allows more (importers.cli).
    max_rows: int = 50_000
    max_columns: int = 200
    max_cells: int = 1_000_000


def load_upload_limits(env: dict[str, str] | None = None) -> UploadLimits:
    """The limits, each overridable by its environment variable (a positive whole number)."""
    source = dict(os.environ) if env is None else env
    default = UploadLimits()

    def get(name: str, fallback: int, unit: int = 1) -> int:
        raw = source.get(name, "").strip()
        try:
            value = int(raw) * unit if raw else fallback
        except ValueError:
            return fallback
        return value if value > 0 else fallback

    mb = 1024 * 1024
    return UploadLimits(
        max_upload_bytes=get("IMPORT_MAX_BYTES", default.max_upload_bytes),
        max_expanded_bytes=get("IMPORT_XLSX_MAX_EXPANDED_MB", default.max_expanded_bytes, mb),
        max_part_bytes=get("IMPORT_XLSX_MAX_PART_MB", default.max_part_bytes, mb),
        max_ratio=get("IMPORT_XLSX_MAX_RATIO", default.max_ratio),
        max_rows=get("IMPORT_MAX_ROWS", default.max_rows),
        max_columns=get("IMPORT_MAX_COLUMNS", default.max_columns),
        max_cells=get("IMPORT_MAX_CELLS", default.max_cells),
    )
