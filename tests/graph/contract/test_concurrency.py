"""Concurrent writers on one graph, on every backend: two offers of one lead, and a unit of
work that fails part-way."""

from __future__ import annotations

import threading
import time

import pytest

from graph.keys import event_id
from graph.model import Event
from graph.store import GraphStore
from tests.routing.world import NOW, World, rid


def _offer(lead_id: str, rep_key: str) -> Event:
    return Event(
        id=event_id(NOW),
        at=NOW,
        kind="offered",
        actor="batch",
        lead_id=lead_id,
        rep_id=rid(rep_key),
    )


def test_two_batch_routes_never_both_offer_one_lead(store: GraphStore) -> None:
    """The first batch holds its transaction open after offering L1; the second offers L1 too
    meanwhile. Exactly one of them may offer it (on Neo4j the second waits for the lead's lock
    and then sees it is no longer new)."""
    world = World(store)
    world.company("acme")
    world.rep("ann")
    world.rep("bob")
    world.lead("L1", ("dana", "economic_buyer"))
    first_wrote = threading.Event()
    answers: dict[str, list[str]] = {}

    def first() -> None:
        def offer() -> list[str]:
            offered = store.offer_leads([_offer("L1", "ann")])
            first_wrote.set()
            time.sleep(0.5)  # the second batch runs now, against an uncommitted offer
            return offered

        answers["first"] = store.run_atomic(offer)

    def second() -> None:
        assert first_wrote.wait(30)
        answers["second"] = store.run_atomic(lambda: store.offer_leads([_offer("L1", "bob")]))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert answers == {"first": ["L1"], "second": []}
    offers = [e for e in store.events(lead_id="L1") if e.kind == "offered"]
    assert [e.rep_id for e in offers] == [rid("ann")]
    assert store.lead("L1").owner_rep_id == rid("ann")


def test_a_unit_of_work_that_fails_writes_nothing(store: GraphStore) -> None:
    world = World(store)
    world.company("acme")
    world.rep("ann")
    world.lead("L1", ("dana", "economic_buyer"))

    def half() -> None:
        store.offer_leads([_offer("L1", "ann")])
        raise RuntimeError("crash after the first write")

    with pytest.raises(RuntimeError, match="crash after the first write"):
        store.run_atomic(half)
    assert store.lead("L1").status == "new"
    assert store.events(lead_id="L1") == []


def test_an_outbox_message_is_leased_to_one_worker_at_a_time(store: GraphStore) -> None:
    from datetime import timedelta

    from graph.model import OutboxMessage

    store.add_outbox(OutboxMessage(id="m1", at=NOW, kind="lead_returned", payload="{}"))
    until = NOW + timedelta(minutes=2)
    assert [m.id for m in store.lease_outbox(NOW, worker="a", until=until)] == ["m1"]
    assert store.lease_outbox(NOW, worker="b", until=until) == []  # a holds it
    later = NOW + timedelta(minutes=3)  # a's lease ran out (a hung): b takes the message over
    assert [
        m.id for m in store.lease_outbox(later, worker="b", until=later + timedelta(minutes=2))
    ] == ["m1"]
    store.mark_outbox(  # a, late, records its attempt: it no longer holds the lease
        "m1", attempts=1, next_at=None, error=None, delivered_at=NOW, worker="a"
    )
    assert [m.id for m in store.due_outbox(later)] == ["m1"]
    store.mark_outbox("m1", attempts=1, next_at=None, error=None, delivered_at=later, worker="b")
    assert store.due_outbox(later + timedelta(days=1)) == []
    assert store.lease_outbox(later + timedelta(days=1), worker="c", until=later) == []
