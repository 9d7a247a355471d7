"""The lead lifecycle: route (offer), claim, contact, outcome, reject, release, assign, and the
SLA sweep. Every step is one atomic write of the lead's new state and its event.

    new --route--> offered --claim--> claimed --contact--> contacted --outcome--> won | lost
    offered/claimed --reject(reason)--> returned          claimed --release--> new (re-routed)
    contacted --nurture(date)--> nurture --touch--> contacted   (routing/nurture.py)
    claimed/contacted/nurture --reject(reason), cadence done or a manager--> returned
    claimed --deadline passes without contact--> new (breach recorded, re-routed without the rep)
    any open state --assign(rep, reason) by a manager--> claimed

Of any number of concurrent claims on one lead exactly one wins: the status check and the write
are one statement, and writes are serialised (one writer on LadybugDB; on Neo4j the statement
takes the lead's write lock before reading its status).
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from graph.keys import event_id
from graph.model import Event, LeadState, LeadView, OutboxMessage
from graph.store import GraphStore
from routing.cadence import HELD_STATUSES, require_done
from routing.connections import lead_links, require_returnable, word_travels
from routing.errors import (
    AlreadyClaimed,
    Forbidden,
    InvalidArgument,
    InvalidState,
    NotEligible,
    NotFound,
)
from routing.policy import Policy
from routing.ranking import Ranking, rank_lead, rep_standing
from routing.roster import at_capacity
from routing.warmth import is_warm_owner

Clock = Callable[[], datetime]
CLOSED_STATUSES = ("won", "lost", "returned")
RESET_EVENTS = ("released", "sla_breach", "assigned", "returned")
"""After these, earlier offers of the lead no longer count."""


@dataclass(frozen=True)
class Offer:
    lead: LeadView
    reps: tuple[str, ...]
    ranking: Ranking


def _event(
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


def _state(lead: LeadView, **changes: Any) -> LeadState:
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


def _move(
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


def rank_for(
    store: GraphStore,
    lead_id: str,
    *,
    policy: Policy,
    now: datetime,
    limit: int | None = None,
    history: list[Event] | None = None,
) -> Ranking:
    """The lead's ranking, leaving out the reps its history excludes."""
    events = store.events(lead_id=lead_id) if history is None else history
    return rank_lead(
        store, lead_id, policy=policy, now=now, limit=limit, excluded=exclusions_from(events)
    )


def route_lead(
    store: GraphStore, lead_id: str, *, policy: Policy, now: datetime, actor: str
) -> Offer:
    """Offer a new lead to the top ``offer_top_n`` eligible reps (every eligible rep in
    ``first_available`` mode); the first becomes its owner until someone claims it.

    The ranking is read first, outside any write transaction; the offer is then one short
    transaction that moves the lead only if it is still new."""
    lead = store.lead(lead_id)
    if lead.status != "new":
        raise InvalidState(f"lead {lead_id} is {lead.status}: only new leads are routed")
    ranking = rank_for(store, lead_id, policy=policy, now=now)
    count = len(ranking.ranked) if policy.mode == "first_available" else policy.offer_top_n
    chosen = list(ranking.ranked[:count])
    if not chosen:
        raise NotEligible(
            f"no rep is eligible for lead {lead_id} ({len(ranking.excluded)} excluded)"
        )
    offers = [
        _event(
            "offered",
            lead_id,
            item.rep.id,
            actor,
            now,
            score=item.score,
            position=item.position,
            policy=ranking.policy_version,
            mode=ranking.mode,
        )
        for item in chosen
    ]

    def offer() -> None:
        moved = store.move_lead(
            lead_id,
            from_statuses=("new",),
            to=_state(lead, status="offered", owner_rep_id=chosen[0].rep.id),
            event=offers[0],
        )
        if not moved:
            raise InvalidState(f"lead {lead_id} is no longer new")
        store.append_events(offers[1:])

    store.run_atomic(offer)
    return Offer(lead=store.lead(lead_id), reps=tuple(i.rep.id for i in chosen), ranking=ranking)


def claim_lead(
    store: GraphStore, lead_id: str, rep_id: str, *, policy: Policy, now: datetime, actor: str
) -> LeadView:
    """A rep claims a lead offered to them; the contact deadline follows the lead's grade.
    Raises AlreadyClaimed when someone else claimed it first, NotEligible when it was not
    offered to this rep or a rule excludes them now.

    The claim asks this one rep's rules and score (rep_standing: the lead's reach is kept, the
    rep's workload is in memory), outside any write transaction; the claim itself is one short
    transaction: the guarded move (which takes the lead's lock), a re-read of the lead's
    offers, so a lead re-offered meanwhile cannot be claimed on an old offer, and the rep's
    capacity again (a claim of another lead may have filled it meanwhile; the workload is
    kept in memory and follows this process's moves)."""
    lead = store.lead(lead_id)
    _claimable(lead, lead_id, rep_id)
    history = store.events(lead_id=lead_id)
    if rep_id not in offers_from(history):
        raise NotEligible(f"lead {lead_id} was not offered to you")
    excluded = exclusions_from(history)
    score, reason = rep_standing(store, lead, rep_id, policy=policy, now=now, excluded=excluded)
    if reason is not None:
        raise NotEligible(f"you cannot claim lead {lead_id}: {reason}")
    due = now + timedelta(hours=policy.sla_hours.get(lead.grade, policy.sla_hours["warm"]))
    state = _state(lead, status="claimed", owner_rep_id=rep_id, claimed_at=now, contact_due_at=due)
    warm = is_warm_owner(store, lead, rep_id)  # within 2 hops when claimed: routing/quotas.py

    def claim() -> LeadView:
        full = at_capacity(store, rep_id, lead, policy=policy, now=now)
        if full is not None:
            raise NotEligible(f"you cannot claim lead {lead_id}: {full}")
        moved = store.move_lead(
            lead_id,
            from_statuses=("offered",),
            to=state,
            event=_event(
                "claimed",
                lead_id,
                rep_id,
                actor,
                now,
                score=score,
                policy=policy.version,
                contact_due_at=due.isoformat(),
                warm=warm,
            ),
        )
        if not moved:
            _claimable(store.lead(lead_id), lead_id, rep_id)
            raise AlreadyClaimed(f"lead {lead_id} was already claimed by another rep")
        if rep_id not in offers_from(store.events(lead_id=lead_id)):
            raise NotEligible(f"lead {lead_id} was not offered to you")  # re-offered meanwhile
        return dataclasses.replace(lead, **dataclasses.asdict(state))

    return store.run_atomic(claim)


def _claimable(lead: LeadView, lead_id: str, rep_id: str) -> None:
    if lead.status in ("claimed", "contacted"):
        if lead.owner_rep_id == rep_id:
            raise InvalidState(f"you already hold lead {lead_id}")
        raise AlreadyClaimed(f"lead {lead_id} was already claimed by another rep")
    if lead.status != "offered":
        raise InvalidState(f"lead {lead_id} is {lead.status}: only offered leads can be claimed")


def _locked(store: GraphStore, lead_id: str) -> LeadView:
    """Inside a unit of work: take the lead's write lock, then read it. What is read is the
    latest committed state, and no other process changes the lead until this one commits."""
    store.lock_lead(lead_id)
    return store.lead(lead_id)


def _held_by(store: GraphStore, lead_id: str, rep_id: str, statuses: tuple[str, ...]) -> LeadView:
    lead = _locked(store, lead_id)
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


def _note(note: str) -> str | None:
    text = note.strip()
    if len(text) > 1000:
        raise InvalidArgument("the note is longer than 1,000 characters")
    return text or None


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise InvalidArgument("a reason is required")
    if len(text) > 1000:
        raise InvalidArgument("the reason is longer than 1,000 characters")
    return text


def reject_lead(
    store: GraphStore,
    lead_id: str,
    rep_id: str,
    reason: str,
    *,
    policy: Policy,
    now: datetime,
    actor: str,
    approved_by: str | None = None,
) -> LeadView:
    """Send a lead back to marketing with the reason (status returned; an outbox message
    for the marketing webhook). An offer may be declined at once; a lead the rep holds goes
    back only once its nurture cadence is done (routing/cadence.py), unless a manager or admin
    returns it (``approved_by``: who, kept in the event); nor a lead whose influence is above
    the policy's threshold (routing/connections.py). The owners of the connected open leads
    are told (``word_travels`` events)."""
    text = _reason(reason)
    returnable = ("offered", *HELD_STATUSES)
    before = store.lead(lead_id)
    links = lead_links(store, [before])[lead_id]  # read outside the write transaction

    def write() -> LeadView:
        lead = _held_by(store, lead_id, rep_id, returnable)
        if approved_by is None:
            require_returnable(links, policy)
            if lead.status != "offered":
                require_done(lead, store.events(lead_id=lead_id), policy)
        approval = {} if approved_by is None else {"approved_by": approved_by}
        _move(
            store,
            lead_id,
            from_statuses=returnable,
            to=_state(lead, status="returned", owner_rep_id=None, contact_due_at=None),
            event=_event("returned", lead_id, rep_id, actor, now, reason=text, **approval),
        )
        _tell_connected(store, word_travels(links, lead, "returned", now=now, actor=actor))
        store.add_outbox(
            OutboxMessage(
                id=uuid.uuid4().hex,
                at=now,
                kind="lead_returned",
                payload=json.dumps(
                    {
                        "event": "lead_returned",
                        "lead_id": lead_id,
                        "title": lead.title,
                        "company": lead.company.name,
                        "rep_id": rep_id,
                        "reason": text,
                        "at": now.isoformat(),
                    },
                    sort_keys=True,
                ),
            )
        )
        return store.lead(lead_id)

    return store.run_atomic(write)


def release_lead(
    store: GraphStore,
    lead_id: str,
    rep_id: str,
    reason: str,
    *,
    policy: Policy,
    now: datetime,
    actor: str,
) -> LeadView:
    """Give a claimed lead back (one transaction): it is then routed again at once, outside
    that transaction, without the releasing rep."""
    text = _reason(reason)

    def release() -> None:
        lead = _held_by(store, lead_id, rep_id, ("claimed",))
        _move(
            store,
            lead_id,
            from_statuses=("claimed",),
            to=_state(lead, status="new", owner_rep_id=None, claimed_at=None, contact_due_at=None),
            event=_event("released", lead_id, rep_id, actor, now, reason=text),
        )

    store.run_atomic(release)
    _reroute(store, lead_id, policy=policy, now=now, actor=actor)
    return store.lead(lead_id)


def _reroute(store: GraphStore, lead_id: str, *, policy: Policy, now: datetime, actor: str) -> None:
    # with nobody eligible the lead stays new, visible in the queue, until someone is; another
    # process may have routed it first (InvalidState)
    with suppress(NotEligible, InvalidState):
        route_lead(store, lead_id, policy=policy, now=now, actor=actor)


def record_contact(
    store: GraphStore,
    lead_id: str,
    rep_id: str,
    *,
    channel: str,
    at: datetime,
    now: datetime,
    actor: str,
) -> LeadView:
    """The rep's first contact with the buyer: stops the SLA clock."""
    if require_aware(at, "at") > now + timedelta(minutes=5):
        raise InvalidArgument("the contact time is in the future")
    if not channel.strip():
        raise InvalidArgument("a channel is required (email, phone, meeting, linkedin, ...)")
    if len(channel.strip()) > 100:
        raise InvalidArgument("the channel is longer than 100 characters")

    def write() -> LeadView:
        lead = _held_by(store, lead_id, rep_id, ("claimed",))
        if lead.owner_rep_id != rep_id:
            raise Forbidden(f"lead {lead_id} is not yours")
        _move(
            store,
            lead_id,
            from_statuses=("claimed",),
            to=_state(lead, status="contacted", contacted_at=at),
            event=_event(
                "contacted",
                lead_id,
                rep_id,
                actor,
                now,
                channel=channel.strip(),
                touched_at=at.isoformat(),
            ),
        )
        return store.lead(lead_id)

    return store.run_atomic(write)


def record_outcome(
    store: GraphStore,
    lead_id: str,
    rep_id: str,
    *,
    outcome: str,
    value: float | None,
    now: datetime,
    actor: str,
) -> LeadView:
    """Close a lead the rep holds as won or lost (with the deal value when won). When it is
    lost, the owners of the connected open leads are told (``word_travels`` events)."""
    if outcome not in ("won", "lost"):
        raise InvalidArgument(f"outcome must be won or lost (got {outcome!r})")
    if value is not None and value < 0:
        raise InvalidArgument("the value must be 0 or more")
    links = None
    if outcome == "lost":  # read outside the write transaction
        links = lead_links(store, [store.lead(lead_id)])[lead_id]

    def write() -> LeadView:
        lead = _held_by(store, lead_id, rep_id, HELD_STATUSES)
        if lead.owner_rep_id != rep_id:
            raise Forbidden(f"lead {lead_id} is not yours")
        _move(
            store,
            lead_id,
            from_statuses=HELD_STATUSES,
            to=_state(
                lead,
                status=outcome,
                outcome=outcome,
                value=lead.value if value is None else value,
                contact_due_at=None,
            ),
            event=_event(outcome, lead_id, rep_id, actor, now, value=value),
        )
        if links is not None:
            _tell_connected(store, word_travels(links, lead, "lost", now=now, actor=actor))
        return store.lead(lead_id)

    return store.run_atomic(write)


def _tell_connected(store: GraphStore, events: list[Event]) -> None:
    """Inside the step's transaction: the word-travels events of the connected open leads."""
    if events:
        store.append_events(events)


def assign_lead(
    store: GraphStore,
    lead_id: str,
    rep_id: str,
    reason: str,
    *,
    policy: Policy,
    now: datetime,
    actor: str,
) -> LeadView:
    """A manager gives a lead to any rep, with a reason: it is claimed by that rep at once."""
    text = _reason(reason)

    def write() -> LeadView:
        lead = _locked(store, lead_id)
        if lead.status in CLOSED_STATUSES:
            raise InvalidState(f"lead {lead_id} is {lead.status}: closed leads are not assigned")
        if rep_id not in store.rep_profiles():
            raise NotFound(f"no rep with id {rep_id!r}")
        due = now + timedelta(hours=policy.sla_hours.get(lead.grade, policy.sla_hours["warm"]))
        _move(
            store,
            lead_id,
            from_statuses=(lead.status,),
            to=_state(
                lead, status="claimed", owner_rep_id=rep_id, claimed_at=now, contact_due_at=due
            ),
            event=_event(
                "assigned", lead_id, rep_id, actor, now, reason=text, contact_due_at=due.isoformat()
            ),
        )
        return store.lead(lead_id)

    return store.run_atomic(write)


def request_intro(
    store: GraphStore,
    lead_id: str,
    rep_id: str,
    via_person_id: str,
    note: str,
    *,
    now: datetime,
    actor: str,
) -> Event:
    """Record that a rep asks someone for an introduction to the lead's buyers."""
    _note(note)
    lead = store.lead(lead_id)
    if lead.status in CLOSED_STATUSES:
        raise InvalidState(f"lead {lead_id} is {lead.status}")
    event = _event(
        "intro_requested",
        lead_id,
        rep_id,
        actor,
        now,
        via=via_person_id,
        reason=_note(note),
    )
    store.append_events([event])
    return event


@dataclass(frozen=True)
class SweepResult:
    breaches: tuple[tuple[str, str], ...]  # (lead id, rep id)
    rerouted: tuple[str, ...]

    def summary(self) -> str:
        return (
            f"{len(self.breaches)} overdue claim(s) breached, {len(self.rerouted)} lead(s) "
            "re-routed; safe to rerun"
        )


def sweep_sla(
    store: GraphStore, *, policy: Policy, now: datetime, actor: str = "sla-sweeper"
) -> SweepResult:
    """Find claims past their contact deadline: record a breach against the rep, return the
    lead to new and route it again without that rep. Running it twice changes nothing more."""
    breaches: list[tuple[str, str]] = []
    rerouted: list[str] = []
    for lead_id, rep_id in store.overdue_leads(now):

        def breach(lead_id: str = lead_id, rep_id: str | None = rep_id) -> bool:
            lead = _locked(store, lead_id)
            if (
                lead.status != "claimed"
                or lead.owner_rep_id != rep_id  # reassigned since the overdue list was read
                or lead.contact_due_at is None
                or lead.contact_due_at >= now
            ):
                return False
            # guarded by the status: of several sweepers (one per API process) one records it
            return store.move_lead(
                lead_id,
                from_statuses=("claimed",),
                to=_state(
                    lead, status="new", owner_rep_id=None, claimed_at=None, contact_due_at=None
                ),
                event=_event(
                    "sla_breach",
                    lead_id,
                    rep_id,
                    actor,
                    now,
                    reason=f"no contact by {lead.contact_due_at.isoformat()}",
                ),
            )

        if not store.run_atomic(breach):
            continue
        breaches.append((lead_id, rep_id or ""))
        with suppress(NotEligible, InvalidState):
            route_lead(store, lead_id, policy=policy, now=now, actor=actor)
            rerouted.append(lead_id)
    return SweepResult(breaches=tuple(breaches), rerouted=tuple(rerouted))
