"""The network explorer as the schema shows it (routing/explorer.py), and the resolvers'
bodies."""

from __future__ import annotations

import enum
from datetime import date
from typing import Annotated

import strawberry

from api.graphql.context import Context, off
from api.graphql.errors import Problem, answer
from routing import explorer


@strawberry.enum(description="What a node of the network explorer is.")
class NodeKind(enum.Enum):
    REP = "rep"
    PERSON = "person"
    COMPANY = "company"
    SCHOOL = "school"


@strawberry.type(
    description="A node: a person who is a rep is always shown as the rep (kind REP, the rep's id)."
)
class GraphNode:
    id: strawberry.ID
    kind: NodeKind
    name: str
    title: str | None = strawberry.field(description="A person's title, a company's domain.")
    degree: int | None = strawberry.field(
        description="How many neighbours it has (the page can show '+N more')."
    )

    @classmethod
    def of(cls, node: explorer.GraphNode) -> GraphNode:
        return cls(
            id=strawberry.ID(node.id),
            kind=NodeKind(node.kind),
            name=node.name,
            title=node.title,
            degree=node.degree,
        )


@strawberry.type(
    description="A tie: knows (with its sources: linkedin, facebook, crm...), works_at, "
    "worked_at or studied_at (from the person to the place)."
)
class GraphTie:
    from_: strawberry.ID = strawberry.field(name="from")
    to: strawberry.ID
    kind: str
    sources: list[str]
    since: date | None
    until: date | None

    @classmethod
    def of(cls, tie: explorer.GraphTie) -> GraphTie:
        return cls(
            from_=strawberry.ID(tie.a),
            to=strawberry.ID(tie.b),
            kind=tie.kind,
            sources=list(tie.sources),
            since=tie.since,
            until=tie.until,
        )


@strawberry.type
class NeighbourPage:
    node: GraphNode
    nodes: list[GraphNode]
    ties: list[GraphTie]
    total_count: int
    end_cursor: str | None
    has_next_page: bool


@strawberry.type
class GraphPaths:
    paths: list[list[GraphNode]]
    ties: list[GraphTie]
    truncated: bool = strawberry.field(
        description="The search stopped at its limit of people read: longer paths may exist."
    )


NeighbourResult = Annotated[NeighbourPage | Problem, strawberry.union("NeighbourResult")]
GraphPathsResult = Annotated[GraphPaths | Problem, strawberry.union("GraphPathsResult")]


async def neighbours_of(
    context: Context, kind: NodeKind, node_id: str, first: int, after: str | None
) -> NeighbourResult:
    """Query.neighbours."""

    def load() -> NeighbourPage:
        page = explorer.neighbours(
            context.store, context.access, kind.value, node_id, first=first, after=after
        )
        return NeighbourPage(
            node=GraphNode.of(page.node),
            nodes=[GraphNode.of(n) for n in page.nodes],
            ties=[GraphTie.of(t) for t in page.ties],
            total_count=page.total,
            end_cursor=page.end_cursor,
            has_next_page=page.has_next_page,
        )

    return await answer(lambda: off(load))


async def paths_between(
    context: Context,
    ends: tuple[tuple[NodeKind, str], tuple[NodeKind, str]],
    max_hops: int,
    limit: int,
) -> GraphPathsResult:
    """Query.graphPaths."""
    (from_kind, from_id), (to_kind, to_id) = ends

    def load() -> GraphPaths:
        found = explorer.graph_paths(
            context.store,
            context.access,
            ((from_kind.value, from_id), (to_kind.value, to_id)),
            max_hops=max_hops,
            limit=limit,
        )
        return GraphPaths(
            paths=[[GraphNode.of(n) for n in path] for path in found.paths],
            ties=[GraphTie.of(t) for t in found.ties],
            truncated=found.truncated,
        )

    return await answer(lambda: off(load))
