"""What an import did, row by row counted once: the table printed at the end and the JSON of --report."""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# Rejections and warnings kept with their line numbers; beyond these only counted, so that a
# broken million-row file cannot fill memory with its own error list.
MAX_LISTED = 10_000
MAX_DISTINCT = 1_000

# A value quoted in a message (`{value!r}` in registry.domain.normalize and the readers): a report
# is kept in the graph and printed, and must never repeat what a row said verbatim, since that may
# be a person's phone, address or name (issue 15). The line and the field say where to look.
_QUOTED = re.compile(r"""\s*:?\s*(?:\(\s*)?(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")(?:\s*\))?""")


def redact(reason: str) -> str:
    """The message without the values it quotes: "ogiltigt telefonnummer / invalid phone number: '070…'"
    -> "ogiltigt telefonnummer / invalid phone number (värdet utelämnat / value omitted)"."""
    redacted, count = _QUOTED.subn("", reason)
    return f"{redacted} (värdet utelämnat / value omitted)" if count else reason


STATUSES = ("created", "updated", "merged", "unchanged", "queued")

_LABELS = {
    "read": "lästa rader / rows read",
    "created": "nya aktörer / created",
    "updated": "uppdaterade / updated",
    "merged": "sammanslagna med befintlig aktör / merged",
    "unchanged": "oförändrade / unchanged",
    "queued": "till granskning / queued for review",
    "rejected": "avvisade / rejected",
}


@dataclass
class Report:
    kind: str
    file: str
    source: str = ""
    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    municipality: str | None = None
    # True when the municipality was inferred from the rows' postal codes (not given).
    municipality_inferred: bool = False
    umbrella: str | None = None
    dry_run: bool = False
    strict: bool = False
    outcome: str = "running"
    message: str | None = None
    run_id: str | None = None
    counts: Counter[str] = field(default_factory=Counter)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    warnings_total: int = 0
    columns: dict[str, Any] = field(default_factory=dict)
    unknown_categories: Counter[str] = field(default_factory=Counter)
    unknown_target_groups: Counter[str] = field(default_factory=Counter)
    # Activity items no vocabulary rule understood, and the coverage counts of `cover`.
    unmapped_activities: Counter[str] = field(default_factory=Counter)
    coverage: Counter[str] = field(default_factory=Counter)
    conflicts: Counter[str] = field(default_factory=Counter)
    memberships: dict[str, Any] = field(default_factory=dict)
    # Erased people (registry gdpr erase) left out of the rows: how many contact persons and
    # addresses, never who.
    suppressed: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    elapsed_s: float = 0.0
    # Seconds per phase: validate (read, normalise, spool) and write (resolve, write batches).
    timings: dict[str, float] = field(default_factory=dict)

    def reject(self, line: int, reason: str, where: dict[str, Any] | None = None) -> None:
        """`where` locates a JSON record: its `record` number in the list, its `id` and `name`."""
        self.counts["rejected"] += 1
        if len(self.rejected) < MAX_LISTED:
            self.rejected.append({"line": line, **(where or {}), "reason": redact(reason)})

    def warn(self, line: int, field_name: str, reason: str, where: dict[str, Any] | None = None) -> None:
        self.warnings_total += 1
        if len(self.warnings) < MAX_LISTED:
            self.warnings.append({"line": line, **(where or {}), "field": field_name, "reason": redact(reason)})

    def count_unknown(self, counter: Counter[str], values: tuple[str, ...]) -> None:
        for value in values:
            if value in counter or len(counter) < MAX_DISTINCT:
                counter[value] += 1

    def cover(
        self,
        *,
        interest_area: bool,
        target_group: bool,
        precision: str | None,
        has_text: bool,
        has_place: bool,
    ) -> None:
        """Counts one valid row for the coverage figures: what an officer can find the actor by."""
        c = self.coverage
        coordinates = precision is not None
        if precision:
            c[f"precision:{precision}"] += 1
        c["rows"] += 1
        c["with_interest_area"] += interest_area
        c["with_target_group"] += target_group
        c["with_coordinates"] += coordinates
        c["with_category_or_activity"] += has_text
        c["category_or_activity_with_interest_area"] += has_text and interest_area
        c["with_postal_code_or_locality"] += has_place
        c["postal_code_or_locality_with_coordinates"] += has_place and coordinates

    def coverage_json(self) -> dict[str, Any]:
        c = self.coverage
        rows = c["rows"]

        def share(part: str, whole: int) -> float | None:
            return round(c[part] / whole, 4) if whole else None

        return {
            "rows": rows,
            "with_interest_area": c["with_interest_area"],
            "with_target_group": c["with_target_group"],
            "with_coordinates": c["with_coordinates"],
            "interest_area_share": share("with_interest_area", rows),
            "target_group_share": share("with_target_group", rows),
            "coordinates_share": share("with_coordinates", rows),
            "coordinates_by_precision": {
                k.removeprefix("precision:"): v for k, v in sorted(c.items()) if k.startswith("precision:")
            },
            "interest_area_share_of_rows_with_category_or_activity": share(
                "category_or_activity_with_interest_area", c["with_category_or_activity"]
            ),
            "coordinates_share_of_rows_with_postal_code_or_locality": share(
                "postal_code_or_locality_with_coordinates", c["with_postal_code_or_locality"]
            ),
            "unmapped_categories": dict(self.unknown_categories.most_common(20)),
            "unmapped_activities": dict(self.unmapped_activities.most_common(20)),
        }

    def coverage_lines(self) -> list[str]:
        """The coverage block of the printed report (also `registry terms coverage`)."""
        data = self.coverage_json()
        if not data["rows"]:
            return []

        def pct(value: float | None) -> str:
            return "–" if value is None else f"{100 * value:.1f} %"

        lines = [
            "Täckning / coverage "
            f"({data['rows']} giltiga rader / valid rows): "
            f"verksamhetsområde / interest area {pct(data['interest_area_share'])}, "
            f"målgrupp / target group {pct(data['target_group_share'])}, "
            f"koordinater / coordinates {pct(data['coordinates_share'])}"
            + (
                " (" + ", ".join(f"{k} {v}" for k, v in data["coordinates_by_precision"].items()) + ")"
                if data["coordinates_by_precision"]
                else ""
            )
        ]
        if data["unmapped_categories"]:
            shown = ", ".join(f"{k} ({v})" for k, v in data["unmapped_categories"].items())
            lines.append(f"  vanligaste okända kategorier / most frequent unmapped categories: {shown}")
        if data["unmapped_activities"]:
            shown = ", ".join(f"{k} ({v})" for k, v in data["unmapped_activities"].items())
            lines.append(f"  vanligaste okända verksamheter / most frequent unmapped activities: {shown}")
        if data["unmapped_categories"] or data["unmapped_activities"]:
            lines.append("  (lägg till dem i en mappningsfil, --mapping / add them to a mapping file, --mapping)")
        return lines

    def finish(self, outcome: str, message: str | None = None) -> Report:
        self.outcome = outcome
        self.message = message
        self.elapsed_s = round(time.monotonic() - self.started, 3)
        return self

    @property
    def ok(self) -> bool:
        return self.outcome in ("imported", "dry-run")

    def to_json(self) -> dict[str, Any]:
        counts = {k: int(self.counts.get(k, 0)) for k in ("read", *STATUSES, "rejected")}
        return {
            "kind": self.kind,
            "file": self.file,
            "source": self.source,
            "format": self.format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "sheet": self.sheet,
            "municipality": self.municipality,
            "municipality_inferred": self.municipality_inferred,
            "umbrella": self.umbrella,
            "dry_run": self.dry_run,
            "strict": self.strict,
            "outcome": self.outcome,
            "message": self.message,
            "run_id": self.run_id,
            "counts": counts,
            "rejected": self.rejected,
            "rejected_listed": len(self.rejected),
            "warnings": self.warnings,
            "warnings_total": self.warnings_total,
            "columns": self.columns,
            "unknown_categories": dict(self.unknown_categories.most_common()),
            "unknown_target_groups": dict(self.unknown_target_groups.most_common()),
            "unmapped_activities": dict(self.unmapped_activities.most_common()),
            "coverage": self.coverage_json(),
            "conflicts": dict(sorted(self.conflicts.items())),
            "memberships": self.memberships,
            "suppressed": {"contacts": self.suppressed.get("contacts", 0), "emails": self.suppressed.get("emails", 0)},
            "notes": self.notes,
            "elapsed_s": self.elapsed_s,
            "timings": self.timings,
            "rows_per_s": round(counts["read"] / self.elapsed_s, 1) if self.elapsed_s else None,
        }

    def summary(self) -> dict[str, Any]:
        """The report without its long lists, as an import run keeps it in the graph."""
        data = self.to_json()
        data["rejected"] = data["rejected"][:100]
        data["warnings"] = data["warnings"][:100]
        return data

    def table(self, *, max_lines: int = 50) -> str:
        """The human-readable report: counts, then rejected rows with their line numbers, then the rest."""
        data = self.to_json()
        lines: list[str] = []
        what = f"{self.file} ({self.format or '?'}"
        if self.encoding:
            what += f", {self.encoding}"
        if self.delimiter:
            what += f", avgränsare / delimiter {self.delimiter!r}"
        if self.sheet:
            what += f", blad / sheet {self.sheet!r}"
        what += ")"
        lines.append(f"Import: {what}, källa / source {self.source!r}")
        if self.dry_run:
            lines.append("Provkörning: inget skrevs / dry run: nothing was written")
        width = max(len(v) for v in _LABELS.values())
        for key, label in _LABELS.items():
            lines.append(f"  {label:<{width}}  {data['counts'][key]:>9}")
        if self.memberships:
            m = self.memberships
            lines.append(
                f"  medlemskap / memberships: {m.get('changed', 0)} nya eller ändrade / new or changed, "
                f"{m.get('ended', 0)} avslutade / ended" + (f" ({m['sync']})" if m.get("sync") else "")
            )
        if any(self.suppressed.values()):
            lines.append(
                f"  raderade personer som utelämnades / erased people left out: "
                f"{self.suppressed.get('contacts', 0)} kontaktpersoner / contact persons, "
                f"{self.suppressed.get('emails', 0)} e-postadresser / e-mail addresses"
            )
        if self.rejected:
            lines.append("Avvisade rader / rejected rows:")
            for item in self.rejected[:max_lines]:
                lines.append(f"  {_place(item)}: {item['reason']}")
            more = data["counts"]["rejected"] - min(len(self.rejected), max_lines)
            if more > 0:
                lines.append(f"  … och {more} till / and {more} more (--report OUT.json)")
        if self.warnings_total:
            lines.append(f"Varningar (värdet utelämnades) / warnings (the value was left out): {self.warnings_total}")
            for item in self.warnings[: max_lines // 2]:
                lines.append(f"  {_place(item)} {item['field']}: {item['reason']}")
            more = self.warnings_total - min(len(self.warnings), max_lines // 2)
            if more > 0:
                lines.append(f"  … och {more} till / and {more} more (--report OUT.json)")
        unmapped = self.columns.get("unmapped") or []
        if unmapped:
            lines.append(
                f"Okända kolumner (importerades inte) / unmapped columns (not imported): {', '.join(unmapped)}"
            )
        if self.columns.get("ignored_duplicates"):
            lines.append(
                "Kolumner för ett fält som redan har en kolumn / second columns for one field: "
                + ", ".join(self.columns["ignored_duplicates"])
            )
        if self.unknown_categories:
            shown = ", ".join(f"{k} ({v})" for k, v in self.unknown_categories.most_common(20))
            lines.append(
                f"Okända kategorier (sparade som verksamhet) / unknown categories (kept as activities): {shown}"
            )
        if self.unknown_target_groups:
            shown = ", ".join(f"{k} ({v})" for k, v in self.unknown_target_groups.most_common(20))
            lines.append(f"Okända målgrupper / unknown target groups: {shown}")
        lines.extend(self.coverage_lines())
        if self.conflicts:
            shown = ", ".join(f"{k} {v}" for k, v in sorted(self.conflicts.items()))
            lines.append(
                "Fält där källor är oense (befintligt värde behölls, källans värde finns i proveniensen) / "
                f"fields where sources disagree (kept the existing value; the source's is in provenance): {shown}"
            )
        lines.extend(self.notes)
        if self.message:
            lines.append(self.message)
        lines.append(f"Tid / time: {self.elapsed_s:.1f} s")
        return "\n".join(lines)


def _place(item: dict[str, Any]) -> str:
    """Where a problem is: a JSON record by its number, id and name; any other row by its line."""
    if item.get("record") is None:
        return f"rad / line {item['line']}"
    place = f"post / record {item['record']}"
    details = [f"id {item['id']}"] if item.get("id") is not None else []
    if item.get("name"):
        details.append(repr(item["name"]))
    return place + (f" ({', '.join(details)})" if details else "")
