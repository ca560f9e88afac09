"""Every label an officer reads on the pages, in Swedish (default) and English, in one place.

Domain vocabularies (sectors, kinds, relationship kinds, taxonomy terms) carry their own sv/en
labels where they are defined; this catalogue holds the pages' own words.
"""

from __future__ import annotations

from typing import Final

from flask import g, request

LANGUAGES: Final = ("sv", "en")
DEFAULT_LANGUAGE: Final = "sv"
COOKIE: Final = "lang"

LABELS: Final[dict[str, tuple[str, str]]] = {
    "app.title": ("Aktörsregister för samverkan", "Actor registry for collaboration"),
    "app.tagline": (
        "Vem arbetar i vårt område, inom vårt fält, för vår målgrupp?",
        "Who works in our area, in this field, for this target group?",
    ),
    "nav.search": ("Sök aktörer", "Find actors"),
    "nav.map": ("Relationskarta", "Relationship map"),
    "nav.gaps": ("Välfärdsluckor", "Welfare gaps"),
    "nav.umbrella": ("Paraplyorganisation", "Umbrella organisation"),
    "nav.api": ("API", "API"),
    "nav.skip": ("Hoppa till innehållet", "Skip to content"),
    "lang.switch": ("In English", "På svenska"),
    "search.heading": ("Sök aktörer", "Find actors"),
    "search.q": ("Fritext", "Free text"),
    "search.q.hint": ("Namn, verksamhet eller beskrivning", "Name, activities or description"),
    "search.area": ("Kommun eller län", "Municipality or county"),
    "search.municipality": ("Kommun", "Municipality"),
    "search.county": ("Län", "County"),
    "search.interest_area": ("Verksamhetsområde", "Interest area"),
    "search.target_group": ("Målgrupp", "Target group"),
    "search.sector": ("Sektor", "Sector"),
    "search.kind": ("Typ av aktör", "Kind of actor"),
    "search.any": ("Alla", "Any"),
    "search.submit": ("Sök", "Search"),
    "search.results": ("{total} aktörer", "{total} actors"),
    "search.none": ("Inga aktörer matchar sökningen.", "No actors match the search."),
    "search.on_map": ("Visa dessa på en karta", "Show these on a map"),
    "search.facets": ("Fördelning", "Breakdown"),
    "page.previous": ("Föregående", "Previous"),
    "page.next": ("Nästa", "Next"),
    "page.of": ("Sida {page} av {pages}", "Page {page} of {pages}"),
    "actor.facts": ("Fakta", "Facts"),
    "actor.org_number": ("Organisationsnummer", "Organisation number"),
    "actor.address": ("Adress", "Address"),
    "actor.website": ("Webbplats", "Website"),
    "actor.email": ("E-post", "E-mail"),
    "actor.phone": ("Telefon", "Phone"),
    "actor.members": ("Antal medlemmar", "Members"),
    "actor.founded": ("Bildad", "Founded"),
    "actor.activities": ("Verksamhet", "Activities"),
    "actor.interest_areas": ("Verksamhetsområden", "Interest areas"),
    "actor.target_groups": ("Målgrupper", "Target groups"),
    "actor.active_in": ("Verkar även i", "Also active in"),
    "actor.contacts": ("Kontaktpersoner", "Contact persons"),
    "actor.relationships": ("Relationer", "Relationships"),
    "actor.map": ("Relationskarta", "Relationship map"),
    "actor.history": ("Ändringshistorik", "Change history"),
    "actor.not_found": ("Aktören finns inte.", "Actor not found."),
    "gaps.heading": ("Välfärdsluckor i {place}", "Welfare gaps in {place}"),
    "gaps.intro": (
        "Antal civila aktörer per verksamhetsområde och målgrupp. Rött: ingen alls. Gult: färre än "
        "hälften av länets median eller kommuner utan någon. Klicka på en ruta för aktörerna.",
        "Civil actors per interest area and target group. Red: none at all. Yellow: fewer than half "
        "the county's median, or municipalities with none. Select a cell for the actors.",
    ),
    "gaps.show": ("Visa", "Show"),
    "gaps.legend.none": ("Ingen aktör", "No actor"),
    "gaps.legend.low": ("Få aktörer", "Few actors"),
    "gaps.legend.ok": ("Täckt", "Covered"),
    "gaps.missing_in": ("Saknas i: {names}", "None in: {names}"),
    "error.heading": ("Något gick fel", "Something went wrong"),
    "footer.data": (
        "Referensdata: SCB:s kommun- och länskoder (CC0). Demodata är påhittade.",
        "Reference data: SCB municipality and county codes (CC0). Demo data is fictional.",
    ),
}


def current_language() -> str:
    lang: str = g.get("lang", DEFAULT_LANGUAGE)
    return lang


def choose_language() -> str:
    """`?lang=en` switches (and is remembered in a cookie); otherwise the cookie; otherwise Swedish."""
    asked = request.args.get("lang") or request.cookies.get(COOKIE)
    return asked if asked in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, **values: object) -> str:
    """The label for `key` in the current language; an unknown key is a programming error."""
    sv, en = LABELS[key]
    text = en if current_language() == "en" else sv
    return text.format(**values) if values else text


def pick(sv: str, en: str) -> str:
    """One of a vocabulary term's two labels, for the current language."""
    return en if current_language() == "en" else sv
