"""Deterministic synthetic collaboration data around `bench.generator.actors`: ~4 relationships per
actor (about 1,000,000 over 250,000 actors), two arenas and one challenge per municipality.

Everything stays inside a municipality, as collaboration mostly does: civil actors get grants from
and depend on the public actors of their municipality, need or compete with their neighbours, hold
views of a few of them and belong to a local umbrella. The same `n` and `seed` give the same data.

    python -m bench.relationships_generator --actors 250000      # prints counts per type
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import sys
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bench.generator import actors
from registry.dao.relationships import history_entry
from registry.demo import demo_id
from registry.domain.relationships import MEETING_CHECKLIST, STAGES

BY = "bench"
FORMS = (("association_grant", 60), ("project_grant", 20), ("iop", 5), ("procurement", 5), ("other", 10))
POWER_RESOURCES = (("money", 50), ("premises", 30), ("mandate", 10), ("information", 10))
SHARED_RESOURCES = ("information", "volunteers", "staff", "time", "premises")
VALENCES = ((-2, 5), (-1, 10), (0, 20), (1, 40), (2, 25))


@dataclass(frozen=True)
class Member:
    key: str
    id: str
    municipality: str
    sector: str
    kind: str
    interest_areas: tuple[str, ...]


@dataclass
class Dataset:
    """Relationship rows per type in the shape `RelationshipDao.upsert_many` takes, plus arenas,
    meetings and challenges in the shapes of the arena and challenge DAOs."""

    relationships: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    arenas: list[dict[str, Any]] = field(default_factory=list)
    meetings: list[dict[str, Any]] = field(default_factory=list)
    challenges: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {t: len(rows) for t, rows in sorted(self.relationships.items())}

    @property
    def total(self) -> int:
        return sum(len(rows) for rows in self.relationships.values())


def members(n: int, seed: int) -> list[Member]:
    return [
        Member(
            a["key"],
            demo_id(a["key"]),
            a["municipality"],
            a["sector"],
            a["kind"],
            tuple(a["interest_areas"]),
        )
        for a in actors(n, seed)
    ]


def _weighted(rng: random.Random, options: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def _rel_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def generate(n: int, seed: int = 20261127) -> Dataset:
    rng = random.Random(f"relationships:{seed}")
    by_place: dict[str, list[Member]] = defaultdict(list)
    for m in members(n, seed):
        by_place[m.municipality].append(m)
    data = Dataset()
    # What identifies a relationship (type, ends in order or unordered for mutual kinds, identity
    # values), as a stable 64-bit digest so a million fit in little memory. A repeat is skipped.
    seen: set[int] = set()

    def first_time(*parts: Any) -> bool:
        digest = int.from_bytes(hashlib.blake2b(repr(parts).encode(), digest_size=8).digest(), "big")
        if digest in seen:
            return False
        seen.add(digest)
        return True

    def add(rel_type: str, a: Member, b: Member, props: dict[str, Any], identity: tuple[Any, ...] = ()) -> None:
        if a.id == b.id:
            return
        ends = tuple(sorted((a.id, b.id))) if props.get("kind") in ("symbiotic", "competition") else (a.id, b.id)
        if not first_time(rel_type, ends, identity):
            return
        data.relationships[rel_type].append(
            {"id": _rel_id(rng), "from": a.id, "to": b.id, "props": {"source": BY, **props}, "by": BY}
        )

    for code in sorted(by_place):
        local = by_place[code]
        public = [m for m in local if m.sector == "public"]
        civil = [m for m in local if m.sector == "civil"]
        umbrellas = [m for m in local if m.kind == "umbrella"]
        for c in civil:
            if public:
                for year in (2024, 2025):
                    if rng.random() < 0.55:
                        form = _weighted(rng, FORMS)
                        amount = rng.randint(5, 200) * (10_000 if form == "procurement" else 1_000)
                        add(
                            "FUNDS",
                            rng.choice(public),
                            c,
                            {
                                "amount_sek": amount,
                                "year": year,
                                "form": form,
                                "confidence": "high",
                                "valid_from": dt.date(year, 1, 1),
                                "valid_to": dt.date(year + 1, 1, 1),
                            },
                            (form, year),
                        )
                if rng.random() < 0.45:
                    resource = _weighted(rng, POWER_RESOURCES)
                    props = {
                        "kind": "power",
                        "resource": resource,
                        "strength": rng.randint(1, 5),
                        "confidence": "medium",
                    }
                    add("DEPENDS_ON", c, rng.choice(public), props, ("power", resource))
            if rng.random() < 0.5:
                partner = rng.choice(local)
                resource = rng.choice(SHARED_RESOURCES)
                add(
                    "DEPENDS_ON",
                    c,
                    partner,
                    {"kind": "symbiotic", "resource": resource, "strength": rng.randint(1, 5)},
                    ("symbiotic", resource),
                )
            if rng.random() < 0.4 and len(civil) > 1:
                resource = rng.choice(("money", "volunteers", "premises"))
                add(
                    "DEPENDS_ON",
                    c,
                    rng.choice(civil),
                    {"kind": "competition", "resource": resource, "strength": rng.randint(1, 3), "confidence": "low"},
                    ("competition", resource),
                )
            if umbrellas and c.kind != "umbrella" and rng.random() < 0.3:
                umbrella = rng.choice(umbrellas)
                if umbrella.id != c.id and first_time("MEMBER_OF", c.id, umbrella.id):
                    # The shape ActorDao.upsert_memberships takes.
                    data.relationships["MEMBER_OF"].append(
                        {
                            "member": c.id,
                            "umbrella": umbrella.id,
                            "since": f"{rng.randint(1995, 2024)}-01-01",
                            "role": "medlem",
                            "source": BY,
                        }
                    )
        for a in local:
            for _ in range(_weighted(rng, ((0, 20), (1, 40), (2, 28), (3, 12)))):
                add("PERCEIVES", a, rng.choice(local), {"valence": _weighted(rng, VALENCES), "confidence": "medium"})
        for p in public:
            if len(public) > 1 and rng.random() < 0.3:
                add(
                    "DEPENDS_ON",
                    p,
                    rng.choice(public),
                    {"kind": "symbiotic", "resource": "information"},
                    ("symbiotic", "information"),
                )
        _arenas_and_challenge(rng, code, local, data, add)
    return data


def _arenas_and_challenge(rng: random.Random, code: str, local: list[Member], data: Dataset, add: Any) -> None:
    for number in (1, 2):
        arena_id = demo_id(f"bench-arena:{code}:{number}")
        areas = sorted({area for m in rng.sample(local, min(3, len(local))) for area in m.interest_areas})
        data.arenas.append(
            {
                "id": arena_id,
                "props": {
                    "name": f"Samverkansforum {number} {code}",
                    "municipality_code": code,
                    "cadence": rng.choice(("monthly", "quarterly")),
                },
                "interest_areas": areas,
            }
        )
        arena = Member(arena_id, arena_id, code, "", "arena", ())
        participants = rng.sample(local, min(len(local), rng.randint(8, 40)))
        for i, m in enumerate(participants):
            add("PARTICIPATES_IN", m, arena, {"role": "convener" if i == 0 else "member"})
        for month in (3, 6, 9):
            done = rng.randint(0, len(MEETING_CHECKLIST.ids))
            data.meetings.append(
                {
                    "id": demo_id(f"bench-meeting:{code}:{number}:{month}"),
                    "arena": arena_id,
                    "props": {
                        "date": dt.date(2025, month, 10),
                        "purpose": "Samverkansträff",
                        **{item: i < done for i, item in enumerate(MEETING_CHECKLIST.ids)},
                    },
                    "participants": [m.id for m in rng.sample(participants, min(len(participants), 12))],
                }
            )
    challenge_id = demo_id(f"bench-challenge:{code}")
    data.challenges.append(
        {
            "id": challenge_id,
            "props": {"name": f"Ofrivillig ensamhet {code}"},
            "interest_areas": ["loneliness"],
            "target_groups": ["elderly"],
            "municipality_codes": [code],
        }
    )
    challenge = Member(challenge_id, challenge_id, code, "", "challenge", ())
    for m in rng.sample(local, min(len(local), rng.randint(5, 25))):
        reached = rng.randint(0, len(STAGES.ids) - 1)
        stages = [s for i, s in enumerate(STAGES.ids[: reached + 1]) if i == 0 or i == reached or rng.random() < 0.7]
        history = [history_entry(s, dt.date(2021 + i, 3, 1), BY) for i, s in enumerate(stages)]
        add("ENGAGED_IN", m, challenge, {"stage": stages[-1], "anchored": [], "history": history})


def iter_rows(data: Dataset, batch: int) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    for rel_type, rows in data.relationships.items():
        for start in range(0, len(rows), batch):
            yield rel_type, rows[start : start + batch]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--actors", type=int, default=250_000)
    parser.add_argument("--seed", type=int, default=20261127)
    args = parser.parse_args(argv)
    data = generate(args.actors, args.seed)
    counts = Counter(data.counts())
    for rel_type, count in sorted(counts.items()):
        print(f"{rel_type:16} {count:>9,}", file=sys.stderr)
    print(f"{'total':16} {data.total:>9,}", file=sys.stderr)
    print(
        f"arenas {len(data.arenas)}, meetings {len(data.meetings)}, challenges {len(data.challenges)}", file=sys.stderr
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
