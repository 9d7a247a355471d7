"""The five proximity questions on the hand-drawn organisation (see tests/factories.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest

from graph.errors import InvalidArgument, NotFound
from graph.model import Employment, Person, PersonRef
from graph.network import NameBook
from graph.store import GraphStore
from routing.background import shared_background
from tests.factories import SmallOrg, build_small_org, make_person, make_tie


@pytest.fixture
def org(store: GraphStore) -> SmallOrg:
    return build_small_org(store)


def _summary(
    store: GraphStore, person: str, max_hops: int
) -> list[tuple[str, int, int, list[list[str]]]]:
    return [
        (r.rep.name, r.hops, r.mutual_count, [[p.name for p in chain] for chain in r.via])
        for r in store.reps_near(person, max_hops=max_hops)
    ]


def test_reps_near_one_hop_lists_direct_connections_with_mutual_count(
    store: GraphStore, org: SmallOrg
) -> None:
    assert _summary(store, org.dana, 1) == [("Alice Adams", 1, 1, [[]])]


def test_reps_near_two_hops_names_the_mutual_connections(store: GraphStore, org: SmallOrg) -> None:
    assert _summary(store, org.dana, 2) == [
        ("Alice Adams", 1, 1, [[]]),
        ("Bob Brown", 2, 2, [["Mia Chen"], ["Noah Park"]]),
        ("Dan Duarte", 2, 1, [["Omar Said"]]),
    ]


def test_reps_near_three_hops_adds_distance_three_and_never_unreachable_reps(
    store: GraphStore, org: SmallOrg
) -> None:
    summary = _summary(store, org.dana, 3)
    assert [(name, hops) for name, hops, _, _ in summary] == [
        ("Alice Adams", 1),
        ("Bob Brown", 2),
        ("Dan Duarte", 2),
        ("Carol Cruz", 3),
    ]
    assert "Erin Eze" not in {name for name, *_ in summary}


def test_reps_near_three_hops_names_the_two_people_in_between(
    store: GraphStore, org: SmallOrg
) -> None:
    carol = next(r for r in store.reps_near(org.dana, max_hops=3) if r.rep.id == org.carol)
    assert [[p.name for p in chain] for chain in carol.via] == [["Yuki Tan", "Omar Said"]]
    assert carol.via[0][0].id == org.yuki  # the rep's side first
    quiet = next(r for r in store.reps_near(org.dana, max_hops=3, max_via=0) if r.hops == 3)
    assert quiet.via == ()


def test_a_path_through_a_colleague_comes_with_every_tie_s_sources(
    store: GraphStore, org: SmallOrg
) -> None:
    """Erin - Kim - Alice (a rep) - Dana: the middle ties are the rep network's, in memory."""
    store.merge_people([make_person(id="li:kim-lee", name="Kim Lee", title="CTO")])
    store.merge_ties(
        [
            make_tie(org.pe, "li:kim-lee", source="crm", strength=0.3),
            make_tie("li:kim-lee", org.pa, strength=0.6),
        ]
    )
    erin = next(r for r in store.reps_near(org.dana, max_hops=3) if r.rep.id == org.erin)
    assert (erin.hops, [[p.name for p in chain] for chain in erin.via]) == (
        3,
        [["Kim Lee", "Alice Adams"]],
    )
    assert erin.via[0][0].title == "CTO"
    paths = store.connection_paths(org.erin, org.dana)
    assert [[n.name for n in p.nodes] for p in paths] == [
        ["Erin Eze", "Kim Lee", "Alice Adams", "Dana Whitfield"]
    ]
    assert [(s.sources, s.strength) for s in paths[0].steps] == [
        (("crm",), pytest.approx(0.3)),
        (("linkedin",), pytest.approx(0.6)),
        (("facebook", "linkedin"), pytest.approx(0.9)),
    ]


def test_a_tie_written_shows_at_the_next_question(store: GraphStore, org: SmallOrg) -> None:
    """The rep side is held in memory: a write through the store must not leave it stale."""
    assert org.erin not in {r.rep.id for r in store.reps_near(org.dana, max_hops=2)}
    assert store.mutual_connections(org.pe, org.dana) == []
    assert store.connection_paths(org.erin, org.dana) == []
    store.merge_ties([make_tie(org.pe, org.noah, strength=0.4)])
    erin = next(r for r in store.reps_near(org.dana, max_hops=2) if r.rep.id == org.erin)
    assert (erin.hops, erin.mutual_count, [[p.name for p in c] for c in erin.via]) == (
        2,
        1,
        [["Noah Park"]],
    )
    assert [p.name for p in store.mutual_connections(org.pe, org.dana)] == ["Noah Park"]
    assert [p.name for p in store.mutual_connections(org.dana, org.pe)] == ["Noah Park"]
    paths = store.connection_paths(org.erin, org.dana)
    assert [[n.name for n in p.nodes] for p in paths] == [
        ["Erin Eze", "Noah Park", "Dana Whitfield"]
    ]
    assert paths[0].steps[0].strength == pytest.approx(0.4)


def test_mutual_connections_between_two_reps_people_and_unknown_people(
    store: GraphStore, org: SmallOrg
) -> None:
    assert [p.name for p in store.mutual_connections(org.pb, org.pa)] == ["Mia Chen"]
    with pytest.raises(NotFound, match="no person with id 'li:nobody'"):
        store.mutual_connections(org.pa, "li:nobody")
    with pytest.raises(InvalidArgument, match="two different people"):
        store.mutual_connections(org.dana, org.dana)


def test_reps_near_caps_intermediaries_per_rep(store: GraphStore, org: SmallOrg) -> None:
    bob = next(r for r in store.reps_near(org.dana, max_hops=2, max_via=1) if r.rep.id == org.bob)
    assert bob.mutual_count == 2
    assert [[p.name for p in chain] for chain in bob.via] == [["Mia Chen"]]


def test_reps_near_excludes_the_rep_who_is_the_person(store: GraphStore, org: SmallOrg) -> None:
    near = store.reps_near(org.pa, max_hops=3)
    assert org.alice not in {r.rep.id for r in near}
    assert {r.rep.id: r.hops for r in near}[org.bob] == 2  # Alice - Mia - Bob


@pytest.mark.parametrize("bad", [0, 4, -1])
def test_reps_near_rejects_max_hops_outside_one_to_three(
    store: GraphStore, org: SmallOrg, bad: int
) -> None:
    with pytest.raises(InvalidArgument, match="max_hops must be 1, 2 or 3"):
        store.reps_near(org.dana, max_hops=bad)


def test_reps_near_unknown_person_is_not_found(store: GraphStore, org: SmallOrg) -> None:
    with pytest.raises(NotFound, match="no person with id 'li:nobody'"):
        store.reps_near("li:nobody")


def test_connection_paths_direct_tie_merges_sources(store: GraphStore, org: SmallOrg) -> None:
    paths = store.connection_paths(org.alice, org.dana)
    assert len(paths) == 1
    assert [n.name for n in paths[0].nodes] == ["Alice Adams", "Dana Whitfield"]
    assert paths[0].steps[0].sources == ("facebook", "linkedin")
    assert paths[0].steps[0].strength == pytest.approx(0.9)


def test_connection_paths_two_hops_strongest_first(store: GraphStore, org: SmallOrg) -> None:
    paths = store.connection_paths(org.bob, org.dana)
    assert [[n.name for n in p.nodes] for p in paths] == [
        ["Bob Brown", "Noah Park", "Dana Whitfield"],
        ["Bob Brown", "Mia Chen", "Dana Whitfield"],
    ]
    assert [s.sources for s in paths[0].steps] == [("crm",), ("linkedin",)]
    assert paths[0].hops == 2


def test_connection_paths_three_hops_with_edge_sources(store: GraphStore, org: SmallOrg) -> None:
    paths = store.connection_paths(org.carol, org.dana)
    assert [[n.name for n in p.nodes] for p in paths] == [
        ["Carol Cruz", "Yuki Tan", "Omar Said", "Dana Whitfield"]
    ]
    assert [s.sources for s in paths[0].steps] == [("linkedin",), ("facebook",), ("linkedin",)]


def test_connection_paths_respects_max_hops_and_limit(store: GraphStore, org: SmallOrg) -> None:
    assert store.connection_paths(org.carol, org.dana, max_hops=2) == []
    assert store.connection_paths(org.erin, org.dana) == []
    assert len(store.connection_paths(org.bob, org.dana, limit=1)) == 1


def test_connection_paths_unknown_rep_is_not_found(store: GraphStore, org: SmallOrg) -> None:
    with pytest.raises(NotFound, match=r"no rep with id 'rep:ghost@seller\.example'"):
        store.connection_paths("rep:ghost@seller.example", org.dana)


def test_mutual_connections_names_who(store: GraphStore, org: SmallOrg) -> None:
    assert [p.name for p in store.mutual_connections(org.pb, org.dana)] == ["Mia Chen", "Noah Park"]
    assert [p.name for p in store.mutual_connections(org.pa, org.pb)] == ["Mia Chen"]
    assert store.mutual_connections(org.pe, org.dana) == []


def test_reach_at_company_counts_only_current_employees(store: GraphStore, org: SmallOrg) -> None:
    reach = store.reach_at_company(org.acme)
    assert [(r.rep.name, [p.name for p in r.people]) for r in reach] == [
        ("Alice Adams", ["Dana Whitfield"]),
        ("Bob Brown", ["Noah Park"]),
    ]
    with pytest.raises(NotFound, match="no company with id 'c:nowhere'"):
        store.reach_at_company("c:nowhere")


def test_shared_background_employers_and_schools_with_overlap(
    store: GraphStore, org: SmallOrg
) -> None:
    alice = shared_background(store, org.alice, org.dana, today=date(2026, 11, 22))
    assert [(e.company_name, e.overlap_years) for e in alice.employers] == [("Globex", 2.0)]
    assert [(s.school_name, s.overlap_years) for s in alice.schools] == [("State University", 1.8)]
    dan = shared_background(store, org.dan, org.dana, today=date(2026, 11, 22))
    assert [(e.company_name, e.overlap_years) for e in dan.employers] == [("Initech", 1.0)]
    assert dan.schools == ()
    bob = shared_background(store, org.bob, org.dana)
    assert bob.employers == () and bob.schools == ()


def test_reach_at_company_ignores_former_employees_at_a_large_company(
    store: GraphStore, org: SmallOrg
) -> None:
    # Regression: LadybugDB 0.22 let `WHERE w.current = true` through for some rows once a
    # company had more employees than one vector (2,048); the query now filters a projection.
    staff = [Person(id=f"li:acme-{i}", name=f"Acme Employee {i:04d}") for i in range(2100)]
    store.merge_people(staff)
    store.merge_employments(
        [Employment(person_id=p.id, company_id=org.acme, current=True) for p in staff]
        + [
            Employment(
                person_id=org.pe,
                company_id=org.acme,
                current=False,
                started=date(2012, 1, 1),
                ended=date(2016, 1, 1),
            )
        ]
    )
    store.merge_ties([make_tie(org.pa, org.pe), make_tie(org.pa, "li:acme-2099")])
    reach = {r.rep.name: [p.name for p in r.people] for r in store.reach_at_company(org.acme)}
    assert reach == {
        "Alice Adams": ["Acme Employee 2099", "Dana Whitfield"],
        "Bob Brown": ["Noah Park"],
    }


def test_names_looked_up_together_are_those_looked_up_one_by_one(
    store: GraphStore, org: SmallOrg
) -> None:
    network = store._rep_side_cache().network  # type: ignore[attr-defined]
    asked: list[list[str]] = []

    def from_graph(ids: Sequence[str]) -> dict[str, PersonRef]:
        asked.append(list(ids))
        return store.people(ids)

    # Mia and Noah are known to reps (in memory), Jörg only to nobody (the graph), and
    # "li:nobody" is nowhere.
    wanted = [org.mia, org.jorg, org.noah, "li:nobody", org.mia]
    together = NameBook(network, from_graph)
    together.prefetch(wanted)
    assert asked == [[org.jorg, "li:nobody"]]  # one read, of those reps do not know
    one_by_one = NameBook(network, store.people)
    assert {pid: together[pid] for pid in wanted[:3]} == {
        pid: one_by_one[pid] for pid in wanted[:3]
    }
    assert together[org.jorg].name == "Jörg Müller"
    assert len(asked) == 1  # read from what the prefetch kept
    together.prefetch(wanted[:3])
    assert together.get("li:nobody") is None  # found nowhere: not looked for again
    together.prefetch(["li:nobody"])
    assert len(asked) == 1
