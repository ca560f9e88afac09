"""Entity resolution: is a new source record an actor the graph already has, and why do we think so?

The same organisation number is the same actor; two different ones are two actors. Otherwise:

**Names are compared by their Swedish form.** A name is split into words; abbreviations are
expanded ("SV" -> "studieförbundet vuxenskolan", "Kga" -> "karlskoga"), words that only say what
kind of organisation it is ("Föreningen", "förening", "Studieförbundet") and small words are
left out, a contact person's name appended to the association's is removed, and each
word is stemmed with the Swedish Snowball stemmer (genitive -s, definite -en/-et/-na/-erna). The
sorted words are the name's *match key*. The dictionary is data: `importers/data/matching.toml`.

**Candidates** (blocking) are actors sharing any of a record's `match_keys`: the match key
(anywhere in the country: an invoice address in another county must not hide a twin), the key
without its place words and a Swedish phonetic key (in the record's county), each distinctive
name word (token blocking, in the county), and each exact e-mail address, phone number and
website host + path. Contacts that many unrelated organisations share (club platforms, social
media, free mail domains, national organisations' main domains, generic addresses) are in
`importers/data/shared_contacts.toml` and never count.

**The score** starts from the fuzzy similarity of the stemmed names (rapidfuzz) and adds or
subtracts stated evidence, each a reason kept with the decision: the same match key, the same
e-mail, phone or website; differing place words in the names ("PRO Kumla" / "PRO Hallsberg") or a
national organisation's branches in different municipalities are strong evidence against. Two
records of one register are presumed different associations (a register lists each once): they
are compared only on shared contacts, and then only queued, unless the register lists the same
name twice in one municipality. From `MERGE_AT` the record is merged;
from `REVIEW_AT` a person decides; below, it becomes a new actor. The thresholds are calibrated
on the labelled set in tests/fixtures/resolution (bench/resolution.py).
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import Stemmer
from rapidfuzz import fuzz

from graph_schema.refdata import counties, municipalities, postal_areas
from registry.domain.normalize import fold

MERGE_AT = 90.0
REVIEW_AT = 60.0

# Evidence weights (calibrated with bench/resolution.py on the labelled set).
SAME_KEY = 10.0
SAME_EMAIL = 25.0
SAME_PHONE = 20.0
SAME_SITE = 20.0
CONTACT_CAP = 45.0
OTHER_PLACES = 50.0
PLACE_NOT_SEAT = 25.0
PLACES_DIFFER = 15.0
BRANCHES = 50.0
OTHER_MUNICIPALITY = 5.0
OTHER_COUNTY = 5.0
LOCAL_NAMESAKES = 50.0
SUBSET = 15.0
ONE_WORD_MORE = 30.0
OTHER_SECTOR = 40.0

_DATA = Path(__file__).with_name("data")
_WORD = re.compile(r"\w+")
# A token-blocking word must be this long: shorter ones ("if", "ok") are in too many names.
_TOKEN_MIN = 5


@dataclass(frozen=True)
class _Vocabulary:
    abbreviations: dict[str, tuple[str, ...]]
    form_words: frozenset[str]
    kind_endings: tuple[str, ...]
    stop_words: frozenset[str]
    place_names: tuple[str, ...]
    not_places: frozenset[str]
    national: tuple[str, ...]
    shared_domains: frozenset[str]
    generic_local_parts: frozenset[str]
    shared_addresses: frozenset[str]
    shared_phones: frozenset[str]


@functools.cache
def _stemmer() -> Any:
    return Stemmer.Stemmer("swedish")


@functools.cache
def vocabulary() -> _Vocabulary:
    """The matching dictionary and the shared-contact lists, read once."""
    names = tomllib.loads((_DATA / "matching.toml").read_text(encoding="utf-8"))
    shared = tomllib.loads((_DATA / "shared_contacts.toml").read_text(encoding="utf-8"))
    not_places = [w.casefold() for w in names["not_places"]]
    place_names = [*names["county_words"], *names["regions"]]
    place_names += [m.name for m in municipalities().values()]
    place_names += [c.name.removesuffix(" län") for c in counties().values()]
    place_names += sorted({a.locality for a in postal_areas().values()})
    return _Vocabulary(
        abbreviations={k.casefold(): tuple(v.casefold().split()) for k, v in names["abbreviations"].items()},
        form_words=frozenset(w.casefold() for w in names["form_words"]),
        kind_endings=tuple(_canonical(w.casefold()) for w in names["kind_endings"]),
        stop_words=frozenset(w.casefold() for w in names["stop_words"]),
        place_names=tuple(place_names),
        not_places=frozenset(not_places),
        national=tuple(names["national"]),
        shared_domains=frozenset(d.casefold() for d in shared["domains"]),
        generic_local_parts=frozenset(p.casefold() for p in shared["generic_local_parts"]),
        shared_addresses=frozenset(a.casefold() for a in shared["addresses"]),
        shared_phones=frozenset(shared["phones"]),
    )


def _finish(stem: str) -> str:
    # Snowball's Swedish leaves the definite -et after a consonant ("nätverket"); cut it too.
    if len(stem) > 6 and stem.endswith("et") and stem[-3] not in "aeiouyåäö":
        stem = stem[:-2]
    return fold(stem)


@functools.lru_cache(maxsize=65536)
def _canonical(word: str) -> str:
    """One lower-case word, stemmed and accent-folded: 'Hallsbergs' -> 'hallsberg'."""
    return _finish(_stemmer().stemWord(word))


@functools.lru_cache(maxsize=65536)
def _word(word: str) -> tuple[tuple[str, ...], bool]:
    """A lower-case word as canonical tokens, and whether it named an organisation's form.

    Compounds stay whole ("Idrottsklubb" and "Idrottsförening" are different clubs); the genitive
    -s goes before stemming, because Snowball treats "Vikbolandet" and "Vikbolandets" apart.
    """
    v = vocabulary()
    if word in v.stop_words:
        return (), False
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss") and word[:-1] not in v.stop_words:
        word = word[:-1]
    if word in v.form_words:
        return (), True
    return (_canonical(word),), False


@functools.lru_cache(maxsize=65536)
def name_tokens(name: str) -> tuple[tuple[str, ...], bool]:
    """A name's canonical tokens in order (abbreviations expanded, form and small words out) and
    whether it had a form word."""
    v = vocabulary()
    tokens: list[str] = []
    had_form = False
    for raw in _WORD.findall(name.casefold().replace("&", " och ")):
        for word in v.abbreviations.get(raw, (raw,)):
            found, form = _word(word)
            had_form |= form
            tokens.extend(t for t in found if t)
    return tuple(tokens), had_form


@functools.cache
def _places() -> frozenset[str]:
    """The canonical words of every municipality, county, locality and region name (Swedish
    words that are also localities, "Berg", "Linden", stay words: `not_places`)."""
    v = vocabulary()
    found: set[str] = set()
    for name in v.place_names:
        for raw in _WORD.findall(name.casefold()):
            if raw not in v.not_places and len(raw) > 2:
                found.update(_word(raw)[0])
    return frozenset(found)


@functools.cache
def _national() -> tuple[frozenset[str], ...]:
    # Through name_tokens, so "Studieförbundet Vuxenskolan" is the words its records keep.
    return tuple(frozenset(name_tokens(n)[0]) for n in vocabulary().national)


_SOFT = "eiyäö"


@functools.lru_cache(maxsize=65536)
def phonetic(token: str) -> str:
    """A Swedish sound key of a canonical word: sj-, tj-, soft g/k, ck, ph, w, z, x and double letters
    unified ('Kvarnbäcksgillet' and 'Qvarnbäcks gille' meet). No maintained library covers Swedish
    (jellyfish's metaphone and NYSIIS are English), so the few rules are here."""
    t = token
    for a, b in (
        ("sch", "x"),
        ("skj", "x"),
        ("stj", "x"),
        ("sj", "x"),
        ("tj", "c"),
        ("kj", "c"),
        ("ch", "x"),
        ("ph", "f"),
        ("th", "t"),
        ("sc", "sk"),
        ("qu", "kv"),
        ("q", "k"),
        ("ck", "k"),
        ("w", "v"),
        ("z", "s"),
        ("x", "ks"),
        ("dj", "j"),
        ("gj", "j"),
        ("hj", "j"),
        ("lj", "j"),
    ):
        t = t.replace(a, b)
    t = re.sub(r"c(?=[eiy])", "s", t).replace("c", "k")
    t = re.sub(r"sk(?=[" + _SOFT + "])", "x", t)
    t = re.sub(r"k(?=[" + _SOFT + "])", "c", t)
    t = re.sub(r"g(?=[" + _SOFT + "])", "j", t)
    t = re.sub(r"(.)\1+", r"\1", t)
    return t


def website_key(url: str | None) -> str | None:
    """'https://www.Kumla-IF.se/om/' -> 'kumla-if.se/om': the host without www and the path."""
    if not url:
        return None
    parts = urlsplit(url if "://" in url else "https://" + url)
    host = (parts.hostname or "").removeprefix("www.")
    if not host:
        return None
    path = parts.path.rstrip("/").casefold()
    return host + path


@functools.lru_cache(maxsize=65536)
def _shared_host(host: str) -> bool:
    domains = vocabulary().shared_domains
    labels = host.split(".")
    return any(".".join(labels[i:]) in domains for i in range(len(labels) - 1))


@dataclass(frozen=True)
class Features:
    """What resolution compares of one record or actor."""

    id: str
    org_number: str | None
    tokens: tuple[str, ...]
    key: str
    places: frozenset[str]
    core: frozenset[str]
    national: frozenset[str] | None
    municipality: str | None
    county: str | None
    home: frozenset[str]  # the canonical words of its municipality's name and its locality
    local: bool  # active only where it is seated (no register lists it from elsewhere)
    emails: frozenset[str]
    phones: frozenset[str]
    sites: frozenset[str]
    sources: frozenset[str]
    sector: str | None = None

    @property
    def text(self) -> str:
        return " ".join(self.tokens)

    def blocking_keys(self) -> list[str]:
        """The keys this record or actor is found by (stored on actors as `match_keys`)."""
        return list(self._blocking_keys)

    @functools.cached_property
    def _blocking_keys(self) -> tuple[str, ...]:
        # Computed once: a candidate's features are kept over batches (importers.batch).
        county = self.county or "-"
        keys = [f"n:{self.key}"] if self.key else []
        # Words that only say what kind of association it is ("idrottsförening") are in thousands of
        # names: as blocking keys they would make every lookup score thousands of actors (a cost that
        # grows with the register), and they find no twin the other keys miss.
        named = {t for t in self.core if not _kind_word(t)}
        if self.core and self.core != set(self.tokens):
            keys.append(f"c:{' '.join(sorted(self.core))}@{county}")
        if self.key:
            keys.append(f"f:{' '.join(sorted({phonetic(t) for t in self.tokens}))}@{county}")
        keys += [f"t:{t}@{county}" for t in sorted(named) if len(t) >= _TOKEN_MIN]
        keys += [f"e:{e}" for e in sorted(self.emails)]
        keys += [f"p:{p}" for p in sorted(self.phones)]
        keys += [f"w:{w}" for w in sorted(self.sites)]
        return tuple(keys)


def features(
    actor_id: str,
    props: Mapping[str, Any],
    contact_names: Iterable[str] = (),
    active_in: Iterable[str] | None = None,
) -> Features:
    """The features of a record's or an actor's fields (`name`, `municipality_code`, `locality`,
    `emails`, `phones`, `website`, `org_number`, `sources`, a record's `active_in`); `contact_names`
    are the people it lists, `active_in` an actor's municipalities beside its seat."""
    v = vocabulary()
    tokens, _ = name_tokens(str(props.get("name") or ""))
    token_list = list(tokens)
    # "Kumla Konstförening Anna Svensson": a contact person's name appended to the association's.
    for person in contact_names:
        person_tokens = list(name_tokens(person)[0])
        full_name = len(_WORD.findall(person)) >= 2  # a first name and a surname, not one word
        if full_name and person_tokens and all(t in token_list for t in person_tokens):
            rest = [t for t in token_list if t not in person_tokens]
            if rest:
                token_list = rest
    tokens = tuple(token_list)
    unique = set(tokens)
    places = frozenset(t for t in unique if t in _places())
    national = max((n for n in _national() if n and n <= unique), key=len, default=None)
    code = props.get("municipality_code")
    municipality = municipalities().get(code) if code else None
    home: set[str] = set()
    if municipality:
        home |= set(name_tokens(municipality.name)[0])
    if props.get("locality"):
        home |= set(name_tokens(str(props["locality"]))[0])
    emails = frozenset(
        e
        for e in (str(x).casefold() for x in props.get("emails") or [])
        if e not in v.shared_addresses
        and not (e.split("@", 1)[0] in v.generic_local_parts and _shared_host(e.rsplit("@", 1)[-1]))
    )
    phones = frozenset(p for p in props.get("phones") or [] if p not in v.shared_phones)
    site = website_key(props.get("website"))
    sites = frozenset([site] if site and not _shared_host(site.split("/", 1)[0]) else [])
    return Features(
        id=actor_id,
        org_number=props.get("org_number"),
        tokens=tokens,
        key=" ".join(sorted(unique)),
        places=places,
        core=frozenset(unique - places),
        national=national,
        municipality=code,
        county=municipality.county_code if municipality else None,
        home=frozenset(home),
        local=not list(props.get("active_in") or [] if active_in is None else active_in),
        emails=emails,
        phones=phones,
        sites=sites,
        sources=frozenset(props.get("sources") or []),
        sector=props.get("sector"),
    )


def match_keys(props: Mapping[str, Any]) -> list[str]:
    """An actor's blocking keys, as stored in its `match_keys` (see `Features.blocking_keys`)."""
    return features("", props).blocking_keys()


@dataclass(frozen=True)
class Match:
    actor_id: str
    score: float
    reasons: tuple[str, ...]
    contact: float = 0.0  # the weight of the contacts the pair shares (e-mail, phone, website)


def score(record: Features, candidate: Features, *, source: str | None = None) -> Match | None:
    """The candidate's score for the record with its reasons, or None when they cannot be one actor.

    `source` is the record's register: a candidate it already describes is another row of it.
    """
    if record.org_number and candidate.org_number and record.org_number != candidate.org_number:
        return None
    evidence: list[tuple[float, str]] = []
    shared_emails = record.emails & candidate.emails
    if shared_emails:
        evidence.append((SAME_EMAIL, f"samma e-post / same e-mail {min(shared_emails)} (+{SAME_EMAIL:.0f})"))
    if record.phones & candidate.phones:
        evidence.append((SAME_PHONE, f"samma telefonnummer / same phone number (+{SAME_PHONE:.0f})"))
    shared_sites = record.sites & candidate.sites
    if shared_sites:
        evidence.append((SAME_SITE, f"samma webbplats / same website {min(shared_sites)} (+{SAME_SITE:.0f})"))
    contact = min(CONTACT_CAP, sum(w for w, _ in evidence))
    same_register = source is not None and source in candidate.sources
    # One register listing one name twice in one municipality has listed one association twice.
    twice = record.key == candidate.key and record.municipality == candidate.municipality
    if same_register and not evidence and not twice:
        return None
    # A register of associations does not describe a municipality or a company.
    other_sector = bool(record.sector and candidate.sector and record.sector != candidate.sector)
    penalty_sector = OTHER_SECTOR if other_sector else 0.0
    similarity = fuzz.token_sort_ratio(record.text, candidate.text)
    mine, theirs = set(record.tokens), set(candidate.tokens)
    if mine and theirs and mine != theirs and (mine <= theirs or theirs <= mine):
        # One name is the other with words added or dropped ("Sydnärkes Schackklubb Per Holm"):
        # similar enough for a person to look, never alone enough to merge ("Sundbyberg IK" /
        # "Sundbyberg IK Eken" are two clubs).
        similarity = min(max(similarity, fuzz.token_set_ratio(record.text, candidate.text)), 100.0) - SUBSET
    total = similarity
    reasons = [f"namnlikhet / name similarity {similarity:.0f}"]
    added = _one_word_more(record, candidate)
    if added and not evidence:
        # "Lomma Idrottsförening" says only where and what kind; "Lomma Idrottsförening Gläntan" is a
        # club of its own. (A contact's name appended adds two words, and is removed when known.)
        total -= ONE_WORD_MORE
        reasons.append(
            f"ett eget namnord till ('{added}') efter ett namn som bara säger ort och sort / one distinctive word "
            f"more ('{added}') after a name that only says place and kind (-{ONE_WORD_MORE:.0f})"
        )
    if record.key and record.key == candidate.key:
        total += SAME_KEY
        reasons.append(f"samma namnnyckel / same name key '{record.key}' (+{SAME_KEY:.0f})")
    total += contact
    reasons.extend(reason for _, reason in evidence)
    if penalty_sector:
        total -= penalty_sector
        reasons.append(f"annan sektor / another sector: {record.sector} / {candidate.sector} (-{penalty_sector:.0f})")
    national = record.national is not None and record.national == candidate.national
    placed_apart = False  # the names (or a name and a seat) put them in different places
    if record.places and candidate.places:
        if record.places != candidate.places and (national or not record.places & candidate.places):
            total -= OTHER_PLACES
            placed_apart = True
            reasons.append(
                f"olika orter i namnen / different places in the names: {' '.join(sorted(record.places))} / "
                f"{' '.join(sorted(candidate.places))} (-{OTHER_PLACES:.0f})"
            )
        elif record.places != candidate.places:
            total -= PLACES_DIFFER
            reasons.append(f"delvis olika orter i namnen / partly different places in the names (-{PLACES_DIFFER:.0f})")
    elif record.places or candidate.places:
        named, other = (record, candidate) if record.places else (candidate, record)
        if other.home and not named.places & other.home:
            penalty = BRANCHES if national else PLACE_NOT_SEAT
            total -= penalty
            placed_apart = True
            reasons.append(
                f"orten i namnet är inte den andras / the place in one name is not the other's seat: "
                f"{' '.join(sorted(named.places))} (-{penalty:.0f})"
            )
    elif national and record.municipality != candidate.municipality and not evidence:
        total -= BRANCHES
        reasons.append(
            "en riksorganisations lokalavdelningar i olika kommuner / a national organisation's branches in "
            f"different municipalities (-{BRANCHES:.0f})"
        )
    if record.municipality != candidate.municipality and not record.places and not candidate.places:
        total -= OTHER_MUNICIPALITY
        reasons.append(f"annan kommun / another municipality (-{OTHER_MUNICIPALITY:.0f})")
        if record.county != candidate.county:
            total -= OTHER_COUNTY
            reasons.append(f"annat län / another county (-{OTHER_COUNTY:.0f})")
        if record.local and candidate.local and not evidence and not national:
            # Each listed by its own town's register, seated there, sharing nothing but a common
            # name ("Föreningen Gemenskap"): two local associations. A regional one is listed by
            # registers of towns it is not seated in (active_in), and keeps its chance.
            total -= LOCAL_NAMESAKES
            reasons.append(
                "samma namn, var och en lokal i sin egen kommun / the same name, each local to its own "
                f"municipality (-{LOCAL_NAMESAKES:.0f})"
            )
    # An exact e-mail, phone or website of the association's own is worth a person's look even when
    # the names differ (a renamed club), unless the names place them in different towns.
    if evidence and total < REVIEW_AT and not placed_apart:
        # The contact weight on top, so the pair that shares a contact outranks a namesake.
        total = min(MERGE_AT - 1, REVIEW_AT + contact)
        reasons.append(
            f"delad kontaktuppgift räcker för granskning / a shared contact is enough for review ({total:.0f})"
        )
    if same_register and total >= MERGE_AT and not twice:
        total = MERGE_AT - 1
        reasons.append(
            "samma register: en förening står där en gång, en person avgör / the same register lists an "
            "association once: a person decides"
        )
    return Match(candidate.id, max(0.0, min(total, 100.0)), tuple(reasons), contact)


@functools.lru_cache(maxsize=65536)
def _kind_word(token: str) -> bool:
    return any(token.endswith(ending) for ending in vocabulary().kind_endings)


def _one_word_more(record: Features, candidate: Features) -> str | None:
    """The one word (not a place) one name adds to the other, when the shorter name's other words
    only say what kind of association it is; else None."""
    mine, theirs = set(record.tokens), set(candidate.tokens)
    if mine == theirs or not (mine <= theirs or theirs <= mine):
        return None
    shorter, longer = (mine, theirs) if mine <= theirs else (theirs, mine)
    places = record.places | candidate.places
    added = longer - shorter
    core = shorter - places
    if len(added) == 1 and not added & places and core and all(_kind_word(t) for t in core):
        return next(iter(added))
    return None


def best_match(record: Features, candidates: Iterable[Features], *, source: str | None = None) -> Match | None:
    """The best-scoring candidate (ties broken by id, so every run decides alike), if any."""
    scored = [m for m in (score(record, c, source=source) for c in candidates) if m is not None]
    if not scored:
        return None
    best = max(scored, key=lambda m: (m.score, m.actor_id))
    if best.score >= MERGE_AT and not best.contact and any(m.contact for m in scored):
        # The name says one actor, the record's own e-mail, phone or website another: the evidence
        # disagrees, so a person decides ("Föreningen BK Ängen" shares its name key with "Ånge
        # Bollklubb" but its e-mail with the association it was renamed from).
        reason = (
            "en annan aktör delar en kontaktuppgift, en person avgör / another actor shares a contact: a person decides"
        )
        best = Match(best.actor_id, MERGE_AT - 1, (*best.reasons, reason), best.contact)
    return best
