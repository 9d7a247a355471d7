"""Neo4j going away: unreachable at start-up, a wrong password, and a server restarted under
a running API (a real launcher stopped and started again on the same data and port)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from graph import neo4j_launcher
from graph.neo4j_launcher import LocalNeo4j, free_port
from tests.api.apiworld import build_world, running_api
from tests.conftest import _neo4j_settings

runner = CliRunner()


def _neo4j_env(uri: str, password: str) -> dict[str, str]:
    return {
        "WARMPATH_GRAPH_URI": uri,
        "WARMPATH_NEO4J_USER": "neo4j",
        "WARMPATH_NEO4J_PASSWORD": password,
    }


@pytest.mark.parametrize("command", [["stats"], ["serve", "--port", "1"]])
def test_unreachable_neo4j_is_one_line_naming_the_uri(command: list[str]) -> None:
    uri = f"bolt://127.0.0.1:{free_port()}"  # nothing listens there
    result = runner.invoke(app, command, env=_neo4j_env(uri, "irrelevant"))
    assert result.exit_code == 3  # the database is unavailable
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert uri in lines[0] and "WARMPATH_GRAPH_URI" in lines[0]
    assert "Traceback" not in result.output


def test_a_wrong_password_names_the_user_setting() -> None:
    settings = _neo4j_settings()
    result = runner.invoke(app, ["stats"], env=_neo4j_env(settings.uri, "not-the-password"))
    assert result.exit_code == 3  # the database refused the credentials
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "WARMPATH_NEO4J_USER" in lines[0] and "not-the-password" not in lines[0]


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[LocalNeo4j]:
    server = neo4j_launcher.start(data=tmp_path / "neo4j", heap_mb=512, page_cache_mb=64)
    try:
        yield server
    finally:
        server.stop()


def test_a_restarted_server_fails_one_request_masked_and_the_next_succeeds(
    own_server: LocalNeo4j, tmp_path: Path
) -> None:
    settings = own_server.settings()
    tokens = build_world(settings, leads=2)
    query = '{ lead(id: "L1") { ... on Lead { id status } } }'
    with running_api(settings, tokens) as api:
        assert api.data("manager", query)["lead"] == {"id": "L1", "status": "new"}
        own_server.stop()
        down = api.client.post(
            "/graphql",
            json={"query": query},
            headers={"Authorization": f"Bearer {tokens['manager']}"},
        )
        body = down.json()
        messages = [e["message"] for e in body.get("errors", [])] or [body.get("message")]
        assert (down.status_code, messages) in (
            (200, ["Unexpected error."]),
            (503, ["The graph database did not answer: try again shortly."]),
        )
        text = down.text
        assert "127.0.0.1" not in text and "Neo4j" not in text and str(tmp_path) not in text
        ready = api.client.get("/readyz")
        assert ready.status_code == 503 and "store" in ready.json()["failed"]
        assert "127.0.0.1" not in ready.text and "Neo4j" not in ready.text
        assert api.client.get("/healthz").status_code == 200  # alive: no database call
        again = neo4j_launcher.start(
            port=own_server.port,
            data=own_server.data,
            password=own_server.password,
            heap_mb=512,
            page_cache_mb=64,
        )
        try:
            assert api.data("manager", query)["lead"] == {"id": "L1", "status": "new"}
            routed = api.data("manager", 'mutation { routeLead(leadId: "L2") { __typename } }')
            assert routed["routeLead"]["__typename"] == "Routed"
        finally:
            again.stop()
