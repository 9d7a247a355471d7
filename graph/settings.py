"""Graph backend settings, read once from the environment.

``WARMPATH_GRAPH_URI`` selects the backend:

* ``ladybug:///absolute/path/file.lbdb`` or ``ladybug://relative/path.lbdb`` - the embedded
  LadybugDB file (default ``ladybug://./data/warmpath.lbdb``);
* ``neo4j://host:7687``, ``neo4j+s://...``, ``bolt://host:7687``, ``bolt+s://...`` - a Neo4j
  server, with ``WARMPATH_NEO4J_USER`` and ``WARMPATH_NEO4J_PASSWORD`` (no defaults) and
  optionally ``WARMPATH_NEO4J_DATABASE`` (default ``neo4j``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from graph.errors import ConfigError

DEFAULT_GRAPH_URI = "ladybug://./data/warmpath.lbdb"
NEO4J_SCHEMES = ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")


@dataclass(frozen=True)
class LadybugSettings:
    path: Path
    buffer_pool_bytes: int = 2 * 1024**3


@dataclass(frozen=True)
class Neo4jSettings:
    uri: str
    user: str
    password: str
    database: str = "neo4j"

    def __repr__(self) -> str:  # never print the password
        return f"Neo4jSettings(uri={self.uri!r}, user={self.user!r}, database={self.database!r})"


GraphSettings = LadybugSettings | Neo4jSettings


def graph_settings_from_env(environ: Mapping[str, str] | None = None) -> GraphSettings:
    """Parse the graph settings; a missing or bad value raises ConfigError naming the key."""
    env = os.environ if environ is None else environ
    uri = env.get("WARMPATH_GRAPH_URI", "").strip() or DEFAULT_GRAPH_URI
    scheme = uri.split("://", 1)[0].lower() if "://" in uri else ""
    if scheme == "ladybug":
        return LadybugSettings(
            path=_ladybug_path(uri),
            buffer_pool_bytes=_positive_int(env, "WARMPATH_LADYBUG_BUFFER_POOL_MB", 2048) * 1024**2,
        )
    if scheme in NEO4J_SCHEMES:
        parts = urlsplit(uri)
        if not parts.hostname:
            raise ConfigError(
                f"WARMPATH_GRAPH_URI={uri!r} has no host: use e.g. neo4j://localhost:7687"
            )
        if parts.username or parts.password:
            raise ConfigError(
                "WARMPATH_GRAPH_URI must not carry credentials: "
                "set WARMPATH_NEO4J_USER and WARMPATH_NEO4J_PASSWORD instead"
            )
        user = env.get("WARMPATH_NEO4J_USER", "")
        password = env.get("WARMPATH_NEO4J_PASSWORD", "")
        if not user:
            raise ConfigError(
                f"WARMPATH_NEO4J_USER is not set (needed for WARMPATH_GRAPH_URI={uri})"
            )
        if not password:
            raise ConfigError(
                f"WARMPATH_NEO4J_PASSWORD is not set (needed for WARMPATH_GRAPH_URI={uri})"
            )
        database = env.get("WARMPATH_NEO4J_DATABASE", "").strip() or "neo4j"
        return Neo4jSettings(uri=uri, user=user, password=password, database=database)
    raise ConfigError(
        f"WARMPATH_GRAPH_URI={uri!r} is not supported: use ladybug:///path/file.lbdb, "
        "neo4j://host:7687 or bolt://host:7687"
    )


def _ladybug_path(uri: str) -> Path:
    rest = uri.split("://", 1)[1]
    if not rest or rest.endswith("/"):
        raise ConfigError(
            f"WARMPATH_GRAPH_URI={uri!r} names no database file: use e.g. ladybug:///srv/warmpath.lbdb"
        )
    path = Path(rest)
    if path.exists() and path.is_dir():
        raise ConfigError(f"WARMPATH_GRAPH_URI={uri!r} is a directory: name a file inside it")
    return path


def _positive_int(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(key, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{key}={raw!r} is not a whole number") from None
    if value <= 0:
        raise ConfigError(f"{key}={raw!r} must be greater than 0")
    return value
