"""Everyone's ties held in memory (graph/store/person_ties.py KeptTies): answers from memory
are the graph's, and a tie written through the store shows at the next question."""

from __future__ import annotations

import pytest

from graph.model import PersonRef
from graph.store import GraphStore
from tests.factories import SmallOrg, build_small_org, make_person, make_tie


@pytest.fixture
def org(store: GraphStore) -> SmallOrg:
    return build_small_org(store)


def test_mutual_connections_of_two_people_who_are_not_reps_name_them_in_full(
    store: GraphStore, org: SmallOrg
) -> None:
    store.warm_up()
    assert store.mutual_connections(org.dana, org.yuki) == [
        PersonRef(id=org.omar, name="Omar Said", title="Consultant")
    ]
    assert store.mutual_connections(org.pb, org.dana) == [
        PersonRef(id=org.mia, name="Mia Chen", title="Controller", email="mia.chen@example.org"),
        PersonRef(
            id=org.noah,
            name="Noah Park",
            title="CTO",
            linkedin_url="https://www.linkedin.com/in/noah-park",
        ),
    ]
    assert [p.name for p in store.mutual_connections(org.mia, org.pb)] == []
    assert [p.name for p in store.mutual_connections(org.dana, org.pa)] == ["Mia Chen"]


def test_a_tie_between_two_people_who_are_not_reps_shows_at_the_next_question(
    store: GraphStore, org: SmallOrg
) -> None:
    assert store.mutual_connections(org.zed, org.dana) == []
    assert store.connection_paths(org.erin, org.dana) == []
    store.merge_ties([make_tie(org.zed, org.mia, source="crm", strength=0.3)])
    assert [p.name for p in store.mutual_connections(org.zed, org.dana)] == ["Mia Chen"]
    assert [p.name for p in store.mutual_connections(org.dana, org.zed)] == ["Mia Chen"]
    paths = store.connection_paths(org.erin, org.dana)
    assert [[n.name for n in p.nodes] for p in paths] == [
        ["Erin Eze", "Zed Ray", "Mia Chen", "Dana Whitfield"]
    ]
    assert [(s.sources, s.strength) for s in paths[0].steps] == [
        (("linkedin",), pytest.approx(0.5)),
        (("crm",), pytest.approx(0.3)),
        (("linkedin",), pytest.approx(0.7)),
    ]
    near = {r.rep.id: r.hops for r in store.reps_near(org.dana, max_hops=3)}
    assert near[org.erin] == 3


def test_a_person_who_knows_nobody_is_read_from_the_graph(store: GraphStore, org: SmallOrg) -> None:
    store.merge_people([make_person(id="li:lone-wolf", name="Lone Wolf")])
    assert store.mutual_connections("li:lone-wolf", org.dana) == []
    assert store.reps_near("li:lone-wolf", max_hops=3) == []
    assert store.connection_paths(org.alice, "li:lone-wolf") == []
