"""The schema contract is the only place labels and relationship types are spelled."""

from __future__ import annotations

import re
from pathlib import Path

from graph_schema.contract import NODES, RELATIONSHIPS, all_labels, all_relationship_types

ROOT = Path(__file__).resolve().parent.parent
CODE_DIRS = ("registry", "importers", "visualisations", "bench")


def test_every_label_and_type_is_specified() -> None:
    assert set(NODES) == all_labels()
    assert set(RELATIONSHIPS) == all_relationship_types()
    for spec in RELATIONSHIPS.values():
        assert spec.start <= all_labels() and spec.end <= all_labels(), spec.type


def test_no_label_or_type_spelled_outside_the_contract() -> None:
    names = sorted(all_labels() | all_relationship_types(), key=len, reverse=True)
    pattern = re.compile(r"[(\[]\w*:\s*(" + "|".join(map(re.escape, names)) + r")\b")
    offenders = []
    for folder in CODE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == [], "use graph_schema.contract constants:\n" + "\n".join(offenders)
