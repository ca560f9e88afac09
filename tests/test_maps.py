"""Map rendering without a browser: offline page, escaping, encoding, layout, size cap and the pyvis wrapper."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R
from registry.config import PROJECT_ROOT
from registry.domain.network import Network, NetworkEdge, NetworkNode
from visualisations import SizeBy
from visualisations.maps import (
    MAX_NODES,
    PHYSICS_MAX_NODES,
    MapNetwork,
    MapTooLargeError,
    build_map,
    render_map,
    write_map,
)
from visualisations.page import assets
from visualisations.sample import sample_network

PAYLOADS = (
    "<img src=x onerror=alert(1)>",
    '"><script>alert(1)</script>',
    '<a href="javascript:alert(1)">Klicka här</a>',
    "</script><script>alert(2)</script>",
    "<!-- kommentar --> ' & \u2028",
)

# Absolute URLs that occur inside vis-network's own file as text (licence banner, an XML
# namespace, an error message): nothing ever fetches them. Any other URL fails the test.
INERT_URLS = {
    "http://almende.com",
    "http://opensource.org/licenses/MIT",
    "http://www.apache.org/licenses/LICENSE-2.0",
    "http://www.w3.org/2000/svg",
    "https://github.com/uuidjs/uuid#getrandomvalues-not-supported",
    "https://github.com/visjs",
    "https://github.com/zloirock/core-js",
    "https://github.com/zloirock/core-js/blob/v3.21.1/LICENSE",
    "https://visjs.github.io/vis-network/",
}


def actor(node_id: str, name: str, sector: str = "civil", kind: str = "association", **facts: Any) -> NetworkNode:
    return NetworkNode(node_id, L.ACTOR, name, sector, kind, "1881", dict(facts))


def hostile_network() -> Network:
    nodes = [actor("kumla", "Kumla kommun", "public", "municipality", org_number="212000-1850")]
    nodes += [actor(f"h{i}", name, description=name) for i, name in enumerate(PAYLOADS)]
    nodes.append(actor("ao", "Åsa Öbergs förening för äldre i Närke", locality="Örebro"))
    edges = [
        NetworkEdge(f"e{i}", R.FUNDS, "kumla", n.id, {"amount_sek": 1000 * (i + 1), "note": PAYLOADS[0]})
        for i, n in enumerate(nodes[1:])
    ]
    return Network(nodes, edges)


def page_data(html: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', html, re.S)
    assert match, "the page has no data block"
    return json.loads(match.group(1))


class _Tags(HTMLParser):
    """Collects elements and attributes, and text outside <script>/<style>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._in = tag
            self.scripts.append("") if tag == "script" else None

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "script":
            self.scripts[-1] += data


def parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


# -- offline ----------------------------------------------------------------------------
def test_page_references_nothing_outside_itself() -> None:
    html = render_map(sample_network(60), title="Karta")
    tags = parse(html)
    for tag, attrs in tags.tags:
        for name in ("src", "href", "action", "srcset", "poster", "data", "formaction"):
            value = attrs.get(name)
            # The one link is the icon, "data:," so that browsers do not ask the server for /favicon.ico.
            assert value is None or value.startswith("data:"), f"<{tag} {name}={value}> loads something"
        assert tag not in ("iframe", "object", "embed", "base"), f"<{tag}> in the page"
    css_urls = re.findall(r"url\(\s*['\"]?([^'\")]*)", html)
    assert css_urls and all(u.startswith("data:") for u in css_urls), "a CSS url() that is not a data: URI"
    assert "@import" not in html
    assert "sourceMappingURL" not in html
    assert not re.search(r"cdn\.|jsdelivr|cdnjs|unpkg|bootstrap", html, re.I)
    urls = set(re.findall(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>)\\]*", html))
    assert urls <= INERT_URLS, f"external URLs in the page: {sorted(urls - INERT_URLS)}"


def test_vis_network_is_inlined_from_the_copy_pyvis_ships() -> None:
    import pyvis

    shipped = (Path(pyvis.__file__).parent / "lib" / "vis-9.1.2" / "vis-network.min.js").read_text(encoding="utf-8")
    html = render_map(sample_network(10), title="Karta")
    scripts = parse(html).scripts
    # The data block, vis-network (without its source-map comment), and the map's own script.
    assert len(scripts) == 3
    assert scripts[1].strip() == shipped.split("//# sourceMappingURL=")[0].strip()
    css = (Path(pyvis.__file__).parent / "lib" / "vis-9.1.2" / "vis-network.css").read_text(encoding="utf-8")
    assert css in html


def test_content_security_policy_allows_exactly_the_inline_scripts() -> None:
    html = render_map(sample_network(10), title="Karta")
    tags = parse(html)
    csp = next(a["content"] for t, a in tags.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert csp is not None
    assert "default-src 'none'" in csp
    allowed = set(re.findall(r"'sha256-([^']+)'", csp))
    executable = tags.scripts[1:]  # the first is JSON, which is never executed
    digests = {base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() for s in executable}
    assert digests == allowed
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "unsafe-eval" not in csp


# -- injection ---------------------------------------------------------------------------
def test_hostile_names_stay_text_in_title_heading_legend_and_data() -> None:
    network = hostile_network()
    title = f"Karta: {PAYLOADS[0]} {PAYLOADS[1]}"
    html = render_map(network, title=title)
    for payload in PAYLOADS:
        assert payload not in html
    assert "<img" not in html
    tags = parse(html)
    assert [t for t, _ in tags.tags].count("script") == 3
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # the escaped title
    data = page_data(html)
    labels = {n[0] for n in data["nodes"]}
    for payload in PAYLOADS[:4]:
        assert payload in labels  # the exact text reaches the map, as text
    descriptions = "\n".join(n[5] for n in data["nodes"])
    assert f"Beskrivning: {PAYLOADS[0]}" in descriptions
    assert all(PAYLOADS[0] in e[5] for e in data["edges"])


def test_map_script_never_writes_html() -> None:
    script = assets().map_js
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function("):
        assert sink not in script
    # pyvis swaps in an innerHTML popup when a title contains "href"; this page has no such switch.
    html = render_map(hostile_network(), title="href")
    assert "popup.innerHTML" not in html
    assert "tooltip_link" not in html


def test_a_newline_in_data_cannot_forge_a_fact_line() -> None:
    node = actor("x", "Förening", description="riktig\nOrganisationsnummer: 000000-0000")
    data = page_data(render_map(Network([node]), title="x"))
    facts = data["nodes"][0][5].split("\n")
    assert facts == ["Kommunkod: 1881", "Beskrivning: riktig Organisationsnummer: 000000-0000"] or facts == [
        "Beskrivning: riktig Organisationsnummer: 000000-0000",
        "Kommunkod: 1881",
    ]


# -- encoding ----------------------------------------------------------------------------
def test_file_is_utf8_even_when_the_locale_is_ascii(tmp_path: Path) -> None:
    out = tmp_path / "karta.html"
    code = (
        "from visualisations.maps import write_map\n"
        "from tests.test_maps import hostile_network\n"
        f"write_map(hostile_network(), {str(out)!r}, title='Åsa Öberg – karta över Närke')\n"
    )
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    script = tmp_path / "write.py"
    script.write_text(code, encoding="utf-8")  # source files are UTF-8 whatever the locale
    result = subprocess.run([sys.executable, str(script)], cwd=PROJECT_ROOT, env=env, capture_output=True, check=False)
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    raw = out.read_bytes()
    text = raw.decode("utf-8")
    assert '<meta charset="utf-8">' in text[:200]
    assert "Åsa Öberg – karta över Närke" in text
    assert "Åsa Öbergs förening för äldre i Närke".encode() in raw  # as UTF-8 bytes, not \\u escapes


def test_counts_in_page_equal_the_network() -> None:
    network = sample_network(120)
    html = render_map(network, title="Karta")
    data = page_data(html)
    assert len(data["nodes"]) == len(network.nodes)
    assert len(data["edges"]) == len(network.edges)
    assert f'<span id="node-count">{len(network.nodes)}</span>' in html
    assert f'<span id="edge-count">{len(network.edges)}</span>' in html


def _styles(network: Network) -> tuple[dict[str, Any], dict[str, dict[str, Any]], dict[str, list[Any]]]:
    net = build_map(network, title="x")
    data = net.page["data"]
    names = {n[0]: data["groups"][n[1]] for n in data["nodes"]}
    by_target = {data["nodes"][e[1]][0]: e for e in data["edges"]}
    return data, names, by_target


def test_node_colour_by_sector_umbrella_apart_and_shape_by_kind() -> None:
    network = Network(
        [
            actor("k", "Kommunen", "public", "municipality"),
            actor("v", "Vårdcentralen", "public", "primary-care"),
            actor("f", "Föreningen", "civil", "association"),
            actor("p", "Paraplyet", "civil", "umbrella"),
            actor("b", "Bolaget", "private", "company"),
            NetworkNode("a", L.ARENA, "Arenan"),
        ]
    )
    _, groups, _ = _styles(network)
    colours = {name: g["color"] for name, g in groups.items()}
    assert len({colours["Kommunen"], colours["Föreningen"], colours["Paraplyet"], colours["Bolaget"]}) == 4
    assert colours["Kommunen"] == colours["Vårdcentralen"]
    assert groups["Kommunen"]["shape"] != groups["Vårdcentralen"]["shape"]
    assert groups["Paraplyet"]["shape"] == "star"
    assert groups["Arenan"]["shape"] == "box"
    assert groups["Paraplyet"]["term"] == "Paraplyorganisation / Umbrella organisation"
    assert "Offentlig sektor / Public sector" in groups["Kommunen"]["term"]


def test_edge_encoding_follows_the_collaboration_model() -> None:
    centre = actor("c", "Centrum")
    ends = {k: actor(k, k) for k in ("power", "sym", "comp", "fund", "pos", "neg", "member", "arena", "chal")}
    ends["arena"] = NetworkNode("arena", L.ARENA, "arena")
    ends["chal"] = NetworkNode("chal", L.CHALLENGE, "chal")
    edges = [
        NetworkEdge("1", R.DEPENDS_ON, "c", "power", {"kind": "power", "strength": 5, "resource": "money"}),
        NetworkEdge("2", R.DEPENDS_ON, "c", "sym", {"kind": "symbiotic", "strength": 1}),
        NetworkEdge("3", R.DEPENDS_ON, "c", "comp", {"kind": "competition"}),
        NetworkEdge("4", R.FUNDS, "c", "fund", {"amount_sek": 125000, "year": 2025, "form": "iop"}),
        NetworkEdge("5", R.PERCEIVES, "c", "pos", {"valence": 2}),
        NetworkEdge("6", R.PERCEIVES, "c", "neg", {"valence": -1}),
        NetworkEdge("7", R.MEMBER_OF, "c", "member", {}),
        NetworkEdge("8", R.PARTICIPATES_IN, "c", "arena", {"role": "convener"}),
        NetworkEdge("9", R.ENGAGED_IN, "c", "chal", {"stage": "dialogue", "anchored": True}),
    ]
    data, _, by_target = _styles(Network([centre, *ends.values()], edges))
    style = {t: data["edgeStyles"][e[2]] for t, e in by_target.items()}
    assert style["power"]["color"] == "#d62728" and style["power"]["arrows"] == "to" and style["power"]["power"]
    assert by_target["power"][3] > by_target["sym"][3]  # width by strength
    assert style["sym"]["arrows"] == "to, from" and style["sym"]["color"] == "#2ca02c"
    assert style["comp"]["dashes"] and style["comp"]["color"] == "#ff7f0e" and style["comp"]["arrows"] == ""
    assert style["fund"]["color"] == "#1f77b4"
    assert by_target["fund"][4] == "125\u00a0000\u00a0kr"
    assert style["pos"]["color"] == "#2ca02c" and style["neg"]["color"] == "#d62728"
    assert style["member"]["color"] == "#7f7f7f"
    assert style["arena"]["color"] == "#c7c7c7"
    assert by_target["chal"][4] == "Samtal och dialog"  # each actor's stage on its edge
    assert "Förankrad: ja / yes" in by_target["chal"][5]
    assert "Resurs: money" in by_target["power"][5]


def test_legend_is_in_swedish_and_english_and_lists_what_is_drawn() -> None:
    network = Network(
        [actor("k", "Kommunen", "public", "municipality"), actor("f", "Föreningen")],
        [NetworkEdge("1", R.DEPENDS_ON, "f", "k", {"kind": "power", "strength": 3})],
    )
    html = render_map(network, title="x")
    legend = html.split('<aside id="legend"')[1].split("</aside>")[0]
    assert "Teckenförklaring / Legend" in legend
    assert "Kommun / Municipality · Offentlig sektor / Public sector" in legend
    assert "Makt / Power" in legend
    assert "Finansiering" not in legend  # only what the map shows
    assert "Storlek: antal relationer. / Size: number of relationships." in legend


def test_size_by_degree_or_betweenness() -> None:
    # Three stars joined through one hub: by degree the star centres are largest, by betweenness the hub.
    nodes = [actor("hub", "Navet")]
    edges = []
    for star in ("s1", "s2", "s3"):
        nodes.append(actor(star, f"Stjärna {star}"))
        edges.append(NetworkEdge(f"hub-{star}", R.MEMBER_OF, star, "hub"))
        for i in range(4):
            nodes.append(actor(f"{star}-{i}", f"Blad {star} {i}"))
            edges.append(NetworkEdge(f"{star}-e{i}", R.MEMBER_OF, f"{star}-{i}", star))
    network = Network(nodes, edges)

    def sizes(size_by: SizeBy) -> dict[str, int]:
        data = build_map(network, title="x", size_by=size_by).page["data"]
        return {n[0]: n[4] for n in data["nodes"]}

    by_degree, by_betweenness = sizes("degree"), sizes("betweenness")
    assert by_degree["Stjärna s1"] > by_degree["Navet"]
    assert by_betweenness["Navet"] > by_betweenness["Stjärna s1"] > by_betweenness["Blad s1 0"]


# -- layout and scale --------------------------------------------------------------------
def test_small_maps_run_physics_large_maps_are_laid_out_on_the_server() -> None:
    small = build_map(sample_network(PHYSICS_MAX_NODES), title="x").page["data"]
    large = build_map(sample_network(PHYSICS_MAX_NODES + 1), title="x").page["data"]
    assert small["physics"] and small["options"]["physics"]["enabled"]
    assert not large["physics"] and not large["options"]["physics"]["enabled"]
    positions = {(n[2], n[3]) for n in large["nodes"]}
    assert len(positions) == len(large["nodes"])  # every node has its own place


def test_layout_is_the_same_in_every_process() -> None:
    code = (
        "import hashlib\n"
        "from visualisations.maps import render_map\n"
        "from visualisations.sample import sample_network\n"
        "print(hashlib.sha256(render_map(sample_network(700), title='x').encode()).hexdigest())\n"
    )
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=True
        )
        digests.add(result.stdout.strip())
    assert len(digests) == 1


def test_layout_keeps_neighbours_closer_than_strangers() -> None:
    data = build_map(sample_network(800), title="x").page["data"]
    pos = [(n[2], n[3]) for n in data["nodes"]]

    def dist(a: int, b: int) -> float:
        return ((pos[a][0] - pos[b][0]) ** 2 + (pos[a][1] - pos[b][1]) ** 2) ** 0.5

    linked = sorted(dist(e[0], e[1]) for e in data["edges"])
    strangers = sorted(dist(i, (i * 7919 + 13) % len(pos)) for i in range(len(pos)))
    assert linked[len(linked) // 2] < strangers[len(strangers) // 2] / 2


def test_past_the_cap_the_map_is_refused_with_how_to_filter() -> None:
    network = Network([actor(f"a{i}", f"A {i}") for i in range(MAX_NODES + 1)])
    with pytest.raises(MapTooLargeError) as info:
        build_map(network, title="x")
    message = str(info.value)
    assert f"{MAX_NODES + 1} noder" in message and "types" in message and "interest_area" in message
    assert "Filtrera" in message or "filter" in message
    with pytest.raises(MapTooLargeError):
        build_map(Network([actor("a", "A")], truncated_from=MAX_NODES + 10), title="x")


def test_a_truncated_network_under_the_cap_says_so() -> None:
    html = render_map(Network([actor("a", "A")], truncated_from=40), title="x")
    assert "Kartan är avkortad: 1 av 40 noder visas" in html


def test_long_names_are_shortened_on_the_map_and_whole_in_the_tooltip() -> None:
    name = "Överenskommelse om samverkan mellan Region Örebro län, kommunerna och den idéburna sektorn"
    data = page_data(render_map(Network([NetworkNode("o", L.AGREEMENT, name)]), title="x"))
    label, *_, full = data["nodes"][0]
    assert label == name[:47] + "…" and full == name


def test_an_empty_network_renders_a_page_that_says_so() -> None:
    html = render_map(Network(), title="Tom")
    assert "Inget att visa med de här filtren" in html
    assert page_data(html)["nodes"] == []


# -- the pyvis wrapper -------------------------------------------------------------------
def test_map_network_is_a_pyvis_network_with_constant_time_adds() -> None:
    from pyvis.network import Network as PyvisNetwork

    net = MapNetwork()
    assert isinstance(net, PyvisNetwork)
    net.add_node("a", label="A")
    net.add_node("a", label="again")  # pyvis ignores a repeated id; so does this
    net.add_node("b", label="B")
    net.add_edge("a", "b")
    net.add_edge("a", "b", title="parallel")  # two relationship types between one pair both count
    assert net.num_nodes() == 2 and net.num_edges() == 2
    with pytest.raises(ValueError, match="unknown nodes"):
        net.add_edge("a", "nope")


def test_pyvis_write_html_goes_through_the_safe_page(tmp_path: Path) -> None:
    net = build_map(hostile_network(), title="Åäö")
    out = tmp_path / "pyvis.html"
    net.write_html(str(out))
    text = out.read_text(encoding="utf-8")
    assert not re.search(r"cdnjs|jsdelivr|bootstrap", text, re.I)
    assert PAYLOADS[0] not in text and "Åäö" in text


def test_write_map_reports_what_it_wrote(tmp_path: Path) -> None:
    summary = write_map(sample_network(30), tmp_path / "m.html", title="x")
    assert (summary.nodes, summary.physics) == (30, True)
    assert summary.edges == len(sample_network(30).edges)
