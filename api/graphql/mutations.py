"""The mutations: the claim workflow, routing, and the privacy erasures. Each checks who is
asking, takes the step through ``routing`` in a worker thread and publishes the events it wrote
to the subscriptions."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, TypeVar

import strawberry
from strawberry.types import Info

from api.graphql.context import Context, off
from api.graphql.errors import Problem, answer
from api.graphql.types.changes import (
    Claimed,
    ClaimResult,
    ForgetNetworkResult,
    ForgetPersonResult,
    IntroRequested,
    IntroResult,
    LeadChanged,
    LeadChangeResult,
    NetworkForgotten,
    Outcome,
    PersonErased,
    Routed,
    RoutedBatch,
    RouteLeadsResult,
    RouteResult,
)
from api.graphql.types.events import EventType
from api.graphql.types.intake import LeadInput, SubmitLeadResult, submit_many, submit_one
from api.graphql.types.leads import LeadType
from api.graphql.types.nurture import TouchChannel, TouchRecorded, TouchResult
from api.graphql.types.quotas import IntroductionRecorded, IntroductionResult
from api.graphql.types.reps import RepType
from api.graphql.types.whatif import PolicyResult, change_policy
from api.observability import claim_decided, claim_ran
from graph.errors import NeedsGraph
from graph.model import Event, LeadView
from graph.store import from_memory
from routing import (
    activity,
    connections,
    directory,
    introductions,
    leads,
    lifecycle,
    nurture,
    privacy,
)
from routing.assignment import route_new_leads
from routing.errors import Forbidden, NotFound

T = TypeVar("T")


async def _erase(context: Context, erase: Callable[..., T], key: str) -> T:
    """A privacy erasure (admins only), in a worker thread."""
    if not context.access.is_admin:
        raise Forbidden("only admins can withdraw a network or erase a person")
    return await off(erase, context.store, key, actor=context.actor, now=context.now())


async def _acted(context: Context, step: Callable[[str], Event]) -> EventType:
    """A rep's step that writes one event (in a worker thread), published to the
    subscriptions."""
    event = await off(step, context.access.acting_rep())
    context.services.broker.publish([event])
    return EventType.of(event)


def _publish_after(context: Context, lead_id: str, seen: str) -> None:
    """Publish the lead's events newer than ``seen`` to the subscriptions, and the word-travels
    events its loss or return wrote on the connected open leads. Nothing is read back when no
    subscription is open in this process (each process publishes only its own changes)."""
    if not context.services.broker.subscribers:
        return
    events = activity.events_after(context.store, lead_id, seen)
    if any(e.kind in ("lost", "returned") for e in events):
        events += connections.word_travelled(context.store, lead_id, seen)
    context.services.broker.publish_threadsafe(events)


async def _change(context: Context, lead_id: str, step: Callable[[datetime], T]) -> T:
    """Take a step on a lead, then publish the events it wrote: both in one worker thread."""
    now = context.now()
    seen = activity.watermark(now)

    def step_and_publish() -> T:
        done = step(now)
        _publish_after(context, lead_id, seen)
        return done

    return await off(step_and_publish)


async def _claim(context: Context, lead_id: str, rep: str) -> LeadView:
    """A claim: what it asks before its move is asked in place, on the event loop, where the
    store writes alone and all it reads is kept in memory (``from_memory``: a refusal is
    answered there), else in a worker thread; its unit of work, the guarded move (a statement
    of about 2 ms, the interpreter lock released) and the events it wrote published, always
    in a worker thread, so the loop answers other requests meanwhile (until session 33 the move
    ran in place too, and the loop waited for it: 14% of a full-scale server's samples)."""
    store = context.store
    now = context.now()
    seen = activity.watermark(now)

    def asked() -> Callable[[], LeadView]:
        policy = context.services.policy
        return lifecycle.claim_unit(
            store, lead_id, rep, policy=policy, now=now, actor=context.actor
        )

    def moved(unit: Callable[[], LeadView]) -> LeadView:
        done = store.run_atomic(unit, one_write=True)
        _publish_after(context, lead_id, seen)
        return done

    if store.writes_alone:
        placed = True
        try:
            with from_memory():
                unit = asked()
        except NeedsGraph:
            placed = False  # asked again where the graph may be read
        finally:
            if placed:  # asked on the loop, a refusal included (the /metrics count)
                claim_ran("event_loop")
        if placed:
            return await off(moved, unit)

    def asked_and_moved() -> LeadView:
        return moved(asked())

    claim_ran("worker_thread")
    return await off(asked_and_moved)


def _acting_for(context: Context, lead_id: str, for_owner: bool) -> str:
    """The rep a step is taken for: a rep acts for themselves; with ``for_owner`` a manager
    (of the owner's team) or an admin may act for the lead's owner."""
    access = context.access
    if access.user.role == "rep" or not for_owner:
        return access.acting_rep()
    owner = leads.owner_of(context.store, lead_id)
    access.require_rep(owner)
    return owner


async def _rep_change(
    context: Context,
    lead_id: str,
    step: Callable[[str, datetime], LeadView],
    *,
    for_owner: bool = False,
) -> LeadChanged | Problem:
    """A step a rep takes on their own lead (or, ``for_owner``, a manager for its owner), as a
    LeadChanged or a Problem."""

    async def run() -> LeadChanged:
        rep = await off(_acting_for, context, lead_id, for_owner)
        lead = await _change(context, lead_id, lambda now: step(rep, now))
        return LeadChanged(lead=LeadType.of(lead, context.now()))

    return await answer(run)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Offer a new lead to the top N eligible reps.")
    async def route_lead(self, info: Info[Context, None], lead_id: strawberry.ID) -> RouteResult:
        context = info.context

        async def run() -> Routed:
            context.access.require_manager()
            offer = await _change(
                context,
                str(lead_id),
                lambda now: lifecycle.route_lead(
                    context.store,
                    str(lead_id),
                    policy=context.services.policy,
                    now=now,
                    actor=context.actor,
                ),
            )
            return Routed(
                lead=LeadType.of(offer.lead, context.now()),
                offered_to=[
                    RepType.by_id(context.store, r, viewer=context.access) for r in offer.reps
                ],
            )

        return await answer(run)

    @strawberry.mutation(description="Route every new lead as one optimal batch.")
    async def route_leads(self, info: Info[Context, None]) -> RouteLeadsResult:
        context = info.context

        def route(now: datetime) -> RoutedBatch:
            routed = route_new_leads(
                context.store, policy=context.services.policy, now=now, actor=context.actor
            )
            result = routed.result
            if result is None:
                return RoutedBatch(offered=0, unassigned=0, gini=0.0, warm_owner_rate=None)
            context.services.broker.publish_threadsafe(
                activity.latest_offers(context.store, routed.offered)
            )
            return RoutedBatch(
                offered=len(routed.offered),
                unassigned=sum(1 for a in result.assignments if a.rep_id is None),
                gini=result.metrics.gini,
                warm_owner_rate=result.metrics.warm_owner_rate,
            )

        async def run() -> RoutedBatch:
            context.access.require_manager()
            return await off(route, context.now())

        return await answer(run)

    @strawberry.mutation(description="Claim a lead offered to you; exactly one claim wins.")
    async def claim_lead(self, info: Info[Context, None], lead_id: strawberry.ID) -> ClaimResult:
        context = info.context

        async def run() -> Claimed:
            rep = context.access.acting_rep()
            lead = await _claim(context, str(lead_id), rep)
            return Claimed(lead=LeadType.of(lead, context.now()))

        return claim_decided(await answer(run))

    @strawberry.mutation(
        description="Send a lead back to marketing with the reason (a manager: for its owner). "
        "A rep returns a lead they hold only once its nurture cadence is done; a manager's or "
        "an admin's return is their approval."
    )
    async def reject_lead(
        self, info: Info[Context, None], lead_id: strawberry.ID, reason: str
    ) -> LeadChangeResult:
        context = info.context
        return await _rep_change(
            context,
            str(lead_id),
            lambda rep, now: lifecycle.reject_lead(
                context.store,
                str(lead_id),
                rep,
                reason,
                policy=context.services.policy,
                now=now,
                actor=context.actor,
                approved_by=None if context.access.user.role == "rep" else context.actor,
            ),
            for_owner=True,
        )

    @strawberry.mutation(
        description="Give a claimed lead back; it is routed again without its owner."
    )
    async def release_lead(
        self, info: Info[Context, None], lead_id: strawberry.ID, reason: str
    ) -> LeadChangeResult:
        context = info.context
        return await _rep_change(
            context,
            str(lead_id),
            lambda rep, now: lifecycle.release_lead(
                context.store,
                str(lead_id),
                rep,
                reason,
                policy=context.services.policy,
                now=now,
                actor=context.actor,
            ),
            for_owner=True,
        )

    @strawberry.mutation(
        description="Record the first contact with the buyer (stops the SLA clock)."
    )
    async def record_contact(
        self,
        info: Info[Context, None],
        lead_id: strawberry.ID,
        channel: str,
        at: datetime | None = None,
    ) -> LeadChangeResult:
        context = info.context
        return await _rep_change(
            context,
            str(lead_id),
            lambda rep, now: lifecycle.record_contact(
                context.store,
                str(lead_id),
                rep,
                channel=channel,
                at=at or now,
                now=now,
                actor=context.actor,
            ),
        )

    @strawberry.mutation(
        description="Record a touch on a lead you hold. On a claimed lead it is the first "
        "contact (stops the SLA clock); on a lead in nurture it resumes the cadence."
    )
    async def record_touch(
        self,
        info: Info[Context, None],
        lead_id: strawberry.ID,
        channel: TouchChannel,
        at: datetime | None = None,
        note: str = "",
    ) -> TouchResult:
        context = info.context

        async def run() -> TouchRecorded:
            rep = context.access.acting_rep()
            touched = await _change(
                context,
                str(lead_id),
                lambda now: nurture.record_touch(
                    context.store,
                    str(lead_id),
                    rep,
                    channel=channel.value,
                    at=at or now,
                    note=note,
                    policy=context.services.policy,
                    now=now,
                    actor=context.actor,
                ),
            )
            return TouchRecorded.of(touched, context.now())

        return await answer(run)

    @strawberry.mutation(
        description="Put a contacted lead that is not ready in nurture until nextTouchAt (a "
        "manager: for its owner): it stays with its rep and is in their agenda on that date."
    )
    async def nurture_lead(
        self,
        info: Info[Context, None],
        lead_id: strawberry.ID,
        next_touch_at: datetime,
        reason: str,
    ) -> LeadChangeResult:
        context = info.context
        return await _rep_change(
            context,
            str(lead_id),
            lambda rep, now: nurture.nurture_lead(
                context.store,
                str(lead_id),
                rep,
                next_touch_at=next_touch_at,
                reason=reason,
                policy=context.services.policy,
                now=now,
                actor=context.actor,
            ),
            for_owner=True,
        )

    @strawberry.mutation(description="Close a lead you hold as won or lost.")
    async def record_outcome(
        self,
        info: Info[Context, None],
        lead_id: strawberry.ID,
        outcome: Outcome,
        value: float | None = None,
    ) -> LeadChangeResult:
        context = info.context
        return await _rep_change(
            context,
            str(lead_id),
            lambda rep, now: lifecycle.record_outcome(
                context.store,
                str(lead_id),
                rep,
                outcome=outcome.value,
                value=value,
                now=now,
                actor=context.actor,
            ),
        )

    @strawberry.mutation(
        description="A manager gives a lead to a rep of their team, with a reason."
    )
    async def assign_lead(
        self, info: Info[Context, None], lead_id: strawberry.ID, rep_id: strawberry.ID, reason: str
    ) -> LeadChangeResult:
        context = info.context

        async def run() -> LeadChanged:
            access = context.access
            access.require_manager()
            access.require_rep(str(rep_id))
            await off(context.visible_lead, str(lead_id))  # a manager: their team's leads
            lead = await _change(
                context,
                str(lead_id),
                lambda now: lifecycle.assign_lead(
                    context.store,
                    str(lead_id),
                    str(rep_id),
                    reason,
                    policy=context.services.policy,
                    now=now,
                    actor=context.actor,
                ),
            )
            return LeadChanged(lead=LeadType.of(lead, context.now()))

        return await answer(run)

    @strawberry.mutation(description="Ask someone for an introduction to a lead's buyers.")
    async def request_intro(
        self, info: Info[Context, None], lead_id: strawberry.ID, via_person_key: str, note: str = ""
    ) -> IntroResult:
        context = info.context

        def ask(rep: str) -> Event:
            context.visible_lead(str(lead_id))
            via = directory.resolve_person(context.store, via_person_key)
            return lifecycle.request_intro(
                context.store,
                str(lead_id),
                rep,
                via.id,
                note,
                now=context.now(),
                actor=context.actor,
            )

        async def run() -> IntroRequested:
            return IntroRequested(event=await _acted(context, ask))

        return await answer(run)

    @strawberry.mutation(
        description="A rep records that they introduced a lead's owner, who asked them "
        "(requestIntro via them), to one of its decision-makers (URL, email or id)."
    )
    async def record_introduction(
        self, info: Info[Context, None], lead_id: strawberry.ID, to_person_key: str, note: str = ""
    ) -> IntroductionResult:
        context = info.context

        def record(rep: str) -> Event:
            try:  # no one: refused as not a decision-maker, once the rep was found to be asked
                to_person_id = directory.resolve_person(context.store, to_person_key).id
            except NotFound:
                to_person_id = ""
            return introductions.record_introduction(
                context.store,
                str(lead_id),
                rep,
                to_person_id,
                note,
                now=context.now(),
                actor=context.actor,
            )

        async def run() -> IntroductionRecorded:
            return IntroductionRecorded(event=await _acted(context, record))

        return await answer(run)

    @strawberry.mutation(
        description="Admins: withdraw a rep's network (the rep withdrew consent): the ties only "
        "their exports reported, the people known only through them, their own employers and "
        "schools, and their consent."
    )
    async def forget_network(
        self, info: Info[Context, None], rep_id: strawberry.ID
    ) -> ForgetNetworkResult:
        context = info.context

        async def run() -> NetworkForgotten:
            result = await _erase(context, privacy.forget_network, str(rep_id))
            return NetworkForgotten(**dataclasses.asdict(result))

        return await answer(run)

    @strawberry.mutation(
        description="Admins: erase a person (LinkedIn URL, email or id): their ties, "
        "employments, studies and decision-maker links, and their name from the activity log; "
        "imports skip them from then on."
    )
    async def forget_person(self, info: Info[Context, None], key: str) -> ForgetPersonResult:
        context = info.context

        async def run() -> PersonErased:
            result = await _erase(context, privacy.forget_person, key)
            return PersonErased(**dataclasses.asdict(result))

        return await answer(run)

    @strawberry.mutation(
        description="Intake and admin tokens: submit a lead (a web form, a marketing system). "
        "Its company and decision-makers are matched to known ones; an open lead of the same "
        "decision-maker at the same company is updated instead of a second being created."
    )
    async def submit_lead(
        self,
        info: Info[Context, None],
        lead: Annotated[LeadInput, strawberry.argument(name="input")],
    ) -> SubmitLeadResult:
        return await submit_one(info.context, lead)

    @strawberry.mutation(
        description="Intake and admin tokens: submit up to 100 leads; one result per input, in "
        "order. A batch with any bad field writes nothing (each bad field is a Problem)."
    )
    async def submit_leads(
        self, info: Info[Context, None], inputs: list[LeadInput]
    ) -> list[SubmitLeadResult]:
        return list(await submit_many(info.context, inputs))

    @strawberry.mutation(
        description="Apply a routing policy (TOML; admins): checked like `warmpath policy "
        "check`, stored as a version, recorded in the audit log, and in force at once."
    )
    async def apply_policy(self, info: Info[Context, None], policy_toml: str) -> PolicyResult:
        return await change_policy(info.context, text=policy_toml)

    @strawberry.mutation(description="Apply an earlier policy version again (admins).")
    async def revert_policy(self, info: Info[Context, None], version: str) -> PolicyResult:
        return await change_policy(info.context, version=version)
