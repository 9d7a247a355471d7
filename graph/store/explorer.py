"""The network explorer's reads: nodes with their degree, a node's neighbours a page at a time
(ordered by name and id in the database, so a popular node's neighbourhood never comes into
Python whole), and the shortest paths between two nodes, searched level by level from both
ends with one read per level."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from graph.errors import InvalidArgument
from graph.model import Chain, Employed, ExploredNode, ExploredTie, PathSearch
from graph.store.runner import QueryRunner, Row

LABELS = ("Person", "Company", "School")
_NODES = {"Person": "explore_people", "Company": "explore_companies", "School": "explore_schools"}
_PAGES = {
    "Person": "explore_person_neighbours",
    "Company": "explore_company_neighbours",
    "School": "explore_school_neighbours",
}
MAX_VISITED = 200_000
"""People a path search reads at most (both ends together) before it gives up."""


def _day(value: date | datetime | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def _label(label: str) -> str:
    if label not in LABELS:
        raise InvalidArgument(f"no such kind of node {label!r} (one of {', '.join(LABELS)})")
    return label


def _node(row: Row, label: str) -> ExploredNode:
    return ExploredNode(
        id=row["id"],
        kind=label,
        name=row["name"] or "",
        title=row["title"],
        degree=int(row["degree"] or 0),
    )


class CypherExplorer(QueryRunner):
    def explored_nodes(self, label: str, ids: Sequence[str]) -> dict[str, ExploredNode]:
        """These nodes of one label that exist, with their degree, by id (one read)."""
        if not ids:  # LadybugDB infers a list parameter's type from its values
            return {}
        rows = self._read(_NODES[_label(label)], {"ids": list(dict.fromkeys(ids))})
        return {r["id"]: _node(r, label) for r in rows}

    def neighbour_page(
        self, label: str, node_id: str, *, first: int, after: tuple[str, str] | None = None
    ) -> list[ExploredTie]:
        """A node's neighbours ordered by (name, id), the ``first`` after ``after`` (a
        (name, id) keyset), each with its tie folded into one (one read)."""
        after_name, after_id = after or ("", "")
        rows = self._read(
            _PAGES[_label(label)],
            {"id": node_id, "after_name": after_name, "after_id": after_id, "limit": first},
        )
        return [
            ExploredTie(
                neighbour=_node(r, r["kind"] if r["kind"] in LABELS else "Person"),
                types=tuple(dict.fromkeys(r["rels"] or ())),
                sources=tuple(sorted({s for s in r["sources"] or () if s})),
                since=_day(r["since"]),
                until=_day(r["until"]),
                current=any(c for c in r["current"] or () if c),
            )
            for r in rows
        ]

    def known_by(self, person_ids: Sequence[str]) -> dict[str, list[str]]:
        """Everyone each of these people knows, by person (one read)."""
        if not person_ids:
            return {}
        found: dict[str, list[str]] = {pid: [] for pid in person_ids}
        for row in self._read("explore_known_by", {"ids": list(person_ids)}):
            found.setdefault(row["person_id"], []).append(row["id"])
        return found

    def employees_among(self, person_ids: Sequence[str], company_id: str) -> dict[str, Employed]:
        """Which of these people work or worked at the company (one read)."""
        if not person_ids:
            return {}
        rows = self._read(
            "explore_employees_among", {"ids": list(person_ids), "company_id": company_id}
        )
        return {
            r["person_id"]: Employed(
                person_id=r["person_id"],
                current=bool(r["current"]),
                started=_day(r["started"]),
                ended=_day(r["ended"]),
            )
            for r in rows
        }

    def knows_ties(
        self, pairs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[tuple[str, ...], date | None]]:
        """The sources and earliest date of the KNOWS ties between these pairs (one read)."""
        if not pairs:
            return {}
        rows = self._read("explore_ties", {"pairs": [{"a": a, "b": b} for a, b in pairs]})
        return {
            (r["a"], r["b"]): (
                tuple(sorted({s for s in r["sources"] or () if s})),
                _day(r["since"]),
            )
            for r in rows
        }

    def shortest_chains(
        self,
        source: str,
        *,
        person: str | None = None,
        company: str | None = None,
        max_hops: int,
        limit: int,
    ) -> PathSearch:
        """The shortest chains of KNOWS ties from the person ``source`` to ``person``, or to
        any current or former employee of ``company`` (then the chain has at most
        ``max_hops - 1`` ties: the last hop is the employment), ordered by the ids along them.

        To a person the search goes level by level from both ends, always widening the smaller
        side (one read per level); to a company from the source, asking at each level which of
        the people reached work there. It reads at most MAX_VISITED people."""
        if (person is None) == (company is None):
            raise InvalidArgument("shortest_chains: give a person or a company")
        if person is not None:
            return self._between_people(source, person, max_hops, limit)
        assert company is not None
        return self._to_company(source, company, max_hops, limit)

    def _between_people(self, source: str, target: str, max_hops: int, limit: int) -> PathSearch:
        if source == target:
            return PathSearch(chains=((source,),), employed={}, truncated=False)
        sides: list[dict[str, list[str]]] = [{source: []}, {target: []}]
        depth: list[dict[str, int]] = [{source: 0}, {target: 0}]
        fronts: list[list[str]] = [[source], [target]]
        hops = 0
        while hops < max_hops and fronts[0] and fronts[1]:
            if len(depth[0]) + len(depth[1]) > MAX_VISITED:
                return PathSearch(chains=(), employed={}, truncated=True)
            side = 0 if len(fronts[0]) <= len(fronts[1]) else 1
            reached = self._widen(fronts[side], sides[side], depth[side])
            fronts[side] = sorted(reached)
            hops += 1
            other = depth[1 - side]
            meets = [m for m in fronts[side] if m in other]
            if meets:
                best = min(depth[0][m] + depth[1][m] for m in meets)
                meets = [m for m in meets if depth[0][m] + depth[1][m] == best]
                chains = sorted(
                    {
                        a + tuple(reversed(b))[1:]
                        for m in meets
                        for a in _chains(sides[0], m, limit)
                        for b in _chains(sides[1], m, limit)
                    }
                )
                return PathSearch(chains=tuple(chains[:limit]), employed={}, truncated=False)
        return PathSearch(chains=(), employed={}, truncated=False)

    def _to_company(self, source: str, company: str, max_hops: int, limit: int) -> PathSearch:
        parents: dict[str, list[str]] = {source: []}
        depth = {source: 0}
        front = [source]
        for hop in range(max_hops):
            employed = self.employees_among(front, company)
            if employed:
                ends = sorted(employed)
                chains = sorted({c for end in ends for c in _chains(parents, end, limit)})
                kept = tuple(chains[:limit])
                return PathSearch(
                    chains=kept,
                    employed={c[-1]: employed[c[-1]] for c in kept},
                    truncated=False,
                )
            if hop == max_hops - 1 or not front:
                break
            if len(depth) > MAX_VISITED:
                return PathSearch(chains=(), employed={}, truncated=True)
            front = sorted(self._widen(front, parents, depth))
        return PathSearch(chains=(), employed={}, truncated=False)

    def _widen(
        self, front: list[str], parents: dict[str, list[str]], depth: dict[str, int]
    ) -> set[str]:
        """One level further from ``front``: the people reached for the first time, with every
        person of ``front`` they were reached from as a parent."""
        level = depth[front[0]] + 1 if front else 0
        reached: set[str] = set()
        for person_id, known in self.known_by(front).items():
            for other in known:
                if other not in depth:
                    depth[other] = level
                    parents[other] = []
                    reached.add(other)
                if other in reached:
                    parents[other].append(person_id)
        return reached


def _chains(parents: Mapping[str, list[str]], end: str, limit: int) -> list[Chain]:
    """Up to ``limit`` shortest chains from the search's start to ``end`` (start first),
    following every parent, the smallest ids first."""
    if not parents[end]:
        return [(end,)]
    found: list[Chain] = []
    for parent in sorted(parents[end]):
        for chain in _chains(parents, parent, limit - len(found)):
            found.append((*chain, end))
        if len(found) >= limit:
            break
    return found
