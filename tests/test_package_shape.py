"""The package root is light: the importers, the data-access layer and the command line load without the
HTTP layer (flask-smorest, the resources, the pages), and the app factory lives in `registry.app`."""

from __future__ import annotations

import subprocess
import sys

import pytest

HTTP_LAYER = ("flask_smorest", "registry.app", "registry.api", "registry.web", "registry.security")


def _loaded_after(statement: str) -> set[str]:
    probe = f"import sys\n{statement}\nprint(' '.join(m for m in {HTTP_LAYER!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


@pytest.mark.parametrize(
    "statement",
    [
        "import registry",
        "import registry.dao.actors, registry.dao.imports, registry.dao.taxonomy",
        "import importers.engine, importers.cli",
        "import registry.cli_support, registry.tokens_cli, registry.gdpr_cli, registry.export_cli",
    ],
)
def test_the_http_layer_is_not_loaded_by(statement: str) -> None:
    assert _loaded_after(statement) == set()


def test_the_package_root_is_light() -> None:
    # The factory lives in registry.app; the root holds only the version.
    import registry

    assert not hasattr(registry, "create_app")
    assert _loaded_after("import registry") == set()
