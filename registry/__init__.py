"""The Flask service: configuration, the data-access layer, HTTP resources and pages.

Light on purpose: importing `registry.x` loads `registry.x` and what it needs, never the whole HTTP
layer. The app factory is `registry.app.create_app`."""

__version__ = "0.1.0"
