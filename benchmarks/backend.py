"""The graph a benchmark runs on, chosen by ``BENCH_BACKEND``.

``ladybug`` (the default): a fresh LadybugDB file. ``neo4j``: the server named by
``WARMPATH_GRAPH_URI=neo4j://...`` (+ ``WARMPATH_NEO4J_USER`` / ``_PASSWORD`` / ``_DATABASE``) or
by ``WARMPATH_TEST_NEO4J_URI`` (+ ``_USER`` / ``_PASSWORD``, as for the test suite); without
either, a local Neo4j 5.26 Community started by ``graph.neo4j_launcher`` for the run (heap and
page cache from ``BENCH_NEO4J_HEAP_MB`` / ``BENCH_NEO4J_PAGE_CACHE_MB``) and stopped after it.
A given server must hold an empty database: the benchmark fills it and checks its answers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from graph import neo4j_launcher
from graph.backends import open_store
from graph.errors import ConfigError, StoreUnavailable
from graph.settings import (
    NEO4J_SCHEMES,
    GraphSettings,
    LadybugSettings,
    Neo4jSettings,
    graph_settings_from_env,
)
from graph.store import GraphStore

BACKENDS = ("ladybug", "neo4j")
LADYBUG_BUFFER_POOL_MB = 4096
# Memory for a launched Neo4j: the full organisation (2M people, 1.6M ties) needs a few GB of
# page cache to stay in memory; the smaller ones fit in much less. The large one (8M people,
# 4x the store) gets more of both but not all of its store in the page cache: with the
# benchmark's own process (~4x the full one's 6 GB) it would not fit in 24 GB.
NEO4J_MEMORY_MB = {"full": (4096, 4096), "large": (6144, 8192)}
NEO4J_MEMORY_SMALL_MB = (1536, 1024)


def backend_from_env(env: Mapping[str, str] | None = None) -> str:
    """``BENCH_BACKEND`` (default ladybug); a bad value raises ConfigError naming it."""
    env = os.environ if env is None else env
    value = env.get("BENCH_BACKEND", "").strip() or "ladybug"
    if value not in BACKENDS:
        raise ConfigError(f"BENCH_BACKEND={value!r} is not one of {', '.join(BACKENDS)}")
    return value


def given_neo4j(env: Mapping[str, str] | None = None) -> Neo4jSettings | None:
    """The Neo4j server the environment names, if any (``WARMPATH_GRAPH_URI`` first)."""
    env = os.environ if env is None else env
    uri = env.get("WARMPATH_GRAPH_URI", "").strip()
    if uri.split("://", 1)[0].lower() in NEO4J_SCHEMES and "://" in uri:
        settings = graph_settings_from_env(env)
        assert isinstance(settings, Neo4jSettings)
        return settings
    test_uri = env.get("WARMPATH_TEST_NEO4J_URI", "").strip()
    if test_uri:
        password = env.get("WARMPATH_TEST_NEO4J_PASSWORD", "")
        if not password:
            raise ConfigError(
                f"WARMPATH_TEST_NEO4J_PASSWORD is not set (needed for "
                f"WARMPATH_TEST_NEO4J_URI={test_uri})"
            )
        return Neo4jSettings(
            uri=test_uri,
            user=env.get("WARMPATH_TEST_NEO4J_USER", "") or "neo4j",
            password=password,
        )
    return None


def _memory_mb(scale: str, env: Mapping[str, str]) -> tuple[int, int]:
    heap, cache = NEO4J_MEMORY_MB.get(scale, NEO4J_MEMORY_SMALL_MB)
    values = []
    for key, default in (("BENCH_NEO4J_HEAP_MB", heap), ("BENCH_NEO4J_PAGE_CACHE_MB", cache)):
        raw = env.get(key, "").strip()
        if not raw:
            values.append(default)
            continue
        if not raw.isdigit() or int(raw) <= 0:
            raise ConfigError(f"{key}={raw!r} is not a positive number of megabytes")
        values.append(int(raw))
    return values[0], values[1]


@dataclass(frozen=True)
class BenchGraph:
    """An empty graph to benchmark: how to open it, and the settings a subprocess needs."""

    backend: str
    settings: GraphSettings
    server: neo4j_launcher.LocalNeo4j | None = None

    @property
    def given(self) -> bool:
        """Whether the Neo4j server was named by the environment (not started for this run)."""
        return self.backend == "neo4j" and self.server is None

    def open(self) -> GraphStore:
        return open_store(self.settings)

    def env(self) -> dict[str, str]:
        """The WARMPATH_* settings that point ``warmpath`` (CLI, serve) at this graph."""
        if isinstance(self.settings, LadybugSettings):
            return {
                "WARMPATH_GRAPH_URI": f"ladybug://{self.settings.path}",
                "WARMPATH_LADYBUG_BUFFER_POOL_MB": str(LADYBUG_BUFFER_POOL_MB),
            }
        return {
            "WARMPATH_GRAPH_URI": self.settings.uri,
            "WARMPATH_NEO4J_USER": self.settings.user,
            "WARMPATH_NEO4J_PASSWORD": self.settings.password,
            "WARMPATH_NEO4J_DATABASE": self.settings.database,
        }

    def describe(self) -> str:
        if isinstance(self.settings, LadybugSettings):
            return f"LadybugDB file {self.settings.path}"
        if self.server is None:
            return f"Neo4j at {self.settings.uri} (given)"
        return f"Neo4j 5.26 Community launched at {self.settings.uri}"


@contextmanager
def bench_graph(
    backend: str, scale: str, ladybug_path: Path, env: Mapping[str, str] | None = None
) -> Iterator[BenchGraph]:
    """An empty graph on ``backend`` for the duration of the block; a launched Neo4j is
    stopped at the end, however the block ends. ConfigError when the graph is not empty."""
    env = os.environ if env is None else env
    if backend == "ladybug":
        if ladybug_path.exists():
            raise ConfigError(f"{ladybug_path} exists: remove it or choose another BENCH_DB")
        ladybug = LadybugSettings(
            path=ladybug_path, buffer_pool_bytes=LADYBUG_BUFFER_POOL_MB * 1024**2
        )
        yield BenchGraph(backend, ladybug)
        return
    server: neo4j_launcher.LocalNeo4j | None = None
    settings = given_neo4j(env)
    if settings is None:
        heap_mb, page_cache_mb = _memory_mb(scale, env)
        server = neo4j_launcher.start(heap_mb=heap_mb, page_cache_mb=page_cache_mb)
        settings = server.settings()
        print(
            f"Neo4j 5.26 Community started at {server.uri} (heap {heap_mb} MB, page cache "
            f"{page_cache_mb} MB, log {server.log})",
            flush=True,
        )
    try:
        graph = BenchGraph(backend, settings, server)
        _check_empty(graph)
        yield graph
    finally:
        if server is not None:
            server.stop()


def _check_empty(graph: BenchGraph) -> None:
    try:
        store = graph.open()
    except StoreUnavailable as exc:  # a wrong URI or password: one line, exit 2
        raise ConfigError(str(exc)) from None
    try:
        counts = store.counts()
    finally:
        store.close()
    if counts.people or counts.companies or counts.leads or counts.reps:
        raise ConfigError(
            f"{graph.describe()} is not empty ({counts.people:,} people, {counts.leads:,} "
            "leads): the benchmark needs an empty database"
        )
