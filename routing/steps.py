"""The steps every lead transition is made of: the event it appends, the state it writes, the
guarded move, the lock and read of the lead, who holds it, and the checks of what a caller
typed (routing/lifecycle.py, routing/nurture.py, routing/introductions.py use them)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from graph.keys import event_id
from graph.model import Event, LeadState, LeadView
from graph.store import GraphStore
from routing.errors import Forbidden, InvalidArgument, InvalidState

CLOSED_STATUSES = ("won", "lost", "returned")
RESET_EVENTS = ("released", "sla_breach", "assigned", "returned")
"""After these, earlier offers of the lead no longer count."""


def lead_event(
    kind: str, lead_id: str, rep_id: str | None, actor: str, at: datetime, **kw: object
) -> Event:
    reason = kw.pop("reason", None)
    detail = json.dumps(kw, sort_keys=True, default=str) if kw else None
    return Event(
        id=event_id(at),
        at=at,
        kind=kind,
        actor=actor,
        lead_id=lead_id,
        rep_id=rep_id,
        reason=None if reason is None else str(reason),
        detail=detail,
    )


def lead_state(lead: LeadView, **changes: Any) -> LeadState:
    current: dict[str, Any] = {
        "status": lead.status,
        "owner_rep_id": lead.owner_rep_id,
        "claimed_at": lead.claimed_at,
        "contact_due_at": lead.contact_due_at,
        "contacted_at": lead.contacted_at,
        "outcome": lead.outcome,
        "value": lead.value,
    }
    current.update(changes)
    return LeadState(**current)


def move_or_fail(
    store: GraphStore,
    lead_id: str,
    *,
    from_statuses: tuple[str, ...],
    to: LeadState,
    event: Event,
) -> None:
    """One transition; another request that moved the lead first makes it fail cleanly."""
    if not store.move_lead(lead_id, from_statuses=from_statuses, to=to, event=event):
        raise InvalidState(f"lead {lead_id} changed meanwhile: try again")


def exclusions_from(events: list[Event]) -> dict[str, str]:
    excluded: dict[str, str] = {}
    for event in events:
        if event.rep_id and event.kind == "released":
            excluded[event.rep_id] = f"released this lead on {event.at.date().isoformat()}"
        elif event.rep_id and event.kind == "sla_breach":
            excluded[event.rep_id] = (
                f"missed this lead's contact deadline on {event.at.date().isoformat()}"
            )
    return excluded


def offered_reps(store: GraphStore, lead_id: str) -> set[str]:
    """The reps the lead is offered to now (offers since it was last released or reset)."""
    return offers_from(store.events(lead_id=lead_id))


def offers_from(events: list[Event]) -> set[str]:
    offered: set[str] = set()
    for event in events:
        if event.kind in RESET_EVENTS:
            offered.clear()
        elif event.kind == "offered" and event.rep_id:
            offered.add(event.rep_id)
    return offered


def locked_lead(store: GraphStore, lead_id: str) -> LeadView:
    """Inside a unit of work: take the lead's write lock, then read it. What is read is the
    latest committed state, and no other process changes the lead until this one commits."""
    store.lock_lead(lead_id)
    return store.lead(lead_id)


def held_by(store: GraphStore, lead_id: str, rep_id: str, statuses: tuple[str, ...]) -> LeadView:
    lead = locked_lead(store, lead_id)
    if lead.status not in statuses:
        raise InvalidState(
            f"lead {lead_id} is {lead.status}: this step needs it {' or '.join(statuses)}"
        )
    if lead.owner_rep_id != rep_id and not (
        lead.status == "offered" and rep_id in offered_reps(store, lead_id)
    ):
        raise Forbidden(f"lead {lead_id} is not yours")
    return lead


def require_aware(value: datetime, name: str) -> datetime:
    """A time given by a caller must say its time zone: a naive one is ambiguous."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidArgument(f"`{name}` needs a time zone, e.g. 2026-11-22T11:00:00Z")
    return value


def checked_note(note: str) -> str | None:
    text = note.strip()
    if len(text) > 1000:
        raise InvalidArgument("the note is longer than 1,000 characters")
    return text or None


def checked_reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise InvalidArgument("a reason is required")
    if len(text) > 1000:
        raise InvalidArgument("the reason is longer than 1,000 characters")
    return text
