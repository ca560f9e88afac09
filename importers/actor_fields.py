"""The derived properties an imported actor stores: the actor model's, plus the importer's matching key.

Search only finds what the index was given in the same form, so imported actors get exactly
what `registry.domain.actor.derived_fields` gives actors written through the API; `name_key`
and `match_keys` are what entity resolution finds candidates by (`importers.resolve`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from importers.resolve import match_keys
from registry.domain.actor import derived_fields as actor_derived_fields
from registry.domain.normalize import name_key


def derived_fields(
    props: Mapping[str, Any], active_in: Iterable[str] = (), keys: Sequence[str] | None = None
) -> dict[str, Any]:
    """`keys`: the actor's blocking keys when the caller has them already (an import's batch does)."""
    derived = actor_derived_fields(props, active_in)
    derived["name_key"] = name_key(str(props.get("name") or ""))
    derived["match_keys"] = list(keys) if keys is not None else match_keys(props)
    return derived
