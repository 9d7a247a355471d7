"""Introductions: a lead's owner asks a colleague for an introduction to a decision-maker
(``request_intro`` in routing/lifecycle.py, event ``intro_requested``, ``via`` the colleague's
person), and the colleague records that they made it (``record_introduction``, event
``intro_made``). Both count towards social-selling quotas (routing/quotas.py).

An ``intro_made`` event is about the lead's owner (its ``rep_id``, so that the owner and their
manager see it among the lead's events); the colleague who made it is its ``actor`` and the
``introducer`` in its detail, with the decision-maker introduced (``to``)."""

from __future__ import annotations

import json
from datetime import datetime

from graph.model import Event
from graph.store import GraphStore
from routing.cadence import HELD_STATUSES
from routing.errors import Forbidden, InvalidArgument, InvalidState, NotFound
from routing.steps import checked_note, lead_event, locked_lead

INTRO_REQUESTED = "intro_requested"
INTRO_MADE = "intro_made"


def _detail(event: Event) -> dict[str, object]:
    detail = json.loads(event.detail) if event.detail else {}
    return detail if isinstance(detail, dict) else {}


def introducer_of(event: Event) -> str | None:
    """The rep who made the introduction an ``intro_made`` event records."""
    introducer = _detail(event).get("introducer")
    return introducer if isinstance(introducer, str) else None


def record_introduction(
    store: GraphStore,
    lead_id: str,
    introducer_rep_id: str,
    to_person_id: str,
    note: str,
    *,
    now: datetime,
    actor: str,
) -> Event:
    """Record that a rep introduced the owner of a lead to one of its decision-makers. Only a
    rep the owner asked (an ``intro_requested`` of the lead's owner via the rep's person) may
    record it, once per decision-maker, while the owner holds the lead. One transaction."""
    text = checked_note(note)
    profile = store.rep_profiles().get(introducer_rep_id)
    if profile is None:
        raise Forbidden("only a rep the lead's owner asked may record this introduction")
    person_id = profile.person_id

    def write() -> Event:
        try:
            lead = locked_lead(store, lead_id)
        except NotFound:  # whether a lead exists is not something an unasked rep learns
            raise Forbidden(
                f"lead {lead_id}'s owner has not asked you for an introduction"
            ) from None
        history = store.events(lead_id=lead_id)
        owner = lead.owner_rep_id
        asked = any(
            e.kind == INTRO_REQUESTED and e.rep_id == owner and _detail(e).get("via") == person_id
            for e in history
        )
        if owner is None or owner == introducer_rep_id or not asked:
            raise Forbidden(f"lead {lead_id}'s owner has not asked you for an introduction")
        if lead.status not in HELD_STATUSES:
            raise InvalidState(f"lead {lead_id} is {lead.status}: its owner no longer works it")
        if to_person_id not in {m.person.id for m in lead.committee}:
            raise InvalidArgument(f"`toPersonKey` is not a decision-maker of lead {lead_id}")
        if any(
            e.kind == INTRO_MADE
            and introducer_of(e) == introducer_rep_id
            and _detail(e).get("to") == to_person_id
            for e in history
        ):
            raise InvalidState("you already recorded this introduction")
        event = lead_event(
            INTRO_MADE,
            lead_id,
            owner,
            actor,
            now,
            introducer=introducer_rep_id,
            to=to_person_id,
            reason=text,
        )
        store.append_events([event])
        return event

    return store.run_atomic(write)
