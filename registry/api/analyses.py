"""/api/v1/analyses/...: welfare gaps, brokers, isolated actors, power and money, pair readiness."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from registry.api.http import page_window, paged_get, query_get
from registry.api.relationship_schemas import LabelledTermSchema, NodeRefSchema
from registry.api.toolkit import handle_domain_errors
from registry.dao.analyses import AnalysisDao
from registry.db import get_graph

blp = Blueprint(
    "analyses",
    __name__,
    url_prefix="/api/v1/analyses",
    description="Analyser av samverkansgrafen: välfärdsluckor, brobyggare, isolerade aktörer, makt och pengar, "
    "samt en heuristik för ett pars beredskap. / Analyses of the collaboration graph.",
)
handle_domain_errors(blp)


class AreaQuerySchema(Schema):
    municipality = fields.String(
        validate=validate.Regexp(r"^\d{4}$"), metadata={"description": "Kommunkod / municipality code (SCB)"}
    )
    county = fields.String(validate=validate.Regexp(r"^\d{2}$"), metadata={"description": "Länskod / county code"})

    @validates_schema
    def one_area(self, data: dict[str, Any], **kwargs: Any) -> None:
        if ("municipality" in data) == ("county" in data):
            raise ValidationError(
                "Ange antingen municipality eller county / Give either municipality or county.", "municipality"
            )


class AreaRefSchema(Schema):
    type = fields.String()
    code = fields.String()
    name = fields.String()


# -- welfare gaps -----------------------------------------------------------------------------


class WelfareGapQuerySchema(AreaQuerySchema):
    ratio = fields.Float(
        load_default=0.5,
        validate=validate.Range(min=0, max=1, min_inclusive=False),
        metadata={"description": "'Långt under': färre än ratio × medianen / 'far below': fewer than ratio × median"},
    )
    only_gaps = fields.Boolean(load_default=False)
    min_share = fields.Float(
        load_default=0.5,
        validate=validate.Range(min=0, max=1),
        metadata={
            "description": "Andel civila aktörer med målgrupp som krävs för att en tom ruta ska vara en lucka "
            "(annars 'unknown') / share of civil actors with a target group needed for an empty cell to be a gap"
        },
    )
    interest_area = fields.String(validate=validate.Length(min=1, max=100))
    target_group = fields.String(validate=validate.Length(min=1, max=100))


class CountedPlaceSchema(Schema):
    code = fields.String()
    name = fields.String()
    count = fields.Integer()


class GapCellSchema(Schema):
    interest_area = fields.Nested(LabelledTermSchema)
    target_group = fields.Nested(LabelledTermSchema)
    count = fields.Integer(metadata={"description": "Civila aktörer / civil actors"})
    county_median = fields.Float(metadata={"description": "Kommun: länets median / municipality: county median"})
    county_total = fields.Integer()
    municipality_median = fields.Float(metadata={"description": "Län: median per kommun / county: per-municipality"})
    flag = fields.String(
        allow_none=True,
        metadata={
            "description": "none | none_in_county | far_below | unknown (för få aktörer med målgrupp / "
            "too few actors with target-group data to tell) | null"
        },
    )
    municipalities_none = fields.List(fields.Nested(CountedPlaceSchema))
    municipalities_far_below = fields.List(fields.Nested(CountedPlaceSchema))
    municipalities_unknown = fields.List(fields.Nested(CountedPlaceSchema))


class TargetGroupCoverageSchema(Schema):
    actors = fields.Integer(metadata={"description": "Civila aktörer i området / civil actors in the area"})
    with_target_groups = fields.Integer()
    without_target_groups = fields.Integer()
    share = fields.Float(allow_none=True)
    min_share = fields.Float()
    sufficient = fields.Boolean(metadata={"description": "false: tomma rutor är 'unknown' / empty cells are unknown"})


class WelfareGapsSchema(Schema):
    area = fields.Nested(AreaRefSchema)
    county = fields.Nested(AreaRefSchema)
    ratio = fields.Float()
    civil_actors = fields.Integer()
    cells_total = fields.Integer()
    gaps = fields.Integer()
    unknown_cells = fields.Integer(
        metadata={"description": "Rutor som inte går att bedöma / cells that cannot be judged"}
    )
    target_group_coverage = fields.Nested(TargetGroupCoverageSchema)
    cells = fields.List(fields.Nested(GapCellSchema))


@blp.route("/welfare-gaps", endpoint="WelfareGaps")
@query_get(blp, WelfareGapQuerySchema, WelfareGapsSchema)
def welfare_gaps(args: dict[str, Any]) -> Any:
    """Välfärdsluckor / Welfare gaps for a municipality or county

    För varje verksamhetsområde × målgrupp: antalet civila aktörer (säte eller verksamma i området;
    smalare termer räknas till bredare). För en kommun jämförs varje ruta med medianen av länets
    kommuner: `none` = ingen här fast länet har några, `none_in_county` = ingen i hela länet,
    `far_below` = färre än `ratio` × medianen. För ett län räknas länet som helhet och de kommuner
    som saknar eller ligger långt under listas per ruta. / For every interest area × target group:
    the number of civil actors seated or active in the area (narrower terms count toward broader
    ones). For a municipality each cell is compared with the median of the county's
    municipalities: `none` = none here though the county has some, `none_in_county` = none in the
    county, `far_below` = fewer than `ratio` × the median. For a county the county as a whole is
    counted and the municipalities with none or far fewer are listed per cell.
    """
    return AnalysisDao(get_graph()).welfare_gaps(
        args.get("municipality"),
        args.get("county"),
        ratio=args["ratio"],
        only_gaps=args["only_gaps"],
        interest_area=args.get("interest_area"),
        target_group=args.get("target_group"),
        min_share=args["min_share"],
    )


# -- brokers ----------------------------------------------------------------------------------


class BrokerQuerySchema(AreaQuerySchema):
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 200))
    valid_at = fields.Date()


class BrokerSchema(Schema):
    actor = fields.Nested(NodeRefSchema)
    score = fields.Float(metadata={"description": "Normaliserad betweenness / normalised betweenness"})
    degree = fields.Integer()
    public_neighbours = fields.Integer()
    civil_neighbours = fields.Integer()


class BridgeNodeSchema(Schema):
    id = fields.String()
    label = fields.String()
    name = fields.String(allow_none=True)
    score = fields.Float()
    degree = fields.Integer()


class BrokersSchema(Schema):
    area = fields.Nested(AreaRefSchema)
    actors = fields.Integer()
    edges = fields.Integer()
    public_sources = fields.Integer()
    sampled_sources = fields.Integer(allow_none=True)
    civil_targets = fields.Integer()
    brokers = fields.List(fields.Nested(BrokerSchema))
    bridging_arenas_and_agreements = fields.List(fields.Nested(BridgeNodeSchema))


@blp.route("/brokers", endpoint="Brokers")
@query_get(blp, BrokerQuerySchema, BrokersSchema)
def brokers(args: dict[str, Any]) -> Any:
    """Brobyggare / Brokers between public and civil actors

    Grafen: områdets aktörer, deras arenor, överenskommelser och utmaningar, och alla relationer
    som gäller (beroenden, finansiering, uppfattningar, medlemskap, deltagande), utan riktning.
    Varje aktör rangordnas efter betweenness (igraph, normerat som networkx
    `betweenness_centrality_subset`) räknat bara på kortaste vägar från offentliga till civila
    aktörer: hur ofta ligger den mellan de två sidorna? I stora kommuner används ett fast
    slumpurval av offentliga startpunkter så att svaret kommer inom ungefär en sekund;
    `sampled_sources` anger hur många. / The area's actors with their arenas, agreements and
    challenges and all valid relationships, undirected; each actor ranked by betweenness counted
    only on shortest paths from public to civil actors (igraph, normalised as networkx's
    `betweenness_centrality_subset`). In large municipalities a fixed-seed sample of public
    sources keeps the answer near a second; `sampled_sources` says how many were used.
    """
    return AnalysisDao(get_graph()).brokers(
        args.get("municipality"), args.get("county"), limit=args["limit"], valid_at=args.get("valid_at")
    )


# -- isolated ---------------------------------------------------------------------------------


class IsolatedQuerySchema(AreaQuerySchema):
    sector = fields.String(validate=validate.OneOf(["public", "civil", "private"]))
    valid_at = fields.Date()


class IsolatedActorSchema(NodeRefSchema):
    memberships = fields.Integer(metadata={"description": "Medlemskap (räknas inte) / memberships (not counted)"})


@blp.route("/isolated", endpoint="Isolated")
@paged_get(blp, IsolatedQuerySchema, IsolatedActorSchema)
def isolated(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """Isolerade aktörer / Isolated actors in an area

    Aktörer (säte eller verksamma i området) utan någon samverkansrelation som gäller:
    inga beroenden, ingen finansiering, inga uppfattningar, inga överenskommelser, arenor,
    utmaningar eller möten. Läge och medlemskap räknas inte. Antalet aktörer i området står i
    huvudet `X-Area-Actors`. / Actors with no valid collaboration relationship; location and
    memberships do not count. The number of actors in the area is in the `X-Area-Actors` header.
    """
    skip, limit = page_window(pagination_parameters)
    result = AnalysisDao(get_graph()).isolated(
        args.get("municipality"),
        args.get("county"),
        sector=args.get("sector"),
        skip=skip,
        limit=limit,
        valid_at=args.get("valid_at"),
    )
    pagination_parameters.item_count = result["total"]
    return result["items"], 200, {"X-Area-Actors": str(result["actors_in_area"])}


# -- power ------------------------------------------------------------------------------------


class PowerQuerySchema(AreaQuerySchema):
    year = fields.Integer(
        validate=validate.Range(1900, 2100),
        metadata={
            "description": "Finansiering detta år; utan: den som gäller i dag / funding of this year; "
            "without: funding valid today"
        },
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))
    valid_at = fields.Date()


class HolderSchema(Schema):
    actor = fields.Nested(NodeRefSchema)
    dependents = fields.Integer()
    total_strength = fields.Integer()
    resources = fields.List(fields.String())


class DependencySchema(Schema):
    id = fields.String(allow_none=True)
    holder = fields.Nested(NodeRefSchema)
    dependent = fields.Nested(NodeRefSchema)
    resource = fields.String(allow_none=True)
    strength = fields.Integer(allow_none=True)


class AmountByActorSchema(Schema):
    actor = fields.Nested(NodeRefSchema)
    amount_sek = fields.Integer()
    recipients = fields.Integer()
    funders = fields.Integer()


class FlowSchema(Schema):
    id = fields.String(allow_none=True)
    funder = fields.Nested(NodeRefSchema)
    recipient = fields.Nested(NodeRefSchema)
    amount_sek = fields.Integer(allow_none=True)
    year = fields.Integer(allow_none=True)
    form = fields.String(allow_none=True)


class MoneySchema(Schema):
    total_sek = fields.Integer()
    by_form = fields.List(fields.Dict())
    by_recipient_sector = fields.List(fields.Dict())
    funders = fields.List(fields.Nested(AmountByActorSchema))
    recipients = fields.List(fields.Nested(AmountByActorSchema))
    flows = fields.List(fields.Nested(FlowSchema))
    flows_total = fields.Integer()


class PowerSchema(Schema):
    area = fields.Nested(AreaRefSchema)
    year = fields.Integer(allow_none=True)
    power_holders = fields.List(fields.Nested(HolderSchema))
    dependencies = fields.List(fields.Nested(DependencySchema))
    dependencies_total = fields.Integer()
    money = fields.Nested(MoneySchema)


@blp.route("/power", endpoint="Power")
@query_get(blp, PowerQuerySchema, PowerSchema)
def power(args: dict[str, Any]) -> Any:
    """Makt och pengar / Power and money in an area

    Maktberoenden (DEPENDS_ON med kind `power`) som rör områdets aktörer: vem har makt över vem,
    med vilken resurs och hur starkt (1–5), summerat per maktinnehavare; och finansiering (FUNDS):
    hur mycket pengar som går från vem till vem, per form och mottagarsektor. / Power dependencies
    touching the area's actors, summed per holder by strength; and funding flows by funder,
    recipient, form and recipient sector.
    """
    return AnalysisDao(get_graph()).power(
        args.get("municipality"),
        args.get("county"),
        year=args.get("year"),
        limit=args["limit"],
        valid_at=args.get("valid_at"),
    )


# -- readiness --------------------------------------------------------------------------------


class ReadinessQuerySchema(Schema):
    a = fields.String(required=True, validate=validate.Length(min=1, max=100))
    b = fields.String(required=True, validate=validate.Length(min=1, max=100))
    valid_at = fields.Date()


class LevelSchema(Schema):
    id = fields.String()
    sv = fields.String()
    en = fields.String()


class TextSchema(Schema):
    sv = fields.String()
    en = fields.String()


class FactorSchema(Schema):
    factor = fields.String()
    sv = fields.String()
    en = fields.String()
    score = fields.Float(metadata={"description": "−1 (hindrar) … +1 (stöder) / −1 (hinders) … +1 (supports)"})
    level = fields.Nested(LevelSchema)
    supports = fields.String(metadata={"description": "willingness | opportunity"})
    explanation = fields.Nested(TextSchema)


class BaseSchema(Schema):
    score = fields.Float()
    arenas = fields.List(fields.String())
    challenges = fields.List(fields.String())
    explanation = fields.Nested(TextSchema)


class ScoreSchema(Schema):
    score = fields.Float()
    level = fields.Nested(LevelSchema)


class ReadinessSchema(Schema):
    heuristic = fields.Boolean(metadata={"description": "Alltid true: detta är en heuristik / always true"})
    note = fields.Nested(TextSchema)
    a = fields.Nested(NodeRefSchema)
    b = fields.Nested(NodeRefSchema)
    factors = fields.List(fields.Nested(FactorSchema))
    relationship_base = fields.Nested(BaseSchema)
    willingness = fields.Nested(ScoreSchema)
    opportunity = fields.Nested(ScoreSchema)


@blp.route("/readiness", endpoint="Readiness")
@query_get(blp, ReadinessQuerySchema, ReadinessSchema)
def readiness(args: dict[str, Any]) -> Any:
    """Beredskap för samverkan (heuristik) / Readiness of a pair to collaborate (a heuristic)

    EN HEURISTIK, INTE EN MÄTNING. Vilja och möjlighet enligt modellens fem faktorer, var och en
    från −1 (hindrar) till +1 (stöder) och förklarad i ord: mål (gemensamma verksamhetsområden och
    målgrupper), resurser (den ena erbjuder vad den andra behöver), beroendeförhållanden
    (ömsesidigt +, konkurrens −, makt − om det inte synliggörs), uppfattningar (hur de ser
    varandra, −2…+2) och lagrum (gemensamma överenskommelser, finansiering). Vilja = medel av mål,
    beroenden och uppfattningar; möjlighet = medel av resurser, lagrum och relationsbasen
    (gemensamma arenor och utmaningar). / A HEURISTIC, NOT A MEASUREMENT. Willingness and
    opportunity from the model's five factors, each scored −1…+1 and explained in words: goals,
    resources, dependency relations, perceptions and legal framework. Willingness is the mean of
    goals, dependency and perceptions; opportunity the mean of resources, legal framework and the
    relationship base (shared arenas and challenges).
    """
    return AnalysisDao(get_graph()).readiness(args["a"], args["b"], valid_at=args.get("valid_at"))
