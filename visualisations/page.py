"""The map page: one self-contained, escaped UTF-8 HTML document with every script and style inline.

This replaces pyvis's template, which loads vis-network and Bootstrap from CDNs (even in its
"local" mode), renders without autoescaping and switches tooltips to `innerHTML` when a title
contains "href". Here vis-network's JS and CSS come from the copy pyvis ships in its own
package; the data travels as an escaped JSON block that is parsed, never evaluated; and a
Content-Security-Policy that allows only these exact scripts (by hash) and no network access
at all backs that up in the browser.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

VIS_VERSION = "9.1.2"


@dataclass(frozen=True)
class Assets:
    vis_js: str
    vis_css: str
    map_js: str
    map_css: str
    csp: str


def _read(package: str, *parts: str) -> str:
    return resources.files(package).joinpath(*parts).read_text(encoding="utf-8")


def _script_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


@cache
def assets() -> Assets:
    vis_js = _read("pyvis", "lib", f"vis-{VIS_VERSION}", "vis-network.min.js")
    vis_css = _read("pyvis", "lib", f"vis-{VIS_VERSION}", "vis-network.css")
    # The source-map comment makes developer tools fetch a file this page does not have.
    vis_js = re.sub(r"\n//# sourceMappingURL=\S*\s*$", "\n", vis_js)
    map_js = _read("visualisations", "static", "map.js")
    map_css = _read("visualisations", "static", "map.css")
    for name, text, closing in (("vis_js", vis_js, "</script"), ("vis_css", vis_css, "</style")):
        # Inlined verbatim: a closing tag inside would end the element early.
        if closing in text.lower():
            raise RuntimeError(f"{name} contains {closing}; it cannot be inlined")
    csp = "; ".join(
        (
            "default-src 'none'",
            f"script-src {_script_hash(vis_js)} {_script_hash(map_js)}",
            "style-src 'unsafe-inline'",
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )
    return Assets(vis_js, vis_css, map_js, map_css, csp)


def content_security_policy() -> str:
    """The policy the page carries in a meta tag; servers send it as a header too."""
    return assets().csp


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("visualisations", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


# Characters that could end the <script> element or start an HTML comment inside it.
_JSON_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def script_json(value: Any) -> Markup:
    """JSON that is safe inside a <script> element: nothing in it can close the element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return Markup(text.translate(_JSON_ESCAPES))  # noqa: S704 (escaped above for the script context)


def render_page(
    *,
    title: str,
    data: dict[str, Any],
    legend: dict[str, Any],
    node_count: int,
    edge_count: int,
    truncated_from: int | None,
) -> str:
    a = assets()
    template = _environment().get_template("map.html")
    return template.render(
        title=title,
        csp=a.csp,
        # Our own and pyvis's packaged files, checked above; inlined as they are.
        vis_js=Markup(a.vis_js),  # noqa: S704
        vis_css=Markup(a.vis_css),  # noqa: S704
        map_js=Markup(a.map_js),  # noqa: S704
        page_css=Markup(a.map_css),  # noqa: S704
        data_json=script_json(data),
        legend=legend,
        node_count=node_count,
        edge_count=edge_count,
        truncated_from=truncated_from,
    )


def write_page(html: str, path: str | Path) -> int:
    """Writes the page as UTF-8 whatever the locale says; returns the number of bytes."""
    encoded = html.encode("utf-8")
    Path(path).write_bytes(encoded)
    return len(encoded)
