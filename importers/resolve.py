"""Entity resolution: is a new source record an actor the graph already has?

In order: the same organisation number is the same actor. Otherwise the candidates are the
actors whose name key (`registry.domain.normalize.name_key`) equals the record's, in the same
municipality or a neighbouring one (one in the same county: the reference data has counties,
not borders). Each candidate is scored: the fuzzy similarity of the folded names (rapidfuzz
token-sort ratio, 0-100), minus 15 when the municipality differs, plus 10 each for the same
website domain, a shared e-mail domain (not a mail provider's) and a shared phone number.
From `MERGE_AT` the record is merged into the best candidate; from `REVIEW_AT` a person
decides (review queue); below, the record becomes a new actor. Two different organisation
numbers always mean two actors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from registry.domain.normalize import email_domain, fold, website_domain

MERGE_AT = 90.0
REVIEW_AT = 70.0

_MAIL_PROVIDERS = frozenset(
    [
        "gmail.com",
        "hotmail.com",
        "hotmail.se",
        "outlook.com",
        "outlook.se",
        "live.se",
        "live.com",
        "msn.com",
        "yahoo.com",
        "yahoo.se",
        "icloud.com",
        "me.com",
        "telia.com",
        "spray.se",
        "bredband.net",
        "comhem.se",
        "tele2.se",
        "passagen.se",
        "mail.com",
        "protonmail.com",
        "proton.me",
        "bahnhof.se",
        "glocalnet.net",
    ]
)


@dataclass(frozen=True)
class Match:
    actor_id: str
    score: float
    reasons: tuple[str, ...]


def score(record: dict[str, Any], record_county: str | None, candidate: dict[str, Any]) -> Match | None:
    """The candidate's score for the record, or None when they cannot be the same actor."""
    org, other_org = record.get("org_number"), candidate.get("org_number")
    if org and other_org and org != other_org:
        return None
    if candidate.get("county_code") != record_county:
        return None
    similarity = fuzz.token_sort_ratio(
        fold(record["name"]), fold(candidate.get("name") or ""), processor=default_process
    )
    total = similarity
    reasons = [f"namnlikhet / name similarity {similarity:.0f}"]
    if candidate.get("municipality_code") != record.get("municipality_code"):
        total -= 15
        reasons.append("annan kommun i länet / another municipality in the county (-15)")
    domain = website_domain(record.get("website"))
    if domain and domain == website_domain(candidate.get("website")):
        total += 10
        reasons.append(f"samma webbplats / same website {domain} (+10)")
    mine = {email_domain(e) for e in record.get("emails") or []} - _MAIL_PROVIDERS
    shared = mine & {email_domain(e) for e in candidate.get("emails") or []}
    if shared:
        total += 10
        reasons.append(f"samma e-postdomän / same e-mail domain {min(shared)} (+10)")
    if set(record.get("phones") or []) & set(candidate.get("phones") or []):
        total += 10
        reasons.append("samma telefonnummer / same phone number (+10)")
    return Match(candidate["id"], min(total, 100.0), tuple(reasons))


def best_match(record: dict[str, Any], record_county: str | None, candidates: list[dict[str, Any]]) -> Match | None:
    """The best-scoring candidate (ties broken by id, so every run decides alike), if any."""
    scored = [m for m in (score(record, record_county, c) for c in candidates) if m is not None]
    if not scored:
        return None
    return max(scored, key=lambda m: (m.score, m.actor_id))
