"""A register row's terms: interest areas and target groups with their provenance, through an extensible vocabulary.

Registers name the same thing differently ("Idrottsföreningar" in one municipality,
"Idrottsförening" or "Idrott" in the next), and most say nothing about target groups, so
terms come from four places, in this order of precedence:

- **stated**: the register's own target-group column (folded taxonomy labels and word stems);
- **category**: a category equal to a word of the user's mapping file or to a taxonomy label,
  else the vocabulary's rules (`importers/vocabulary/terms.toml`) applied to the category;
- **derived**: the same rules applied to the activities, the name and the description.

Every term keeps which of these it came from, the field, the text and the rule
(`importers.vocabulary.Provenance`). A category only the fallback rule understood is reported and
kept as raw activity text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Unpack

from graph_schema.refdata import taxonomy
from importers.vocabulary import CATEGORY, DERIVED, STATED, Derivation, FreeTexts, Provenance, Rule, Vocabulary, shipped
from registry.domain.normalize import fold

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
    """Register text to taxonomy ids with provenance; `extra_*` and `rules` come from a user's mapping file."""

    extra_areas: dict[str, list[str]] = field(default_factory=dict)
    extra_groups: dict[str, list[str]] = field(default_factory=dict)
    rules: Sequence[Rule] = ()
    vocabulary: Vocabulary | None = None

    def __post_init__(self) -> None:
        terms = taxonomy()
        self._area_labels = {fold(label): t.id for t in terms["interest_areas"] for label in (t.sv, t.en, t.id)}
        self._group_labels = {fold(label): t.id for t in terms["target_groups"] for label in (t.sv, t.en, t.id)}
        self._extra_areas = {fold(k): v for k, v in self.extra_areas.items()}
        self._extra_groups = {fold(k): v for k, v in self.extra_groups.items()}
        base = self.vocabulary or shipped()
        self.vocabulary = base.with_rules(self.rules) if self.rules else base
        self._group_cache: dict[tuple[str, ...], tuple[tuple[str, ...], tuple[str, ...]]] = {}

    @property
    def rule_set(self) -> Vocabulary:
        assert self.vocabulary is not None
        return self.vocabulary

    def known_ids(self) -> tuple[set[str], set[str]]:
        """Every interest-area and target-group id this mapper can produce (checked against the graph)."""
        rule_areas, rule_groups = self.rule_set.term_ids()
        areas = set(self._area_labels.values()) | rule_areas
        areas |= {a for ids in self._extra_areas.values() for a in ids}
        groups = set(self._group_labels.values()) | {g for _, g in _GROUP_STEMS} | rule_groups
        groups |= {g for ids in self._extra_groups.values() for g in ids}
        return areas, groups

    def derive(
        self, *, categories: Sequence[str] = (), target_groups: Sequence[str] = (), **texts: Unpack[FreeTexts]
    ) -> tuple[Derivation, tuple[str, ...]]:
        """The row's terms with provenance, and the words of its target-group column that matched nothing."""
        mapped: list[tuple[str, Provenance, list[str]]] = []
        free: list[str] = []
        for text in categories:
            folded = fold(text).strip()
            if not folded:
                continue
            # A user's word wins over the taxonomy's labels, and both over the rules.
            if folded in self._extra_areas:
                mapped.append((text, Provenance(CATEGORY, "category", text, "mapping"), self._extra_areas[folded]))
            elif folded in self._area_labels:
                mapped.append((text, Provenance(CATEGORY, "category", text, "taxonomy"), [self._area_labels[folded]]))
            else:
                free.append(text)
        derivation = self.rule_set.derive(categories=free, **texts)
        if mapped:
            # An exact category also stands for an interest area, so a fallback guess gives way to it.
            fallbacks = {r.id for r in self.rule_set.rules if r.fallback}
            for term, provenance in list(derivation.interest_areas.items()):
                if provenance.rule in fallbacks:
                    del derivation.interest_areas[term]
            for _, provenance, ids in mapped:
                for term in ids:
                    derivation.add("interest_areas", term, provenance)
        groups, unknown = self.target_groups(list(target_groups))
        # A row that states a kind of term in the taxonomy's own words (every category exact, or a
        # target-group column that matched) is not second-guessed from its free text for that kind:
        # such a source (an HSDS directory, a curated register) says all it means, and text rules
        # would add guesses beside its statement (a round trip would not give back what was sent).
        if mapped and not free:
            for term, provenance in list(derivation.interest_areas.items()):
                if provenance.how == DERIVED:
                    del derivation.interest_areas[term]
        if groups:
            derivation.target_groups.clear()
        for term in groups:
            text = ", ".join(target_groups)
            derivation.add("target_groups", term, Provenance(STATED, "target_group", text[:80], "stated"))
        return derivation, unknown

    def categories(self, texts: list[str]) -> Categorised:
        """The interest areas and kind of categories alone (without the row's other texts)."""
        derivation, _ = self.derive(categories=texts)
        return Categorised(tuple(derivation.interest_areas), derivation.kind, tuple(derivation.unmapped_categories))

    def target_groups(self, texts: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(target-group ids, words that matched none) of a register's target-group column."""
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
