"""The readiness heuristic for a pair of actors: the RDIC model's five factors (goals, resources,
dependency relations, perceptions, legal framework) and the relationship base, scored from plain
facts and explained in Swedish and English.

Plain Python over the facts `registry.dao.analyses` reads (`_PAIR`): no database, so it is tested
and changed on its own.
"""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

from registry.domain.relationships import FUNDING_FORMS, RESOURCES

HEURISTIC_NOTE = {
    "sv": "Heuristik, inte en mätning: poängen bygger bara på det som registrerats och ska läsas som underlag "
    "för ett samtal, aldrig som ett omdöme om en organisation.",
    "en": "A heuristic, not a measurement: the scores rest only on what has been recorded and are a starting "
    "point for a conversation, never a judgement of an organisation.",
}


def _level(score: float) -> dict[str, str]:
    if score >= 0.5:
        return {"id": "high", "sv": "hög", "en": "high"}
    if score >= 0.2:
        return {"id": "medium", "sv": "medel", "en": "medium"}
    if score > -0.2:
        return {"id": "low", "sv": "låg", "en": "low"}
    return {"id": "hindering", "sv": "hindrande", "en": "hindering"}


def _factor(factor: str, sv: str, en: str, score: float, supports: str, sv_why: str, en_why: str) -> dict[str, Any]:
    score = round(max(-1.0, min(1.0, score)), 2)
    return {
        "factor": factor,
        "sv": sv,
        "en": en,
        "score": score,
        "level": _level(score),
        "supports": supports,
        "explanation": {"sv": sv_why, "en": en_why},
    }


def _listing(items: list[str]) -> str:
    return ", ".join(items) if items else "–"


def score_readiness(facts: dict[str, Any]) -> dict[str, Any]:
    """Scores the five factors of the RDIC model for a pair from plain facts (see `_PAIR`).

    Each factor is -1 (hindering) … +1 (supporting); willingness is the mean of goals, dependency
    and perceptions, opportunity the mean of resources, legal framework and the relationship base
    (shared arenas and challenges). The weights are a judgement, stated here, not a finding.
    """

    def shared(key: str) -> list[tuple[str, str, str]]:
        b_ids = {t[0] for t in facts[f"b_{key}"]}
        return sorted({tuple(t) for t in facts[f"a_{key}"] if t[0] in b_ids})  # type: ignore[misc]

    shared_areas, shared_groups = shared("areas"), shared("groups")
    goals = _factor(
        "goals",
        "Mål",
        "Goals",
        (len(shared_areas) + len(shared_groups)) / 4,
        "willingness",
        f"Gemensamma verksamhetsområden: {_listing([t[1] for t in shared_areas])}; "
        f"gemensamma målgrupper: {_listing([t[1] for t in shared_groups])}.",
        f"Shared interest areas: {_listing([t[2] for t in shared_areas])}; "
        f"shared target groups: {_listing([t[2] for t in shared_groups])}.",
    )

    def complement(offers: list[str] | None, needs: list[str] | None) -> list[str]:
        return sorted(set(offers or []) & set(needs or []), key=lambda r: RESOURCES.index(r) if r in RESOURCES else 99)

    a_gives = complement(facts["a_offers"], facts["b_needs"])
    b_gives = complement(facts["b_offers"], facts["a_needs"])
    a_name, b_name = facts["a"]["name"], facts["b"]["name"]
    resources_score = (min(len(a_gives), 2) + min(len(b_gives), 2)) / 4 + (0.25 if a_gives and b_gives else 0)

    def sv_res(items: list[str]) -> str:
        return _listing([RESOURCES[r].sv.lower() if r in RESOURCES else r for r in items])

    def en_res(items: list[str]) -> str:
        return _listing([RESOURCES[r].en.lower() if r in RESOURCES else r for r in items])

    resources = _factor(
        "resources",
        "Resurser",
        "Resources",
        resources_score,
        "opportunity",
        f"{a_name} kan bidra med det {b_name} behöver: {sv_res(a_gives)}; "
        f"{b_name} kan bidra med det {a_name} behöver: {sv_res(b_gives)}.",
        f"{a_name} offers what {b_name} needs: {en_res(a_gives)}; "
        f"{b_name} offers what {a_name} needs: {en_res(b_gives)}.",
    )

    kinds = Counter(d["kind"] for d in facts["dependencies"])
    dep_score = 0.6 * min(kinds["symbiotic"], 1) - 0.6 * min(kinds["competition"], 1) - 0.2 * min(kinds["power"], 1)
    sv_parts, en_parts = [], []
    if kinds["symbiotic"]:
        sv_parts.append("ömsesidigt beroende (stärker viljan)")
        en_parts.append("mutual dependency (strengthens willingness)")
    if kinds["competition"]:
        sv_parts.append("konkurrens (försvagar viljan)")
        en_parts.append("competition (weakens willingness)")
    for d in facts["dependencies"]:
        if d["kind"] == "power":
            holder, dependent = (b_name, a_name) if d["a_depends"] else (a_name, b_name)
            sv_parts.append(f"{holder} har makt över {dependent} – maktövertaget behöver synliggöras")
            en_parts.append(f"{holder} holds power over {dependent}; the advantage needs to be made visible")
    dependency = _factor(
        "dependency",
        "Beroendeförhållanden",
        "Dependency relations",
        dep_score,
        "willingness",
        ("Registrerat: " + "; ".join(sv_parts) + ".") if sv_parts else "Inga beroenden registrerade.",
        ("Recorded: " + "; ".join(en_parts) + ".") if en_parts else "No dependency recorded.",
    )

    def mean(values: list[int]) -> float | None:
        return statistics.fmean(values) if values else None

    a_sees, b_sees = mean(facts["a_sees_b"]), mean(facts["b_sees_a"])
    known = [v for v in (a_sees, b_sees) if v is not None]
    perception_score = statistics.fmean(known) / 2 if known else 0.0

    def sv_view(v: float | None) -> str:
        return "okänd" if v is None else f"{v:+.1f}"

    perceptions = _factor(
        "perceptions",
        "Uppfattningar",
        "Perceptions",
        perception_score,
        "willingness",
        f"Hur {a_name} ser {b_name}: {sv_view(a_sees)}; hur {b_name} ser {a_name}: {sv_view(b_sees)} (skala −2…+2)."
        + (
            " Olika bilder åt var sitt håll: ett ämne för dialog."
            if len(known) == 2 and abs(known[0] - known[1]) >= 2
            else ""
        ),
        f"How {a_name} sees {b_name}: {sv_view(a_sees).replace('okänd', 'unknown')}; how {b_name} sees {a_name}: "
        f"{sv_view(b_sees).replace('okänd', 'unknown')} (scale −2…+2)."
        + (
            " The views differ a lot: a topic for dialogue."
            if len(known) == 2 and abs(known[0] - known[1]) >= 2
            else ""
        ),
    )

    agreements = sorted(set(facts["agreements"]))
    funding = sorted({FUNDING_FORMS[f].sv if f in FUNDING_FORMS else str(f) for f in facts["funding"]})
    legal = _factor(
        "legal_framework",
        "Lagrum och överenskommelser",
        "Legal framework",
        min(len(agreements), 2) * 0.5 + (0.25 if funding else 0),
        "opportunity",
        f"Gemensamma överenskommelser i kraft: {_listing(agreements)}; finansiering mellan dem: {_listing(funding)}.",
        f"Shared agreements in force: {_listing(agreements)}; funding between them: {_listing(funding)}.",
    )

    arenas = sorted(set(facts["arenas"]))
    challenges = sorted(set(facts["challenges"]))
    base_score = min(len(arenas), 2) * 0.4 + min(len(challenges), 1) * 0.3
    base = {
        "score": round(min(base_score, 1.0), 2),
        "arenas": arenas,
        "challenges": challenges,
        "explanation": {
            "sv": f"Gemensamma mötesarenor: {_listing(arenas)}; gemensamma samhällsutmaningar: {_listing(challenges)}.",
            "en": f"Shared meeting arenas: {_listing(arenas)}; shared societal challenges: {_listing(challenges)}.",
        },
    }
    willingness = statistics.fmean([goals["score"], dependency["score"], perceptions["score"]])
    opportunity = statistics.fmean([resources["score"], legal["score"], base["score"]])
    return {
        "heuristic": True,
        "note": HEURISTIC_NOTE,
        "a": facts["a"],
        "b": facts["b"],
        "factors": [goals, resources, dependency, perceptions, legal],
        "relationship_base": base,
        "willingness": {"score": round(willingness, 2), "level": _level(willingness)},
        "opportunity": {"score": round(opportunity, 2), "level": _level(opportunity)},
    }
