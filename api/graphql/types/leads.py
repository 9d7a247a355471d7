"""Leads, their companies and buying committees, and pages of leads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.errors import Problem
from api.graphql.types.connections import (
    ConnectionsResult,
    InfluenceResult,
    connections_for,
    influence_for,
)
from api.graphql.types.events import PageInfo
from api.graphql.types.people import Person
from api.graphql.types.ranking import RankingResult, asks_evidence, ranking_for
from api.graphql.types.reps import RepType
from graph.model import LeadView
from routing.leads import LeadPage, LeadSelection


@strawberry.type
class Company:
    id: strawberry.ID
    name: str
    industry: str | None
    region: str | None


@strawberry.type
class DecisionMaker:
    person: Person
    role: str


@strawberry.type(name="Lead")
class LeadType:
    id: strawberry.ID
    title: str
    status: str
    grade: str
    value: float | None
    product: str | None
    source: str | None
    created_at: datetime | None
    claimed_at: datetime | None
    contact_due_at: datetime | None
    contacted_at: datetime | None
    outcome: str | None
    company: Company
    committee: list[DecisionMaker]
    owner_id: strawberry.ID | None
    overdue: bool = strawberry.field(description="Claimed and past its contact deadline.")
    next_touch_at: datetime | None = strawberry.field(
        description="A lead in nurture: when its rep touches it again."
    )

    @strawberry.field
    async def owner(self, info: Info[Context, None]) -> RepType | None:
        if self.owner_id is None:
            return None
        return RepType.by_id(info.context.store, str(self.owner_id), viewer=info.context.access)

    @strawberry.field(description="The ranked reps for this lead (see Query.rankedReps).")
    async def ranked_reps(self, info: Info[Context, None], limit: int = 10) -> RankingResult:
        return await ranking_for(info.context, str(self.id), limit, explain=asks_evidence(info))

    @strawberry.field(
        description="Links of this lead's decision-makers to our customers' and other open "
        "leads' buyers within 2 hops, closest first (see Query.connections)."
    )
    async def connections(self, info: Info[Context, None], first: int = 10) -> ConnectionsResult:
        return await connections_for(info.context, str(self.id), first)

    @strawberry.field(
        description="How far this lead's buyers reach: 2 x customers + open buyers reached "
        "(a 2-hop link counts half)."
    )
    async def influence(self, info: Info[Context, None]) -> InfluenceResult:
        return await influence_for(info.context, str(self.id))

    @classmethod
    def of(cls, lead: LeadView, now: datetime) -> LeadType:
        return cls(
            id=strawberry.ID(lead.id),
            title=lead.title,
            status=lead.status,
            grade=lead.grade,
            value=lead.value,
            product=lead.product,
            source=lead.source,
            created_at=lead.created_at,
            claimed_at=lead.claimed_at,
            contact_due_at=lead.contact_due_at,
            contacted_at=lead.contacted_at,
            outcome=lead.outcome,
            company=Company(
                id=strawberry.ID(lead.company.id),
                name=lead.company.name,
                industry=lead.company.industry,
                region=lead.company.region,
            ),
            committee=[
                DecisionMaker(person=Person.of(m.person), role=m.role) for m in lead.committee
            ],
            owner_id=strawberry.ID(lead.owner_rep_id) if lead.owner_rep_id else None,
            overdue=lead.status == "claimed"
            and lead.contact_due_at is not None
            and lead.contact_due_at < now,
            next_touch_at=lead.contact_due_at if lead.status == "nurture" else None,
        )


LeadResult = Annotated[LeadType | Problem, strawberry.union("LeadResult")]


@strawberry.type
class LeadConnection:
    nodes: list[LeadType]
    page_info: PageInfo
    total_count: int

    @classmethod
    def of(cls, page: LeadPage, now: datetime) -> LeadConnection:
        return cls(
            nodes=[LeadType.of(lead, now) for lead in page.leads],
            page_info=PageInfo.of(page),
            total_count=page.total_count,
        )


@strawberry.input
class LeadFilter:
    status: str | None = None
    grade: str | None = None
    owner_id: strawberry.ID | None = None
    unassigned: bool | None = None
    company_id: strawberry.ID | None = None

    def selection(self) -> LeadSelection:
        return LeadSelection(
            status=self.status,
            grade=self.grade,
            owner_id=None if self.owner_id is None else str(self.owner_id),
            unassigned=self.unassigned,
            company_id=None if self.company_id is None else str(self.company_id),
        )
