"""What a store tells operators, the same on every backend: the outbox backlog, the age of the
in-memory rep network, and each named query's name and duration."""

from __future__ import annotations

from datetime import timedelta

from graph.model import OutboxMessage
from graph.store import GraphStore
from tests.factories import build_small_org
from tests.routing.world import NOW


def test_the_outbox_backlog_counts_undelivered_messages_and_the_oldest(store: GraphStore) -> None:
    empty = store.outbox_backlog()
    assert (empty.undelivered, empty.oldest_at) == (0, None)
    for n, hours in enumerate((5, 3, 1)):
        at = NOW - timedelta(hours=hours)
        store.add_outbox(OutboxMessage(id=f"m{n}", at=at, kind="lead_returned", payload="{}"))
    backlog = store.outbox_backlog()
    assert (backlog.undelivered, backlog.oldest_at) == (3, NOW - timedelta(hours=5))
    store.mark_outbox(  # a failed attempt: still waiting
        "m0", attempts=1, next_at=NOW, error="HTTP 502", delivered_at=None
    )
    store.mark_outbox("m1", attempts=1, next_at=None, error=None, delivered_at=NOW)
    backlog = store.outbox_backlog()
    assert (backlog.undelivered, backlog.oldest_at) == (2, NOW - timedelta(hours=5))
    store.mark_outbox("m0", attempts=2, next_at=None, error=None, delivered_at=NOW)
    backlog = store.outbox_backlog()
    assert (backlog.undelivered, backlog.oldest_at) == (1, NOW - timedelta(hours=1))


def test_the_rep_network_age_runs_from_its_last_read(store: GraphStore) -> None:
    build_small_org(store)
    assert store.rep_network_age() is None  # not read yet
    store.warm_up()
    first = store.rep_network_age()
    assert first is not None and first >= 0
    later = store.rep_network_age()
    assert later is not None and later >= first
    heard: list[str] = []
    store.query_observer = lambda name, seconds: heard.append(name)
    store.merge_reps([])  # this process wrote reps: the network is read again when needed
    dropped = store.rep_network_age()
    assert dropped is not None and dropped >= later  # the age runs on until then
    assert "rep_contacts" not in heard
    store.network_size("rep:nobody")
    assert "rep_contacts" in heard  # read again
    again = store.rep_network_age()
    assert again is not None and again < dropped + 3600


def test_the_query_observer_hears_every_named_query_once(store: GraphStore) -> None:
    heard: list[tuple[str, float]] = []
    store.query_observer = lambda name, seconds: heard.append((name, seconds))
    store.add_outbox(OutboxMessage(id="m1", at=NOW, kind="lead_returned", payload="{}"))
    store.outbox_backlog()
    store.counts()
    store.warm_up()  # reads tables (LadybugDB: as Arrow) for the rep network
    names = [name for name, _ in heard]
    assert names[:3] == ["add_outbox", "outbox_backlog", "graph_counts"]
    assert {"all_reps", "rep_contacts", "rep_contacts_employers", "rep_stints"} <= set(names[3:])
    assert len(names) == len(set(names))  # one observation a query: no double timing
    assert all(seconds >= 0 for _, seconds in heard)
    store.query_observer = None
    store.counts()
    assert len(heard) == len(names)
