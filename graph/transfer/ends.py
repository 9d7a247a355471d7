"""The two ends of ``warmpath transfer``: each URI parsed like ``WARMPATH_GRAPH_URI``, and never
the same graph at both."""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from graph.errors import ConfigError
from graph.settings import GraphSettings, LadybugSettings, Neo4jSettings, graph_settings_from_env


def transfer_settings(
    from_uri: str,
    to_uri: str,
    *,
    from_user: str | None = None,
    to_user: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[GraphSettings, GraphSettings]:
    """The settings of both ends, each URI parsed by the rules of ``WARMPATH_GRAPH_URI``.

    A Neo4j end takes its user from ``from_user`` / ``to_user``, else WARMPATH_NEO4J_USER, and
    its password from WARMPATH_FROM_NEO4J_PASSWORD / WARMPATH_TO_NEO4J_PASSWORD, else
    WARMPATH_NEO4J_PASSWORD; WARMPATH_NEO4J_DATABASE serves both. A bad or missing value, or
    the same graph at both ends, raises ConfigError naming the option.
    """
    env = os.environ if environ is None else environ
    ends: list[GraphSettings] = []
    for option, uri, user, side in (
        ("--from", from_uri, from_user, "FROM"),
        ("--to", to_uri, to_user, "TO"),
    ):
        if not uri.strip():
            raise ConfigError(
                f"{option} is empty: give a graph URI, e.g. ladybug://./data/warmpath.lbdb or "
                "bolt://localhost:7687"
            )
        end_env = {**env, "WARMPATH_GRAPH_URI": uri.strip()}
        if user:
            end_env["WARMPATH_NEO4J_USER"] = user
        own_password = env.get(f"WARMPATH_{side}_NEO4J_PASSWORD", "")
        if own_password:
            end_env["WARMPATH_NEO4J_PASSWORD"] = own_password
        try:
            ends.append(graph_settings_from_env(end_env))
        except ConfigError as exc:
            message = str(exc).replace("WARMPATH_GRAPH_URI", option)
            if "WARMPATH_NEO4J_USER is not set" in message:
                message += f"; or pass {option}-user"
            elif "WARMPATH_NEO4J_PASSWORD is not set" in message:
                message += f"; or set WARMPATH_{side}_NEO4J_PASSWORD for {option} alone"
            raise ConfigError(message) from None
    source, target = ends
    if same_graph(source, target):
        raise ConfigError(
            f"--from and --to name the same graph ({from_uri.strip()}): give two different graphs"
        )
    return source, target


def same_graph(a: GraphSettings, b: GraphSettings) -> bool:
    """Whether two settings name one graph: the same database file, or the same database of
    the same server (by host and port, whatever the scheme)."""
    if isinstance(a, LadybugSettings) and isinstance(b, LadybugSettings):
        return a.path.resolve() == b.path.resolve()
    if isinstance(a, Neo4jSettings) and isinstance(b, Neo4jSettings):
        return _server(a) == _server(b) and a.database == b.database
    return False


def _server(settings: Neo4jSettings) -> tuple[str, int]:
    parts = urlsplit(settings.uri)
    return (parts.hostname or "").lower(), parts.port or 7687
