"""The shape of the package graph: no import cycle (tests/test_package_shape.py: a light root).

Read with `ast` (no module is imported): every module-level import between the project's packages
is an edge (imports under `if TYPE_CHECKING:` are left out: they never run). A cycle is a group of
modules that reach each other. Function-level imports are counted too: each one must have a
reason other than dodging a cycle (an optional heavy dependency loaded only when used).
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

from registry.config import PROJECT_ROOT

PACKAGES = ("registry", "importers", "graph_schema", "visualisations")


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (PROJECT_ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _imports(module: str, path: Path, top_level: bool) -> set[str]:
    """The project modules `module` imports at module level (`top_level`) or inside functions."""
    found: set[str] = set()

    def visit(nodes: list[ast.stmt], top: bool) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, ast.Import | ast.ImportFrom):
                if top != top_level:
                    continue
                if isinstance(node, ast.Import):
                    found.update(a.name for a in node.names)
                else:
                    base = node.module or ""
                    if node.level:
                        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
                        for _ in range(node.level - 1):
                            package = package.rpartition(".")[0]
                        base = f"{package}.{base}" if base else package
                    found.add(base)
                    found.update(f"{base}.{a.name}" for a in node.names)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(node.body, False)
            elif isinstance(node, ast.ClassDef):
                visit(node.body, top)
            else:
                for field in ("body", "orelse", "finalbody", "handlers"):
                    block = getattr(node, field, None)
                    if isinstance(block, list):
                        visit([n for n in block if isinstance(n, ast.stmt | ast.ExceptHandler)], top)  # type: ignore[misc]

    visit(ast.parse(path.read_text(encoding="utf-8")).body, True)
    return found


def _graph() -> nx.DiGraph:
    modules = _modules()
    graph: nx.DiGraph = nx.DiGraph()
    for module, path in modules.items():
        graph.add_node(module)
        for name in _imports(module, path, top_level=True):
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != module:
                graph.add_edge(module, name)
    return graph


def test_no_import_cycle() -> None:
    cycles = [sorted(group) for group in nx.strongly_connected_components(_graph()) if len(group) > 1]
    assert cycles == []
