"""Shared fixtures.

``store`` is an empty graph store of each backend: LadybugDB always; Neo4j from
``WARMPATH_TEST_NEO4J_URI`` (+ ``WARMPATH_TEST_NEO4J_USER`` / ``WARMPATH_TEST_NEO4J_PASSWORD``)
when set, otherwise from testcontainers when a Docker engine answers. When neither is possible
the Neo4j cases are skipped, and the reason says why. ``small_org_file`` is a closed LadybugDB
file holding the hand-drawn organisation of tests/factories.py.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph.backends import open_store
from graph.settings import LadybugSettings, Neo4jSettings
from graph.store import GraphStore
from tests.factories import SmallOrg, build_small_org

_neo4j_state: dict[str, Any] = {}


def _docker_unreachable_reason() -> str | None:
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if host.startswith("unix://"):
        path = host.removeprefix("unix://")
        if not Path(path).exists():
            return f"no Docker engine reachable (no socket at {path})"
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(3)
            try:
                probe.connect(path)
                probe.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
                answer = probe.recv(64)
            except OSError as exc:
                return f"no Docker engine reachable ({path}: {exc.strerror or exc})"
        if b" 200 " not in answer:
            return f"no Docker engine reachable ({path} answered {answer[:20]!r})"
    return None


def _neo4j_settings() -> Neo4jSettings:
    """Start (once per session) or reach a Neo4j, or skip with the reason."""
    if "settings" in _neo4j_state:
        return _neo4j_state["settings"]  # type: ignore[no-any-return]
    if "skip" in _neo4j_state:
        pytest.skip(_neo4j_state["skip"])
    uri = os.environ.get("WARMPATH_TEST_NEO4J_URI")
    if uri:
        settings = Neo4jSettings(
            uri=uri,
            user=os.environ.get("WARMPATH_TEST_NEO4J_USER", "neo4j"),
            password=os.environ.get("WARMPATH_TEST_NEO4J_PASSWORD", ""),
        )
    else:
        reason = _docker_unreachable_reason()
        if reason is not None:
            _neo4j_state["skip"] = (
                f"Neo4j backend not tested: {reason} and WARMPATH_TEST_NEO4J_URI is not set"
            )
            pytest.skip(_neo4j_state["skip"])
        from testcontainers.community.neo4j import Neo4jContainer

        password = secrets.token_hex(12)  # a throwaway container gets a throwaway password
        container = Neo4jContainer("neo4j:5.26-community", password=password)
        container.start()
        _neo4j_state["container"] = container
        settings = Neo4jSettings(
            uri=container.get_connection_url(), user="neo4j", password=password
        )
    _neo4j_state["settings"] = settings
    return settings


def _wipe_neo4j(store: GraphStore) -> None:
    from graph.neo4j_store import Neo4jStore

    assert isinstance(store, Neo4jStore)
    store._driver.execute_query("MATCH (n) DETACH DELETE n", database_=store.database)


@pytest.fixture(params=["ladybug", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store(backend: str, tmp_path: Path) -> Iterator[GraphStore]:
    """An empty graph store of the backend under test."""
    if backend == "ladybug":
        opened = open_store(
            LadybugSettings(path=tmp_path / "graph.lbdb", buffer_pool_bytes=256 * 1024**2)
        )
    else:
        opened = open_store(_neo4j_settings())
        _wipe_neo4j(opened)
    try:
        yield opened
    finally:
        opened.close()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    container = _neo4j_state.pop("container", None)
    if container is not None:
        container.stop()


@pytest.fixture
def small_org_file(tmp_path: Path) -> Iterator[tuple[Path, SmallOrg]]:
    """A closed LadybugDB file holding the hand-drawn organisation."""
    path = tmp_path / "small.lbdb"
    store = open_store(LadybugSettings(path=path, buffer_pool_bytes=256 * 1024**2))
    try:
        org = build_small_org(store)
    finally:
        store.close()
    yield path, org
