"""Proximity questions: which reps are near a person, by which paths, who they know at a company,
what places they share, and how every rep reaches a lead's buying committee."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np

from graph.errors import InvalidArgument, NotFound
from graph.model import (
    CompanyReach,
    ConnectionPath,
    DecisionMakerReach,
    LeadReach,
    LeadView,
    PathStep,
    PersonRef,
    RepNearby,
    SharedStints,
    Stint,
)
from graph.network import NameBook
from graph.store.caches import RepSide
from graph.store.mappers import person_ref, stint
from graph.store.people import CypherPeople, check_hops
from graph.store.runner import POINT_QUERY_LEADS, Row

PATH_ROW_CAP = 5_000


def _by_name(people: Mapping[str, PersonRef] | Sequence[PersonRef]) -> tuple[PersonRef, ...]:
    found = people.values() if isinstance(people, Mapping) else people
    return tuple(sorted(found, key=lambda p: (p.name, p.id)))


def _group_paths(
    rows: list[Row], length: int
) -> list[tuple[tuple[str, ...], tuple[PathStep, ...]]]:
    """Rows (one per combination of edge sources) to distinct chains of intermediaries,
    strongest first, then by ids: the same order on every backend."""
    chains: dict[tuple[str, ...], list[dict[str, float | None]]] = {}
    for row in rows:
        key = tuple(row[f"id{i}"] for i in range(1, length))
        steps = chains.setdefault(key, [{} for _ in range(length)])
        for i in range(length):
            source = row[f"s{i + 1}"] or "unknown"
            weight = row.get(f"w{i + 1}")
            known = steps[i].get(source)
            if source not in steps[i] or (weight is not None and (known is None or weight > known)):
                steps[i][source] = weight
    grouped = [
        (
            middle,
            tuple(
                PathStep(
                    sources=tuple(sorted(step)),
                    strength=max((w for w in step.values() if w is not None), default=None),
                )
                for step in steps
            ),
        )
        for middle, steps in chains.items()
    ]
    grouped.sort(key=lambda chain: (-sum(s.strength or 0.0 for s in chain[1]), chain[0]))
    return grouped


def _shared_with_reps(
    side: RepSide, stints_of: Mapping[str, Sequence[Stint]]
) -> dict[tuple[str, str], SharedStints]:
    pairs: dict[tuple[str, str], list[tuple[Stint, Stint]]] = defaultdict(list)
    for person_id, person_stints in stints_of.items():
        for theirs in person_stints:
            for rep_id, mine in side.stints_by_place.get(f"{theirs.kind}:{theirs.place_id}", ()):
                pairs[(rep_id, person_id)].append((mine, theirs))
    return {key: tuple(found) for key, found in pairs.items()}


class CypherProximity(CypherPeople):
    def reps_near(self, person_id: str, *, max_hops: int = 2, max_via: int = 3) -> list[RepNearby]:
        """Every rep within ``max_hops`` of the person.

        Rows come from at most three queries, whatever the number of reps: direct ties, the
        (rep, mutual) pairs, and for ``max_hops=3`` one breadth-first search for distances.
        ``via`` is filled for reps at 1 hop (one empty chain) and 2 hops (the mutual
        connections, at most ``max_via``); for reps at 3 hops it is empty: ask
        :meth:`connection_paths` for those paths.
        """
        check_hops(max_hops)
        if max_via < 0:
            raise InvalidArgument(f"max_via must be 0 or more (got {max_via})")
        self.person(person_id)
        directory = self._rep_directory()
        own = directory.by_person.get(person_id)
        hops: dict[str, int] = {}
        for row in self._read("reps_one_hop", {"person_id": person_id}):
            hops[row["rep_id"]] = 1
        mutuals: dict[str, set[str]] = defaultdict(set)
        for row in self._read("reps_two_hops", {"person_id": person_id}):
            mutuals[row["rep_id"]].update(row["ids"])
        if max_hops >= 2:
            for rep_id in mutuals:
                hops.setdefault(rep_id, 2)
        if max_hops >= 3:
            for row in self._read("rep_hops_within_three", {"person_id": person_id}):
                if int(row["hops"]) == 3:
                    hops.setdefault(row["rep_id"], 3)
        if own is not None:
            hops.pop(own.id, None)
        # every mutual connection is someone the person knows: few, named in one query
        named = self.people(sorted(set().union(*mutuals.values()))) if mutuals else {}
        result = []
        for rep_id, distance in hops.items():
            rep = directory.by_id.get(rep_id)
            if rep is None:
                continue
            mutual = mutuals.get(rep_id, set())
            if distance == 1:
                via: tuple[tuple[PersonRef, ...], ...] = ((),)
            elif distance == 2:
                ordered = _by_name([named[m] for m in mutual if m in named])
                via = tuple((p,) for p in ordered[:max_via])
            else:
                via = ()
            result.append(RepNearby(rep=rep, hops=distance, via=via, mutual_count=len(mutual)))
        result.sort(key=lambda r: (r.hops, -r.mutual_count, r.rep.name, r.rep.id))
        return result

    def connection_paths(
        self, rep_id: str, person_id: str, *, max_hops: int = 3, limit: int = 5
    ) -> list[ConnectionPath]:
        """The shortest paths (up to ``max_hops``) from a rep's person to a person.

        Tries 1, 2, then 3 hops, each a fixed-length pattern that starts at the person; stops
        at the first length that has paths. Paths are ordered by total tie strength, then names.
        """
        check_hops(max_hops)
        if limit < 1:
            raise InvalidArgument(f"limit must be 1 or more (got {limit})")
        rep = self.rep(rep_id)
        person = self.person(person_id)
        if rep.person_id == person.id:
            raise InvalidArgument(f"{rep.name} is {person.name}: there is no path to oneself")
        params = {"person_id": person.id, "rep_person_id": rep.person_id, "row_limit": PATH_ROW_CAP}
        for length, query in enumerate(("paths_one_hop", "paths_two_hops", "paths_three_hops"), 1):
            if length > max_hops:
                break
            rows = self._read(query, params)
            if rows:
                chains = _group_paths(rows, length)[:limit]
                ids = {rep.person_id, person.id}.union(*(middle for middle, _ in chains))
                named = self.people(sorted(ids))
                return [
                    ConnectionPath(
                        nodes=tuple(named[i] for i in (rep.person_id, *middle, person.id)),
                        steps=steps,
                    )
                    for middle, steps in chains
                ]
        return []

    def mutual_connections(self, a_id: str, b_id: str) -> list[PersonRef]:
        """The people both a and b know, by name."""
        self.person(a_id)
        self.person(b_id)
        if a_id == b_id:
            raise InvalidArgument("mutual connections need two different people")
        rows = self._read("mutual_connections", {"a_id": a_id, "b_id": b_id})
        return list(_by_name({r["id"]: person_ref(r) for r in rows if r["id"] not in (a_id, b_id)}))

    def reach_at_company(self, company_id: str) -> list[CompanyReach]:
        """For every rep who knows someone currently at the company: who."""
        if not self.companies([company_id]):
            raise NotFound(f"no company with id {company_id!r}")
        known: dict[str, dict[str, PersonRef]] = defaultdict(dict)
        for row in self._read("reach_at_company", {"company_id": company_id}):
            known[row["rep_id"]][row["id"]] = person_ref(row)
        reps = self._reps(sorted(known))
        result = [
            CompanyReach(rep=reps[rep_id], people=_by_name(people))
            for rep_id, people in known.items()
            if rep_id in reps
        ]
        result.sort(key=lambda r: (-len(r.people), r.rep.name, r.rep.id))
        return result

    def shared_stints(self, rep_id: str, person_id: str) -> SharedStints:
        """The employers and schools the rep and the person have both been at, as pairs of
        (the rep's stint, the person's stint) at the same place."""
        rep = self.rep(rep_id)
        self.person(person_id)
        mine = [stint(r) for r in self._read("person_stints", {"person_id": rep.person_id})]
        theirs = [stint(r) for r in self._read("person_stints", {"person_id": person_id})]
        return tuple(
            (m, t) for m in mine for t in theirs if (m.kind, m.place_id) == (t.kind, t.place_id)
        )

    def network_size(self, rep_id: str) -> int:
        """How many people the rep knows."""
        network = self._rep_side_cache().network
        index = network.rep_index.get(rep_id)
        return 0 if index is None else int(network.rep_ptr[index + 1] - network.rep_ptr[index])

    def company_reach_counts(self, company_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        """For each company, how many of its current employees each rep knows (reps who know
        nobody there are absent)."""
        network = self._rep_side_cache().network
        found: dict[str, dict[str, int]] = {}
        for company_id in company_ids:
            counts, _ = network.reach_at_company(company_id)
            found[company_id] = {
                network.rep_ids[i]: int(counts[i]) for i in np.flatnonzero(counts).tolist()
            }
        return found

    def _committee_ties(
        self, leads: Sequence[LeadView], persons: Sequence[str]
    ) -> tuple[dict[str, list[str]], dict[str, list[Stint]]]:
        """The people each decision-maker knows, and their stints: a few leads with point
        queries, more than POINT_QUERY_LEADS with one scan over the leads in the same statuses."""
        neighbours: dict[str, list[str]] = defaultdict(list)
        stints: dict[str, list[Stint]] = defaultdict(list)
        if len(leads) <= POINT_QUERY_LEADS:
            for pid in persons:
                table = self._read_table("person_neighbours", {"person_id": pid})
                if table.num_rows:
                    neighbours[pid] = table.column("id").to_pylist()
                for row in self._read("person_stints", {"person_id": pid}):
                    stints[pid].append(stint(row))
            return neighbours, stints
        wanted = set(persons)
        params = {"statuses": sorted({lead.status for lead in leads})}
        table = self._read_table("committee_neighbours", params)
        if table.num_rows:
            for pid, other in zip(
                table.column("person_id").to_pylist(), table.column("id").to_pylist(), strict=True
            ):
                if pid in wanted:
                    neighbours[pid].append(other)
        for row in self._read("committee_stints", params):
            if row["owner_id"] in wanted:
                stints[row["owner_id"]].append(stint(row))
        return neighbours, stints

    def lead_reach(
        self, leads: Sequence[LeadView], *, explain: bool = True
    ) -> dict[str, LeadReach]:
        """How every rep reaches each lead's buying committee and company (see LeadReach).

        Every question starts at the decision-maker. The rep side comes from memory
        (graph/network.py). ``explain`` adds who the mutual connections, bridges and people
        known at the company are.
        """
        side = self._rep_side_cache()
        network = side.network
        rep_of_person = {pid: network.rep_ids[i] for pid, i in network.rep_of_person.items()}
        persons = sorted({m.person.id for lead in leads for m in lead.committee})
        neighbours, stints = self._committee_ties(leads, persons)
        # the people non-rep neighbours know: few (most of a decision-maker's ties are reps)
        second: dict[str, list[str]] = {}
        for pid in persons:
            for neighbour in neighbours.get(pid, ()):
                if neighbour not in rep_of_person and neighbour not in second:
                    table = self._read_table("person_neighbours", {"person_id": neighbour})
                    second[neighbour] = table.column("id").to_pylist() if table.num_rows else []
        members: dict[str, DecisionMakerReach] = {}
        for pid in persons:
            seen = neighbours.get(pid, [])
            members[pid] = network.decision_maker_reach(
                pid,
                [(a, rep_of_person.get(a)) for a in seen],
                {a: second[a] for a in seen if a in second},
                explain=explain,
            )
        result: dict[str, LeadReach] = {}
        names = NameBook(network, self.people)
        for lead in leads:
            known_at_company, known_people = network.reach_at_company(lead.company.id)
            result[lead.id] = LeadReach(
                lead_id=lead.id,
                rep_ids=network.rep_ids,
                members={m.person.id: members[m.person.id] for m in lead.committee},
                known_at_company=known_at_company,
                shared=_shared_with_reps(
                    side, {m.person.id: stints.get(m.person.id, []) for m in lead.committee}
                ),
                people_known=known_people if explain else {},
                people=names,
            )
        return result
