"""Who each rep knows, held in memory: the rep side of every proximity question asked for a lead.

Why it exists (measured on the benchmark organisation, 2,000 reps, 2M people, LadybugDB 0.22):
a decision-maker's own neighbourhood costs 1-5 ms to read, but expanding one more hop through
the reps who know them reaches up to 500,000 rows (a decision-maker known by 600 reps, each
with ~800 contacts) and costs 50-900 ms. The rep side is small (1.6M rep-contact pairs, read in
about 2 s), changes only when ties are imported, and is the same for every lead: it is read
once and kept here, and every question starts at the decision-maker in Cypher.

The graph store rebuilds it after this process writes ties or reps, and after a time-to-live so
that another process's imports show up (see ``CypherGraphStore``).

People are keyed by the 64-bit ``hash()`` of their id (stable within a process): a collision
between two of the ~1.2M people reps know has a probability of about 1e-7.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from graph.model import DecisionMakerReach, PersonRef

BRIDGE_CHUNK = 32
SOURCE_BITS = 62
"""How many distinct tie sources (linkedin, facebook, crm, ...) the network can tell apart."""
EVIDENCE_NAMES = 5
"""How many mutual connections or known people an explanation names per rep (all are counted)."""
BRIDGES_ONE_BY_ONE = 32
"""Up to this many reps, ``Bridges`` finds 3-hop paths rep by rep (``first_colleague_bridges``:
about 20 us each at full scale); beyond, through a mark per person reps know (1.4 ms)."""
SHARING_BLOCK_CELLS = 16 * 1024**2
"""How many rep x rep cells one step of building ``shares_contact`` works on at once (64 MB of
float32): its memory stays bounded by this however many reps there are."""


def _keys(ids: Iterable[str]) -> np.ndarray:
    return np.fromiter((hash(i) for i in ids), dtype=np.int64)


def _strings(table: pa.Table, name: str) -> pa.ChunkedArray:
    """A string column, empty when the table has no rows (and so perhaps no columns)."""
    if name in table.column_names:
        return table.column(name)
    return pa.chunked_array([], pa.string())


def _optional(table: pa.Table, name: str, rows: np.ndarray) -> pa.Array | pa.ChunkedArray:
    """A string column at these rows, all null when the table does not have it."""
    if name in table.column_names:
        return table.column(name).take(pa.array(rows))
    return pa.nulls(len(rows), pa.string())


def _gather(ptr: np.ndarray, values: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For CSR rows ``rows``: (index into ``rows`` of each value, the values), concatenated."""
    starts = ptr[rows]
    lengths = ptr[rows + 1] - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64), values[:0]
    owner = np.repeat(np.arange(len(rows)), lengths)
    first = np.cumsum(lengths) - lengths
    positions = np.arange(total) - np.repeat(first, lengths) + np.repeat(starts, lengths)
    return owner, values[positions]


def _tie_steps(
    contacts: pa.Table, valid: np.ndarray, tie_pair: np.ndarray, pairs: int
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Per (rep, contact) pair, from its ties' rows (``source``, ``strength``): the sources as
    bits of the returned names (a null source, or none read, is "unknown") and the best
    strength."""
    given = "source" in contacts.column_names
    source = pc.fill_null(
        contacts.column("source") if given else pa.nulls(contacts.num_rows, pa.string()),
        "unknown",
    )
    names = pc.unique(source)
    if len(names) > SOURCE_BITS:
        raise ValueError(f"ties have {len(names)} sources: at most {SOURCE_BITS} are held")
    by_name = pc.sort_indices(names).to_numpy()
    rank = np.empty(len(by_name), np.int64)
    rank[by_name] = np.arange(len(by_name))
    codes = rank[pc.index_in(source, value_set=names).to_numpy(zero_copy_only=False)[valid]]
    bits = np.zeros(pairs, np.int64)
    np.bitwise_or.at(bits, tie_pair, np.left_shift(1, codes))
    strength = np.full(pairs, np.nan)
    if "strength" in contacts.column_names:
        given = pc.fill_null(pc.cast(contacts.column("strength"), pa.float64()), np.nan)
        np.fmax.at(strength, tie_pair, given.to_numpy()[valid])
    return tuple(names.take(pa.array(by_name)).to_pylist()), bits, strength


def _sharing(incidence: Any) -> np.ndarray:
    """Which rows of a rep x contact incidence matrix (scipy CSR) share a column, as packed
    bits (a rep does not share with itself): reps x ceil(reps / 8) bytes, an eighth of a bool
    matrix (50 MB at 20,000 reps). Built a block of reps at a time, so the product's dense
    block, not the whole reps x reps product, is what the build holds."""
    reps = incidence.shape[0]
    packed = np.zeros((reps, (reps + 7) // 8), np.uint8)
    if reps == 0:
        return packed
    transposed = incidence.T.tocsr()
    block = max(1, SHARING_BLOCK_CELLS // reps)
    for start in range(0, reps, block):
        stop = min(start + block, reps)
        shared = (incidence[start:stop] @ transposed).toarray() > 0
        shared[np.arange(stop - start), np.arange(start, stop)] = False
        packed[start:stop] = np.packbits(shared, axis=1)
    return packed


class RepNetwork:
    """Rep-to-contact incidence in both directions, and which reps share a contact."""

    def __init__(
        self,
        rep_ids: Sequence[str],
        rep_person_ids: Sequence[str],
        contacts: pa.Table,
        employers: pa.Table,
    ) -> None:
        """``contacts`` has the columns ``rep_id``, ``person_id``, ``name``, ``title``,
        ``linkedin_url`` and ``email`` (and, when read, each tie's ``source`` and
        ``strength``): one row per rep and person the rep's person knows.
        ``employers`` has ``person_id`` and ``company_id``: the current employers of those
        people (reach into a lead's company)."""
        self.loaded_at = time.monotonic()
        self.rep_ids: tuple[str, ...] = tuple(rep_ids)
        self.rep_person_ids: tuple[str, ...] = tuple(rep_person_ids)
        self.rep_index = {rep_id: i for i, rep_id in enumerate(self.rep_ids)}
        self.rep_of_person = {pid: i for i, pid in enumerate(rep_person_ids)}
        reps = len(self.rep_ids)
        people = _strings(contacts, "person_id")
        unique = pc.unique(people)
        codes = pc.index_in(people, value_set=unique).to_numpy(zero_copy_only=False)
        # positions follow the ids' order (the same on every run: evidence picks the first
        # people by position); lookups go through the hashes, sorted, to those positions
        by_id = pc.sort_indices(unique).to_numpy()
        self.ids = unique.take(pa.array(by_id))
        _, first_row = np.unique(codes, return_index=True)
        self.names = _strings(contacts, "name").take(pa.array(first_row[by_id]))
        self.titles = _strings(contacts, "title").take(pa.array(first_row[by_id]))
        self.linkedin_urls = _optional(contacts, "linkedin_url", first_row[by_id])
        self.emails = _optional(contacts, "email", first_row[by_id])
        position = np.empty(len(by_id), np.int64)
        position[by_id] = np.arange(len(by_id))
        keys = _keys(self.ids.to_pylist())
        by_key = np.argsort(keys, kind="stable")
        self.keys = keys[by_key]
        self.key_position = by_key
        rep_codes = np.fromiter(
            (self.rep_index.get(r, -1) for r in _strings(contacts, "rep_id").to_pylist()),
            dtype=np.int64,
        )
        valid = rep_codes >= 0
        pairs, tie_pair = np.unique(
            position[codes[valid]] * max(reps, 1) + rep_codes[valid], return_inverse=True
        )
        contact = pairs // max(reps, 1)
        rep = pairs % max(reps, 1)
        size = len(self.keys)
        self.contact_ptr = np.concatenate(([0], np.cumsum(np.bincount(contact, minlength=size))))
        self.contact_reps = rep.astype(np.int32)
        by_rep = np.lexsort((contact, rep))
        self.rep_ptr = np.concatenate(([0], np.cumsum(np.bincount(rep, minlength=reps))))
        self.rep_contacts = contact[by_rep]
        self.pair_rep = rep[by_rep].astype(np.int32)
        """The rep of each entry of ``rep_contacts``."""
        self.source_names, sources, strengths = _tie_steps(contacts, valid, tie_pair, len(pairs))
        self.rep_sources = sources[by_rep]
        """The sources of each rep's tie to each contact, as bits of ``source_names``."""
        self.rep_strengths = strengths[by_rep]
        """The best strength of each rep's tie to each contact (NaN: none recorded)."""
        from scipy import sparse  # here: a command that never builds the network skips its import

        incidence = sparse.csr_matrix(
            (np.ones(len(by_rep), np.float32), self.rep_contacts, self.rep_ptr),
            shape=(reps, max(size, 1)),
        )
        self.shares_contact = _sharing(incidence)
        """Which reps share a contact, as bits: row i packs (``np.packbits``) one bit per rep,
        set for every other rep who knows one of the people rep i knows."""
        staff = self.positions(_strings(employers, "person_id").to_pylist())
        companies = _strings(employers, "company_id").to_pylist()
        self.staff: dict[str, np.ndarray] = {}
        known = np.flatnonzero(staff >= 0)
        by_company: dict[str, list[int]] = {}
        for row in known:
            by_company.setdefault(companies[row], []).append(int(staff[row]))
        self.staff = {c: np.unique(np.asarray(p, np.int64)) for c, p in by_company.items()}

    @property
    def pairs(self) -> int:
        return len(self.contact_reps)

    def positions(self, ids: Sequence[str]) -> np.ndarray:
        """Each id's position among the people reps know, or -1."""
        if not ids or len(self.keys) == 0:
            return np.full(len(ids), -1, np.int64)
        wanted = _keys(ids)
        found = np.searchsorted(self.keys, wanted)
        found[found >= len(self.keys)] = 0
        return np.where(self.keys[found] == wanted, self.key_position[found], -1)

    def contacts_of(self, rep: int) -> np.ndarray:
        """The positions of the people rep ``rep`` knows, ascending."""
        return self.rep_contacts[self.rep_ptr[rep] : self.rep_ptr[rep + 1]]

    def knows(self, rep: int, positions: np.ndarray) -> np.ndarray:
        """Whether rep ``rep`` knows each of these people (positions, -1 for unknown)."""
        mine = self.contacts_of(rep)
        if len(mine) == 0:
            return np.zeros(len(positions), bool)
        at = np.minimum(np.searchsorted(mine, positions), len(mine) - 1)
        return np.asarray(mine[at] == positions)

    def ties_to(self, rep: int, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For people rep ``rep`` knows (positions): each tie's sources (bits of
        ``source_names``) and best strength (NaN: none)."""
        at = self.rep_ptr[rep] + np.searchsorted(self.contacts_of(rep), positions)
        return self.rep_sources[at], self.rep_strengths[at]

    def source_set(self, bits: int) -> tuple[str, ...]:
        """The names of the sources in ``bits``, sorted."""
        return tuple(name for k, name in enumerate(self.source_names) if bits >> k & 1)

    def colleague_marks(self, colleagues: Sequence[int]) -> np.ndarray:
        """For every person reps know: the index in ``colleagues`` of the first colleague who
        knows them, or ``len(colleagues)``."""
        near = np.asarray(colleagues, np.int64)
        owner, contacts = _gather(self.rep_ptr, self.rep_contacts, near)
        marks = np.full(len(self.keys), len(near), np.int64)
        np.minimum.at(marks, contacts, owner)
        return marks

    def colleague_bridges(
        self, reps: np.ndarray, colleagues: Sequence[int], marks: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each of ``reps`` who shares a contact with one of ``colleagues`` (``marks``
        from :meth:`colleague_marks`): the rep, the first such colleague in order and the first
        contact they share by position, as three arrays ordered by rep."""
        reps = np.unique(np.asarray(reps, np.int64))
        if len(reps) * 8 < len(self.rep_ids):
            owner, shared = _gather(self.rep_ptr, self.rep_contacts, reps)
            who = reps[owner]
        else:  # most reps: one pass over every rep's contacts, already ordered by rep
            keep = np.zeros(len(self.rep_ids), bool)
            keep[reps] = True
            keep = keep[self.pair_rep]
            who, shared = self.pair_rep[keep].astype(np.int64), self.rep_contacts[keep]
        rank = marks[shared]
        hit = rank < len(colleagues)
        who, key = who[hit], rank[hit] * len(self.keys) + shared[hit]
        if len(who) == 0:
            empty = np.zeros(0, np.int64)
            return empty, empty, empty
        starts = np.flatnonzero(np.concatenate(([True], who[1:] != who[:-1])))
        best = np.minimum.reduceat(key, starts)
        near = np.asarray(colleagues, np.int64)
        return who[starts], near[best // len(self.keys)], best % len(self.keys)

    def first_colleague_bridges(
        self, reps: Sequence[int], colleagues: Sequence[int]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What :meth:`colleague_bridges` finds, for a few reps (a ranking's page): each rep's
        first colleague in order who shares a contact with them (``shares_contact``; a rep
        among the colleagues shares their own), then the first contact the two share. No
        mark per person reps know: that array is megabytes at full scale, made for a page of
        ten reps."""
        near = np.asarray(colleagues, np.int64)
        who, colleague, shared = [], [], []
        for rep in sorted(set(reps)):
            mine = self.contacts_of(rep)
            sharing = np.unpackbits(self.shares_contact[rep], count=len(self.rep_ids))
            sharing[rep] = len(mine) > 0
            first = near[sharing[near].astype(bool)][:1]
            if not len(first):
                continue
            who.append(rep)
            colleague.append(int(first[0]))
            shared.append(int(mine[self.knows(colleague[-1], mine)][0]))
        return (
            np.asarray(who, np.int64),
            np.asarray(colleague, np.int64),
            np.asarray(shared, np.int64),
        )

    def reps_knowing(self, ids: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (index into ``ids``, rep index) for every rep who knows one of these people."""
        positions = self.positions(ids)
        known = np.flatnonzero(positions >= 0)
        owner, reps = _gather(self.contact_ptr, self.contact_reps, positions[known])
        return known[owner], reps.astype(np.int64)

    def people(self, ids: Sequence[str]) -> dict[str, PersonRef]:
        """The people among these ids that some rep knows."""
        positions = self.positions(ids)
        return self.people_at(positions[positions >= 0])

    def people_at(self, positions: np.ndarray) -> dict[str, PersonRef]:
        """The people at these positions, by id."""
        if not len(positions):
            return {}
        take = pa.array(positions, pa.int64())
        return {
            pid: PersonRef(id=pid, name=name or "", title=title, linkedin_url=url, email=email)
            for pid, name, title, url, email in zip(
                self.ids.take(take).to_pylist(),
                self.names.take(take).to_pylist(),
                self.titles.take(take).to_pylist(),
                self.linkedin_urls.take(take).to_pylist(),
                self.emails.take(take).to_pylist(),
                strict=True,
            )
        }

    def _reps_knowing_any(
        self, ids: Sequence[str], among: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (index into ``ids``, rep index) for the reps ``among`` who know one of these
        people, walking from whichever side has fewer ties."""
        positions = self.positions(ids)
        known = np.flatnonzero(positions >= 0)
        wanted = positions[known]
        from_people = int((self.contact_ptr[wanted + 1] - self.contact_ptr[wanted]).sum())
        from_reps = int((self.rep_ptr[among + 1] - self.rep_ptr[among]).sum())
        if from_people <= from_reps:
            owner, reps = _gather(self.contact_ptr, self.contact_reps, wanted)
            keep = np.isin(reps, among)
            return known[owner[keep]], reps[keep].astype(np.int64)
        owner, contacts = _gather(self.rep_ptr, self.rep_contacts, among)
        keep = np.isin(contacts, wanted)
        first_of = {int(p): int(i) for i, p in zip(known[::-1], wanted[::-1], strict=True)}
        which = np.array([first_of[int(c)] for c in contacts[keep]], np.int64)
        return which, among[owner[keep]].astype(np.int64)

    def reach_at_company(self, company_id: str) -> tuple[np.ndarray, PeoplePerRep]:
        """How many of the company's current employees each rep knows, and (read when asked)
        which."""
        staff = self.staff.get(company_id, np.zeros(0, np.int64))
        owner, reps = _gather(self.contact_ptr, self.contact_reps, staff)
        reps = reps.astype(np.int64)
        known = PeoplePerRep(
            self,
            staff[owner],
            reps,
            lambda picked: self.ids.take(pa.array(picked, pa.int64())).to_pylist(),
        )
        return np.bincount(reps, minlength=len(self.rep_ids)).astype(np.int32), known

    def decision_maker_reach(
        self,
        person_id: str,
        neighbours: Sequence[tuple[str, str | None]],
        second: dict[str, Sequence[str]],
        *,
        explain: bool,
        max_hops: int = 3,
    ) -> DecisionMakerReach:
        """Every rep's distance (1-3) to a decision-maker, from the decision-maker's side.

        ``neighbours``: the people the decision-maker knows, each with the rep id when that
        person is a rep. ``second``: for the neighbours who are not reps, the people they know.
        Rep at 1 hop: its person is a neighbour. At 2 hops: it knows a neighbour (the mutual
        connections). At 3 hops: it shares a contact with a rep at 1 hop, or knows someone a
        non-rep neighbour knows. Below ``max_hops=3`` the 3-hop search is left out (and
        ``second`` is not needed).
        """
        reps = len(self.rep_ids)
        hops = np.zeros(reps, np.int8)
        near = sorted({self.rep_index[r] for _, r in neighbours if r in self.rep_index})
        hops[near] = 1
        # colleagues first, then by id: the evidence names the same people on every run
        neighbour_ids = sorted(
            {a for a, _ in neighbours}, key=lambda a: (a not in self.rep_of_person, a)
        )
        which, knowing = self.reps_knowing(neighbour_ids)
        mutual_counts = np.bincount(knowing, minlength=reps).astype(np.int32)
        two = np.unique(knowing)
        hops[two[hops[two] == 0]] = 2
        far = np.flatnonzero(hops == 0)
        via_colleague = np.zeros(reps, bool)
        if near and len(far) and max_hops >= 3:
            sharing = np.bitwise_or.reduce(self.shares_contact[near], axis=0)
            via_colleague[far] = np.unpackbits(sharing, count=reps).astype(bool)[far]
        hops[via_colleague] = 3
        bridges: dict[str, tuple[str, str]] = {}
        second_pairs: list[tuple[str, str]] = [
            (b, a) for a, known in second.items() for b in known if b != person_id
        ]
        if second_pairs and max_hops >= 3:
            b_which, b_reps = self._reps_knowing_any(
                [b for b, _ in second_pairs], np.flatnonzero(hops == 0)
            )
            hops[b_reps] = 3
            if explain:
                found, first = np.unique(b_reps, return_index=True)
                for rep, index in zip(found.tolist(), b_which[first].tolist(), strict=True):
                    bridges[self.rep_ids[rep]] = second_pairs[index]
        own = self.rep_of_person.get(person_id)
        if own is not None:
            hops[own] = 0
            mutual_counts[own] = 0
        return DecisionMakerReach(
            person_id=person_id,
            hops=hops,
            mutual_counts=mutual_counts,
            mutuals=PeoplePerRep(
                self, which, knowing, lambda picked: [neighbour_ids[i] for i in picked], own
            )
            if explain
            else {},
            bridges=Bridges(
                self,
                bridges,
                [r for r in np.flatnonzero(via_colleague).tolist() if r != own] if explain else [],
                near,
            ),
        )


class Bridges(Mapping[str, tuple[str, str]]):
    """One 3-hop path per rep, as (the person the rep knows, the person who knows the
    decision-maker). Paths through a non-rep neighbour are known up front; paths through a
    colleague who knows the decision-maker are found when asked (the first colleague in order,
    then the first contact they share), so a ranking pays only for the reps it shows;
    :meth:`every` finds them all at once."""

    def __init__(
        self,
        network: RepNetwork,
        known: dict[str, tuple[str, str]],
        through_colleagues: Sequence[int],
        colleagues: Sequence[int],
    ) -> None:
        self._network = network
        self._found = dict(known)
        # which reps still have a path to find, as a mask (a reach is kept in memory for a
        # long time: a dict of thousands of reps per decision-maker would not be small)
        self._pending = np.zeros(len(network.rep_ids), bool)
        self._pending[np.asarray(through_colleagues, np.int64)] = True
        for rep_id in known:
            self._pending[network.rep_index[rep_id]] = False
        self._colleagues = list(colleagues)

    def _resolve(self, reps: Sequence[int]) -> None:
        """Find these reps' paths: rep by rep for a few (a ranking's page), else through the
        colleague marks, as long as the rep network's contacts (megabytes at full scale):
        made for each pass and not kept, since a reach is kept in memory for a long time
        (routing/reach.py); ask for several reps at once (``prefetch``)."""
        if not reps:
            return
        net = self._network
        if len(reps) <= BRIDGES_ONE_BY_ONE:
            who, colleague, shared = net.first_colleague_bridges(reps, self._colleagues)
        else:
            marks = net.colleague_marks(self._colleagues)
            who, colleague, shared = net.colleague_bridges(
                np.asarray(reps, np.int64), self._colleagues, marks
            )
        ids = net.ids.take(pa.array(shared, pa.int64())).to_pylist()
        for rep, person, other in zip(who.tolist(), ids, colleague.tolist(), strict=True):
            self._found[net.rep_ids[rep]] = (person, net.rep_person_ids[other])
        self._pending[np.asarray(reps, np.int64)] = False

    def _waiting(self, rep_id: str) -> int | None:
        rep = self._network.rep_index.get(rep_id)
        return rep if rep is not None and self._pending[rep] else None

    def prefetch(self, rep_ids: Iterable[str]) -> None:
        """Find the paths of these reps in one pass (those not found yet)."""
        waiting = [self._waiting(r) for r in rep_ids]
        self._resolve([r for r in waiting if r is not None])

    def __getitem__(self, rep_id: str) -> tuple[str, str]:
        found = self._found.get(rep_id)
        if found is not None:
            return found
        rep = self._waiting(rep_id)
        if rep is None:
            raise KeyError(rep_id)
        self._resolve([rep])
        return self._found[rep_id]

    def every(self) -> dict[str, tuple[str, str]]:
        """Every rep's path, found in one pass."""
        self._resolve(np.flatnonzero(self._pending).tolist())
        return dict(self._found)

    def _ids(self) -> set[str]:
        pending = {self._network.rep_ids[r] for r in np.flatnonzero(self._pending).tolist()}
        return set(self._found) | pending

    def __iter__(self) -> Iterator[str]:
        yield from sorted(self._ids())

    def __len__(self) -> int:
        return len(self._ids())


class NameBook(Mapping[str, PersonRef]):
    """Names for evidence, looked up when read: from memory for the people reps know, else
    from ``fallback`` (the graph), and kept."""

    def __init__(
        self, network: RepNetwork, fallback: Callable[[Sequence[str]], dict[str, PersonRef]]
    ) -> None:
        self._network = network
        self._fallback = fallback
        self._known: dict[str, PersonRef] = {}
        self._missing: set[str] = set()
        """Ids found nowhere (a name book lasts as long as its reach: a write of people makes
        a new one), so that they are not looked for again."""

    def __getitem__(self, person_id: str) -> PersonRef:
        found = self._known.get(person_id)
        if found is None:
            self.prefetch((person_id,))
            found = self._known.get(person_id)
            if found is None:
                raise KeyError(person_id)
        return found

    def prefetch(self, ids: Iterable[str]) -> None:
        """Look these people up together (one lookup in memory, one read of the graph for
        those reps do not know) instead of one by one as they are read."""
        wanted = [
            pid for pid in dict.fromkeys(ids) if pid not in self._known and pid not in self._missing
        ]
        if not wanted:
            return
        found = self._network.people(wanted)
        missing = [pid for pid in wanted if pid not in found]
        if missing:
            found.update(self._fallback(missing))
        self._known.update(found)
        self._missing.update(pid for pid in wanted if pid not in found)

    def __iter__(self) -> Iterator[str]:
        return iter(self._known)

    def __len__(self) -> int:
        return len(self._known)


class PeoplePerRep(Mapping[str, tuple[str, ...]]):
    """For each rep, the first EVIDENCE_NAMES people of a set of (person, rep) pairs, in the
    pairs' order, picked when asked: a ranking pays only for the reps it shows.

    ``members[k]`` and ``reps[k]`` are pair k; ``ids_of`` turns member numbers into ids."""

    def __init__(
        self,
        network: RepNetwork,
        members: np.ndarray,
        reps: np.ndarray,
        ids_of: Callable[[np.ndarray], list[str]],
        leave_out: int | None = None,
    ) -> None:
        self._network = network
        self._members = members
        self._reps = reps
        self._ids_of = ids_of
        self._counts = np.bincount(reps, minlength=len(network.rep_ids))
        self._leave_out = leave_out
        if leave_out is not None:
            self._counts[leave_out] = 0

    def pairs(self) -> tuple[list[str], np.ndarray]:
        """Every (person id, rep index) pair, in the pairs' order (the rep left out without)."""
        keep = self._reps != (-1 if self._leave_out is None else self._leave_out)
        return self._ids_of(self._members[keep]), self._reps[keep]

    def __getitem__(self, rep_id: str) -> tuple[str, ...]:
        found = self.pick((rep_id,))
        if rep_id not in found:
            raise KeyError(rep_id)
        return found[rep_id]

    def pick(self, rep_ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """The people of each of these reps who has some (the others left out), from one
        pass over the pairs and one ``ids_of``."""
        index = self._network.rep_index
        wanted = {r: index[r] for r in rep_ids if r in index and self._counts[index[r]]}
        if not wanted:
            return {}
        reps = np.fromiter(wanted.values(), np.int64, len(wanted))
        asked = np.zeros(len(self._counts), bool)
        asked[reps] = True
        keep = np.flatnonzero(asked[self._reps])
        kept_reps = self._reps[keep]
        firsts = [keep[kept_reps == rep][:EVIDENCE_NAMES] for rep in reps.tolist()]
        ids = self._ids_of(self._members[np.concatenate(firsts)])
        picked, start = {}, 0
        for rep_id, first in zip(wanted, firsts, strict=True):
            picked[rep_id] = tuple(ids[start : start + len(first)])
            start += len(first)
        return picked

    def __iter__(self) -> Iterator[str]:
        return (self._network.rep_ids[r] for r in np.flatnonzero(self._counts).tolist())

    def __len__(self) -> int:
        return int(np.count_nonzero(self._counts))
