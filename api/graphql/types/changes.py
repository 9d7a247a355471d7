"""What the mutations answer: the lead after a step, a routed batch, a request for an
introduction, and what a privacy erasure removed."""

from __future__ import annotations

import enum
from typing import Annotated

import strawberry

from api.graphql.errors import Problem
from api.graphql.types.events import EventType
from api.graphql.types.leads import LeadType
from api.graphql.types.reps import RepType


@strawberry.type
class Routed:
    lead: LeadType
    offered_to: list[RepType]


@strawberry.type
class RoutedBatch:
    offered: int
    unassigned: int
    gini: float
    warm_owner_rate: float | None


@strawberry.type
class Claimed:
    lead: LeadType


@strawberry.type
class LeadChanged:
    lead: LeadType


@strawberry.type
class IntroRequested:
    event: EventType


@strawberry.enum
class Outcome(enum.Enum):
    WON = "won"
    LOST = "lost"


RouteResult = Annotated[Routed | Problem, strawberry.union("RouteResult")]
RouteLeadsResult = Annotated[RoutedBatch | Problem, strawberry.union("RouteLeadsResult")]
ClaimResult = Annotated[Claimed | Problem, strawberry.union("ClaimResult")]
LeadChangeResult = Annotated[LeadChanged | Problem, strawberry.union("LeadChangeResult")]
IntroResult = Annotated[IntroRequested | Problem, strawberry.union("IntroResult")]


@strawberry.type(description="What withdrawing a rep's network removed (forgetNetwork).")
class NetworkForgotten:
    rep_id: strawberry.ID
    ties_removed: int
    ties_kept: int = strawberry.field(
        description="Ties someone else reported too: they stay, without this rep's report."
    )
    people_removed: int = strawberry.field(description="People known only through this rep.")
    employments_removed: int
    studies_removed: int
    consent_cleared: bool


@strawberry.type(description="What erasing a person removed (forgetPerson): counts only.")
class PersonErased:
    ties_removed: int
    employments_removed: int
    studies_removed: int
    decision_maker_links_removed: int
    open_leads: int = strawberry.field(
        description="Open leads the person was a decision-maker of (they keep the rest of "
        "their buying committee)."
    )
    events_scrubbed: int
    tombstones: int


ForgetNetworkResult = Annotated[NetworkForgotten | Problem, strawberry.union("ForgetNetworkResult")]
ForgetPersonResult = Annotated[PersonErased | Problem, strawberry.union("ForgetPersonResult")]
