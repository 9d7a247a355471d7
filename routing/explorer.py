"""The network explorer: a node's neighbours a page at a time, and the shortest paths between
two nodes, as a graph (nodes and ties) for the manager page.

Nodes are reps, people, companies and schools. A person who is a rep is always shown as the
rep (kind ``rep``, the rep's id); a rep's neighbours are their person's. A person's neighbours
are the people they know, the companies they work or worked at and their schools; a company's
its current and former employees; a school's its students. Pages are ordered by (name, id) in
the database, at most MAX_NEIGHBOURS a page, with the total count, so a popular node is never
read whole. Paths go through people (KNOWS ties); a company end is reached through an employee.

Who may explore what: admins everything; managers every person, company and school, and the
reps of their team (another team's rep, or that rep's person, is FORBIDDEN as a start or an
end); a rep only their own direct network (the neighbours of themselves) and no paths.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from graph.model import ExploredNode, ExploredTie, Rep
from graph.store import GraphStore
from routing.errors import Forbidden, InvalidArgument, NotFound
from routing.paging import cursor, forged, position_after
from routing.viewer import Viewer

NODE_KINDS = ("rep", "person", "company", "school")
_LABELS = {"rep": "Person", "person": "Person", "company": "Company", "school": "School"}
_KINDS = {"Person": "person", "Company": "company", "School": "school"}
MAX_NEIGHBOURS = 100
MAX_PATH_HOPS = 6
MAX_PATHS = 20
NEIGHBOUR_CURSOR = "neighbour"


@dataclass(frozen=True)
class GraphNode:
    id: str
    kind: str  # one of NODE_KINDS
    name: str
    title: str | None
    degree: int | None


@dataclass(frozen=True)
class GraphTie:
    """A tie for drawing: ``kind`` is knows, works_at, worked_at or studied_at (a person's
    employment or study runs from the person to the place)."""

    a: str
    b: str
    kind: str
    sources: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class NeighbourPage:
    node: GraphNode
    nodes: list[GraphNode]
    ties: list[GraphTie]
    total: int
    end_cursor: str | None
    has_next_page: bool


@dataclass(frozen=True)
class GraphPaths:
    paths: list[list[GraphNode]]
    ties: list[GraphTie]
    truncated: bool


@dataclass(frozen=True)
class _End:
    """A start or end resolved: its node as shown, its label and id in the graph."""

    node: GraphNode
    label: str
    graph_id: str


class _Reps:
    """The reps by their person's id, to show a rep's person as the rep."""

    def __init__(self, store: GraphStore) -> None:
        self.profiles = store.rep_profiles()
        self.by_person: Mapping[str, Rep] = {
            p.person_id: p for p in self.profiles.values() if p.person_id
        }

    def node(self, found: ExploredNode) -> GraphNode:
        rep = self.by_person.get(found.id) if found.kind == "Person" else None
        if rep is not None:
            return GraphNode(rep.id, "rep", rep.name, found.title, found.degree)
        return GraphNode(found.id, _KINDS[found.kind], found.name, found.title, found.degree)


def _check_kind(kind: str, argument: str) -> str:
    if kind not in NODE_KINDS:
        raise InvalidArgument(f"{argument} must be one of {', '.join(NODE_KINDS)} (got {kind!r})")
    return kind


def _resolve(
    store: GraphStore, viewer: Viewer, reps: _Reps, kind: str, node_id: str, argument: str
) -> _End:
    """The node a kind and an id name, when the viewer may explore from it."""
    user = viewer.user
    _check_kind(kind, argument)
    rep = reps.profiles.get(node_id) if kind == "rep" else reps.by_person.get(node_id)
    if kind == "rep" and rep is None:
        if user.role != "admin":
            raise Forbidden("you cannot see this rep")
        raise NotFound(f"no rep with id {node_id!r}")
    if user.role == "rep" and (rep is None or rep.id != user.rep_id):
        raise Forbidden("a rep explores only their own network: start at yourself")
    if rep is not None and not viewer.can_see_rep(rep.id):
        raise Forbidden("you cannot see this rep's network")
    label = _LABELS[kind]
    graph_id = rep.person_id if rep is not None else node_id
    found = store.explored_nodes(label, [graph_id]).get(graph_id)
    if found is None:
        raise NotFound(f"no {kind} with id {node_id!r}")
    return _End(node=reps.node(found), label=label, graph_id=graph_id)


def _tie(centre: GraphNode, neighbour: GraphNode, found: ExploredTie) -> GraphTie:
    if "KNOWS" in found.types:
        return GraphTie(centre.id, neighbour.id, "knows", found.sources, found.since)
    kind = "studied_at" if "STUDIED_AT" in found.types else "works_at"
    if kind == "works_at" and not found.current:
        kind = "worked_at"
    person, place = (
        (centre, neighbour)
        if neighbour.kind in ("company", "school")
        else (
            neighbour,
            centre,
        )
    )
    return GraphTie(person.id, place.id, kind, (), found.since, found.until)


def neighbours(
    store: GraphStore,
    viewer: Viewer,
    kind: str,
    node_id: str,
    *,
    first: int = 25,
    after: str | None = None,
) -> NeighbourPage:
    """One page of a node's neighbours, ordered by (name, id), with the total count (one read
    of the node, one of the page)."""
    if not 1 <= first <= MAX_NEIGHBOURS:
        raise InvalidArgument(f"first must be between 1 and {MAX_NEIGHBOURS} (got {first})")
    reps = _Reps(store)
    centre = _resolve(store, viewer, reps, kind, node_id, "kind")
    position = position_after(after, NEIGHBOUR_CURSOR)
    start: tuple[str, str] | None = None
    if position is not None:
        try:
            at, name, last = json.loads(position)
        except ValueError:
            raise forged() from None
        if at != f"{kind}:{node_id}" or not isinstance(name, str) or not isinstance(last, str):
            raise forged()  # a cursor of another node's neighbours
        start = (name, last)
    rows = store.neighbour_page(centre.label, centre.graph_id, first=first + 1, after=start)
    page = rows[:first]
    nodes = [reps.node(r.neighbour) for r in page]
    end = None
    if page:
        last_row = page[-1].neighbour
        end = cursor(
            NEIGHBOUR_CURSOR, json.dumps([f"{kind}:{node_id}", last_row.name, last_row.id])
        )
    return NeighbourPage(
        node=centre.node,
        nodes=nodes,
        ties=[_tie(centre.node, n, r) for n, r in zip(nodes, page, strict=True)],
        total=centre.node.degree or 0,
        end_cursor=end,
        has_next_page=len(rows) > first,
    )


def graph_paths(
    store: GraphStore,
    viewer: Viewer,
    ends: tuple[tuple[str, str], tuple[str, str]],
    *,
    max_hops: int = 4,
    limit: int = 5,
) -> GraphPaths:
    """The shortest paths (at most ``max_hops`` ties, at most ``limit`` of them, ordered by the
    ids along them) between two nodes given as (kind, id): reps, people or companies."""
    if viewer.user.role == "rep":
        raise Forbidden("a rep explores only their own direct network: paths are for managers")
    if not 1 <= max_hops <= MAX_PATH_HOPS:
        raise InvalidArgument(f"maxHops must be between 1 and {MAX_PATH_HOPS} (got {max_hops})")
    if not 1 <= limit <= MAX_PATHS:
        raise InvalidArgument(f"limit must be between 1 and {MAX_PATHS} (got {limit})")
    reps = _Reps(store)
    (from_kind, from_id), (to_kind, to_id) = ends
    for kind, argument in ((from_kind, "fromKind"), (to_kind, "toKind")):
        if _check_kind(kind, argument) == "school":
            raise InvalidArgument(f"{argument}: paths join reps, people and companies")
    if from_kind == to_kind == "company":
        raise InvalidArgument("toKind: a path needs a rep or a person at one end at least")
    start = _resolve(store, viewer, reps, from_kind, from_id, "fromKind")
    end = _resolve(store, viewer, reps, to_kind, to_id, "toKind")
    flipped = start.label == "Company"
    if flipped:
        start, end = end, start
    to_company = end.label == "Company"
    search = store.shortest_chains(
        start.graph_id,
        person=None if to_company else end.graph_id,
        company=end.graph_id if to_company else None,
        max_hops=max_hops,
        limit=limit,
    )
    people = {pid for chain in search.chains for pid in chain}
    named = {pid: reps.node(n) for pid, n in store.explored_nodes("Person", list(people)).items()}
    pairs = sorted({(a, b) for chain in search.chains for a, b in itertools.pairwise(chain)})
    known = store.knows_ties(pairs)
    ties = [
        GraphTie(named[a].id, named[b].id, "knows", *known.get((a, b), ((), None)))
        for a, b in pairs
        if a in named and b in named
    ]
    paths = []
    for chain in search.chains:
        path = [named[pid] for pid in chain if pid in named]
        if to_company:
            path.append(end.node)
        paths.append(path[::-1] if flipped else path)
    for pid, job in sorted(search.employed.items()):
        if pid in named:
            kind = "works_at" if job.current else "worked_at"
            ties.append(GraphTie(named[pid].id, end.node.id, kind, (), job.started, job.ended))
    return GraphPaths(paths=paths, ties=ties, truncated=search.truncated)
