"""The Flask service: configuration, the data-access layer, HTTP resources and pages.

Light on purpose: importing `registry.x` loads `registry.x` and what it needs, never the whole HTTP
layer. The app factory is `registry.app.create_app`."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # `from registry import create_app` (older callers, bench/) still works, loading the app only then.
    if name == "create_app":
        from registry.app import create_app

        return create_app
    raise AttributeError(f"module 'registry' has no attribute {name!r}")
