"""How a map encodes the collaboration model: colours, shapes, edge styles, legend and tooltip text (sv/en).

Everything here is plain data and plain text. Tooltips are strings that vis-network shows with
`innerText`, never HTML, so a name can never become markup.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graph_schema.contract import Label as L
from graph_schema.relationship_types import BY_TYPE, DECLARED, EdgeLook
from graph_schema.vocabulary import STAGES
from registry.domain.actor import KINDS, SECTORS
from registry.domain.network import NetworkEdge, NetworkNode


@dataclass(frozen=True)
class Term:
    sv: str
    en: str

    def both(self) -> str:
        return self.sv if self.sv == self.en else f"{self.sv} / {self.en}"


# The map says what the domain says: its vocabularies, not copies that drift from them.
SECTOR_TERMS: dict[str, Term] = {key: Term(t.sv, t.en) for key, t in SECTORS.items()}
UMBRELLA = "umbrella"
KIND_TERMS: dict[str, Term] = {key: Term(t.sv, t.en) for key, t in KINDS.items()}

LABEL_TERMS: dict[str, Term] = {
    L.ACTOR: Term("Aktör", "Actor"),
    L.ARENA: Term("Mötesarena", "Meeting arena"),
    L.CHALLENGE: Term("Samhällsutmaning", "Societal challenge"),
    L.AGREEMENT: Term("Överenskommelse", "Agreement"),
    L.MUNICIPALITY: Term("Kommun (plats)", "Municipality (place)"),
}

# Node colours: sector for actors, umbrella organisations apart from the rest of civil society.
SECTOR_COLOURS: dict[str, str] = {
    "public": "#3465a4",
    "civil": "#2a9d8f",
    UMBRELLA: "#7b3fa0",
    "private": "#8d6e63",
}
UNKNOWN_COLOUR = "#9e9e9e"
# Other nodes: (shape, colour) by label; boxes fit their label.
LABEL_LOOKS: dict[str, tuple[str, str]] = {
    L.ARENA: ("box", "#e9c46a"),
    L.CHALLENGE: ("ellipse", "#f4a261"),
    L.AGREEMENT: ("box", "#cfd8dc"),
    L.MUNICIPALITY: ("database", "#b0bec5"),
}

# Shapes whose label sits outside them, so size can carry degree or betweenness.
KIND_SHAPES: dict[str, str] = {
    "municipality": "square",
    "region": "square",
    "municipal-department": "triangleDown",
    "primary-care": "triangle",
    "association": "dot",
    UMBRELLA: "star",
    "study-association": "hexagon",
    "faith-community": "diamond",
    "foundation": "diamond",
    "cooperative": "hexagon",
    "company": "dot",
    "other": "dot",
}
# What the legend draws for a shape (a character in the node's colour).
SHAPE_SYMBOLS: dict[str, str] = {
    "dot": "●",
    "square": "■",
    "triangle": "▲",
    "triangleDown": "▼",
    "star": "★",
    "hexagon": "⬢",
    "diamond": "◆",
    "box": "▭",
    "ellipse": "⬭",
    "database": "⛁",
}


@dataclass(frozen=True)
class NodeStyle:
    key: str  # one vis-network group per style
    shape: str
    colour: str
    sized: bool  # label-outside shapes scale with degree/betweenness; boxes fit their label


def node_style(node: NetworkNode) -> NodeStyle:
    if node.label == L.ACTOR:
        kind = node.kind if node.kind in KIND_SHAPES else "other"
        sector_key = UMBRELLA if kind == UMBRELLA else (node.sector or "")
        colour = SECTOR_COLOURS.get(sector_key, UNKNOWN_COLOUR)
        return NodeStyle(f"{sector_key or 'unknown'}:{kind}", KIND_SHAPES[kind], colour, True)
    shape, colour = LABEL_LOOKS.get(node.label, ("box", UNKNOWN_COLOUR))
    return NodeStyle(node.label, shape, colour, False)


# -- edges ------------------------------------------------------------------------------
# Each declared relationship type brings its styles (graph_schema.relationship_types).
STAGE_TERMS: dict[str, Term] = {t.id: Term(t.sv, t.en) for t in STAGES}


@dataclass(frozen=True)
class EdgeStyle:
    key: str
    term: Term
    colour: str
    arrows: str  # "", "to", "to;from"
    dashes: bool = False
    legend_note: Term | None = None


def _style(look: EdgeLook) -> EdgeStyle:
    note = Term(*look.note) if look.note else None
    return EdgeStyle(look.key, Term(look.sv, look.en), look.colour, look.arrows, look.dashes, note)


OTHER = EdgeStyle("other", Term("Annan relation", "Other relationship"), "#bdbdbd", "")
EDGE_STYLES: dict[str, EdgeStyle] = {
    s.key: s for s in (*(_style(look) for d in DECLARED for look in d.map.styles), OTHER)
}
# Each type's own styles, so a property value can only pick one of them.
_TYPE_STYLES: dict[str, dict[str, EdgeStyle]] = {
    d.type: {look.key: EDGE_STYLES[look.key] for look in d.map.styles} for d in DECLARED
}

# Width from strength 1–5 (power and symbiotic dependencies); others fixed.
_FIXED_WIDTH: dict[str, float] = {
    look.key: look.width for d in DECLARED for look in d.map.styles if look.width is not None
}


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


def edge_style(edge: NetworkEdge) -> EdgeStyle:
    declared = BY_TYPE.get(edge.type)
    if declared is None:
        return OTHER
    look, own = declared.map, _TYPE_STYLES[edge.type]
    if look.by is not None:
        value = edge.properties.get(look.by)
        if look.by_sign:
            number = _number(value) or 0
            key = look.prefix + ("+" if number > 0 else "-" if number < 0 else "0")
        else:
            key = f"{look.prefix}{value}"
        if key in own:
            return own[key]
    return own.get(look.default, OTHER)


def edge_width(edge: NetworkEdge, style: EdgeStyle) -> float:
    if style.key in _FIXED_WIDTH:
        return _FIXED_WIDTH[style.key]
    strength = _number(edge.properties.get("strength"))
    if strength is not None:
        return max(1.0, min(5.0, strength)) * 1.2
    return 2


def format_sek(amount: Any) -> str:
    """50000 → "50 000 kr" (Swedish digit grouping with a no-break space)."""
    value = _number(amount)
    if value is None:
        return str(amount)
    return f"{round(value):,}".replace(",", "\u00a0") + "\u00a0kr"


def edge_label(edge: NetworkEdge, style: EdgeStyle) -> str:
    declared = BY_TYPE.get(edge.type)
    key = declared.map.label_by if declared else None
    value = edge.properties.get(key) if key else None
    if value is None:
        return ""
    if key == "amount_sek":
        return format_sek(value)
    if key == "stage":
        return STAGE_TERMS[value].sv if value in STAGE_TERMS else ""
    return fact_text(value)


# -- tooltips ---------------------------------------------------------------------------
FACT_TERMS: dict[str, Term] = {
    "org_number": Term("Organisationsnummer", "Organisation number"),
    "municipality": Term("Kommun", "Municipality"),
    "municipality_code": Term("Kommunkod", "Municipality code"),
    "municipality_name": Term("Kommun", "Municipality"),
    "locality": Term("Ort", "Locality"),
    "founded_year": Term("Grundad", "Founded"),
    "member_count": Term("Medlemmar", "Members"),
    "website": Term("Webbplats", "Website"),
    "interest_areas": Term("Verksamhetsområden", "Interest areas"),
    "target_groups": Term("Målgrupper", "Target groups"),
    "resources_offered": Term("Erbjuder", "Offers"),
    "resources_needed": Term("Behöver", "Needs"),
    "description": Term("Beskrivning", "Description"),
    "cadence": Term("Mötesrytm", "Cadence"),
    "stage": Term("Steg", "Stage"),
    "kind": Term("Typ", "Kind"),
    "resource": Term("Resurs", "Resource"),
    "strength": Term("Styrka (1–5)", "Strength (1–5)"),
    "amount_sek": Term("Belopp", "Amount"),
    "year": Term("År", "Year"),
    "form": Term("Form", "Form"),
    "valence": Term("Värdering (−2…+2)", "Valence (−2…+2)"),
    "role": Term("Roll", "Role"),
    "since": Term("Sedan", "Since"),
    "anchored": Term("Förankrad", "Anchored"),
    "valid_from": Term("Gäller från", "Valid from"),
    "valid_to": Term("Gäller till", "Valid to"),
    "confidence": Term("Säkerhet", "Confidence"),
    "source": Term("Källa", "Source"),
    "note": Term("Anteckning", "Note"),
    "title": Term("Titel", "Title"),
}
# Bookkeeping that means nothing to a reader of the map.
# `mutual` is what the arrowheads already say.
_HIDDEN_PROPS = frozenset({"created_by", "created_at", "history", "id", "mutual", "name", "updated_at", "version"})
_MAX_VALUE_CHARS = 160


LABEL_MAX_CHARS = 48


def short_label(name: str) -> str:
    """The text drawn beside a node: long titles of challenges and agreements would cover the map."""
    text = fact_text(name)
    return text if len(text) <= LABEL_MAX_CHARS else text[: LABEL_MAX_CHARS - 1] + "…"


def fact_text(value: Any) -> str:
    if type(value) is str:
        text = value
    elif isinstance(value, bool):
        return "ja / yes" if value else "nej / no"
    elif isinstance(value, list | tuple | set | frozenset):
        text = ", ".join(fact_text(v) for v in value)
    elif isinstance(value, Mapping):
        text = ", ".join(f"{k}: {fact_text(v)}" for k, v in value.items())
    else:
        text = str(value)
    # One line per fact: a tooltip stays readable, and a newline in data cannot forge a fact.
    text = " ".join(text.split())
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 1] + "…"


def _fact_lines(facts: Mapping[str, Any]) -> list[str]:
    lines = []
    for key, value in facts.items():
        if key in _HIDDEN_PROPS or value is None or value == "" or value == []:
            continue
        term = FACT_TERMS.get(key)
        name = term.sv if term else key.replace("_", " ")
        if key == "amount_sek":
            shown = format_sek(value)
        elif key == "stage" and value in STAGE_TERMS:
            shown = STAGE_TERMS[value].both()
        else:
            shown = fact_text(value)
        lines.append(f"{name}: {shown}")
    return lines


def node_fact_lines(node: NetworkNode) -> list[str]:
    """The facts under a node's name and kind in its tooltip, one "name: value" line each."""
    # The kind and sector codes are already said, in words, on the line above the facts.
    facts = {k: v for k, v in node.facts.items() if not (isinstance(v, str) and v in (node.kind, node.sector))}
    says_place = any(k.lower().startswith(("kommun", "municipality")) for k in facts)
    if node.municipality_code and not says_place:
        facts["municipality_code"] = node.municipality_code
    return _fact_lines(facts)


def edge_details(edge: NetworkEdge, style: EdgeStyle) -> str:
    """The properties under a relationship's type and ends in its tooltip."""
    props = dict(edge.properties)
    declared = BY_TYPE.get(edge.type)
    # A value that picked the style is already said by the type line (a sign is not the value).
    if declared and declared.map.by and not declared.map.by_sign and style.key != declared.map.default:
        props.pop(declared.map.by, None)
    return "\n".join(_fact_lines(props))
