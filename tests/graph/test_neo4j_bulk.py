"""The Neo4j bulk loader of an empty graph (graph/neo4j_bulk.py): the same graph as the merge
path, a bad snapshot refused before anything is written, and the merge path on a graph that
already holds data."""

from __future__ import annotations

from typing import Any

import neo4j
import pyarrow as pa
import pytest

from demo.organisation import SCALES, generate_org
from graph.backends import open_store
from graph.errors import StoreError
from graph.model import OrgSnapshot, Person
from graph.settings import GraphSettings, Neo4jSettings
from graph.snapshot import NODE_TABLES, REL_ENDPOINTS
from graph.store import CypherGraphStore
from tests.conftest import wipe_neo4j


def _graph(settings: Neo4jSettings) -> tuple[list[Any], list[Any]]:
    """Every node (labels, properties) and relationship (ends, type, properties), sorted."""
    auth = (settings.user, settings.password)
    with (
        neo4j.GraphDatabase.driver(settings.uri, auth=auth) as driver,
        driver.session(database=settings.database) as session,
    ):
        nodes = session.run(  # the organisation's nodes (not the caches' bookkeeping)
            "MATCH (n) WHERE any(label IN labels(n) WHERE label IN $labels) "
            "RETURN labels(n) AS labels, properties(n) AS props",
            {"labels": list(NODE_TABLES)},
        ).data()
        rels = session.run(
            "MATCH (a)-[r]->(b) WHERE type(r) IN $types "
            "RETURN a.id AS a, type(r) AS type, b.id AS b, properties(r) AS props",
            {"types": list(REL_ENDPOINTS)},
        ).data()
    return sorted(nodes, key=repr), sorted(rels, key=repr)


@pytest.mark.parametrize("backend", ["neo4j"])
def test_the_fast_path_gives_the_same_graph_as_the_merge_path(
    graph_settings: GraphSettings,
) -> None:
    assert isinstance(graph_settings, Neo4jSettings)
    snapshot = generate_org(SCALES["tiny"])
    store = open_store(graph_settings)
    try:
        assert isinstance(store, CypherGraphStore)
        loaded = store.bulk_load(snapshot)
        assert "Rep consent" not in loaded  # the fast path's tables, not the merge plan's
        for table in ("Person", "Rep", "IS", "Lead", "AT", "KNOWS", "WORKS_AT", "STUDIED_AT"):
            assert loaded[table] == snapshot.rows(table), table
        counts = store.counts()
        fast = _graph(graph_settings)
        wipe_neo4j(graph_settings)
        CypherGraphStore.bulk_load(store, snapshot)  # the merge path, on the emptied graph
        assert store.counts() == counts
        merged = _graph(graph_settings)
    finally:
        store.close()
    assert len(fast[0]) == sum(
        snapshot.rows(t) for t in ("Person", "Rep", "Company", "School", "Lead")
    )
    assert len(fast[1]) == sum(
        snapshot.rows(t) for t in ("KNOWS", "IS", "WORKS_AT", "STUDIED_AT", "AT", "DECISION_MAKER")
    )
    assert fast[0] == merged[0]
    assert fast[1] == merged[1]


@pytest.mark.parametrize("backend", ["neo4j"])
def test_a_graph_with_data_is_loaded_through_the_merge_path(
    graph_settings: GraphSettings,
) -> None:
    snapshot = generate_org(SCALES["tiny"])
    someone = snapshot.tables["Person"].column("id")[0].as_py()
    store = open_store(graph_settings)
    try:
        store.merge_people([Person(id=someone, name="Known Already")])
        loaded = store.bulk_load(snapshot)  # CREATE would break the person_id constraint
        assert "Rep consent" in loaded  # the merge plan's step
        assert store.counts().people == snapshot.rows("Person")
        assert store.counts().ties == snapshot.rows("KNOWS")
    finally:
        store.close()


@pytest.mark.parametrize("backend", ["neo4j"])
def test_a_bad_snapshot_is_refused_before_anything_is_written(
    graph_settings: GraphSettings,
) -> None:
    good = generate_org(SCALES["tiny"])
    people, knows = good.tables["Person"], good.tables["KNOWS"]
    bad = {
        "Person has duplicate ids": {"Person": pa.concat_tables([people, people.slice(0, 1)])},
        "point at a Person that is not in the snapshot": {"Person": people.slice(1)},
        "KNOWS has the same from/to/source twice": {
            "KNOWS": pa.concat_tables([knows, knows.slice(0, 1)])
        },
        "knows themselves": {
            "KNOWS": knows.set_column(1, "to", knows.column("from")),
        },
    }
    store = open_store(graph_settings)
    try:
        for message, tables in bad.items():
            with pytest.raises(StoreError, match=message):
                store.bulk_load(OrgSnapshot(tables={**good.tables, **tables}))
        counts = store.counts()
        assert (counts.people, counts.companies, counts.reps, counts.leads) == (0, 0, 0, 0)
    finally:
        store.close()
