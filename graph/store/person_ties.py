"""A person's ties: the person's side of the proximity questions, whose rep side is held in
memory (graph/network.py). Read (``person_ties``: one read) or, from :class:`KeptTies`, taken
from memory: the rep network holds every tie of a rep's person, and the ties between two
people neither of whom is a rep's person (few: coworkers) are held beside it, so anyone's
ties are known without a read.

People and steps are built when looked up: a decision-maker known by a thousand people costs
one read (or a few array slices), and only the few people an answer names become records."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from graph.errors import NotFound
from graph.model import PathStep, PersonRef
from graph.network import RepNetwork
from graph.store.mappers import person_ref
from graph.store.runner import Row, needs_graph

PERSON_FIELDS = ("id", "name", "title", "linkedin_url", "email")
"""The columns of a PersonRef; ``person_ties`` returns the person's own prefixed ``person_``."""

V = TypeVar("V")
Tie = list[Row] | tuple[int, int]
"""One tie as held: the rows read for it (a pair may have several), or (rep index, position)
of a pair in the rep network."""


class _ByOther(Mapping[str, V]):
    """The ties of one person by the other person's id, each turned into a record when
    first looked up (and that record given again after)."""

    def __init__(self, ties: Mapping[str, Tie], make: Callable[[str, Tie], V]) -> None:
        self._ties = ties
        self._make = make
        self._made: dict[str, V] = {}

    def __iter__(self) -> Iterator[str]:
        return iter(self._ties)

    def __len__(self) -> int:
        return len(self._ties)

    def __contains__(self, key: object) -> bool:
        return key in self._ties

    def __getitem__(self, person_id: str) -> V:
        made = self._made.get(person_id)
        if made is None:
            made = self._made[person_id] = self._make(person_id, self._ties[person_id])
        return made


class KnownPeople(_ByOther[PersonRef]):
    """Who the person knows, by id."""

    def name(self, person_id: str) -> str:
        tie = self._ties[person_id]
        if isinstance(tie, list):
            return str(tie[0]["name"] or "")
        return self[person_id].name


def _step_of_rows(_: str, tie: Tie) -> PathStep:
    """The tie to one person from its rows: every source, the best strength."""
    assert isinstance(tie, list)
    strengths = [float(r["strength"]) for r in tie if r["strength"] is not None]
    return PathStep(
        sources=tuple(sorted({r["source"] or "unknown" for r in tie})),
        strength=max(strengths) if strengths else None,
    )


def _person_of_rows(_: str, tie: Tie) -> PersonRef:
    assert isinstance(tie, list)
    return person_ref(tie[0])


def _by_other(rows: Sequence[Row], person_id: str) -> dict[str, Tie]:
    found: dict[str, Tie] = {}
    for row in rows:
        other = row["id"]
        if other is not None and other != person_id:
            found.setdefault(other, []).append(row)  # type: ignore[union-attr]
    return found


class PersonTies:
    """A person and their ties: ``people`` (who they know, by id) and ``steps`` (the tie to
    each, by their id)."""

    def __init__(
        self, person: PersonRef, people: KnownPeople, steps: Mapping[str, PathStep]
    ) -> None:
        self.person = person
        self.people = people
        self.steps = steps


def read_person_ties(rows: Sequence[Row], person_id: str) -> PersonTies:
    """The person's ties from what ``person_ties`` returned; NotFound when it returned no row
    (there is no such person)."""
    if not rows:
        raise NotFound(f"no person with id {person_id!r}")
    first = rows[0]
    person = person_ref({f: first[f"person_{f}"] for f in PERSON_FIELDS})
    ties = _by_other(rows, person.id)
    return PersonTies(person, KnownPeople(ties, _person_of_rows), _ByOther(ties, _step_of_rows))


def _both_ways(ties: pa.Table) -> pa.Table:
    """Each tie from both ends: the rows as read, then with the two people swapped."""
    swap = {f"person_{f}": f for f in PERSON_FIELDS} | {f: f"person_{f}" for f in PERSON_FIELDS}
    names = ties.column_names
    reverse = pa.table({name: ties.column(swap.get(name, name)) for name in names})
    return pa.concat_tables([ties, reverse], promote_options="permissive")


class KeptTies:
    """Everyone's ties, from memory: the rep network's, and the ties read by
    ``ties_beyond_reps`` (neither end a rep's person), held as one Arrow table ordered by
    person with each person's first row and row count. Made with a rep network and dropped
    with it (``TieKeeper``): a write of ties through this store shows at the next question."""

    def __init__(self, network: RepNetwork, beyond: pa.Table, rep_people: Sequence[Row]) -> None:
        """``beyond``: what ``ties_beyond_reps`` returned (each tie once); ``rep_people``:
        what ``rep_people`` returned."""
        self.network = network
        self.read_seconds = 0.0
        """How long reading and arranging them took."""
        self.rep_people = {row["id"]: person_ref(row) for row in rep_people}
        self.beyond = beyond
        if beyond.num_rows:
            both = _both_ways(beyond)
            self.beyond = both.take(pc.sort_indices(both, [("person_id", "ascending")]))
        owners = self.beyond.column("person_id").to_pylist() if beyond.num_rows else []
        self._rows: dict[str, tuple[int, int]] = {}
        start = 0
        for k in range(1, len(owners) + 1):
            if k == len(owners) or owners[k] != owners[start]:
                self._rows[owners[start]] = (start, k - start)
                start = k

    @property
    def nbytes(self) -> int:
        """What the ties beyond the rep network hold in memory (the table and its index)."""
        index = sum(len(pid) + 120 for pid in self._rows)  # key, tuple, dict slot
        return int(self.beyond.nbytes) + index

    def ties_of(self, person_id: str) -> PersonTies | None:
        """The person's ties, or None when memory does not know the person (no tie here:
        perhaps no such person; read them)."""
        net = self.network
        ties: dict[str, Tie] = {}
        person: PersonRef | None = None
        rep = net.rep_of_person.get(person_id)
        if rep is not None:
            person = self.rep_people.get(person_id)
            mine = net.contacts_of(rep)
            ids = net.ids.take(pa.array(mine, pa.int64())).to_pylist()
            ties.update(zip(ids, ((rep, int(p)) for p in mine.tolist()), strict=True))
        else:
            at = int(net.positions([person_id])[0])
            if at >= 0:
                person = net.people_at(np.asarray([at]))[person_id]
                reps = net.contact_reps[net.contact_ptr[at] : net.contact_ptr[at + 1]]
                for r in reps.tolist():
                    ties[net.rep_person_ids[r]] = (r, at)
            kept = self._rows.get(person_id)
            if kept is not None:
                rows = self.beyond.slice(*kept).to_pylist()
                if person is None:
                    person = person_ref({f: rows[0][f"person_{f}"] for f in PERSON_FIELDS})
                ties.update(_by_other(rows, person_id))
        if person is None:
            return None
        return PersonTies(
            person,
            KnownPeople(ties, lambda pid, tie: self._person(person_id, pid, tie)),
            _ByOther(ties, self._step),
        )

    def _person(self, owner: str, person_id: str, tie: Tie) -> PersonRef:
        if isinstance(tie, list):
            return person_ref(tie[0])
        if owner in self.network.rep_of_person:  # a contact of the owner's rep
            return self.network.people_at(np.asarray([tie[1]]))[person_id]
        return self.rep_people[person_id]

    def _step(self, _: str, tie: Tie) -> PathStep:
        if isinstance(tie, list):
            return _step_of_rows(_, tie)
        bits, strengths = self.network.ties_to(tie[0], np.asarray([tie[1]]))
        strength = float(strengths[0])
        return PathStep(
            sources=self.network.source_set(int(bits[0])),
            strength=None if np.isnan(strength) else strength,
        )


@dataclasses.dataclass(frozen=True)
class KeptTiesSize:
    """The ties held beside the rep network: rows (each tie twice), bytes, read time."""

    rows: int
    nbytes: int
    read_seconds: float


class TieKeeper:
    """The KeptTies of one store, made again when its rep network is."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: KeptTies | None = None

    def get(self, network: RepNetwork, read: Callable[[], KeptTies]) -> KeptTies:
        kept = self._kept
        if kept is not None and kept.network is network:
            return kept
        needs_graph("kept ties")  # not behind the lock another thread may read them under
        with self._lock:
            kept = self._kept
            if kept is None or kept.network is not network:
                started = time.perf_counter()
                kept = read()
                kept.read_seconds = time.perf_counter() - started
                self._kept = kept
            return kept
