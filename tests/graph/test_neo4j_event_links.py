"""Events written before the ABOUT relationship existed are tied to their leads when a Neo4j
store opens the graph, once (the LadybugDB side is in tests/graph/test_ladybug_store.py)."""

from __future__ import annotations

from datetime import timedelta

import neo4j
import pytest

from graph.backends import open_store
from graph.model import Event
from graph.settings import GraphSettings, Neo4jSettings
from tests.routing.world import NOW, World


@pytest.mark.parametrize("backend", ["neo4j"])
def test_events_from_before_about_are_tied_to_their_leads_on_start(
    graph_settings: GraphSettings,
) -> None:
    """Events written before the ABOUT relationship existed get it when a store opens the
    graph, once: a lead's activity stream stays complete, and nothing is tied twice."""
    assert isinstance(graph_settings, Neo4jSettings)
    store = open_store(graph_settings)
    try:
        world = World(store)
        world.company("acme")
        world.lead("L1", ("dana", "economic_buyer"))
    finally:
        store.close()
    auth = (graph_settings.user, graph_settings.password)
    with (
        neo4j.GraphDatabase.driver(graph_settings.uri, auth=auth) as driver,
        driver.session(database=graph_settings.database) as session,
    ):
        session.run(  # an event as the code before ABOUT wrote it
            "CREATE (:Event {id: 'old-1', at: $at, kind: 'offered', actor: 'old', lead_id: 'L1'})",
            {"at": NOW - timedelta(days=2)},
        ).consume()
    for _ in range(2):
        store = open_store(graph_settings)
        try:
            assert [e.id for e in store.events(lead_id="L1")] == ["old-1"]
            assert [e.actor for e in store.events_of_leads(["L1"])["L1"]] == ["old"]
        finally:
            store.close()
    store = open_store(graph_settings)
    try:
        store.append_events(
            [Event(id="new-1", at=NOW, kind="intro_requested", actor="ann", lead_id="L1")]
        )
        assert [e.id for e in store.events(lead_id="L1")] == ["old-1", "new-1"]
    finally:
        store.close()
