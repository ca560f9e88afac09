"""Normalisation of the fields Swedish registers carry, with maintained libraries where they exist.

Each function returns the normalised value, or raises `ValueError` with a message an officer
can act on. Importers and the API share these, so a value means the same wherever it entered.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit

import phonenumbers
from stdnum.exceptions import ValidationError
from stdnum.se import orgnr

_POSTAL = re.compile(r"^(?:SE-?)?\s*(\d{3})\s?(\d{2})$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]{2,}$")
_SPLIT = re.compile(r"[,;\s]+")


def org_number(value: str) -> str:
    """'8024123456' or '802412-3456' -> '802412-3456'; the Luhn check digit must hold."""
    try:
        compact = orgnr.validate(value)
    except ValidationError as exc:
        raise ValueError(f"ogiltigt organisationsnummer / invalid organisation number: {value!r}") from exc
    return orgnr.format(compact)


def phone(value: str) -> str:
    """Swedish or international phone number -> E.164 ('+46586420900')."""
    try:
        parsed = phonenumbers.parse(value, "SE")
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"ogiltigt telefonnummer / invalid phone number: {value!r}") from exc
    if not phonenumbers.is_possible_number(parsed):
        raise ValueError(f"ogiltigt telefonnummer / invalid phone number: {value!r}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def postal_code(value: str) -> str:
    """'69231', '692 31', 'SE-692 31' -> '692 31'."""
    match = _POSTAL.match(value.strip())
    if not match:
        raise ValueError(f"ogiltigt postnummer / invalid postal code: {value!r}")
    return f"{match.group(1)} {match.group(2)}"


def postal_code_problem(code: str) -> str | None:
    """Why a well-formed postal code cannot exist ('000 00': Swedish codes run from 100 00 to 984 99), or None."""
    digits = code.replace(" ", "")
    if not digits.isdigit() or not 10000 <= int(digits) <= 98499:
        return (
            f"postnumret {code!r} finns inte (100 00–984 99); värdet behölls / postal code {code!r} cannot exist; kept"
        )
    return None


# The longest Swedish national number has 9 digits after the country code (10 with the trunk 0);
# international numbers have at most 15 digits (E.164).
_MAX_SE_DIGITS = 9


def phone_problem(number: str) -> str | None:
    """Why a number that `phone` accepted is suspect (too long for a Swedish number, or not valid), or None."""
    try:
        parsed = phonenumbers.parse(number, "SE")
    except phonenumbers.NumberParseException:
        return None
    national = str(parsed.national_number)
    if (parsed.country_code == 46 and len(national) > _MAX_SE_DIGITS) or len(national) > 14:
        return (
            f"telefonnumret {number!r} har för många siffror; värdet behölls / "
            f"phone number {number!r} has too many digits; kept"
        )
    if not phonenumbers.is_valid_number(parsed):
        return (
            f"telefonnumret {number!r} ser inte giltigt ut; värdet behölls / "
            f"phone number {number!r} looks invalid; kept"
        )
    return None


def website_problem(url: str) -> str | None:
    """Why a website `website` accepted is malformed (a host starting or ending with a dot, an empty
    label, a user name before the host), or None. The value is kept: an officer can still read it."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if "@" in parts.netloc:
        return (
            f"webbadressen {url!r} har ett användarnamn före värden; värdet behölls / "
            f"website {url!r} has user info; kept"
        )
    if not host or host.startswith(".") or host.endswith(".") or ".." in host or "." not in host.strip("."):
        return f"webbadressen {url!r} har en felaktig värd; värdet behölls / website {url!r} has a malformed host; kept"
    if not re.fullmatch(r"[a-z0-9åäöü.-]+", host) or any(
        label.startswith("-") or label.endswith("-") for label in host.split(".")
    ):
        return f"webbadressen {url!r} har en felaktig värd; värdet behölls / website {url!r} has a malformed host; kept"
    return None


def emails(value: str | list[str]) -> list[str]:
    """One field may hold several addresses ('a@x.se, b@y.se'); each is checked, lower-cased, deduplicated."""
    parts = value if isinstance(value, list) else _SPLIT.split(value)
    result: list[str] = []
    for part in parts:
        address = part.strip().strip("<>").lower()
        if not address:
            continue
        if not _EMAIL.match(address):
            raise ValueError(f"ogiltig e-postadress / invalid e-mail address: {part!r}")
        if address not in result:
            result.append(address)
    return result


def website(value: str) -> str | None:
    """' ' -> None; 'www.x.se' -> 'https://www.x.se'; keeps an explicit http(s) scheme."""
    text = value.strip()
    if not text:
        return None
    if not re.match(r"^[a-z][a-z0-9+.-]*://", text, re.IGNORECASE):
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or "." not in parts.netloc or " " in parts.netloc:
        raise ValueError(f"ogiltig webbadress / invalid website: {value!r}")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, parts.fragment))


# -- free text from registers ----------------------------------------------------------------
_SPACE = re.compile(r"\s+")
_WORD_PART = re.compile(r"([^\W\d_]+)", re.UNICODE)
_WORD = re.compile(r"\w+")
# Abbreviations that stay in capitals when a shouted name is lowered: sports clubs (IFK, BK),
# national organisations (PRO, SPF, KFUM) and legal forms (AB, HB).
_ACRONYMS = frozenset(
    [
        "IF",
        "IK",
        "IFK",
        "BK",
        "FF",
        "FK",
        "SK",
        "GIF",
        "AIK",
        "BIK",
        "GK",
        "HK",
        "IBK",
        "SSK",
        "PRO",
        "SPF",
        "SKPF",
        "KFUM",
        "KFUK",
        "IOGT",
        "NTO",
        "RFSU",
        "RFSL",
        "SISU",
        "ABF",
        "NBV",
        "SV",
        "HSB",
        "DHR",
        "FUB",
        "RBU",
        "SRF",
        "SDF",
        "HSO",
        "UNF",
        "SMU",
        "SSU",
        "MUF",
        "CUF",
        "LUF",
        "KDU",
        "HBTQ",
        "LGBT",
        "ECPAT",
        "BRIS",
        "KRIS",
        "AB",
        "HB",
        "EK",
        "UF",
        "RF",
        "FMN",
        "BMX",
        "MC",
        "KK",
        "SMK",
        "SMF",
        "SPRF",
    ]
)
_SMALL_WORDS = frozenset(["och", "i", "för", "av", "på", "till", "med", "vid", "den", "det", "de", "en", "ett", "som"])
_PARTICLES = frozenset(["af", "av", "von", "van", "der", "de", "la", "du", "da", "di", "zu"])


def text(value: str | None) -> str | None:
    """Trimmed, inner whitespace and line breaks collapsed; '' and ' ' become None."""
    if value is None:
        return None
    text = str(value)
    if "  " in text or "\n" in text or "\t" in text or "\r" in text or "\xa0" in text:
        text = _SPACE.sub(" ", text)
    return text.strip() or None


def _is_shouted(value: str) -> bool:
    # Every cased letter in capitals, and at least one cased letter.
    return value.isupper()


def _capitalise(word: str) -> str:
    # Capitalise each letter run, so "KARL-ERIK" -> "Karl-Erik" and "O'NEIL" -> "O'Neil".
    return _WORD_PART.sub(lambda m: m.group(1)[:1].upper() + m.group(1)[1:].lower(), word)


def org_name(value: str) -> str:
    """An organisation's name, trimmed; a name written in capitals is lowered, keeping its abbreviations.

    'KUMLA PENSIONÄRSFÖRENING' -> 'Kumla Pensionärsförening', 'IFK NORA' -> 'IFK Nora'; a name
    with its own mix of capitals ('SPF Seniorerna Kumla', 'McKinsey') is left as written.
    """
    name = text(value)
    if not name:
        raise ValueError("namn saknas / name is missing")
    if not _is_shouted(name):
        return name
    words = []
    for index, word in enumerate(name.split(" ")):
        bare = "".join(c for c in word if c.isalpha())
        if _is_acronym(bare):
            words.append(word)
        elif index > 0 and bare.lower() in _SMALL_WORDS:
            words.append(word.lower())
        elif "-" in word:
            # SOKU-ÖREBRO -> SOKU-Örebro, IOGT-NTO stays: each part of a hyphenated word on its own.
            parts = word.split("-")
            words.append(
                "-".join(
                    p
                    if _is_acronym(p) or (i == 0 and len(p) <= _SHORT_PARTS and len("".join(parts[1:])) > _SHORT_PARTS)
                    else _capitalise(p)
                    for i, p in enumerate(parts)
                )
            )
        else:
            words.append(_capitalise(word))
    return " ".join(words)


# Consonant pairs that begin Swedish words (blå, fjäll, skog, strand ...): a short capitalised word
# that begins with any other pair (DKFÖ, KFUM) cannot be read as a word, so it is an abbreviation.
_ONSETS = frozenset(
    [
        "bl",
        "br",
        "dr",
        "dv",
        "fj",
        "fl",
        "fr",
        "gl",
        "gn",
        "gr",
        "hj",
        "kl",
        "kn",
        "kr",
        "kv",
        "lj",
        "mj",
        "nj",
        "pl",
        "pr",
        "ps",
        "sc",
        "sf",
        "sh",
        "sj",
        "sk",
        "sl",
        "sm",
        "sn",
        "sp",
        "st",
        "sv",
        "th",
        "tj",
        "tr",
        "ts",
        "tv",
        "vr",
        "wh",
        "ch",
        "ph",
    ]
)
_VOWELS = "AEIOUYÅÄÖ"
_SHORT_PARTS = 4


def _is_acronym(bare: str) -> bool:
    """Whether a shouted word is an abbreviation to keep in capitals: a known one, a short one
    without a vowel (BK, HK), or a short one that no Swedish word could begin like (DKFÖ, SOKU)."""
    if not bare:
        return False
    if bare in _ACRONYMS:
        return True
    if len(bare) <= 3 and not any(c in _VOWELS for c in bare):
        return True
    # CV-CV abbreviations (SOKU, RUFS) read like words; only a list could tell them from NORA, so for
    # those the hyphenated form is the clue (org_name): a short first part before a longer word.
    return (
        len(bare) <= _SHORT_PARTS
        and bare.isupper()
        and bare[0] not in _VOWELS
        and len(bare) > 1
        and bare[1] not in _VOWELS
        and bare[:2].lower() not in _ONSETS
    )


def person_name(value: str) -> str:
    """A person's name with each part capitalised when written all in lower or upper case.

    'anna svensson' -> 'Anna Svensson', 'Karl-erik LUNDH' -> 'Karl-Erik Lundh'; particles
    ('af', 'von') stay lower case after the first name; 'McDonald' is left as written.
    """
    name = text(value)
    if not name:
        raise ValueError("namn saknas / name is missing")
    parts = []
    for index, part in enumerate(name.split(" ")):
        if index > 0 and part.lower() in _PARTICLES:
            parts.append(part.lower())
        elif part == part.lower() or part == part.upper():
            parts.append(_capitalise(part))
        elif "-" in part:
            parts.append("-".join(_capitalise(p) if p in (p.lower(), p.upper()) else p for p in part.split("-")))
        else:
            parts.append(part)
    return " ".join(parts)


def locality(value: str) -> str | None:
    """A place name: 'KUMLA' -> 'Kumla', 'västra frölunda' -> 'Västra Frölunda'; None when empty."""
    place = text(value)
    if not place:
        return None
    if place == place.upper() or place == place.lower():
        return " ".join(_capitalise(w) for w in place.split(" "))
    return place


# Each word must end where the street name would go on: "Ringstorpsvägen 20" and "Ingenjörsgatan 3"
# are addresses; "Ring ordföranden" and "Ingen adress" are not.
_NOT_ADDRESS = re.compile(
    r"^(?:-+$|\.+$|\?+$|x\b|saknas\b|se\b|finns\s+(?:ej|inte)\b|ingen\b|inga\b|okänd\b|ej\b|n/?a\b|kontakta\b|"
    r"ring\b|via\b|adress\s+saknas\b|hemlig\b|skyddad\b)",
    re.IGNORECASE,
)


def street_address(value: str) -> str | None:
    """A street or box address; None when empty. Text that is not an address ('Se hemsidan',
    'Saknas', an e-mail or web address) raises ValueError."""
    address = text(value)
    if not address:
        return None
    if _NOT_ADDRESS.match(address) or "@" in address or "http" in address.lower() or "www." in address.lower():
        raise ValueError(f"ingen gatuadress / not a street address: {value!r}")
    if not any(c.isalpha() for c in address):
        raise ValueError(f"ingen gatuadress / not a street address: {value!r}")
    return address if not _is_shouted(address) else " ".join(_capitalise(w) for w in address.split(" "))


_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")


def year(value: str | int, *, latest: int | None = None) -> int:
    """A year from '1923', '1923-05-01' or 'Bildad 1923'; not before 1500 nor after `latest`."""
    if isinstance(value, int):
        found = value
    else:
        match = _YEAR.search(str(value))
        if not match:
            raise ValueError(f"ogiltigt årtal / invalid year: {value!r}")
        found = int(match.group(1))
    if found < 1500 or (latest is not None and found > latest):
        raise ValueError(f"ogiltigt årtal / invalid year: {value!r}")
    return found


_COUNT = re.compile(r"\d[\d\s\u00a0]*")


def count(value: str | int) -> int:
    """A non-negative whole number from '120', 'ca 120', '1 200'; raises ValueError otherwise."""
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"ogiltigt antal / invalid number: {value!r}")
        return value
    match = _COUNT.search(str(value))
    if not match:
        raise ValueError(f"ogiltigt antal / invalid number: {value!r}")
    return int(re.sub(r"\s", "", match.group(0)))


_ELLIPSIS = re.compile(r"\s*(?:\.{2,}|…)\s*$")


def truncated_list(value: str) -> str | None:
    """Text cut off with '...' by a register's field limit loses its unfinished last item.

    'Fotboll, bandy, innebandy, gymna...' -> 'Fotboll, bandy, innebandy'; text without a
    trailing ellipsis is only trimmed.
    """
    cleaned = text(value)
    if not cleaned:
        return None
    if not _ELLIPSIS.search(cleaned):
        return cleaned
    cut = _ELLIPSIS.sub("", cleaned)
    if "," in cut:
        cut = cut.rsplit(",", 1)[0]
    elif " " in cut:
        cut = cut.rsplit(" ", 1)[0]
        # 'Körsång och fika…' loses 'fika', and then its dangling 'och'.
        while " " in cut and cut.rsplit(" ", 1)[1].lower() in (*_SMALL_WORDS, "samt"):
            cut = cut.rsplit(" ", 1)[0]
    return cut.strip(" ,;") or None


@functools.lru_cache(maxsize=16384)
def fold(value: str) -> str:
    """Lower case without accents: 'Pensionärsförening' -> 'pensionarsforening'."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Words that do not tell two associations apart, and the definite and plural endings of the
# words that name an organisation's form, so that 'Pensionärsföreningen i Kumla' and 'Kumla
# Pensionärsförening' share a key.
_KEY_STOP = frozenset(
    [
        "i",
        "och",
        "for",
        "av",
        "pa",
        "med",
        "vid",
        "till",
        "the",
        "of",
        "and",
        "ideell",
        "ideella",
        "ek",
        "ekonomisk",
        "forening",
        "foreningen",
    ]
)
_KEY_ENDINGS = (
    ("foreningarna", "forening"),
    ("foreningar", "forening"),
    ("foreningen", "forening"),
    ("forbundet", "forbund"),
    ("klubben", "klubb"),
    ("sallskapet", "sallskap"),
    ("gillet", "gille"),
    ("kyrkan", "kyrka"),
    ("forsamlingen", "forsamling"),
    ("laget", "lag"),
    ("kretsen", "krets"),
    ("karen", "kar"),
)


@functools.lru_cache(maxsize=16384)
def name_key(value: str) -> str:
    """The blocking key of entity resolution: folded words of a name, form endings unified, sorted.

    Two names with the same key are candidates for being one actor; a fuzzy score decides.
    """
    tokens = _WORD.findall(fold(value.replace("&", " och ")))
    words: set[str] = set()
    for token in tokens:
        for ending, base in _KEY_ENDINGS:
            if token.endswith(ending):
                token = token[: -len(ending)] + base
                break
        if token not in _KEY_STOP:
            words.add(token)
    return " ".join(sorted(words)) or " ".join(sorted(set(tokens)))


def website_domain(url: str | None) -> str | None:
    """'https://www.kumlaif.se/om' -> 'kumlaif.se'."""
    if not url:
        return None
    host = urlsplit(url if "://" in url else "https://" + url).hostname or ""
    return host.removeprefix("www.") or None


def email_domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower()


# Unicode's explicit direction controls: embeddings, overrides and isolates (U+202A-U+202E,
# U+2066-U+2069), and the marks (U+200E, U+200F, U+061C). In a name they only serve to make it
# display as something it is not ("Trojan source": 'Kumla IF' written backwards shows as
# another club), and a registry's names never need them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def bidi_controls(value: str) -> list[str]:
    """The direction controls in `value`, as code points ('U+202E'); empty when there are none."""
    return sorted({f"U+{ord(c):04X}" for c in value if c in BIDI_CONTROLS})


def without_bidi_controls(value: str) -> str:
    """A name as typed, refused (`ValueError`) when it holds a direction control (see `BIDI_CONTROLS`)."""
    found = bidi_controls(value)
    if found:
        raise ValueError(
            f"namnet innehåller styrtecken för skrivriktning ({', '.join(found)}) / "
            f"the name holds text direction control characters ({', '.join(found)})"
        )
    return value
