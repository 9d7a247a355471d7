"""The lead lifecycle at the routing level (the API tests drive the same through GraphQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from graph.store import GraphStore
from routing.errors import AlreadyClaimed, InvalidArgument, NotEligible
from routing.lifecycle import claim_lead, record_contact, route_lead, sweep_sla
from routing.policy import load_policy
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
