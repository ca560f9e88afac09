"""The Swedish term vocabulary (`terms.toml`, shipped as data) and the derivation of terms from register text.

A register says what an association does in its category ("Idéföreningar"), its free-text
activities ("Pensionärsverksamhet, Boule"), its name ("SPF Seniorerna Kumla") and its
description. `Vocabulary.derive` finds the vocabulary's patterns in those texts, Swedish
compounds included ("barnkör" is both children and choir), and returns each interest area and
target group with its provenance: which field, which text and which rule. A user's mapping file
adds rules or replaces shipped ones by id (`[[rules]]`, the same shape as `terms.toml`).
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, TypedDict, Unpack

FIELDS = ("category", "activities", "name", "description")

# How a term came to an actor; the order is the precedence when two sources give the same term.
STATED = "stated"  # the register's own target-group column (or a person, through the API)
CATEGORY = "category"  # mapped from the register's category
DERIVED = "derived"  # derived from free text (activities, name, description)
HOW_ORDER = {STATED: 0, CATEGORY: 1, DERIVED: 2}

# Swedish inflection endings a whole-word or final-part pattern may carry: kör, kören, körer, körerna.
_ENDINGS = r"(?:s|n|en|na|ns|ens|er|ers|erna|ernas|ar|arna|or|orna|et|ets|a|e|r|t)?"
_ITEM_SPLIT = re.compile(r"\s*[,;/|]\s*|\s+och\s+|\n")
_MAX_TEXT = 80
_KEY = 3  # letters a word-start pattern is filed under
_WORD = re.compile(r"\w+")


class VocabularyError(ValueError):
    """A rule file that cannot be used; the message says which rule and why."""


# Compared by identity: an index lists the same pattern objects, and comparing compiled regexes field
# by field was a tenth of an import's normalising time.
@dataclass(frozen=True, eq=False)
class Pattern:
    source: str
    regex: re.Pattern[str]
    literal: str  # a part every match contains: a cheap `in` test before the regex
    case_sensitive: bool
    inside: bool = False  # may start inside a word ("-kör")

    def search(self, text: str, lowered: str) -> re.Match[str] | None:
        if self.case_sensitive:
            return self.regex.search(text) if self.literal in text else None
        return self.regex.search(lowered) if self.literal in lowered else None


def compile_pattern(source: str) -> Pattern:
    """One pattern of the vocabulary's syntax (see terms.toml) as a regex over lower-cased text."""
    raw = source.strip()
    if not raw:
        raise VocabularyError("tomt mönster / empty pattern")
    if raw == "*":
        return Pattern(raw, re.compile(r"\w"), "", False)
    case_sensitive = raw.isupper()
    starts_inside = raw.startswith("-") and len(raw) > 1
    ends_open = raw.endswith("-") and len(raw) > 1
    core = raw[1 if starts_inside else 0 : -1 if ends_open else None]
    if not core.strip():
        raise VocabularyError(f"mönstret {source!r} saknar ord / the pattern {source!r} has no word")
    if not case_sensitive:
        core = core.lower()
    body = r"\s+".join(re.escape(word) for word in core.split())
    before = "" if starts_inside else r"(?<!\w)"
    after = r"\w*" if ends_open else _ENDINGS + r"(?!\w)"
    literal = core.split()[0] if " " in core else core
    return Pattern(source, re.compile(before + body + after), literal, case_sensitive, starts_inside)


class FreeTexts(TypedDict, total=False):
    """A row's texts beside its categories, which rules read for terms."""

    activities: Sequence[str]
    name: str | None
    description: str | None


@dataclass(frozen=True)
class Rule:
    id: str
    sv: str
    en: str
    patterns: tuple[Pattern, ...]
    fields: tuple[str, ...] = FIELDS
    interest_areas: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()
    kind: str | None = None
    unless: tuple[Pattern, ...] = ()
    unless_here: tuple[Pattern, ...] = ()
    fallback: bool = False

    def hit(self, text: str, lowered: str, patterns: Sequence[Pattern] | None = None) -> str | None:
        """The matched words of `text`, or None (also when an `unless_here` pattern is in it).
        `patterns`: only these of the rule's patterns can match (the vocabulary's index says so)."""
        for pattern in self.patterns if patterns is None else patterns:
            match = pattern.search(text, lowered)
            if match is not None:
                if any(p.search(text, lowered) for p in self.unless_here):
                    return None
                return text if pattern.source == "*" else text[match.start() : match.end()]
        return None


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise VocabularyError(f"{where} ska vara en lista av text / must be a list of strings")
    return tuple(value)


def parse_rule(data: Mapping[str, Any]) -> Rule:
    """One `[[rules]]` table as a Rule; raises VocabularyError with the rule's id."""
    rule_id = data.get("id")
    if not isinstance(rule_id, str) or not rule_id.strip():
        raise VocabularyError("en regel saknar id / a rule has no id")
    known = {
        "id",
        "sv",
        "en",
        "patterns",
        "fields",
        "interest_areas",
        "target_groups",
        "kind",
        "unless",
        "unless_here",
        "fallback",
    }
    unknown = set(data) - known
    if unknown:
        raise VocabularyError(f"regeln {rule_id}: okända nycklar / unknown keys {sorted(unknown)}")
    fields = _strings(data.get("fields"), f"{rule_id}.fields") or FIELDS
    bad = [f for f in fields if f not in FIELDS]
    if bad:
        raise VocabularyError(f"regeln {rule_id}: okända fält / unknown fields {bad} (known: {', '.join(FIELDS)})")
    try:
        patterns = tuple(compile_pattern(p) for p in _strings(data.get("patterns"), f"{rule_id}.patterns"))
        unless = tuple(compile_pattern(p) for p in _strings(data.get("unless"), f"{rule_id}.unless"))
        unless_here = tuple(compile_pattern(p) for p in _strings(data.get("unless_here"), f"{rule_id}.unless_here"))
    except VocabularyError as exc:
        raise VocabularyError(f"regeln {rule_id}: {exc}") from exc
    if not patterns:
        raise VocabularyError(f"regeln {rule_id} har inga mönster / rule {rule_id} has no patterns")
    kind = data.get("kind")
    return Rule(
        id=rule_id.strip(),
        sv=str(data.get("sv") or rule_id),
        en=str(data.get("en") or rule_id),
        patterns=patterns,
        fields=fields,
        interest_areas=_strings(data.get("interest_areas"), f"{rule_id}.interest_areas"),
        target_groups=_strings(data.get("target_groups"), f"{rule_id}.target_groups"),
        kind=str(kind) if kind else None,
        unless=unless,
        unless_here=unless_here,
        fallback=bool(data.get("fallback", False)),
    )


@dataclass(frozen=True)
class Provenance:
    """Where one term of an actor came from: `how` (stated / category / derived), the register's
    field, the text that said it and the rule that fired."""

    how: str
    field: str
    text: str
    rule: str

    def as_dict(self) -> dict[str, str]:
        return {"how": self.how, "field": self.field, "text": self.text, "rule": self.rule}


@dataclass
class Derivation:
    interest_areas: dict[str, Provenance] = field(default_factory=dict)
    target_groups: dict[str, Provenance] = field(default_factory=dict)
    kind: str | None = None
    # Category texts and activity items that no rule but the fallback understood: what a mapping file should add.
    unmapped_categories: list[str] = field(default_factory=list)
    unmapped_activities: list[str] = field(default_factory=list)

    def add(self, scheme: str, term: str, provenance: Provenance) -> None:
        terms = self.interest_areas if scheme == "interest_areas" else self.target_groups
        current = terms.get(term)
        if current is None or HOW_ORDER[provenance.how] < HOW_ORDER[current.how]:
            terms[term] = provenance

    def provenance(self) -> dict[str, dict[str, dict[str, str]]]:
        """As a record keeps it: {"interest_areas": {id: {...}}, "target_groups": {id: {...}}}."""
        return {
            "interest_areas": {t: p.as_dict() for t, p in sorted(self.interest_areas.items())},
            "target_groups": {t: p.as_dict() for t, p in sorted(self.target_groups.items())},
        }


def _short(text: str) -> str:
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


def activity_items(texts: Iterable[str]) -> list[str]:
    """Free-text activities split into their items ('Boule, Pensionärsverksamhet' -> two)."""
    items: list[str] = []
    for text in texts:
        for part in _ITEM_SPLIT.split(text):
            part = part.strip(" .")
            if part and part not in items:
                items.append(part)
    return items


class Vocabulary:
    """The rules, in file order, each fired at most once per record."""

    def __init__(self, rules: Sequence[Rule], version: int | str = 0) -> None:
        ids = [r.id for r in rules]
        if len(ids) != len(set(ids)):
            raise VocabularyError(f"två regler har samma id / two rules share an id: {sorted(ids)}")
        self.rules = tuple(rules)
        self.version = version
        self._by_field = {f: tuple(r for r in self.rules if f in r.fields and not r.fallback) for f in FIELDS}
        self._fallbacks = tuple(r for r in self.rules if r.fallback)
        # Patterns that start a word are filed under the word's first letters, so a text only tries
        # those its words start with; the fewer that may start inside a word are tested with `in`.
        self._starts: dict[str, dict[str, list[tuple[int, Pattern]]]] = {}
        self._inside: dict[str, dict[str, list[tuple[int, Pattern]]]] = {}
        for field_name, rules in self._by_field.items():
            starts: dict[str, list[tuple[int, Pattern]]] = {}
            inside: dict[str, list[tuple[int, Pattern]]] = {}
            for position, rule in enumerate(rules):
                for pattern in rule.patterns:
                    if pattern.inside:
                        inside.setdefault(pattern.literal[:_KEY], []).append((position, pattern))
                    else:
                        starts.setdefault(pattern.literal[:_KEY], []).append((position, pattern))
            self._starts[field_name], self._inside[field_name] = starts, inside
        self._cache: dict[tuple[str, str], tuple[tuple[Rule, str], ...]] = {}

    def with_rules(self, extra: Sequence[Rule]) -> Vocabulary:
        """This vocabulary with `extra` rules: one with a shipped rule's id replaces it, others come first."""
        replaced = {r.id: r for r in extra}
        kept = [replaced.pop(r.id, r) for r in self.rules]
        added = [r for r in extra if r.id in replaced]
        return Vocabulary([*added, *kept], f"{self.version}+{len(extra)}")

    def term_ids(self) -> tuple[set[str], set[str]]:
        areas = {a for r in self.rules for a in r.interest_areas}
        groups = {g for r in self.rules for g in r.target_groups}
        return areas, groups

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def _hits(self, field_name: str, text: str) -> tuple[tuple[Rule, str], ...]:
        # Categories and activities repeat across a register: each distinct text is matched once.
        key = (field_name, text)
        found = self._cache.get(key)
        if found is None:
            lowered = text.lower()
            hits: list[tuple[Rule, str]] = []
            rules = self._by_field[field_name]
            candidates: dict[int, list[Pattern]] = {}
            starts = self._starts[field_name]
            words = set(_WORD.findall(lowered))
            if lowered != text:
                words.update(_WORD.findall(text))
            keys = {w[:_KEY] for w in words} | {w[: _KEY - 1] for w in words if len(w) >= _KEY - 1}
            found = [entry for key in keys.intersection(starts) for entry in starts[key]]
            inside = self._inside[field_name]
            grams = {source[i : i + _KEY] for source in {lowered, text} for i in range(len(source) - _KEY + 1)}
            found += [entry for gram in grams.intersection(inside) for entry in inside[gram]]
            for position, pattern in found:
                listed = candidates.setdefault(position, [])
                if pattern not in listed:
                    listed.append(pattern)
            for position in sorted(candidates):
                rule = rules[position]
                matched = rule.hit(text, lowered, candidates[position])
                if matched is not None:
                    hits.append((rule, matched))
            found = tuple(hits)
            if field_name in ("category", "activities") and len(self._cache) < 50_000:
                self._cache[key] = found
        return found

    def derive(self, *, categories: Sequence[str] = (), **free: Unpack[FreeTexts]) -> Derivation:
        """Every term the texts say, with its provenance; `unless` rules see all the texts."""
        texts: list[tuple[str, str]] = [("category", c) for c in categories if c.strip()]
        texts += [("activities", a) for a in activity_items(free.get("activities", ()))]
        if name := free.get("name"):
            texts.append(("name", name))
        if description := free.get("description"):
            texts.append(("description", description))
        everything = [(t, t.lower()) for _, t in texts]
        result = Derivation()
        blocked: dict[str, bool] = {}
        understood: set[tuple[str, str]] = set()
        for field_name, text in texts:
            for rule, matched in self._hits(field_name, text):
                if rule.unless:
                    if rule.id not in blocked:
                        blocked[rule.id] = any(p.search(t, low) for p in rule.unless for t, low in everything)
                    if blocked[rule.id]:
                        continue
                understood.add((field_name, text))
                how = CATEGORY if field_name == "category" else DERIVED
                shown = _short(text if field_name == "category" else matched)
                provenance = Provenance(how, field_name, shown, rule.id)
                for term in rule.interest_areas:
                    result.add("interest_areas", term, provenance)
                for term in rule.target_groups:
                    result.add("target_groups", term, provenance)
                result.kind = result.kind or rule.kind
        if not result.interest_areas:
            for field_name, text in texts:
                for rule in self._fallbacks:
                    if field_name in rule.fields and rule.hit(text, text.lower()) is not None:
                        provenance = Provenance(
                            CATEGORY if field_name == "category" else DERIVED, field_name, _short(text), rule.id
                        )
                        for term in rule.interest_areas:
                            result.add("interest_areas", term, provenance)
        result.unmapped_categories = [t for f, t in texts if f == "category" and (f, t) not in understood]
        result.unmapped_activities = [t for f, t in texts if f == "activities" and (f, t) not in understood]
        return result


def parse_rules(data: Any, where: str) -> list[Rule]:
    if data is None:
        return []
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise VocabularyError(f"{where}: rules ska vara en lista av tabeller / rules must be a list of tables")
    return [parse_rule(r) for r in data]


@functools.cache
def shipped() -> Vocabulary:
    """The vocabulary shipped with the product (`importers/vocabulary/terms.toml`)."""
    text = resources.files("importers.vocabulary").joinpath("terms.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    return Vocabulary(parse_rules(data.get("rules"), "terms.toml"), data.get("version", 0))
