"""One convention for time on every backend: timestamps are stored and read as UTC instants,
whatever a caller passes (a naive value from an import is UTC; an aware one is converted)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from graph.keys import event_id
from graph.model import Event, LeadState
from graph.store import GraphStore
from tests.routing.world import NOW, World, rid

PARIS = timezone(timedelta(hours=1))


def test_naive_and_aware_timestamps_are_one_utc_instant(store: GraphStore) -> None:
    world = World(store)
    world.company("acme")
    world.rep("ann")
    naive = datetime(2026, 11, 1, 9, 0)  # as a CSV import parses "2026-11-01 09:00"
    world.lead("L1", ("dana", "economic_buyer"), created_at=naive)
    world.lead(
        "L2", ("dana", "economic_buyer"), created_at=datetime(2026, 11, 1, 9, 0, tzinfo=PARIS)
    )
    assert store.lead("L1").created_at == datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    assert store.lead("L2").created_at == datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    # an older, naive deadline compares with an aware clock (Neo4j: LocalDateTime vs DateTime
    # would compare as null, and the claim would never be found overdue)
    claimed = LeadState(
        status="claimed",
        owner_rep_id=rid("ann"),
        claimed_at=datetime(2026, 11, 20, 9, 0),
        contact_due_at=datetime(2026, 11, 21, 9, 0),
    )
    event = Event(
        id=event_id(NOW), at=NOW, kind="assigned", actor="t", lead_id="L1", rep_id=rid("ann")
    )
    assert store.move_lead("L1", from_statuses=("new",), to=claimed, event=event)
    assert store.overdue_leads(NOW) == [("L1", rid("ann"))]
    assert store.overdue_leads(datetime(2026, 11, 21, 9, 30, tzinfo=PARIS)) == []  # 08:30 UTC
    view = store.lead("L1")
    assert view.contact_due_at == datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    assert view.claimed_at is not None and view.claimed_at.tzinfo is not None
    # events written with an aware clock in another zone sort and filter as UTC instants
    later = Event(
        id=event_id(NOW + timedelta(minutes=1)),
        at=(NOW + timedelta(minutes=1)).astimezone(PARIS),
        kind="contacted",
        actor="t",
        lead_id="L1",
        rep_id=rid("ann"),
    )
    store.append_events([later])
    assert [e.at for e in store.events(lead_id="L1")] == [NOW, NOW + timedelta(minutes=1)]
    counts = store.rep_event_counts(["contacted"], since=datetime(2026, 11, 22, 12, 0))
    assert counts == {rid("ann"): {"contacted": 1}}
