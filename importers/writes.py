"""The columns an import adds to an actor's write besides its record: term provenance and a derived point.

`importers.merge` decides which terms an actor keeps; this module adds, per term, where it came
from (the provenance of the records applied in the batch: `importers.vocabulary.Provenance`), and
the locality-level point of the actor's place (`graph_schema.refdata.locate`), which the write
stores only where no one gave a more exact one (`registry.dao.imports`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from neo4j.spatial import WGS84Point

from graph_schema.refdata import locate
from importers.vocabulary import shipped


def term_and_place_columns(props: Mapping[str, Any], provenance: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    located = locate(props.get("postal_code"), props.get("locality"), props.get("municipality_code"))
    return {
        "area_provenance": dict(provenance.get("interest_areas") or {}),
        "group_provenance": dict(provenance.get("target_groups") or {}),
        "geo": WGS84Point((located.lon, located.lat)) if located else None,
        "geo_precision": located.precision if located else None,
        # Which shipped vocabulary derived the terms: `registry db migrate` re-derives older ones.
        "vocabulary_version": str(shipped().version),
    }
