"""The cadence rule read from a lead's activity log (routing/cadence.py): when each touch is
due, which were on time, what nurture does to the schedule, and when a rep may return a lead."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from graph.model import Event, LeadMark
from routing.cadence import cadence_state, require_done
from routing.errors import InvalidState
from routing.policy import load_policy
from tests.routing.world import NOW

POLICY = load_policy()
HOT = timedelta(days=2)  # 6 touches in 10 days: one every 2 days after the contact


def event(kind: str, at: datetime, **detail: object) -> Event:
    return Event(
        id=f"{kind}:{at.isoformat()}",
        at=at,
        kind=kind,
        actor="test",
        lead_id="L1",
        rep_id="ann",
        detail=json.dumps({k: str(v) for k, v in detail.items()}) if detail else None,
    )


def claim() -> Event:
    return event("claimed", NOW, contact_due_at=(NOW + timedelta(hours=1)).isoformat())


def touched(at: datetime, recorded: datetime | None = None) -> Event:
    return event("touched", recorded or at, touched_at=at.isoformat())


HOT_LEAD = LeadMark(id="L1", grade="hot", status="contacted")


def test_touches_are_due_evenly_after_the_contact() -> None:
    log = [claim(), touched(NOW + timedelta(minutes=30)), touched(NOW + timedelta(days=3))]
    state = cadence_state(HOT_LEAD, log, POLICY)
    assert state is not None
    assert [(t.number, t.kind, t.due_at - NOW, t.on_time) for t in state.due] == [
        (1, "contact", timedelta(hours=1), True),
        (2, "touch", HOT, False),  # made on day 3, due on day 2
        (3, "touch", 2 * HOT, False),  # the next one, not made yet
    ]
    assert (state.done, state.left, state.next) == (2, 4, state.due[-1])


def test_a_backdated_touch_counts_at_the_time_the_rep_gave() -> None:
    late_record = touched(NOW + timedelta(minutes=50), recorded=NOW + timedelta(hours=5))
    state = cadence_state(HOT_LEAD, [claim(), late_record], POLICY)
    assert state is not None and state.due[0].on_time


def test_nurture_pauses_the_cadence_and_the_resuming_touch_re_anchors_it() -> None:
    parked_until = NOW + timedelta(days=30)
    log = [
        claim(),
        touched(NOW),
        event("nurtured", NOW + timedelta(days=3), next_touch_at=parked_until.isoformat()),
    ]
    parked = cadence_state(LeadMark(id="L1", grade="hot", status="nurture"), log, POLICY)
    assert parked is not None and parked.next is not None
    # touch 2 was overdue (day 2) when the lead was parked on day 3: it counts as missed
    assert [(t.number, t.kind, t.on_time) for t in parked.due] == [
        (1, "contact", True),
        (2, "touch", False),
        (2, "nurture", False),
    ]
    assert (parked.next.kind, parked.next.due_at) == ("nurture", parked_until)
    resumed = cadence_state(HOT_LEAD, [*log, touched(parked_until)], POLICY)
    assert resumed is not None and resumed.next is not None
    assert resumed.due[2].on_time and resumed.next.due_at == parked_until + HOT


def test_an_ended_cadence_has_nothing_due_and_a_return_needs_every_touch() -> None:
    log = [claim(), touched(NOW)]
    with pytest.raises(InvalidState, match="lead L1 has 5 of 6 touches left in its cadence"):
        require_done(HOT_LEAD, log, POLICY)
    done = [*log, *(touched(NOW + k * HOT) for k in range(1, 6))]
    require_done(HOT_LEAD, done, POLICY)
    state = cadence_state(HOT_LEAD, done, POLICY)
    assert state is not None and state.next is None and all(t.on_time for t in state.due)
    lost = cadence_state(LeadMark("L1", "hot", "lost"), [*log, event("lost", NOW)], POLICY)
    assert lost is not None and not lost.open and lost.next is None
    assert cadence_state(HOT_LEAD, [event("offered", NOW)], POLICY) is None
