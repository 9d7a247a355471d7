"""Open the configured backend: one setting (WARMPATH_GRAPH_URI) picks LadybugDB or Neo4j."""

from __future__ import annotations

from graph.settings import GraphSettings, LadybugSettings, Neo4jSettings, graph_settings_from_env
from graph.store import GraphStore


def open_store(settings: GraphSettings | None = None, *, read_only: bool = False) -> GraphStore:
    """Open the configured backend and make sure its schema exists (unless read-only)."""
    settings = settings or graph_settings_from_env()
    store: GraphStore
    if isinstance(settings, LadybugSettings):
        from graph.ladybug_store import LadybugStore

        store = LadybugStore(settings, read_only=read_only)
    elif isinstance(settings, Neo4jSettings):
        from graph.neo4j_store import Neo4jStore

        store = Neo4jStore(settings)
    else:  # pragma: no cover - GraphSettings is a closed union
        raise TypeError(f"unknown settings {settings!r}")
    if not read_only:
        try:
            store.setup_schema()
        except BaseException:
            store.close()
            raise
    return store
