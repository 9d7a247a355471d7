"""A Neo4j store creates the constraints and indexes the graph lacks when it opens it, and only
those: a graph that has them all costs two listings and the link-up, not a statement each."""

from __future__ import annotations

from typing import Any

import neo4j
import pytest
from neo4j import RoutingControl

from graph.backends import open_store
from graph.neo4j_store import Neo4jStore, schema_object
from graph.settings import GraphSettings, Neo4jSettings


def _names(settings: Neo4jSettings) -> set[str]:
    auth = (settings.user, settings.password)
    with (
        neo4j.GraphDatabase.driver(settings.uri, auth=auth) as driver,
        driver.session(database=settings.database) as session,
    ):
        found = {r["name"] for r in session.run("SHOW CONSTRAINTS YIELD name")}
        return found | {r["name"] for r in session.run("SHOW INDEXES YIELD name")}


def _drop(settings: Neo4jSettings, *statements: str) -> None:
    auth = (settings.user, settings.password)
    with (
        neo4j.GraphDatabase.driver(settings.uri, auth=auth) as driver,
        driver.session(database=settings.database) as session,
    ):
        for statement in statements:
            session.run(statement).consume()


@pytest.mark.parametrize("backend", ["neo4j"])
def test_a_store_creates_only_the_schema_objects_the_graph_lacks(
    graph_settings: GraphSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(graph_settings, Neo4jSettings)
    open_store(graph_settings).close()
    _drop(graph_settings, "DROP INDEX knows_since IF EXISTS", "DROP CONSTRAINT tombstone_hash")
    assert not {"knows_since", "tombstone_hash"} & _names(graph_settings)
    writes: list[str] = []
    run = Neo4jStore._run

    def counted(self: Neo4jStore, text: str, params: Any, routing: RoutingControl) -> Any:
        if routing is RoutingControl.WRITE:
            writes.append(schema_object(text) or "link-up")
        return run(self, text, params, routing)

    monkeypatch.setattr(Neo4jStore, "_run", counted)
    open_store(graph_settings).close()
    assert sorted(writes) == ["knows_since", "link-up", "tombstone_hash"]
    assert {"knows_since", "tombstone_hash"} <= _names(graph_settings)
    writes.clear()
    open_store(graph_settings).close()
    assert writes == ["link-up"]


def test_schema_object_names_what_a_statement_creates() -> None:
    assert (
        schema_object(
            "// a comment\nCREATE INDEX lead_status IF NOT EXISTS FOR (l:Lead) ON (l.status)"
        )
        == "lead_status"
    )
    assert (
        schema_object(
            "CREATE CONSTRAINT person_id IF NOT EXISTS FOR (p:Person) REQUIRE p.id IS UNIQUE"
        )
        == "person_id"
    )
    assert schema_object("MATCH (e:Event) RETURN count(e)") is None
