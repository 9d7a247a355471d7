"""The lead lifecycle: route (offer), claim, contact, outcome, reject, release, assign (the SLA
sweep is routing/sla.py, the steps they are made of routing/steps.py). Every step is one atomic
write of the lead's new state and its event.

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

from graph.model import Event, LeadView, OutboxMessage
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
from routing.roster import OPEN_STATUSES, at_capacity
from routing.steps import (
    CLOSED_STATUSES,
    RESET_EVENTS,
    checked_note,
    checked_reason,
    exclusions_from,
    held_by,
    lead_event,
    lead_state,
    locked_lead,
    move_or_fail,
    offered_reps,
    offers_from,
    require_aware,
)
from routing.warmth import is_warm_owner

__all__ = [
    "CLOSED_STATUSES",
    "RESET_EVENTS",
    "exclusions_from",
    "offered_reps",
    "offers_from",
    "require_aware",
]

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Offer:
    lead: LeadView
    reps: tuple[str, ...]
    ranking: Ranking


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
        lead_event(
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
            to=lead_state(lead, status="offered", owner_rep_id=chosen[0].rep.id, value=None),
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
    unit of work: the guarded move (which takes the lead's lock), a re-read of the lead's
    offers, so a lead re-offered meanwhile cannot be claimed on an old offer, and the rep's
    capacity again (a claim of another lead may have filled it meanwhile). Where the store
    has the graph to itself (``writes_alone``) both are asked before the move, from memory
    unless a write dropped it (the workload kept follows this process's moves), and the move
    is the unit's one write, run under the write lock without a transaction around it
    (``run_atomic(one_write=True)``); where other processes write (Neo4j), the move takes the
    rep's lock and reads both in the same statement (``move_claimed``), and a refusal after
    it rolls it back."""
    unit = claim_unit(store, lead_id, rep_id, policy=policy, now=now, actor=actor)
    return store.run_atomic(unit, one_write=True)  # the move is its one write


def claim_unit(
    store: GraphStore, lead_id: str, rep_id: str, *, policy: Policy, now: datetime, actor: str
) -> Callable[[], LeadView]:
    """What ``claim_lead`` asks before its unit of work (refusing the claim when a rule does),
    and that unit, to run with ``store.run_atomic(unit, one_write=True)``. The API's server
    asks in place, on the event loop, when everything is kept in memory, and runs the unit in
    a worker thread: the loop answers other requests while the move's statement runs."""
    lead = store.lead(lead_id)
    history = store.events(lead_id=lead_id)
    offered = lead.status == "offered" and rep_id in offers_from(history)
    if not offered and not store.writes_alone:
        # what this worker keeps may be a moment behind another's offer (its announcement is
        # read at most every second): a refusal is judged on the graph, under the lead's lock

        def fresh() -> tuple[LeadView, list[Event]]:
            store.lock_lead(lead_id)  # what is read next comes from the graph
            return store.lead(lead_id), store.events(lead_id=lead_id)

        lead, history = store.run_atomic(fresh)
    _claimable(lead, lead_id, rep_id)
    if rep_id not in offers_from(history):
        raise NotEligible(f"lead {lead_id} was not offered to you")
    excluded = exclusions_from(history)
    score, reason = rep_standing(store, lead, rep_id, policy=policy, now=now, excluded=excluded)
    if reason is not None:
        raise NotEligible(f"you cannot claim lead {lead_id}: {reason}")
    due = now + timedelta(hours=policy.sla_hours.get(lead.grade, policy.sla_hours["warm"]))
    state = lead_state(  # value None: the value stored when the claim commits stays
        lead, status="claimed", owner_rep_id=rep_id, claimed_at=now, contact_due_at=due, value=None
    )
    warm = is_warm_owner(store, lead, rep_id)  # within 2 hops when claimed: routing/quotas.py

    claimed = lead_event(
        "claimed",
        lead_id,
        rep_id,
        actor,
        now,
        score=score,
        policy=policy.version,
        contact_due_at=due.isoformat(),
        warm=warm,
    )

    def claim() -> LeadView:
        if store.writes_alone:
            claim_alone()
        else:
            claim_shared()
        return dataclasses.replace(lead, **{**state.values(), "value": lead.value})

    def claim_alone() -> None:
        """Nobody else writes: the rules are asked of what is kept in memory (unless a write
        dropped it), and nobody can offer the lead again before the move."""
        full = at_capacity(store, rep_id, lead_id)
        if full is not None:
            raise NotEligible(f"you cannot claim lead {lead_id}: {full}")
        if rep_id not in offers_from(store.events(lead_id=lead_id)):
            _claimable(store.lead(lead_id), lead_id, rep_id)  # taken, released or returned
            raise NotEligible(f"lead {lead_id} was not offered to you")  # re-offered meanwhile
        if not store.move_lead(lead_id, from_statuses=("offered",), to=state, event=claimed):
            _claimable(store.lead(lead_id), lead_id, rep_id)
            raise AlreadyClaimed(f"lead {lead_id} was already claimed by another rep")

    def claim_shared() -> None:
        """Other processes write too: the move takes the rep's and the lead's locks and reads
        what the claim checks again (the rep's held leads, the lead's latest offers) in the
        same statement; a refusal after it rolls the move back with the transaction."""
        moved = store.move_claimed(lead_id, to=state, event=claimed, held_statuses=OPEN_STATUSES)
        if moved is None:
            _claimable(store.lead(lead_id), lead_id, rep_id)
            raise AlreadyClaimed(f"lead {lead_id} was already claimed by another rep")
        full = at_capacity(store, rep_id, lead_id, held=moved.held)
        if full is not None:
            raise NotEligible(f"you cannot claim lead {lead_id}: {full}")
        if rep_id not in offers_from(moved.events):
            raise NotEligible(f"lead {lead_id} was not offered to you")  # re-offered meanwhile

    return claim


def _claimable(lead: LeadView, lead_id: str, rep_id: str) -> None:
    if lead.status in ("claimed", "contacted"):
        if lead.owner_rep_id == rep_id:
            raise InvalidState(f"you already hold lead {lead_id}")
        raise AlreadyClaimed(f"lead {lead_id} was already claimed by another rep")
    if lead.status != "offered":
        raise InvalidState(f"lead {lead_id} is {lead.status}: only offered leads can be claimed")


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
    text = checked_reason(reason)
    returnable = ("offered", *HELD_STATUSES)
    before = store.lead(lead_id)
    links = lead_links(store, [before])[lead_id]  # read outside the write transaction

    def write() -> LeadView:
        lead = held_by(store, lead_id, rep_id, returnable)
        if approved_by is None:
            require_returnable(links, policy)
            if lead.status != "offered":
                require_done(lead, store.events(lead_id=lead_id), policy)
        approval = {} if approved_by is None else {"approved_by": approved_by}
        move_or_fail(
            store,
            lead_id,
            from_statuses=returnable,
            to=lead_state(lead, status="returned", owner_rep_id=None, contact_due_at=None),
            event=lead_event("returned", lead_id, rep_id, actor, now, reason=text, **approval),
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
    text = checked_reason(reason)

    def release() -> None:
        lead = held_by(store, lead_id, rep_id, ("claimed",))
        move_or_fail(
            store,
            lead_id,
            from_statuses=("claimed",),
            to=lead_state(
                lead, status="new", owner_rep_id=None, claimed_at=None, contact_due_at=None
            ),
            event=lead_event("released", lead_id, rep_id, actor, now, reason=text),
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
        lead = held_by(store, lead_id, rep_id, ("claimed",))
        if lead.owner_rep_id != rep_id:
            raise Forbidden(f"lead {lead_id} is not yours")
        move_or_fail(
            store,
            lead_id,
            from_statuses=("claimed",),
            to=lead_state(lead, status="contacted", contacted_at=at),
            event=lead_event(
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
        lead = held_by(store, lead_id, rep_id, HELD_STATUSES)
        if lead.owner_rep_id != rep_id:
            raise Forbidden(f"lead {lead_id} is not yours")
        move_or_fail(
            store,
            lead_id,
            from_statuses=HELD_STATUSES,
            to=lead_state(
                lead,
                status=outcome,
                outcome=outcome,
                value=lead.value if value is None else value,
                contact_due_at=None,
            ),
            event=lead_event(outcome, lead_id, rep_id, actor, now, value=value),
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
    text = checked_reason(reason)

    def write() -> LeadView:
        lead = locked_lead(store, lead_id)
        if lead.status in CLOSED_STATUSES:
            raise InvalidState(f"lead {lead_id} is {lead.status}: closed leads are not assigned")
        if rep_id not in store.rep_profiles():
            raise NotFound(f"no rep with id {rep_id!r}")
        due = now + timedelta(hours=policy.sla_hours.get(lead.grade, policy.sla_hours["warm"]))
        move_or_fail(
            store,
            lead_id,
            from_statuses=(lead.status,),
            to=lead_state(
                lead, status="claimed", owner_rep_id=rep_id, claimed_at=now, contact_due_at=due
            ),
            event=lead_event(
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
    checked_note(note)
    lead = store.lead(lead_id)
    if lead.status in CLOSED_STATUSES:
        raise InvalidState(f"lead {lead_id} is {lead.status}")
    event = lead_event(
        "intro_requested",
        lead_id,
        rep_id,
        actor,
        now,
        via=via_person_id,
        reason=checked_note(note),
    )
    store.append_events([event])
    return event
