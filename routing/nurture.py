"""Nurture: touches, the nurture status, a rep's agenda and cadence compliance.

A touch (call, e-mail, LinkedIn message, meeting, other) is an event ``touched`` in the activity
log. The first touch on a claimed lead is its contact: it stops the SLA clock exactly as
``recordContact`` does (which stays, and counts as a touch). A lead that is not ready goes to
``nurture`` with a next-touch date (kept in its ``contact_due_at``: when the next contact is
due) instead of being returned; it stays with its rep, and the touch that resumes it makes it
``contacted`` again. The cadence rules are in routing/cadence.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from graph.model import LeadView
from graph.store import GraphStore
from routing.cadence import (
    CADENCE_KINDS,
    HELD_STATUSES,
    NURTURED,
    CadenceState,
    DueTouch,
    LeadFacts,
    cadence_state,
)
from routing.errors import InvalidArgument, InvalidState
from routing.policy import Policy
from routing.steps import held_by, lead_event, lead_state, move_or_fail, require_aware

CHANNELS = ("call", "email", "linkedin", "meeting", "other")
NOTE_LIMIT = 1000
AGENDA_MAX_DAYS = 90
FUTURE_SLACK = timedelta(minutes=5)
"""A touch time this far ahead of the server's clock is taken as clock skew, not the future."""


@dataclass(frozen=True)
class Touched:
    """A lead after a touch, with its cadence."""

    lead: LeadView
    cadence: CadenceState | None


@dataclass(frozen=True)
class AgendaItem:
    lead: LeadView
    rep_id: str
    touch: DueTouch
    cadence: CadenceState

    def overdue(self, now: datetime) -> bool:
        return self.touch.due_at < now


@dataclass(frozen=True)
class Compliance:
    """Of the touches that fell due in a period, how many were made on time."""

    due: int
    on_time: int

    @property
    def share(self) -> float | None:
        return None if self.due == 0 else round(self.on_time / self.due, 4)


def _text(value: str, name: str, *, required: bool) -> str | None:
    text = value.strip()
    if required and not text:
        raise InvalidArgument(f"`{name}` is required")
    if len(text) > NOTE_LIMIT:
        raise InvalidArgument(f"`{name}` is longer than {NOTE_LIMIT:,} characters")
    return text or None


def record_touch(
    store: GraphStore,
    lead_id: str,
    rep_id: str,
    *,
    channel: str,
    at: datetime,
    note: str,
    policy: Policy,
    now: datetime,
    actor: str,
) -> Touched:
    """Record a touch on a lead the rep holds. On a claimed lead it is the contact (the lead
    becomes ``contacted`` and its SLA is met); on a lead in nurture it resumes the cadence (the
    lead becomes ``contacted``). One transaction; nothing is written when an argument is bad."""
    if channel not in CHANNELS:
        raise InvalidArgument(f"`channel` must be one of {', '.join(CHANNELS)} (got {channel!r})")
    if require_aware(at, "at") > now + FUTURE_SLACK:
        raise InvalidArgument("`at` is in the future")
    text = _text(note, "note", required=False)

    def write() -> LeadView:
        lead = held_by(store, lead_id, rep_id, HELD_STATUSES)
        if lead.claimed_at is not None and at < lead.claimed_at:
            raise InvalidArgument(
                f"`at` is before lead {lead_id} was claimed ({lead.claimed_at.isoformat()})"
            )
        event = lead_event(
            "touched",
            lead_id,
            rep_id,
            actor,
            now,
            channel=channel,
            touched_at=at.isoformat(),
            reason=text,
        )
        if lead.status == "claimed":
            to = lead_state(lead, status="contacted", contacted_at=at)
        elif lead.status == "nurture":
            to = lead_state(lead, status="contacted", contact_due_at=None)
        else:
            store.append_events([event])
            return store.lead(lead_id)
        move_or_fail(store, lead_id, from_statuses=(lead.status,), to=to, event=event)
        return store.lead(lead_id)

    lead = store.run_atomic(write)
    return Touched(lead=lead, cadence=cadence_state(lead, store.events(lead_id=lead_id), policy))


def nurture_lead(
    store: GraphStore,
    lead_id: str,
    rep_id: str,
    *,
    next_touch_at: datetime,
    reason: str,
    policy: Policy,
    now: datetime,
    actor: str,
) -> LeadView:
    """Park a contacted lead that is not ready: status ``nurture`` until ``next_touch_at`` (a
    lead in nurture may be given another date). It stays with its rep and appears in their
    agenda on that date."""
    due = require_aware(next_touch_at, "nextTouchAt")
    if due <= now:
        raise InvalidArgument("`nextTouchAt` must be in the future")
    if due > now + timedelta(days=policy.nurture_max_days):
        raise InvalidArgument(
            f"`nextTouchAt` is more than {policy.nurture_max_days} days ahead "
            "(the policy's rules.nurture_max_days)"
        )
    text = _text(reason, "reason", required=True)

    def write() -> LeadView:
        lead = held_by(store, lead_id, rep_id, HELD_STATUSES)
        if lead.status == "claimed":
            raise InvalidState(
                f"lead {lead_id} has not been contacted yet: record the first touch before "
                "nurturing it"
            )
        move_or_fail(
            store,
            lead_id,
            from_statuses=("contacted", "nurture"),
            to=lead_state(lead, status="nurture", contact_due_at=due),
            event=lead_event(
                NURTURED, lead_id, rep_id, actor, now, reason=text, next_touch_at=due.isoformat()
            ),
        )
        return store.lead(lead_id)

    return store.run_atomic(write)


def check_agenda_days(days: int) -> None:
    if not 0 <= days <= AGENDA_MAX_DAYS:
        raise InvalidArgument(f"`days` must be between 0 and {AGENDA_MAX_DAYS} (got {days})")


def agenda(
    store: GraphStore,
    *,
    owners: Callable[[str], bool],
    policy: Policy,
    now: datetime,
    days: int = 1,
) -> list[AgendaItem]:
    """The next touch of every lead held by a rep ``owners`` admits, due before ``now + days``
    (overdue ones included), and every SLA clock (a claim's contact, however far ahead), most
    urgent first: overdue first (the longest overdue first), then the soonest due. One read of
    the held leads and one of their events."""
    check_agenda_days(days)
    return due_before(next_touches(store, owners=owners, policy=policy), now + timedelta(days=days))


def next_touches(
    store: GraphStore, *, owners: Callable[[str], bool], policy: Policy
) -> list[AgendaItem]:
    """The next touch of every lead held by a rep ``owners`` admits, soonest first: what the
    leads' events and the policy make of them, whatever the time (``due_before`` cuts it)."""
    held = [
        lead
        for lead in store.leads_with_status(HELD_STATUSES, with_committees=False)
        if lead.owner_rep_id is not None and owners(lead.owner_rep_id)
    ]
    history = store.events_of_leads([lead.id for lead in held])
    items = []
    for lead in held:
        state = cadence_state(lead, history[lead.id], policy)
        touch = state.next if state is not None else None
        if state is None or touch is None or lead.owner_rep_id is None:
            continue
        items.append(AgendaItem(lead=lead, rep_id=lead.owner_rep_id, touch=touch, cadence=state))
    items.sort(key=lambda item: (item.touch.due_at, item.lead.id))
    return items


def due_before(items: Sequence[AgendaItem], until: datetime) -> list[AgendaItem]:
    """The touches due before ``until`` (overdue ones included) and every SLA clock."""
    return [item for item in items if item.touch.kind == "contact" or item.touch.due_at < until]


def _due_in(
    states: Iterable[CadenceState], since: datetime, now: datetime
) -> dict[str, Compliance]:
    counted: dict[str, tuple[int, int]] = {}
    for state in states:
        if state.rep_id is None:
            continue
        for touch in state.due:
            if since <= touch.due_at <= now:
                due, on_time = counted.get(state.rep_id, (0, 0))
                counted[state.rep_id] = (due + 1, on_time + int(touch.on_time))
    return {rep: Compliance(due=d, on_time=o) for rep, (d, o) in counted.items()}


def cadence_compliance(
    store: GraphStore, *, policy: Policy, since: datetime, now: datetime
) -> dict[str, Compliance]:
    """Per rep: the touches that fell due between ``since`` and ``now`` (of the cadences the
    rep held: touches, contacts, nurture dates) and how many were made on time. Three reads:
    the leads held now, the leads with a cadence event in the period, and their events."""
    marks = {
        lead.id: lead for lead in store.leads_with_status(HELD_STATUSES, with_committees=False)
    }
    others = [m for m in store.leads_with_events_since(CADENCE_KINDS, since) if m.id not in marks]
    history = store.events_of_leads([*marks, *(m.id for m in others)])
    states: list[CadenceState] = []
    facts: list[LeadFacts] = [*marks.values(), *others]
    for mark in facts:
        state = cadence_state(mark, history.get(mark.id, []), policy)
        if state is not None:
            states.append(state)
    return _due_in(states, since, now)
