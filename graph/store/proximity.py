"""Proximity questions: which reps are near a person, by which paths, who they know at a company,
what places they share, and how every rep reaches a lead's buying committee."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence

import numpy as np
import pyarrow as pa

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
from graph.network import Bridges, NameBook, PeoplePerRep, RepNetwork
from graph.store.caches import RepSide
from graph.store.mappers import person_ref, stint
from graph.store.people import CypherPeople, check_hops
from graph.store.person_ties import (
    KeptTies,
    KeptTiesSize,
    PersonTies,
    TieKeeper,
    read_person_ties,
)
from graph.store.runner import POINT_QUERY_LEADS


def _by_name(people: Mapping[str, PersonRef] | Sequence[PersonRef]) -> tuple[PersonRef, ...]:
    found = people.values() if isinstance(people, Mapping) else people
    return tuple(sorted(found, key=lambda p: (p.name, p.id)))


def _step(network: RepNetwork, rep: int, positions: np.ndarray) -> list[PathStep]:
    """The steps from rep ``rep``'s person to people the rep knows (positions), from memory."""
    bits, strengths = network.ties_to(rep, positions)
    return [
        PathStep(sources=network.source_set(int(b)), strength=None if np.isnan(w) else float(w))
        for b, w in zip(bits.tolist(), strengths.tolist(), strict=True)
    ]


def _weight(step: PathStep) -> float:
    return step.strength or 0.0


def _rep_id(network: RepNetwork, person_id: str) -> str | None:
    rep = network.rep_of_person.get(person_id)
    return None if rep is None else network.rep_ids[rep]


def _name_key(ties: PersonTies) -> Callable[[str], tuple[str, str]]:
    return lambda pid: (ties.people.name(pid), pid)


def _shared_with_reps(
    side: RepSide, stints_of: Mapping[str, Sequence[Stint]]
) -> dict[tuple[str, str], SharedStints]:
    pairs: dict[tuple[str, str], list[tuple[Stint, Stint]]] = defaultdict(list)
    for person_id, person_stints in stints_of.items():
        for theirs in person_stints:
            for rep_id, mine in side.stints_by_place.get(f"{theirs.kind}:{theirs.place_id}", ()):
                pairs[(rep_id, person_id)].append((mine, theirs))
    return {key: tuple(found) for key, found in pairs.items()}


def _mutual_chains(
    network: RepNetwork, reach: DecisionMakerReach, ties: PersonTies, max_via: int
) -> dict[str, tuple[tuple[PersonRef, ...], ...]]:
    """For each rep at 2 hops, its first ``max_via`` mutual connections by name."""
    if not isinstance(reach.mutuals, PeoplePerRep):
        return {}
    ids, reps = reach.mutuals.pairs()
    by_rank = sorted(ties.people, key=_name_key(ties))
    rank = {pid: k for k, pid in enumerate(by_rank)}
    at_two = reach.hops[reps] == 2
    reps = reps[at_two]
    ranks = np.fromiter((rank[ids[k]] for k in np.flatnonzero(at_two).tolist()), np.int64)
    order = np.lexsort((ranks, reps))
    reps, ranks = reps[order], ranks[order]
    first = np.searchsorted(reps, reps)
    keep = np.flatnonzero(np.arange(len(reps)) - first < max_via)
    chains: dict[str, list[tuple[PersonRef, ...]]] = defaultdict(list)
    for rep, k in zip(reps[keep].tolist(), ranks[keep].tolist(), strict=True):
        chains[network.rep_ids[rep]].append((ties.people[by_rank[k]],))
    return {rep_id: tuple(found) for rep_id, found in chains.items()}


class CypherProximity(CypherPeople):
    keeps_person_ties = False
    """Whether everyone's ties are held in memory beside the rep network (KeptTies), so that
    mutual connections and paths need no read: where a read is a round trip to a server
    (Neo4j). LadybugDB reads one person's ties in process in well under a millisecond, and
    would scan all ties (25 s at full scale) to hold them."""

    def _kept_ties(self) -> KeptTies:
        """Everyone's ties in memory, made with the rep network and dropped with it."""
        network = self._rep_side_cache().network
        return self.kept("kept_ties", TieKeeper).get(
            network,
            lambda: KeptTies(
                network, self._read_table("ties_beyond_reps"), self._read("rep_people")
            ),
        )

    def warm_up(self) -> None:
        """Read what is kept in memory now rather than on the first question: the rep network
        and everyone's ties."""
        super().warm_up()
        if self.keeps_person_ties:
            self._kept_ties()

    def kept_ties_size(self) -> KeptTiesSize | None:
        """What the ties held beside the rep network cost (None: not held here)."""
        if not self.keeps_person_ties:
            return None
        kept = self._kept_ties()
        return KeptTiesSize(
            rows=kept.beyond.num_rows, nbytes=kept.nbytes, read_seconds=kept.read_seconds
        )

    def _ties_of(self, person_id: str) -> PersonTies:
        """The person and everyone they know: from memory, else (a person without ties, or
        none) in one read; NotFound when there is no such person."""
        if self.keeps_person_ties:
            found = self._kept_ties().ties_of(person_id)
            if found is not None:
                return found
        rows = self._read("person_ties", {"person_id": person_id})
        return read_person_ties(rows, person_id)

    def _neighbour_ids(self, person_id: str) -> list[str]:
        """Everyone the person knows, by id (sorted: the paths an answer names do not depend
        on where the ties came from)."""
        return sorted(self._ties_of(person_id).people)

    def reps_near(self, person_id: str, *, max_hops: int = 2, max_via: int = 3) -> list[RepNearby]:
        """Every rep within ``max_hops`` of the person.

        One read of the person's ties (and, for ``max_hops=3``, of the ties of the people
        they know who are not reps: few); the rep side comes from the rep network held in
        memory (graph/network.py), so a write through this store shows at the next question.
        ``via``: one empty chain for reps at 1 hop; the mutual connections for reps at 2 hops
        (by name, at most ``max_via``); for reps at 3 hops the two people in between on one
        shortest path (none when ``max_via`` is 0; :meth:`connection_paths` lists them all).
        """
        check_hops(max_hops)
        if max_via < 0:
            raise InvalidArgument(f"max_via must be 0 or more (got {max_via})")
        ties = self._ties_of(person_id)
        directory = self._rep_directory()
        network = self._rep_side_cache().network
        second: dict[str, Sequence[str]] = {}
        if max_hops >= 3:
            second = {
                a: self._neighbour_ids(a)
                for a in sorted(ties.people)
                if a not in network.rep_of_person
            }
        reach = network.decision_maker_reach(
            person_id,
            [(a, _rep_id(network, a)) for a in ties.people],
            second,
            explain=True,
            max_hops=max_hops,
        )
        within = (reach.hops > 0) & (reach.hops <= max_hops)
        via: dict[str, tuple[tuple[PersonRef, ...], ...]] = {}
        if max_via:
            via = _mutual_chains(network, reach, ties, max_via)
            if max_hops >= 3 and isinstance(reach.bridges, Bridges):
                via.update(self._bridge_chains(reach.bridges.every(), ties, network))
        result = []
        for i in np.flatnonzero(within).tolist():
            rep = directory.by_id.get(network.rep_ids[i])
            if rep is None:
                continue
            distance = int(reach.hops[i])
            result.append(
                RepNearby(
                    rep=rep,
                    hops=distance,
                    via=((),) if distance == 1 else via.get(rep.id, ()),
                    mutual_count=int(reach.mutual_counts[i]),
                )
            )
        result.sort(key=lambda r: (r.hops, -r.mutual_count, r.rep.name, r.rep.id))
        return result

    def _bridge_chains(
        self, bridges: Mapping[str, tuple[str, str]], ties: PersonTies, network: RepNetwork
    ) -> dict[str, tuple[tuple[PersonRef, ...], ...]]:
        """For each rep at 3 hops, one path's two intermediaries (the rep's side first)."""
        named = self._named({p for pair in bridges.values() for p in pair}, ties)
        return {
            rep_id: ((named[a], named[b]),)
            for rep_id, (a, b) in bridges.items()
            if a in named and b in named
        }

    def connection_paths(
        self, rep_id: str, person_id: str, *, max_hops: int = 3, limit: int = 5
    ) -> list[ConnectionPath]:
        """The shortest paths (up to ``max_hops``) from a rep's person to a person, strongest
        first (total tie strength), then by the ids of the people in between.

        One read of the person's ties; the rep's side (its contacts and their ties) comes from
        the rep network in memory, and so do the middle ties of 3-hop paths through a rep's
        person; the ties of the person's other contacts are read (few), then the names.
        """
        check_hops(max_hops)
        if limit < 1:
            raise InvalidArgument(f"limit must be 1 or more (got {limit})")
        rep = self.rep(rep_id)
        ties = self._ties_of(person_id)
        person = ties.person
        if rep.person_id == person.id:
            raise InvalidArgument(f"{rep.name} is {person.name}: there is no path to oneself")
        network = self._rep_side_cache().network
        chains: list[tuple[tuple[str, ...], tuple[PathStep, ...]]] = []
        if rep.person_id in ties.steps:
            chains = [((), (ties.steps[rep.person_id],))]
        elif max_hops >= 2 and rep.id in network.rep_index:
            chains = self._longer_paths(network, network.rep_index[rep.id], ties, max_hops, limit)
        if not chains:
            return []
        chains.sort(key=lambda c: (-sum(_weight(s) for s in c[1]), c[0]))
        chains = chains[:limit]
        named = self._named({rep.person_id}.union(*(middle for middle, _ in chains)), ties)
        named[person.id] = person
        return [
            ConnectionPath(
                nodes=tuple(named[i] for i in (rep.person_id, *middle, person.id)), steps=steps
            )
            for middle, steps in chains
        ]

    def _longer_paths(
        self, network: RepNetwork, rep: int, ties: PersonTies, max_hops: int, limit: int
    ) -> list[tuple[tuple[str, ...], tuple[PathStep, ...]]]:
        """Every 2-hop path from rep ``rep`` to the person, or when there is none (and
        ``max_hops`` is 3) every 3-hop path: rep's person - a - b - person."""
        theirs = list(ties.steps)
        at = network.positions(theirs)
        middle = np.flatnonzero(network.knows(rep, at))
        if len(middle):
            rep_steps = _step(network, rep, at[middle])
            return [
                ((theirs[k],), (first, ties.steps[theirs[k]]))
                for k, first in zip(middle.tolist(), rep_steps, strict=True)
            ]
        if max_hops < 3:
            return []
        return self._three_hop_paths(network, rep, ties, theirs, limit)

    def _three_hop_paths(
        self, network: RepNetwork, rep: int, ties: PersonTies, theirs: list[str], limit: int
    ) -> list[tuple[tuple[str, ...], tuple[PathStep, ...]]]:
        """The ``limit`` strongest paths rep's person - a - b - person. The a-b ties come from
        memory when b is a rep's person, else from b's ties, read (few: most of a
        decision-maker's contacts are reps). Ranked on arrays; records only for those kept."""
        rep_person = network.rep_person_ids[rep]
        mine = network.contacts_of(rep)
        firsts: list[np.ndarray] = []
        seconds: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        read: dict[tuple[int, int], PathStep] = {}
        for k, b in enumerate(theirs):
            colleague = network.rep_of_person.get(b)
            if b == rep_person:
                continue
            if colleague is not None:
                shared = np.intersect1d(mine, network.contacts_of(colleague), assume_unique=True)
                strengths = network.ties_to(colleague, shared)[1]
            else:
                b_ties = self._ties_of(b)
                others = list(b_ties.steps)
                places = network.positions(others)
                hits = np.flatnonzero(network.knows(rep, places)).tolist()
                shared = places[hits]
                for i in hits:
                    read[(int(places[i]), k)] = b_ties.steps[others[i]]
                strengths = np.array([_weight(read[(int(places[i]), k)]) for i in hits])
            firsts.append(shared)
            seconds.append(np.full(len(shared), k, np.int64))
            weights.append(strengths)
        if not firsts or not sum(len(f) for f in firsts):
            return []
        first, second = np.concatenate(firsts), np.concatenate(seconds)
        last = np.zeros(len(theirs))
        ends = np.unique(second).tolist()
        last[ends] = [_weight(ties.steps[theirs[k]]) for k in ends]
        total = (
            np.nan_to_num(network.ties_to(rep, first)[1])
            + np.nan_to_num(np.concatenate(weights))
            + last[second]
        )
        by_id = np.argsort(np.argsort(np.asarray(theirs, dtype=object)))
        person_at = network.positions([ties.person.id])[0]
        keep = np.flatnonzero(first != person_at)
        order = keep[np.lexsort((by_id[second[keep]], first[keep], -total[keep]))][:limit]
        a_ids = network.ids.take(pa.array(first[order], pa.int64())).to_pylist()
        rep_steps = _step(network, rep, first[order])
        chains: list[tuple[tuple[str, ...], tuple[PathStep, ...]]] = []
        for a, k, a_pos, rep_step in zip(
            a_ids, second[order].tolist(), first[order].tolist(), rep_steps, strict=True
        ):
            b = theirs[k]
            colleague = network.rep_of_person.get(b)
            middle = (
                _step(network, colleague, np.asarray([a_pos]))[0]
                if colleague is not None
                else read[(a_pos, k)]
            )
            chains.append(((a, b), (rep_step, middle, ties.steps[b])))
        return chains

    def _named(self, ids: set[str], ties: PersonTies | None = None) -> dict[str, PersonRef]:
        """These people, by id: those the person knows from their ties, then the people
        reps know and the reps' people from memory, the others read."""
        named = {} if ties is None else {pid: ties.people[pid] for pid in ids if pid in ties.people}
        if len(named) == len(ids):
            return named
        named.update(self._rep_side_cache().network.people(sorted(ids - set(named))))
        if self.keeps_person_ties:
            rep_people = self._kept_ties().rep_people
            named.update({pid: rep_people[pid] for pid in ids - set(named) if pid in rep_people})
        if len(named) < len(ids):
            named.update(self.people(sorted(ids - set(named))))
        return named

    def mutual_connections(self, a_id: str, b_id: str) -> list[PersonRef]:
        """The people both a and b know, by name. A rep's person's contacts come from the rep
        network in memory, anyone else's from the ties kept beside it (with their names), else
        from one read of the ids they know; the names of those both know from memory."""
        network = self._rep_side_cache().network
        sides = [
            (pid, None if pid in network.rep_of_person else self._known(pid))
            for pid in (a_id, b_id)
        ]
        if a_id == b_id:
            raise InvalidArgument("mutual connections need two different people")
        read = [side for _, side in sides if side is not None]
        reps = [network.rep_of_person[pid] for pid, side in sides if side is None]
        if len(read) == 2:
            both = set(read[0][0]).intersection(read[1][0])
        elif read:
            ids = list(read[0][0])
            knows = network.knows(reps[0], network.positions(ids))
            both = {ids[k] for k in np.flatnonzero(knows).tolist()}
        else:
            shared = np.intersect1d(
                network.contacts_of(reps[0]), network.contacts_of(reps[1]), assume_unique=True
            )
            both = set(network.ids.take(pa.array(shared, pa.int64())).to_pylist())
        both -= {a_id, b_id}
        return list(_by_name(self._named(both, read[0][1] if read else None)))

    def _known(self, person_id: str) -> tuple[Collection[str], PersonTies | None]:
        """The ids of everyone the person knows, with their ties where those are held in
        memory; elsewhere one read of the ids alone (two fifths of ``person_ties`` for a
        well-connected person). NotFound when there is no such person."""
        if self.keeps_person_ties:
            ties = self._ties_of(person_id)
            return ties.people.keys(), ties
        rows = self._read("person_neighbour_ids", {"person_id": person_id})
        if not rows:
            raise NotFound(f"no person with id {person_id!r}")
        return {row["id"] for row in rows if row["id"] is not None}, None

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
        queries, more than POINT_QUERY_LEADS with one scan over the leads in the same statuses
        (where a list of ids is looked up by index, Neo4j, one read of the list however many)."""
        neighbours: dict[str, list[str]] = defaultdict(list)
        stints: dict[str, list[Stint]] = defaultdict(list)
        if len(leads) <= POINT_QUERY_LEADS or self.reads_id_lists:
            neighbours.update(self._neighbours_of(persons))
            if self.reads_id_lists:
                rows = self._read("people_stints", {"person_ids": list(persons)})
            else:
                rows = [
                    row
                    for pid in persons
                    for row in self._read("person_stints", {"person_id": pid})
                ]
            for row in rows:
                stints[row["owner_id"]].append(stint(row))
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

    def _neighbours_of(self, persons: Sequence[str]) -> dict[str, list[str]]:
        """Everyone each of these people knows (people who know nobody are absent): from the
        ties kept in memory where they are (Neo4j), else one read where the store looks a
        list up by index, else one point query each."""
        found: dict[str, list[str]] = {}
        if not persons:
            return found
        if self.keeps_person_ties:  # from memory; a person memory does not know is read
            kept = self._kept_ties()
            unknown = []
            for pid in persons:
                ties = kept.ties_of(pid)
                if ties is None:
                    unknown.append(pid)
                elif len(ties.people):
                    found[pid] = list(ties.people)
            persons = unknown
            if not persons:
                return found
        if self.reads_id_lists:
            table = self._read_table("people_neighbours", {"person_ids": list(persons)})
            if table.num_rows:
                for pid, other in zip(
                    table.column("person_id").to_pylist(),
                    table.column("id").to_pylist(),
                    strict=True,
                ):
                    found.setdefault(pid, []).append(other)
            return found
        for pid in persons:
            table = self._read_table("person_neighbours", {"person_id": pid})
            if table.num_rows:
                found[pid] = table.column("id").to_pylist()
        return found

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
        middle = sorted(
            {a for pid in persons for a in neighbours.get(pid, ()) if a not in rep_of_person}
        )
        second: dict[str, list[str]] = {a: [] for a in middle}
        second.update(self._neighbours_of(middle))
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
