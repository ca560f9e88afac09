"""Settings from the environment (and an optional `.env`), with defaults for a local run."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Used only by the local, loopback-only Neo4j when NEO4J_PASSWORD is unset; docker-compose
# and any shared server must set their own.
LOCAL_DEV_PASSWORD = "registry-local-dev"  # noqa: S105 (loopback-only development default)


@dataclass(frozen=True)
class LocalNeo4jSettings:
    home: Path
    port: int
    heap: str
    pagecache: str
    import_dir: Path

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"


@dataclass(frozen=True)
class Settings:
    neo4j_uri: str | None
    neo4j_user: str
    neo4j_password: str
    neo4j_database: str
    local: LocalNeo4jSettings

    @property
    def uses_local(self) -> bool:
        return not self.neo4j_uri

    @property
    def effective_uri(self) -> str:
        return self.neo4j_uri or self.local.uri


def load_settings(env: dict[str, str] | None = None, *, dotenv: bool = True) -> Settings:
    """Reads settings; `env` overrides the process environment (tests pass their own)."""
    if dotenv and env is None:
        load_dotenv(PROJECT_ROOT / ".env", override=False)
    source = dict(os.environ) if env is None else env

    def get(name: str, default: str) -> str:
        value = source.get(name, "").strip()
        return value or default

    home = Path(get("NEO4J_LOCAL_HOME", str(PROJECT_ROOT / "var" / "neo4j")))
    local = LocalNeo4jSettings(
        home=home,
        port=int(get("NEO4J_LOCAL_PORT", "7687")),
        heap=get("NEO4J_LOCAL_HEAP", "512m"),
        pagecache=get("NEO4J_LOCAL_PAGECACHE", "512m"),
        import_dir=Path(get("NEO4J_LOCAL_IMPORT_DIR", str(home / "import"))),
    )
    return Settings(
        neo4j_uri=source.get("NEO4J_URI", "").strip() or None,
        neo4j_user=get("NEO4J_USER", "neo4j"),
        neo4j_password=get("NEO4J_PASSWORD", LOCAL_DEV_PASSWORD),
        neo4j_database=get("NEO4J_DATABASE", "neo4j"),
        local=local,
    )
