"""Demo ids: derived from each record's key, so a reload finds the same actors and relationships."""

from __future__ import annotations

import uuid

DEMO_NAMESPACE = uuid.UUID("5b3f8a52-9d0e-4c53-9a8e-0d6f2f4b7c11")


def demo_id(key: str) -> str:
    return str(uuid.uuid5(DEMO_NAMESPACE, f"demo:{key}"))
