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
    "actor.coordinates": ("Position", "Position"),
    "precision.address": ("adressens läge", "the address's position"),
    "precision.postal_code": ("ungefärlig: postnumrets ort", "approximate: the postal code's locality"),
    "precision.locality": ("ungefärlig: orten", "approximate: the locality"),
    "precision.municipality": ("ungefärlig: kommunens centralort", "approximate: the municipality's main locality"),
    "actor.contacts": ("Kontaktpersoner", "Contact persons"),
    "actor.relationships": ("Relationer", "Relationships"),
    "actor.map": ("Relationskarta", "Relationship map"),
    "actor.history": ("Ändringshistorik", "Change history"),
    "actor.sources": ("Källor", "Sources"),
    "actor.sources.intro": (
        "Vad varje register angav och när. Sätet tas från en källa inom aktörens område före en "
        "faktura- eller huvudkontorsadress på annat håll, en angiven adress före en härledd, nyare före äldre.",
        "What each register said, and when. The seat comes from a source inside the actor's area before "
        "an invoice or head-office address elsewhere, a stated address before a derived one, newer before older.",
    ),
    "actor.sources.source": ("Källa", "Source"),
    "actor.sources.when": ("Senast ändrad (UTC)", "Last changed (UTC)"),
    "actor.sources.said": ("Angav", "Said"),
    "actor.sources.seat": ("Sätet kommer härifrån", "The seat comes from here"),
    "actor.sources.no_record": ("inmatad för hand eller demodata", "entered by hand or demo data"),
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
    "gaps.legend.unknown": ("Okänt: för få aktörer anger målgrupp", "Unknown: too few actors state target groups"),
    "gaps.coverage": (
        "Målgruppsdata: {with_groups} av {actors} civila aktörer anger målgrupp, {without_groups} gör det inte.",
        "Target-group data: {with_groups} of {actors} civil actors state target groups, {without_groups} do not.",
    ),
    "gaps.coverage.insufficient": (
        "Under {share} %: tomma rutor visas som okända, inte som luckor.",
        "Below {share} %: empty cells are shown as unknown, not as gaps.",
    ),
    "gaps.legend.low": ("Få aktörer", "Few actors"),
    "gaps.legend.ok": ("Täckt", "Covered"),
    "gaps.missing_in": ("Saknas i: {names}", "None in: {names}"),
    "error.heading": ("Något gick fel", "Something went wrong"),
    "footer.data": (
        "Referensdata: SCB:s kommun- och länskoder (CC0). Demodata är påhittade.",
        "Reference data: SCB municipality and county codes (CC0). Demo data is fictional.",
    ),
    # map explorer and actor page
    "explorer.heading": ("Kartutforskaren", "Map explorer"),
    "explorer.intro": (
        "Välj en aktör, ett område, en mötesarena eller en samhällsutmaning och vad kartan ska visa. "
        "Sidans adress går att dela.",
        "Choose an actor, an area, a meeting arena or a societal challenge and what the map shows. "
        "The page's address can be shared.",
    ),
    "explorer.errors": ("Kontrollera fälten:", "Please check these fields:"),
    "explorer.subject": ("Kartans ämne", "The map's subject"),
    "explorer.filters": ("Kartans filter", "Map filters"),
    "explorer.depth": ("Djup", "Depth"),
    "explorer.depth.hint": ("Steg från aktören (1–3), för aktörskartor.", "Hops from the actor (1–3), for actor maps."),
    "explorer.types": ("Relationstyper", "Relationship types"),
    "explorer.types.hint": (
        "Ingen vald: alla. Gäller aktörs- och områdeskartor.",
        "None chosen: all. For actor and area maps.",
    ),
    "explorer.valid_at": ("Gällande datum", "Valid at"),
    "explorer.valid_at.hint": ("ÅÅÅÅ-MM-DD; tomt: i dag.", "YYYY-MM-DD; empty: today."),
    "explorer.size_by": ("Nodstorlek efter", "Node size by"),
    "explorer.size_by.degree": ("Antal relationer", "Number of relationships"),
    "explorer.size_by.betweenness": ("Brobyggarroll (betweenness)", "Brokerage (betweenness)"),
    "explorer.update": ("Uppdatera kartan", "Update the map"),
    "explorer.actor": ("Aktör", "Actor"),
    "explorer.actor.q": ("Sök aktör efter namn", "Find an actor by name"),
    "explorer.actor.find": ("Sök aktör", "Find actor"),
    "explorer.actor.chosen": ("Vald aktör: {name}", "Chosen actor: {name}"),
    "explorer.actor.results": ("Välj en aktör", "Choose an actor"),
    "explorer.actor.none": ("Ingen aktör matchar namnet.", "No actor matches the name."),
    "explorer.area": ("Område", "Area"),
    "explorer.area.show": ("Visa områdets karta", "Show the area's map"),
    "explorer.arena": ("Mötesarena", "Meeting arena"),
    "explorer.arena.choose": ("Arena", "Arena"),
    "explorer.arena.show": ("Visa arenans karta", "Show the arena's map"),
    "explorer.challenge": ("Samhällsutmaning", "Societal challenge"),
    "explorer.challenge.choose": ("Utmaning", "Challenge"),
    "explorer.challenge.show": ("Visa utmaningens karta", "Show the challenge's map"),
    "explorer.choose": ("Välj", "Choose"),
    "explorer.map": ("Relationskarta", "Relationship map"),
    "explorer.empty": (
        "Välj en aktör, ett område, en arena eller en utmaning för att se en karta.",
        "Choose an actor, an area, an arena or a challenge to see a map.",
    ),
    "explorer.download": ("Ladda ner kartan", "Download the map"),
    "explorer.open": ("Öppna kartan i eget fönster", "Open the map on its own"),
    "explorer.cap": (
        "En karta visar högst {max} noder; en större säger hur den kan begränsas med filtren.",
        "A map shows at most {max} nodes; a larger one says how to narrow it with the filters.",
    ),
    "explorer.not_found.area": ("Kommunen eller länet finns inte.", "Municipality or county not found."),
    "explorer.not_found.arena": ("Arenan finns inte.", "Arena not found."),
    "explorer.not_found.challenge": ("Samhällsutmaningen finns inte.", "Societal challenge not found."),
    "actor.explore": ("Öppna i kartutforskaren", "Open in the map explorer"),
    "actor.rel.dependency": ("Beroenden", "Dependencies"),
    "actor.rel.none": ("Inga registrerade.", "None recorded."),
    "actor.rel.ended": ("avslutad", "ended"),
    "actor.history.range": (
        "Ändring {first}–{last} av {total}, senaste först.",
        "Changes {first}–{last} of {total}, latest first.",
    ),
    "actor.history.pages": ("Sidor i ändringshistoriken", "Pages of the change history"),
    "actor.history.none": ("Inga registrerade ändringar.", "No recorded changes."),
    "actor.history.when": ("När (UTC)", "When (UTC)"),
    "actor.history.what": ("Vad", "What"),
    "actor.history.who": ("Vem", "Who"),
    "actor.history.changes": ("Ändrat (före → efter)", "Changed (before → after)"),
    # umbrella page
    "umbrella.signin.heading": ("Logga in som paraplyorganisation", "Sign in as an umbrella organisation"),
    "umbrella.signin.intro": (
        "Klistra in den API-token som registrets förvaltare gav er paraplyorganisation. Sidan är bara för "
        "paraplyorganisationer; samordnare och administratörer använder API:t.",
        "Paste the API token the registry's administrators gave your umbrella organisation. This page is for "
        "umbrella organisations only; coordinators and admins use the API.",
    ),
    "umbrella.signin.token": ("API-token", "API token"),
    "umbrella.signin.submit": ("Logga in", "Sign in"),
    "umbrella.signin.invalid": ("Ogiltig eller återkallad token.", "Invalid or revoked token."),
    "umbrella.signin.not_umbrella": (
        "Sidan är bara för paraplyorganisationer; den här tokenen har rollen {role}.",
        "This page is for umbrella organisations only; this token has the role {role}.",
    ),
    "umbrella.signin.too_many": (
        "För många misslyckade inloggningar. Försök igen om en stund.",
        "Too many failed sign-ins. Try again in a while.",
    ),
    "umbrella.signin.unavailable": (
        "Inloggningen fungerar inte just nu: servern saknar sin hemlighet för tokens.",
        "Signing in is not possible now: the server lacks its token secret.",
    ),
    "umbrella.signin.expired": (
        "Inloggningen gäller inte längre (utloggad, för gammal eller återkallad token). Logga in igen.",
        "The sign-in is no longer valid (signed out, too old, or the token was revoked). Sign in again.",
    ),
    "umbrella.signed_in_as": ("Inloggad som {name}", "Signed in as {name}"),
    "umbrella.signout": ("Logga ut", "Sign out"),
    "umbrella.members.heading": ("Medlemmar i {name}", "Members of {name}"),
    "umbrella.members.count": ("{total} aktuella medlemmar", "{total} current members"),
    "umbrella.members.none": ("Inga aktuella medlemmar.", "No current members."),
    "umbrella.members.since": ("Medlem sedan {since}", "Member since {since}"),
    "umbrella.members.saved": ("Ändringarna sparades.", "The changes were saved."),
    "umbrella.edit": ("Ändra", "Edit"),
    "umbrella.edit.heading": ("Ändra {name}", "Edit {name}"),
    "umbrella.edit.intro": (
        "Ni kan ändra kontaktuppgifter, verksamhet, målgrupper och medlemsantal. Namn, organisationsnummer "
        "och säte kommer från registren.",
        "You can change contact data, activities, target groups and member count. Name, organisation number "
        "and seat come from the registers.",
    ),
    "umbrella.edit.emails": ("E-postadresser (en per rad)", "E-mail addresses (one per line)"),
    "umbrella.edit.phones": ("Telefonnummer (ett per rad)", "Phone numbers (one per line)"),
    "umbrella.edit.street_address": ("Gatuadress", "Street address"),
    "umbrella.edit.postal_code": ("Postnummer", "Postal code"),
    "umbrella.edit.locality": ("Postort", "Locality"),
    "umbrella.edit.contact": ("Kontaktperson {n}", "Contact person {n}"),
    "umbrella.edit.contact_new": ("Ny kontaktperson", "New contact person"),
    "umbrella.edit.contact_hint": (
        "Töm alla fält för en kontaktperson för att ta bort den.",
        "Empty every field of a contact person to remove them.",
    ),
    "umbrella.contact.name": ("Namn", "Name"),
    "umbrella.contact.role": ("Roll", "Role"),
    "umbrella.save": ("Spara", "Save"),
    "umbrella.edit.unchanged": ("Inget ändrades.", "Nothing changed."),
    "umbrella.edit.invalid": (
        "Rätta uppgifterna nedan; inget sparades.",
        "Correct the fields below; nothing was saved.",
    ),
    "umbrella.edit.stale": (
        "Någon annan ändrade medlemmen medan du redigerade, så din ändring sparades inte. Formuläret visar nu de "
        "aktuella uppgifterna; gör om din ändring.",
        "Someone else changed the member while you were editing, so your change was not saved. The form now shows "
        "the current data; make your change again.",
    ),
    "umbrella.edit.attempted": ("Det du försökte spara", "What you tried to save"),
    "umbrella.back": ("Tillbaka till medlemmarna", "Back to the members"),
    "umbrella.upload.heading": ("Ladda upp medlemslistan", "Upload the member list"),
    "umbrella.upload.intro": (
        "CSV, XLSX, JSON eller JSON Lines. Först visas vad listan skulle göra; inget sparas förrän du väljer Genomför.",
        "CSV, XLSX, JSON or JSON Lines. First you see what the list would do; nothing is saved until you choose Apply.",
    ),
    "umbrella.upload.file": ("Fil", "File"),
    "umbrella.upload.format": ("Format", "Format"),
    "umbrella.upload.format_auto": ("Känn igen själv", "Detect"),
    "umbrella.upload.sheet": ("Blad i XLSX-filen (valfritt)", "Sheet of the XLSX file (optional)"),
    "umbrella.upload.sync": (
        "Avsluta medlemskap som saknas i listan (inget raderas)",
        "End memberships missing from the list (nothing is deleted)",
    ),
    "umbrella.upload.submit": ("Förhandsgranska", "Preview"),
    "umbrella.upload.no_file": ("Välj en fil att ladda upp.", "Choose a file to upload."),
    "umbrella.preview.heading": ("Förhandsgranskning: {file}", "Preview: {file}"),
    "umbrella.preview.nothing_written": (
        "Inget är sparat ännu. Stämmer det? Välj Genomför.",
        "Nothing is saved yet. Does it look right? Choose Apply.",
    ),
    "umbrella.preview.applied": ("Medlemslistan {file} är inläst", "The member list {file} is imported"),
    "umbrella.preview.failed": ("Filen kunde inte läsas in", "The file could not be imported"),
    "umbrella.preview.created": ("Nya aktörer", "New actors"),
    "umbrella.preview.matched": ("Befintliga aktörer som känns igen", "Existing actors recognised"),
    "umbrella.preview.changed": ("Varav ändrade sedan förra listan", "Of which changed since the last list"),
    "umbrella.preview.queued": ("Till granskning (möjliga dubbletter)", "Queued for review (possible duplicates)"),
    "umbrella.preview.rejected": ("Avvisade rader", "Rejected rows"),
    "umbrella.preview.ended": ("Medlemskap som avslutas", "Memberships ended"),
    "umbrella.preview.sync_off": (
        "Inga medlemskap avslutas: rutan för att avsluta saknade medlemskap var inte ikryssad.",
        "No membership ends: the box to end missing memberships was not ticked.",
    ),
    "umbrella.preview.line": ("Rad {line}: {reason}", "Line {line}: {reason}"),
    "umbrella.preview.apply": ("Genomför", "Apply"),
    "umbrella.preview.cancel": ("Avbryt", "Cancel"),
    "umbrella.preview.expired": (
        "Förhandsgranskningen finns inte längre. Ladda upp filen igen.",
        "The preview is no longer there. Upload the file again.",
    ),
    "umbrella.csrf": (
        "Formuläret har gått ut eller kom inte från den här sidan. Ladda om sidan och försök igen.",
        "The form has expired or did not come from this page. Reload the page and try again.",
    ),
    "umbrella.members.pending": (
        "Väntar på bekräftelse: ni kan inte ändra eller se kontaktpersoner förrän en administratör, "
        "en samordnare eller föreningen själv har bekräftat medlemskapet",
        "Awaiting confirmation: you cannot edit it or see its contact persons until an admin, a "
        "coordinator or the association itself has confirmed the membership",
    ),
    "umbrella.members.no_rights": (
        "Inte er att ändra (offentlig eller privat aktör, eller en annan paraplyorganisation)",
        "Not yours to edit (a public or private actor, or another umbrella organisation)",
    ),
    "umbrella.preview.pending": (
        "Befintliga aktörer som blir väntande medlemmar (inget av listan skrivs till dem)",
        "Existing actors that become pending members (nothing of the list is written to them)",
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
