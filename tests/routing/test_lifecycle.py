"""The lead lifecycle at the routing level (the API tests drive the same through GraphQL)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest

from graph.model import Event, LeadState
from graph.store import GraphStore
from routing.errors import AlreadyClaimed, InvalidArgument, NotEligible
from routing.lifecycle import claim_lead, record_contact, route_lead
from routing.policy import load_policy
from routing.roster import OPEN_STATUSES
from routing.sla import sweep_sla
from tests.routing.world import NOW, World, rid


@pytest.fixture
def world(store: GraphStore) -> World:
    w = World(store)
    w.company("acme")
    w.rep("ann", capacity=1)
    w.rep("bob")
    w.knows("ann", "dana")
    w.lead("L1", ("dana", "economic_buyer"), grade="hot")
    return w


def test_a_rep_at_capacity_with_this_very_offer_can_claim_it(
    world: World, store: GraphStore
) -> None:
    """ann's one place is taken by the offer of L1 itself: claiming it does not add load."""
    policy = load_policy()
    offer = route_lead(store, "L1", policy=policy, now=NOW, actor="test")
    assert offer.reps[0] == rid("ann")
    lead = claim_lead(store, "L1", rid("ann"), policy=policy, now=NOW, actor="test")
    assert lead.status == "claimed" and lead.contact_due_at == NOW + timedelta(hours=1)  # hot
    with pytest.raises(AlreadyClaimed):
        claim_lead(store, "L1", rid("bob"), policy=policy, now=NOW, actor="test")


def test_sweep_breaches_once_then_the_rep_cannot_claim_it_back(
    world: World, store: GraphStore
) -> None:
    policy = load_policy()
    route_lead(store, "L1", policy=policy, now=NOW, actor="test")
    claim_lead(store, "L1", rid("ann"), policy=policy, now=NOW, actor="test")
    assert sweep_sla(store, policy=policy, now=NOW + timedelta(minutes=59)).breaches == ()
    later = NOW + timedelta(hours=2)
    first = sweep_sla(store, policy=policy, now=later)
    assert first.breaches == (("L1", rid("ann")),) and first.rerouted == ("L1",)
    assert sweep_sla(store, policy=policy, now=later).breaches == ()
    lead = store.lead("L1")
    assert (lead.status, lead.owner_rep_id) == ("offered", rid("bob"))
    with pytest.raises(NotEligible, match="was not offered to you"):
        claim_lead(store, "L1", rid("ann"), policy=policy, now=later, actor="test")


def test_a_claims_move_where_several_write_locks_counts_moves_and_reads_in_one_statement(
    world: World, store: GraphStore
) -> None:
    """``move_claimed`` (the claim's move on Neo4j; both dialects have it): the rep's held
    leads but this one as committed, the move with its event, and the lead's stream after it;
    None when the lead is no longer offered, with nothing written."""
    policy = load_policy()
    world.lead("L2", ("dana", "economic_buyer"))
    offer = route_lead(store, "L1", policy=policy, now=NOW, actor="test")
    assert store.move_lead(
        "L2",
        from_statuses=("new",),
        to=LeadState(status="claimed", owner_rep_id=rid("ann"), claimed_at=NOW),
        event=Event(id="assigned-L2", at=NOW, kind="assigned", actor="test", lead_id="L2"),
    )
    later = NOW + timedelta(seconds=1)
    claimed = Event(
        id="claimed-L1", at=later, kind="claimed", actor="test", lead_id="L1", rep_id=rid("ann")
    )
    to = LeadState(status="claimed", owner_rep_id=rid("ann"), claimed_at=later)
    moved = store.move_claimed("L1", to=to, event=claimed, held_statuses=OPEN_STATUSES)
    assert moved is not None and moved.held == 1  # L2; L1 itself not counted
    assert [(e.id, e.kind) for e in moved.events] == [
        (e.id, e.kind) for e in store.events(lead_id="L1")
    ]
    assert [e.kind for e in moved.events] == ["offered"] * len(offer.reps) + ["claimed"]
    assert moved.events[-1].at == later and moved.events[-1].rep_id == rid("ann")
    lead = store.lead("L1")
    assert (lead.status, lead.owner_rep_id, lead.claimed_at) == ("claimed", rid("ann"), later)
    again = dataclasses.replace(claimed, id="claimed-L1-again")
    assert store.move_claimed("L1", to=to, event=again, held_statuses=OPEN_STATUSES) is None
    assert [e.id for e in store.events(lead_id="L1")][-1] == "claimed-L1"
    assert store.move_claimed("L2", to=to, event=again, held_statuses=OPEN_STATUSES) is None


def _moved_before_the_claims_write(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch, *moves: tuple[str, str, str]
) -> None:
    """Make L1's moves (kind, event rep, new owner; one second apart) happen after the next
    claim's checks, just before its write."""
    write = store.run_atomic

    def moved_first(unit: Any, **how: Any) -> Any:
        monkeypatch.undo()
        for seconds, (kind, rep, owner) in enumerate(moves, start=1):
            status = "claimed" if kind == "assigned" else "offered"
            at = NOW + timedelta(seconds=seconds)
            store.move_lead(
                "L1",
                from_statuses=("offered",),
                to=LeadState(status=status, owner_rep_id=rid(owner), claimed_at=None),
                event=Event(
                    id=f"{kind}-L1", at=at, kind=kind, actor="test", lead_id="L1", rep_id=rid(rep)
                ),
            )
        return write(unit, **how)

    monkeypatch.setattr(store, "run_atomic", moved_first)


def test_a_lead_offered_again_after_the_claims_checks_is_not_claimed_on_the_old_offer(
    world: World, store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a claim's checks (outside its transaction) and before its write, the lead is
    released and offered to bob: ann's claim is refused inside the write, on both backends
    (re-read after the move where it takes the lead's lock, before it where the transaction
    has the graph to itself), and the lead stays offered to bob."""
    policy = load_policy()
    route_lead(store, "L1", policy=policy, now=NOW, actor="test")
    assert store.lead("L1").owner_rep_id == rid("ann")
    _moved_before_the_claims_write(
        store, monkeypatch, ("released", "ann", "bob"), ("offered", "bob", "bob")
    )
    with pytest.raises(NotEligible, match="was not offered to you"):
        claim_lead(store, "L1", rid("ann"), policy=policy, now=NOW, actor="test")
    lead = store.lead("L1")
    assert (lead.status, lead.owner_rep_id) == ("offered", rid("bob"))
    assert [e.kind for e in store.events(lead_id="L1")][-2:] == ["released", "offered"]
    claim_lead(store, "L1", rid("bob"), policy=policy, now=NOW + timedelta(seconds=3), actor="test")


def test_a_lead_assigned_to_someone_else_after_the_claims_checks_says_so(
    world: World, store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After ann's claim checks and before its write, a manager assigns the lead to bob (which
    ends the earlier offers): ann hears it was already claimed, on both backends, whether the
    offers are read again before the move or after it."""
    policy = load_policy()
    route_lead(store, "L1", policy=policy, now=NOW, actor="test")
    _moved_before_the_claims_write(store, monkeypatch, ("assigned", "bob", "bob"))
    with pytest.raises(AlreadyClaimed, match="already claimed by another rep"):
        claim_lead(store, "L1", rid("ann"), policy=policy, now=NOW, actor="test")
    lead = store.lead("L1")
    assert (lead.status, lead.owner_rep_id) == ("claimed", rid("bob"))


def test_contact_needs_a_sensible_time(world: World, store: GraphStore) -> None:
    policy = load_policy()
    route_lead(store, "L1", policy=policy, now=NOW, actor="test")
    claim_lead(store, "L1", rid("ann"), policy=policy, now=NOW, actor="test")
    with pytest.raises(InvalidArgument, match="in the future"):
        record_contact(
            store,
            "L1",
            rid("ann"),
            channel="phone",
            at=NOW + timedelta(hours=1),
            now=NOW,
            actor="t",
        )
    with pytest.raises(InvalidArgument, match="a channel is required"):
        record_contact(store, "L1", rid("ann"), channel=" ", at=NOW, now=NOW, actor="t")
    assert (
        record_contact(store, "L1", rid("ann"), channel="phone", at=NOW, now=NOW, actor="t").status
        == "contacted"
    )


def test_a_step_waits_for_a_concurrent_change_and_judges_the_lead_after_it(
    world: World, store: GraphStore
) -> None:
    """While a manager's reassignment to bob holds L1 (uncommitted), ann records a contact on
    it. Her step must read the lead after the reassignment commits (it takes the lead's lock
    before reading), and refuse: the lead is bob's now. Reading first and writing after would
    give the lead back to ann, since its status is 'claimed' before and after."""
    import threading
    import time

    from graph.keys import event_id
    from graph.model import Event, LeadState
    from routing.errors import Forbidden

    policy = load_policy()
    route_lead(store, "L1", policy=policy, now=NOW, actor="test")
    claim_lead(store, "L1", rid("ann"), policy=policy, now=NOW, actor="test")
    reassigning = threading.Event()
    outcome: dict[str, object] = {}

    def reassign() -> None:
        store.lock_lead("L1")
        store.move_lead(
            "L1",
            from_statuses=("claimed",),
            to=LeadState(status="claimed", owner_rep_id=rid("bob"), claimed_at=NOW),
            event=Event(
                id=event_id(NOW),
                at=NOW,
                kind="assigned",
                actor="mgr",
                lead_id="L1",
                rep_id=rid("bob"),
            ),
        )
        reassigning.set()
        time.sleep(0.5)  # ann's step runs now, against the uncommitted reassignment

    def contact() -> None:
        assert reassigning.wait(30)
        try:
            record_contact(store, "L1", rid("ann"), channel="phone", at=NOW, now=NOW, actor="ann")
            outcome["ann"] = "contacted"
        except Forbidden as exc:
            outcome["ann"] = str(exc)

    threads = [
        threading.Thread(target=lambda: store.run_atomic(reassign)),
        threading.Thread(target=contact),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert outcome == {"ann": "lead L1 is not yours"}
    lead = store.lead("L1")
    assert (lead.status, lead.owner_rep_id, lead.contacted_at) == ("claimed", rid("bob"), None)
