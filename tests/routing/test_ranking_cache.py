"""Rankings kept between questions: a ranking asked twice costs a lookup, and whatever changes
it (a tie, the committee, a rep's workload, a transaction that fails) shows in the next one."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from graph.model import DecisionMaker
from graph.store import GraphStore
from routing.errors import NotEligible
from routing.lifecycle import claim_lead, route_lead
from routing.policy import load_policy
from routing.ranking import rank_lead
from routing.reach import reach_cache
from routing.roster import ASSIGNMENT_EVENTS, BREACH_EVENT, OPEN_STATUSES
from tests.routing.world import NOW, World, pid, rid


@pytest.fixture
def world(store: GraphStore) -> World:
    w = World(store)
    w.company("acme")
    w.rep("ann", capacity=2)
    w.rep("bob")
    w.knows("ann", "dana")
    w.knows("bob", "mia", "erin")
    w.lead("L1", ("dana", "economic_buyer"))
    w.lead("L2", ("erin", "champion"))
    return w


def _hops(store: GraphStore, lead_id: str, rep: str) -> int | None:
    ranking = rank_lead(store, lead_id, policy=load_policy(), now=NOW)
    item = next(i for i in ranking.ranked if i.rep.id == rid(rep))
    assert item.evidence is not None
    return item.evidence.committee[0].hops


def _activity(store: GraphStore) -> dict[str, tuple[int, object]]:
    found = store.rep_activity(
        open_statuses=OPEN_STATUSES,
        assignment_kinds=ASSIGNMENT_EVENTS,
        breach_kinds=(BREACH_EVENT,),
        breaches_since=NOW - timedelta(days=90),
    )
    return {rep: (a.open_leads, a.last_assigned_at) for rep, a in found.items()}


def test_a_ranking_asked_twice_reads_the_graph_once(world: World, store: GraphStore) -> None:
    cache = reach_cache(store)
    first = rank_lead(store, "L1", policy=load_policy(), now=NOW)
    misses, hits = cache.misses, cache.hits
    again = rank_lead(store, "L1", policy=load_policy(), now=NOW)
    assert (cache.misses, cache.hits) == (misses, hits + 1)
    assert [(i.rep.id, i.score) for i in again.ranked] == [
        (i.rep.id, i.score) for i in first.ranked
    ]


def test_a_new_tie_shows_in_the_next_ranking(world: World, store: GraphStore) -> None:
    assert _hops(store, "L2", "ann") is None
    world.knows("ann", "erin")
    assert _hops(store, "L2", "ann") == 1


def test_a_changed_committee_shows_in_the_next_ranking(world: World, store: GraphStore) -> None:
    assert _hops(store, "L2", "ann") is None
    store.merge_decision_makers([DecisionMaker(lead_id="L2", person_id=pid("dana"), role="cfo")])
    ranking = rank_lead(store, "L2", policy=load_policy(), now=NOW)
    ann = next(i for i in ranking.ranked if i.rep.id == rid("ann"))
    assert ann.evidence is not None
    assert {m.member.id: m.hops for m in ann.evidence.committee}[pid("dana")] == 1


def test_a_claim_updates_the_workload_in_memory_as_a_fresh_read_would(
    world: World, store: GraphStore
) -> None:
    policy = load_policy()
    route_lead(store, "L1", policy=policy, now=NOW, actor="test")
    before = _activity(store)  # kept in memory from here
    later = NOW + timedelta(minutes=5)
    claim_lead(store, "L1", rid("ann"), policy=policy, now=later, actor="test")
    kept = _activity(store)
    store.caches.forget()  # what the graph says, read again
    assert kept == _activity(store)
    assert before[rid("ann")] == (1, NOW) and kept[rid("ann")] == (1, later)
    ranking = rank_lead(store, "L2", policy=policy, now=NOW)
    assert next(i for i in ranking.ranked if i.rep.id == rid("ann")).open_leads == 1


def test_a_failed_claim_transaction_leaves_the_workload_as_the_graph_has_it(
    world: World, store: GraphStore
) -> None:
    policy = load_policy()
    route_lead(store, "L1", policy=policy, now=NOW, actor="test")
    before = _activity(store)

    def move_then_fail() -> None:
        world.give("L1", "bob", at=NOW)
        raise RuntimeError("the unit fails after the move")

    with pytest.raises(RuntimeError):
        store.run_atomic(move_then_fail)
    assert _activity(store) == before
    assert store.lead("L1").status == "offered"


def test_a_rep_whose_capacity_filled_meanwhile_cannot_claim(
    world: World, store: GraphStore
) -> None:
    """ann (capacity 2) is offered L1, then given two other leads: the claim's own check of
    her rules refuses it, without ranking every rep."""
    policy = load_policy()
    route_lead(store, "L1", policy=policy, now=NOW, actor="test")
    world.lead("L3", ("dana", "champion"))
    world.lead("L4", ("dana", "champion"))
    world.give("L3", "ann", at=NOW)
    world.give("L4", "ann", at=NOW)
    with pytest.raises(NotEligible, match="at capacity 2/2"):
        claim_lead(store, "L1", rid("ann"), policy=policy, now=NOW, actor="test")
    assert store.lead("L1").status == "offered"


def test_a_read_made_while_another_thread_writes_is_not_kept(
    world: World, store: GraphStore
) -> None:
    """Another thread reads the lead while a transaction that moves it is open: what it read
    (the state before the commit) is not what the next question gets after the commit."""
    route_lead(store, "L1", policy=load_policy(), now=NOW, actor="test")
    assert store.lead("L1").status == "offered"  # kept
    moved, release = threading.Event(), threading.Event()

    def unit() -> None:
        world.give("L1", "bob", at=NOW)
        moved.set()
        release.wait(30)

    writer = threading.Thread(target=lambda: store.run_atomic(unit))
    writer.start()
    assert moved.wait(30)
    reader = threading.Thread(target=lambda: store.lead("L1"))
    reader.start()
    reader.join(2)  # a backend whose reads wait for the writer: read after the commit
    release.set()
    writer.join(30)
    reader.join(30)
    after = store.lead("L1")
    assert (after.status, after.owner_rep_id) == ("claimed", rid("bob"))
