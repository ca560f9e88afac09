"""Register categories and target-group words to the taxonomy's ids, through an extensible mapping.

Registers name the same thing differently ("Idrottsföreningar" in one municipality,
"Idrottsförening" or "Idrott" in the next). A category matches a taxonomy label exactly
(Swedish or English, folded), else every built-in word stem it contains, else a word from
the user's mapping file. What matches nothing is reported and kept as raw activity text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from graph_schema.refdata import taxonomy
from registry.domain.normalize import fold

# (folded word stem, interest-area ids, actor kind or None). Order matters only for the kind:
# the first stem that names a kind decides it.
_AREA_STEMS: tuple[tuple[str, tuple[str, ...], str | None], ...] = (
    ("studieforbund", ("study-associations",), "study-association"),
    ("folkbildning", ("study-associations",), None),
    ("trossamfund", ("faith",), "faith-community"),
    ("forsamling", ("faith",), "faith-community"),
    ("kyrk", ("faith",), "faith-community"),
    ("religio", ("faith",), "faith-community"),
    ("moske", ("faith",), "faith-community"),
    ("paraply", (), "umbrella"),
    ("foreningsrad", (), "umbrella"),
    ("samorganisation", (), "umbrella"),
    ("stiftelse", (), "foundation"),
    ("kooperativ", (), "cooperative"),
    ("fotboll", ("football",), None),
    ("idrott", ("sports",), None),
    ("sport", ("sports",), None),
    ("motion", ("sports",), None),
    ("friluft", ("outdoor",), None),
    ("skid", ("outdoor",), None),
    ("orienter", ("outdoor",), None),
    ("pensionar", ("pensioners",), None),
    ("senior", ("pensioners",), None),
    ("hembygd", ("local-history",), None),
    ("kultur", ("culture",), None),
    ("teater", ("culture",), None),
    ("konst", ("culture",), None),
    ("musik", ("music",), None),
    ("kor", ("music",), None),
    ("funktionsratt", ("disability-rights",), None),
    ("funktionsnedsatt", ("disability-rights",), None),
    ("funktionshind", ("disability-rights",), None),
    ("handikapp", ("disability-rights",), None),
    ("invandrar", ("immigrant-cultural",), None),
    ("etnisk", ("immigrant-cultural",), None),
    ("integration", ("integration",), None),
    ("scout", ("scouting",), None),
    ("barn", ("children-youth",), None),
    ("ungdom", ("children-youth",), None),
    ("unga", ("children-youth",), None),
    ("social", ("social-support",), None),
    ("stodforening", ("social-support",), None),
    ("ensamhet", ("loneliness",), None),
    ("nykterhet", ("addiction",), None),
    ("missbruk", ("addiction",), None),
    ("beroende", ("addiction",), None),
    ("anhorig", ("carer-support",), None),
    ("kvinnojour", ("violence",), None),
    ("brottsoffer", ("violence",), None),
    ("psykisk", ("mental-health",), None),
    ("halsa", ("health",), None),
    ("omsorg", ("care",), None),
    ("miljo", ("environment",), None),
    ("natur", ("environment",), None),
    ("byalag", ("local-development",), None),
    ("bygde", ("local-development",), None),
    ("samhallsforening", ("local-development",), None),
    ("intresseforening", ("local-development",), None),
    ("ovrig", ("other",), None),
)

_GROUP_STEMS: tuple[tuple[str, str], ...] = (
    ("alla", "everyone"),
    ("barn", "children"),
    ("ungdom", "youth"),
    ("unga", "youth"),
    ("vuxn", "adults"),
    ("aldre", "elderly"),
    ("senior", "elderly"),
    ("pensionar", "elderly"),
    ("famil", "families"),
    ("nyanland", "newly-arrived"),
    ("funktion", "disabilities"),
    ("anhorig", "next-of-kin"),
    ("kvinn", "women"),
    ("arbetssok", "unemployed"),
    ("arbetslos", "unemployed"),
)

_SPLIT = re.compile(r"\s*(?:[,;/|]|\boch\b|&)\s*")
_WORD = re.compile(r"\w+")


_SHORT_ENDINGS = ("", "en", "er", "et", "ar", "na", "erna", "arna", "s", "sang")


def _stem_hits(folded: str, stem: str) -> bool:
    # Short stems must start a word ('barn' in 'Barnverksamhet', not in 'Kumlabarnen'); the
    # shortest ('kor' for kör) must be the whole word but for its endings, so 'Korsett' is not a choir.
    words = _WORD.findall(folded)
    if len(stem) <= 3:
        return any(word.startswith(stem) and word[len(stem) :] in _SHORT_ENDINGS for word in words)
    if len(stem) <= 4:
        return any(word.startswith(stem) for word in words)
    return stem in folded


@dataclass(frozen=True)
class Categorised:
    interest_areas: tuple[str, ...]
    kind: str | None
    unknown: tuple[str, ...]


@dataclass
class CategoryMapper:
    """Category and target-group text to taxonomy ids; `extra_*` come from a user's mapping file."""

    extra_areas: dict[str, list[str]] = field(default_factory=dict)
    extra_groups: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        terms = taxonomy()
        self._area_labels = {fold(label): t.id for t in terms["interest_areas"] for label in (t.sv, t.en, t.id)}
        self._group_labels = {fold(label): t.id for t in terms["target_groups"] for label in (t.sv, t.en, t.id)}
        self._extra_areas = {fold(k): v for k, v in self.extra_areas.items()}
        self._extra_groups = {fold(k): v for k, v in self.extra_groups.items()}
        self._category_cache: dict[tuple[str, ...], Categorised] = {}
        self._group_cache: dict[tuple[str, ...], tuple[tuple[str, ...], tuple[str, ...]]] = {}

    def known_ids(self) -> tuple[set[str], set[str]]:
        """Every interest-area and target-group id this mapper can produce (checked against the graph)."""
        areas = set(self._area_labels.values()) | {a for _, ids, _ in _AREA_STEMS for a in ids}
        areas |= {a for ids in self._extra_areas.values() for a in ids}
        groups = set(self._group_labels.values()) | {g for _, g in _GROUP_STEMS}
        groups |= {g for ids in self._extra_groups.values() for g in ids}
        return areas, groups

    def categories(self, texts: list[str]) -> Categorised:
        # Registers repeat a handful of categories thousands of times.
        key = tuple(texts)
        found = self._category_cache.get(key)
        if found is None:
            found = self._categories(texts)
            if len(self._category_cache) < 10_000:
                self._category_cache[key] = found
        return found

    def _categories(self, texts: list[str]) -> Categorised:
        areas: dict[str, None] = {}
        kind: str | None = None
        unknown: list[str] = []
        for text in texts:
            folded = fold(text).strip()
            if not folded:
                continue
            # A user's word wins over built-in ones; an exact taxonomy label over stems.
            if folded in self._extra_areas:
                areas.update(dict.fromkeys(self._extra_areas[folded]))
                continue
            if folded in self._area_labels:
                areas[self._area_labels[folded]] = None
                continue
            hit = False
            for stem, ids, stem_kind in _AREA_STEMS:
                if _stem_hits(folded, stem):
                    hit = True
                    areas.update(dict.fromkeys(ids))
                    kind = kind or stem_kind
            if not hit:
                unknown.append(text.strip())
        return Categorised(tuple(areas), kind, tuple(unknown))

    def target_groups(self, texts: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(target-group ids, words that matched none)."""
        key = tuple(texts)
        found = self._group_cache.get(key)
        if found is None:
            found = self._target_groups(texts)
            if len(self._group_cache) < 10_000:
                self._group_cache[key] = found
        return found

    def _target_groups(self, texts: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        groups: dict[str, None] = {}
        unknown: list[str] = []
        for text in texts:
            whole = fold(text).strip()
            if whole in self._extra_groups:
                groups.update(dict.fromkeys(self._extra_groups[whole]))
                continue
            if whole in self._group_labels:
                groups[self._group_labels[whole]] = None
                continue
            for part in _SPLIT.split(text):
                folded = fold(part).strip()
                if not folded:
                    continue
                if folded in self._extra_groups:
                    groups.update(dict.fromkeys(self._extra_groups[folded]))
                elif folded in self._group_labels:
                    groups[self._group_labels[folded]] = None
                else:
                    found = [g for stem, g in _GROUP_STEMS if _stem_hits(folded, stem)]
                    if found:
                        groups.update(dict.fromkeys(found))
                    else:
                        unknown.append(part.strip())
        return tuple(groups), tuple(unknown)
