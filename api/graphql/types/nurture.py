"""Nurture as the schema shows it: touch channels, a lead's cadence, a recorded touch, the
agenda and the policy's cadences."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

import strawberry

from api.auth import Access
from api.graphql.errors import Problem
from api.graphql.types.leads import LeadType
from api.graphql.types.reps import RepType
from graph.store import GraphStore
from routing.cadence import CadenceState
from routing.nurture import AgendaItem, Touched
from routing.policy import GRADES, Policy


@strawberry.enum(description="How a rep touched a buyer.")
class TouchChannel(enum.Enum):
    CALL = "call"
    EMAIL = "email"
    LINKEDIN = "linkedin"
    MEETING = "meeting"
    OTHER = "other"


@strawberry.enum(
    description="What is due: the claim's contact (SLA), a cadence touch, a nurture date."
)
class DueKind(enum.Enum):
    CONTACT = "contact"
    TOUCH = "touch"
    NURTURE = "nurture"


@strawberry.type(name="Cadence", description="A claim's nurture cadence as its touches stand.")
class CadenceType:
    touches_planned: int
    touches_done: int
    touches_left: int
    days: float
    claimed_at: datetime
    next_touch_at: datetime | None = strawberry.field(
        description="When the next touch is due (none when the cadence is done)."
    )

    @classmethod
    def of(cls, state: CadenceState) -> CadenceType:
        upcoming = state.next
        return cls(
            touches_planned=state.cadence.touches,
            touches_done=state.done,
            touches_left=state.left,
            days=state.cadence.days,
            claimed_at=state.claimed_at,
            next_touch_at=None if upcoming is None else upcoming.due_at,
        )


@strawberry.type
class TouchRecorded:
    lead: LeadType
    cadence: CadenceType | None

    @classmethod
    def of(cls, touched: Touched, now: datetime) -> TouchRecorded:
        return cls(
            lead=LeadType.of(touched.lead, now),
            cadence=None if touched.cadence is None else CadenceType.of(touched.cadence),
        )


TouchResult = Annotated[TouchRecorded | Problem, strawberry.union("TouchResult")]


@strawberry.type(name="AgendaItem")
class AgendaItemType:
    lead: LeadType
    rep: RepType
    kind: DueKind
    touch_number: int
    due_at: datetime
    overdue: bool
    cadence: CadenceType


@strawberry.type(description="Due and overdue touches and SLA clocks, most urgent first.")
class Agenda:
    items: list[AgendaItemType]
    overdue: int
    until: datetime = strawberry.field(description="Touches due before this time are listed.")

    @classmethod
    def of(
        cls,
        store: GraphStore,
        items: list[AgendaItem],
        *,
        now: datetime,
        until: datetime,
        viewer: Access,
    ) -> Agenda:
        rows = [
            AgendaItemType(
                lead=LeadType.of(item.lead, now),
                rep=RepType.by_id(store, item.rep_id, viewer=viewer),
                kind=DueKind(item.touch.kind),
                touch_number=item.touch.number,
                due_at=item.touch.due_at,
                overdue=item.overdue(now),
                cadence=CadenceType.of(item.cadence),
            )
            for item in items
        ]
        return cls(items=rows, overdue=sum(1 for r in rows if r.overdue), until=until)


AgendaResult = Annotated[Agenda | Problem, strawberry.union("AgendaResult")]


@strawberry.type(description="A grade's cadence: this many touches within this many days.")
class CadencePolicy:
    grade: str
    touches: int
    days: float

    @classmethod
    def all_of(cls, policy: Policy) -> list[CadencePolicy]:
        return [
            cls(grade=g, touches=policy.cadence_touches[g], days=policy.cadence_days[g])
            for g in GRADES
        ]
