"""Connected leads: a lead's links to our customers' and other open leads' buyers, its
influence, and the references a ranking names (routing/connections.py)."""

from __future__ import annotations

import enum
from typing import Annotated

import strawberry

from api.auth import Access
from api.graphql.context import Context, off
from api.graphql.errors import Problem, answer
from api.graphql.types.people import Person
from api.graphql.types.reps import RepType
from graph.model import LeadStanding
from graph.store import GraphStore
from routing import connections


@strawberry.enum
class ConnectionKind(enum.Enum):
    CUSTOMER = "customer"
    OPEN = "open"


@strawberry.type
class ConnectedLead:
    """Another lead as a connection shows it."""

    id: strawberry.ID
    title: str
    status: str
    company_id: strawberry.ID
    company_name: str

    @classmethod
    def of(cls, lead: LeadStanding) -> ConnectedLead:
        return cls(
            id=strawberry.ID(lead.id),
            title=lead.title,
            status=lead.status,
            company_id=strawberry.ID(lead.company_id),
            company_name=lead.company_name,
        )


def _owner(store: GraphStore, rep_id: str | None, viewer: Access | None) -> RepType | None:
    return None if rep_id is None else RepType.by_id(store, rep_id, viewer=viewer)


@strawberry.type
class LeadLink:
    member: Person = strawberry.field(description="The lead's own decision-maker.")
    member_role: str
    buyer: Person = strawberry.field(description="The other lead's decision-maker.")
    buyer_role: str = strawberry.field(description="Their role on the other lead.")
    lead: ConnectedLead
    kind: ConnectionKind
    hops: int = strawberry.field(
        description="0: the same person; 1: they know each other; 2: through `path`."
    )
    path: list[Person] = strawberry.field(description="The people in between (never a rep).")
    owner_rep: RepType | None = strawberry.field(
        description="Who owns that customer (won it) or holds that lead; null: nobody yet."
    )

    @classmethod
    def of(cls, store: GraphStore, link: connections.Connection, viewer: Access | None) -> LeadLink:
        return cls(
            member=Person.of(link.member.person),
            member_role=link.member.role,
            buyer=Person.of(link.buyer.person),
            buyer_role=link.buyer.role,
            lead=ConnectedLead.of(link.lead),
            kind=ConnectionKind(link.kind),
            hops=link.hops,
            path=[Person.of(p) for p in link.path],
            owner_rep=_owner(store, link.owner_rep_id, viewer),
        )


@strawberry.type
class Influence:
    """score = 2 x customers reached + open buyers reached, a 2-hop link counting half."""

    score: float
    customers: int = strawberry.field(description="Companies with a won lead reached.")
    open_buyers: int = strawberry.field(description="Decision-makers of other open leads.")
    customer_points: float
    open_points: float

    @classmethod
    def of(cls, influence: connections.Influence) -> Influence:
        return cls(
            score=influence.score,
            customers=influence.customers,
            open_buyers=influence.open_buyers,
            customer_points=influence.customer_points,
            open_points=influence.open_points,
        )


@strawberry.type
class Connections:
    lead_id: strawberry.ID
    nodes: list[LeadLink] = strawberry.field(description="Closest first.")
    total_count: int
    influence: Influence


@strawberry.type
class Reference:
    """A customer's buyer who is, or knows, one of the lead's decision-makers: the rep who
    owns that customer may introduce."""

    person: Person
    role: str = strawberry.field(description="Their role at the customer.")
    customer_lead: ConnectedLead
    owner_rep: RepType | None
    knows: Person = strawberry.field(description="The lead's decision-maker they know.")
    hops: int = strawberry.field(description="0: the same person; 1: they know each other.")

    @classmethod
    def of(
        cls, store: GraphStore, link: connections.Connection, viewer: Access | None
    ) -> Reference:
        return cls(
            person=Person.of(link.buyer.person),
            role=link.buyer.role,
            customer_lead=ConnectedLead.of(link.lead),
            owner_rep=_owner(store, link.owner_rep_id, viewer),
            knows=Person.of(link.member.person),
            hops=link.hops,
        )


ConnectionsResult = Annotated[Connections | Problem, strawberry.union("ConnectionsResult")]
InfluenceResult = Annotated[Influence | Problem, strawberry.union("InfluenceResult")]


async def connections_for(context: Context, lead_id: str, first: int) -> Connections | Problem:
    """The lead's connections, when the caller may see the lead (Query.connections and
    Lead.connections): whoever may see a lead may see its ranking's evidence and these."""

    async def run() -> Connections:
        connections.check_first(first)
        lead = await off(context.visible_lead, lead_id)
        page = await off(connections.connection_page, context.store, lead, first=first)
        viewer = context.access
        return Connections(
            lead_id=strawberry.ID(lead_id),
            nodes=[LeadLink.of(context.store, c, viewer) for c in page.connections],
            total_count=page.total_count,
            influence=Influence.of(page.influence),
        )

    return await answer(run)


async def influence_for(context: Context, lead_id: str) -> Influence | Problem:
    """The lead's influence (Lead.influence): the leads of one request are read together."""

    async def run() -> Influence:
        await off(context.visible_lead, lead_id)
        return Influence.of((await context.links.load(lead_id)).influence)

    return await answer(run)
