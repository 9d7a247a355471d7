"""Nurture cadences, read from a lead's activity log: which touches were due when, which were
made, and what is due next.

The rule (the cadence of a grade is ``cadence_touches`` touches within ``cadence_days`` days of
the claim, from the policy):

- a cadence starts at a lead's latest claim (``claimed`` or ``assigned``); a release, an SLA
  breach, a return to marketing or an outcome ends it;
- touch 1 is the contact: due at the claim's contact deadline (the SLA);
- touch k (2..n) is due at ``claim + (k - 1) * interval`` with ``interval = days / (n - 1)``:
  evenly spread, the last at the end of the window;
- putting a lead in nurture (``nurtured``, with a next-touch date) pauses the cadence: the next
  touch is due on that date; the touch that resumes it re-anchors the rest, touch k then being
  due ``(k - j) * interval`` after touch j;
- a touch is on time when made at or before its due time; a touch that was overdue when the
  lead was put in nurture counts as missed.

Pure functions over events: no store, no clock.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from graph.model import Event
from routing.errors import InvalidState
from routing.policy import Policy

TOUCH_KINDS = ("contacted", "touched")
"""A contact (recordContact) is a touch too: the first."""
CLAIM_KINDS = ("claimed", "assigned")
END_KINDS = ("released", "sla_breach", "returned", "won", "lost")
NURTURED = "nurtured"
CADENCE_KINDS = (*TOUCH_KINDS, *CLAIM_KINDS, *END_KINDS, NURTURED)
"""Every kind of event that starts, moves or ends a cadence."""
HELD_STATUSES = ("claimed", "contacted", "nurture")
"""A lead in these statuses is held by its owner and has a cadence running."""


class LeadFacts(Protocol):
    """What a cadence needs of a lead (a LeadView or a LeadMark)."""

    @property
    def id(self) -> str: ...
    @property
    def grade(self) -> str: ...
    @property
    def status(self) -> str: ...


@dataclass(frozen=True)
class Cadence:
    touches: int
    days: float

    @classmethod
    def of(cls, policy: Policy, grade: str) -> Cadence:
        grade = grade if grade in policy.cadence_touches else "warm"
        return cls(touches=policy.cadence_touches[grade], days=policy.cadence_days[grade])

    @property
    def interval(self) -> timedelta:
        return timedelta(days=self.days / max(1, self.touches - 1))


@dataclass(frozen=True)
class DueTouch:
    """Touch ``number`` of a cadence, due at ``due_at``; ``done_at`` when it was made."""

    number: int
    due_at: datetime
    done_at: datetime | None
    kind: str
    """``contact`` (touch 1, the SLA), ``touch`` (the cadence) or ``nurture`` (its date)."""

    @property
    def on_time(self) -> bool:
        return self.done_at is not None and self.done_at <= self.due_at


@dataclass(frozen=True)
class CadenceState:
    """One claim's cadence as its events tell it."""

    rep_id: str | None
    cadence: Cadence
    claimed_at: datetime
    done: int
    due: tuple[DueTouch, ...]
    """Every touch that fell due (made or missed), then the next one when there is one."""
    open: bool
    """No release, breach, return or outcome has ended it."""

    @property
    def left(self) -> int:
        return max(0, self.cadence.touches - self.done)

    @property
    def next(self) -> DueTouch | None:
        """The touch due next (None when the cadence is done or ended)."""
        last = self.due[-1] if self.due else None
        return last if self.open and last is not None and last.done_at is None else None


def touch_time(event: Event) -> datetime:
    """When a touch was made: the time the rep gave (``touched_at`` in its detail), else when
    it was recorded."""
    return _detail_time(event, "touched_at") or event.at


def _detail_time(event: Event, key: str) -> datetime | None:
    detail = json.loads(event.detail) if event.detail else {}
    value = detail.get(key) if isinstance(detail, dict) else None
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def cadence_state(lead: LeadFacts, events: Sequence[Event], policy: Policy) -> CadenceState | None:
    """The cadence of the lead's latest claim (None when it was never claimed). ``events``: the
    lead's activity log, oldest first."""
    starts = [i for i, e in enumerate(events) if e.kind in CLAIM_KINDS]
    if not starts:
        return None
    claim = events[starts[-1]]
    cadence = Cadence.of(policy, lead.grade)
    contact_due = _detail_time(claim, "contact_due_at") or claim.at + timedelta(
        hours=policy.sla_hours.get(lead.grade, policy.sla_hours["warm"])
    )
    anchor, anchor_number = claim.at, 1
    nurture_until: datetime | None = None
    done = 0
    due: list[DueTouch] = []

    def next_due() -> DueTouch | None:
        number = done + 1
        if nurture_until is not None:
            return DueTouch(number, nurture_until, None, "nurture")
        if number > cadence.touches:
            return None
        if number == 1:
            return DueTouch(1, contact_due, None, "contact")
        return DueTouch(number, anchor + (number - anchor_number) * cadence.interval, None, "touch")

    is_open = True
    for event in events[starts[-1] + 1 :]:
        if event.kind in TOUCH_KINDS:
            made = touch_time(event)
            pending = next_due()
            if pending is not None:
                due.append(DueTouch(pending.number, pending.due_at, made, pending.kind))
            done += 1
            if nurture_until is not None:
                anchor, anchor_number, nurture_until = made, done, None
        elif event.kind == NURTURED:
            pending = next_due()
            if pending is not None and pending.due_at < event.at:
                due.append(pending)  # overdue when the lead was parked: missed
            nurture_until = _detail_time(event, "next_touch_at") or event.at
        elif event.kind in END_KINDS:
            is_open = False
            break
    if is_open and lead.status in HELD_STATUSES:
        pending = next_due()
        if pending is not None:
            due.append(pending)
    else:
        is_open = False
    return CadenceState(
        rep_id=claim.rep_id,
        cadence=cadence,
        claimed_at=claim.at,
        done=done,
        due=tuple(due),
        open=is_open,
    )


def require_done(lead: LeadFacts, events: Sequence[Event], policy: Policy) -> None:
    """A rep returns a lead they hold to marketing only once its cadence is done: an
    InvalidState saying how many touches are left otherwise."""
    state = cadence_state(lead, events, policy)
    if state is None or state.left == 0:
        return
    raise InvalidState(
        f"lead {lead.id} has {state.left} of {state.cadence.touches} touches left in its "
        "cadence: keep nurturing it, or ask a manager to return it (a manager's rejectLead "
        "needs no cadence)"
    )
