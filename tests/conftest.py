"""Shared fixtures.

``store`` is an empty graph store of each backend (``graph_settings`` its settings, for tests
that open stores themselves): a new LadybugDB file, or the session's one Neo4j server (see
``_neo4j_settings``), emptied before each test. Neo4j cases are never skipped. ``small_org`` holds the
hand-drawn organisation of tests/factories.py in such a graph; ``graph_env`` points the CLI at it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph import neo4j_launcher
from graph.backends import open_store
from graph.errors import ConfigError
from graph.settings import GraphSettings, LadybugSettings, Neo4jSettings
from graph.store import GraphStore
from tests.factories import SmallOrg, build_small_org

_neo4j_state: dict[str, Any] = {}


def _neo4j_settings() -> Neo4jSettings:
    """The session's Neo4j server: started once, on first use.

    ``WARMPATH_TEST_NEO4J_URI`` (+ ``_USER`` / ``_PASSWORD``) points the suite at any server;
    ``WARMPATH_TEST_NEO4J=docker`` uses testcontainers; otherwise the launcher in tools/neo4j
    starts Neo4j 5.26 Community from Maven on a free port of 127.0.0.1. A missing ``java`` or
    ``mvn`` fails the tests with one line saying what to install: Neo4j is never skipped.
    """
    if "settings" in _neo4j_state:
        return _neo4j_state["settings"]  # type: ignore[no-any-return]
    if "error" in _neo4j_state:
        pytest.fail(_neo4j_state["error"], pytrace=False)
    uri = os.environ.get("WARMPATH_TEST_NEO4J_URI")
    if uri:
        settings = Neo4jSettings(
            uri=uri,
            user=os.environ.get("WARMPATH_TEST_NEO4J_USER", "neo4j"),
            password=os.environ.get("WARMPATH_TEST_NEO4J_PASSWORD", ""),
        )
    elif os.environ.get("WARMPATH_TEST_NEO4J") == "docker":
        from testcontainers.community.neo4j import Neo4jContainer

        password = secrets.token_hex(12)  # a throwaway container gets a throwaway password
        container = Neo4jContainer("neo4j:5.26-community", password=password)
        container.start()
        _neo4j_state["container"] = container
        settings = Neo4jSettings(
            uri=container.get_connection_url(), user="neo4j", password=password
        )
    else:
        try:
            server = neo4j_launcher.start()
        except ConfigError as exc:
            _neo4j_state["error"] = f"Neo4j backend cannot run: {exc}"
            pytest.fail(_neo4j_state["error"], pytrace=False)
        _neo4j_state["server"] = server
        settings = server.settings()
    _neo4j_state["settings"] = settings
    return settings


def wipe_neo4j(settings: Neo4jSettings) -> None:
    """Isolation between tests on the one Neo4j server: every node and relationship goes
    (the constraints and indexes stay, as every store creates them anyway)."""
    import neo4j

    auth = (settings.user, settings.password)
    with (
        neo4j.GraphDatabase.driver(settings.uri, auth=auth) as driver,
        driver.session(database=settings.database) as session,
    ):
        session.run(  # an implicit transaction: the only kind that may batch itself
            "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
        ).consume()


@pytest.fixture(params=["ladybug", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def graph_settings(backend: str, tmp_path: Path) -> GraphSettings:
    """Settings of an empty graph of the backend under test: a new LadybugDB file, or the
    session's Neo4j server emptied for this test."""
    if backend == "ladybug":
        return LadybugSettings(path=tmp_path / "graph.lbdb", buffer_pool_bytes=256 * 1024**2)
    settings = _neo4j_settings()
    wipe_neo4j(settings)
    return settings


@pytest.fixture
def store(graph_settings: GraphSettings) -> Iterator[GraphStore]:
    """An empty graph store of the backend under test."""
    opened = open_store(graph_settings)
    try:
        yield opened
    finally:
        opened.close()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    container = _neo4j_state.pop("container", None)
    if container is not None:
        container.stop()
    server = _neo4j_state.pop("server", None)
    if server is not None:
        server.stop()


def graph_env(settings: GraphSettings) -> dict[str, str]:
    """The environment that points warmpath's commands at these settings."""
    if isinstance(settings, LadybugSettings):
        return {"WARMPATH_GRAPH_URI": f"ladybug://{settings.path}"}
    return {
        "WARMPATH_GRAPH_URI": settings.uri,
        "WARMPATH_NEO4J_USER": settings.user,
        "WARMPATH_NEO4J_PASSWORD": settings.password,
        "WARMPATH_NEO4J_DATABASE": settings.database,
    }


@pytest.fixture
def small_org(graph_settings: GraphSettings) -> tuple[GraphSettings, SmallOrg]:
    """The hand-drawn organisation in a graph of the backend under test (store closed)."""
    store = open_store(graph_settings)
    try:
        org = build_small_org(store)
    finally:
        store.close()
    return graph_settings, org
