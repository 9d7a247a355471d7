"""What a ranking shows of each rep: the signals, the evidence (paths to each decision-maker,
mutual connections, colleagues who can introduce, shared background, references) and the
order of the eligible reps. The scores themselves are computed in routing/ranking.py."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import NamedTuple, TypeVar, cast, overload

import numpy as np

from graph.model import LeadReach, LeadView, PersonRef, RepRef, SharedBackground
from routing.background import background_of
from routing.connections import Connection, LeadLinks
from routing.errors import InvalidArgument
from routing.roster import Roster, mix, stable_key

T = TypeVar("T")

SIGNALS = (
    "warmth",
    "coverage",
    "mutuals",
    "account_reach",
    "shared_background",
    "industry",
    "geography",
    "product",
    "deal_size",
    "track_record",
    "load",
    "account_owner",
    "influence",
)
WARM_HOPS = 2
"""A rep within this many hops of a decision-maker is a warm owner."""


class SignalScore(NamedTuple):
    name: str
    value: float
    weight: float
    contribution: float


class PathToMember(NamedTuple):
    """How a rep reaches one decision-maker: ``paths`` are chains of people from the rep's
    side to the decision-maker (empty chain: the rep knows them directly)."""

    member: PersonRef
    role: str
    hops: int | None
    paths: tuple[tuple[PersonRef, ...], ...]
    mutual_count: int
    mutuals: tuple[PersonRef, ...]
    colleagues: tuple[PersonRef, ...]


class Later(Sequence[T]):
    """A sequence made when first read (``_make``, once): what a ranking may show but most
    callers do not. Equal to any sequence of the same items; not hashable."""

    def __init__(self) -> None:
        self._made: tuple[T, ...] | None = None

    def _make(self) -> tuple[T, ...]:
        raise NotImplementedError

    def _all(self) -> tuple[T, ...]:
        if self._made is None:
            self._made = self._make()
        return self._made

    @overload
    def __getitem__(self, item: int) -> T: ...
    @overload
    def __getitem__(self, item: slice) -> Sequence[T]: ...
    def __getitem__(self, item: int | slice) -> T | Sequence[T]:
        return self._all()[item]

    def __len__(self) -> int:
        return len(self._all())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and self._all() == tuple(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self._all())!r})"


class Signals(Later[SignalScore]):
    """A ranked rep's signals (``SIGNALS``' order), made into records when first read: a
    ranking's page shows 10 reps of 13 signals each, and most callers show none of them (the
    records were nearly a quarter of a ranking's time in process before)."""

    def __init__(
        self, values: list[float], weights: Mapping[str, float], contributions: list[float]
    ) -> None:
        super().__init__()
        self._values, self._weights, self._contributions = values, weights, contributions

    def _make(self) -> tuple[SignalScore, ...]:
        return tuple(
            SignalScore(name, value, self._weights[name], contribution)
            for name, value, contribution in zip(
                SIGNALS, self._values, self._contributions, strict=True
            )
        )

    def __len__(self) -> int:  # without making the records
        return len(self._values)


class SharedWithMember(NamedTuple):
    member: PersonRef
    background: SharedBackground


class References(Later[Connection]):
    """Customers' buyers who are or know a decision-maker (``LeadLinks.references``), read
    from the lead's connections when first used: a ranking shown without them (most callers
    show the paths only) never reads the connections."""

    def __init__(self, links: Callable[[], LeadLinks] | None) -> None:
        super().__init__()
        self._links = links

    def _make(self) -> tuple[Connection, ...]:
        return () if self._links is None else self._links().references


class Evidence(NamedTuple):
    committee: tuple[PathToMember, ...]
    known_at_company: tuple[PersonRef, ...]
    known_at_company_count: int
    shared: tuple[SharedWithMember, ...]
    account_owner: bool
    references: Sequence[Connection] = ()
    """Customers' buyers who are or know a decision-maker: their owners may introduce."""


class RankedRep(NamedTuple):
    position: int
    rep: RepRef
    score: float
    signals: Sequence[SignalScore]
    evidence: Evidence | None
    open_leads: int
    capacity: int | None
    last_assigned_at: datetime | None
    note: str | None = None


class Exclusion(NamedTuple):
    rep: RepRef
    rule: str
    reason: str


@dataclass
class LeadScores:
    """One lead's signals for every rep, as arrays in roster order."""

    values: dict[str, np.ndarray]
    weights: dict[str, float]
    score: np.ndarray
    eligible: np.ndarray
    reasons: dict[int, list[tuple[str, str]]]
    owner: int | None
    warm: np.ndarray
    connected_owner: int | None = None
    links: Callable[[], LeadLinks] | None = None
    """The lead's connections (read when first asked: the evidence's references)."""

    @cached_property
    def references(self) -> References:
        """The lead's references, one list for every rep's evidence, read when first used."""
        return References(self.links)

    def order(self, roster: Roster, lead_id: str, mode: str, limit: int | None = None) -> RepOrder:
        """Eligible rep indexes, best first, by the mode's ordering and the tie-break (the
        first ``limit``, when given), sorted as far as they are read."""
        index = np.flatnonzero(self.eligible)
        lead_key = stable_key(lead_id)

        def random_order(at: np.ndarray) -> np.ndarray:
            return mix(lead_key, roster.tie_keys[index[at]])

        def recency(at: np.ndarray) -> np.ndarray:
            return np.asarray(roster.last_assigned[index[at]])

        ties: tuple[Callable[[np.ndarray], np.ndarray], ...]
        if mode == "proximity":
            first, ties = -np.round(self.score[index], 9), (random_order, recency)
        elif mode == "round_robin":
            first, ties = roster.last_assigned[index], (random_order,)
        elif mode == "least_busy":
            first, ties = roster.open_leads[index], (random_order, recency)
        elif mode == "first_available":
            first, ties = random_order(np.arange(len(index))), ()
        else:
            raise InvalidArgument(f"unknown routing mode {mode!r}")
        preferred = [self.connected_owner] if roster.policy.prefer_connected_owner else []
        preferred += [self.owner] if roster.policy.prefer_account_owner else []
        return RepOrder(index, first, ties, [p for p in preferred if p is not None], limit=limit)


ORDER_AT_LEAST = 32
"""The fewest reps an order sorts when first read (a page of 10-20, and the room to page on)."""


class RepOrder:
    """Eligible rep indexes, best first: by a first key, then tie-breaking keys (``ties``,
    the last decides first, as ``np.lexsort``), with the ``preferred`` reps ahead of all (the
    last one first). Sorted only as far as read: the first n reps are among those whose first
    key is at most the n-th smallest (``np.partition``), and only those are sorted. A ranking
    of 2,000 reps that shows ten sorted every rep on three keys for it before (6.9% of a
    full-scale server's samples under ``make load``, spent in ``np.lexsort``). Read further,
    the sorted part at least doubles, so that reading the reps one by one sorts a few times."""

    def __init__(
        self,
        index: np.ndarray,
        first: np.ndarray,
        ties: Sequence[Callable[[np.ndarray], np.ndarray]],
        preferred: Sequence[int],
        *,
        limit: int | None = None,
    ) -> None:
        self._index, self._first, self._ties = index, first, tuple(ties)
        self._preferred = [int(p) for p in preferred]
        self.eligible = len(index)
        self._size = self.eligible if limit is None else min(max(limit, 0), self.eligible)
        self._sorted = index[:0]

    def __len__(self) -> int:
        return self._size

    def upto(self, count: int) -> np.ndarray:
        """The first ``count`` rep indexes (all of them when fewer), best first."""
        count = min(max(count, 0), self._size)
        if len(self._sorted) < count:
            self._sort(count)
        return self._sorted[:count]

    def all(self) -> np.ndarray:
        return self.upto(self._size)

    def _sort(self, count: int) -> None:
        wanted = max(count, 2 * len(self._sorted), ORDER_AT_LEAST) + len(self._preferred)
        if 4 * wanted >= self.eligible:
            chosen = np.arange(self.eligible)
        else:
            kth = np.partition(self._first, wanted - 1)[wanted - 1]
            chosen = np.flatnonzero(self._first <= kth)
            if len(chosen) < wanted:  # a first key that does not compare (NaN): sort all
                chosen = np.arange(self.eligible)
        keys = (*(tie(chosen) for tie in self._ties), self._first[chosen])
        ordered = self._index[chosen[np.lexsort(keys)]]
        for rep in self._preferred:  # a preferred rep sorted after the first n: brought up
            ordered = np.concatenate(([rep], ordered[ordered != rep]))
        if len(ordered) > len(self._sorted):  # (another thread's may be longer already)
            self._sorted = ordered[: self._size]


EXPLAINED_PER_LEAD = 256
"""How many reps' paths one lead's reach keeps (the reps shown lately; all dropped when full)."""


def evidence_for(
    lead: LeadView, reach: LeadReach, roster: Roster, index: int, scores: LeadScores
) -> Evidence:
    """Why the rep at ``index`` ranks where they do. The paths and the people known at the
    company depend only on the reach (kept until the graph changes) and the rep, so they are
    built once per reach and rep (``explain``); the shared background (dated), the account
    owner and the references are built each time."""
    rep_id = roster.rep_ids[index]
    explained = explain(lead, reach, roster, [index])[rep_id]
    today = roster.today()
    shared = tuple(
        SharedWithMember(
            member=m.person, background=background_of(reach.shared[(rep_id, m.person.id)], today)
        )
        for m in lead.committee
        if (rep_id, m.person.id) in reach.shared
    )
    return Evidence(
        committee=explained.committee,
        known_at_company=explained.known_at_company,
        known_at_company_count=int(reach.known_at_company[index]),
        shared=shared,
        account_owner=scores.owner == index,
        references=scores.references,
    )


@dataclass(frozen=True)
class _Explained:
    committee: tuple[PathToMember, ...]
    known_at_company: tuple[PersonRef, ...]


def explain(
    lead: LeadView, reach: LeadReach, roster: Roster, indexes: Sequence[int]
) -> dict[str, _Explained]:
    """The paths to each decision-maker and the people known at the company of the reps at
    ``indexes``, by rep id, kept in the reach. The reps not explained yet are explained
    together: the people each decision-maker's mutuals and the company's staff name are
    picked for all of them at once, and every name is looked up in one pass."""
    kept = reach.explained  # shared by every request: read each entry once
    found = {roster.rep_ids[i]: kept.get(roster.rep_ids[i]) for i in indexes}
    todo = [i for i in indexes if not isinstance(found[roster.rep_ids[i]], _Explained)]
    if todo:
        made = _explain(lead, reach, roster, todo)
        if len(kept) + len(made) > EXPLAINED_PER_LEAD:
            kept.clear()
        kept.update(made)
        found.update(made)
    return {rep_id: cast(_Explained, explained) for rep_id, explained in found.items()}


def _picked(
    people: Mapping[str, tuple[str, ...]], rep_ids: list[str]
) -> dict[str, tuple[str, ...]]:
    """The people each rep has in ``people`` (none: left out), picked together when the
    mapping can (``PeoplePerRep.pick``)."""
    pick = getattr(people, "pick", None)
    if pick is not None:
        return cast(dict[str, tuple[str, ...]], pick(rep_ids))
    return {rep_id: people[rep_id] for rep_id in rep_ids if rep_id in people}


def _explain(
    lead: LeadView, reach: LeadReach, roster: Roster, indexes: list[int]
) -> dict[str, _Explained]:
    rep_ids = [roster.rep_ids[i] for i in indexes]
    people = reach.people
    colleague_people = roster.rep_people()
    found_of = [(member, reach.members.get(member.person.id)) for member in lead.committee]
    for _, found in found_of:  # the 3-hop paths of these reps, one pass per decision-maker
        prefetch_bridges = getattr(found.bridges, "prefetch", None) if found else None
        if prefetch_bridges is not None:
            prefetch_bridges(rep_ids)
    mutuals_of = [_picked(found.mutuals, rep_ids) if found else {} for _, found in found_of]
    known_of = _picked(reach.people_known, rep_ids)
    ways_of = {}  # per rep, per decision-maker: how far, who both know, the two in between
    for index, rep_id in zip(indexes, rep_ids, strict=True):
        ways = []
        for (member, found), mutuals in zip(found_of, mutuals_of, strict=True):
            hops = int(found.hops[index]) if found is not None else 0
            bridge = None
            if hops == 3 and found is not None and rep_id in found.bridges:
                bridge = found.bridges[rep_id]
            ways.append((member, found, hops, mutuals.get(rep_id, ()), bridge))
        ways_of[rep_id] = ways
    prefetch = getattr(people, "prefetch", None)
    if prefetch is not None:  # every name these reps' evidence shows, in one lookup
        prefetch(
            [pid for ways in ways_of.values() for way in ways for pid in (*way[3], *(way[4] or ()))]
            + [pid for known in known_of.values() for pid in known]
        )

    def named(pid: str) -> PersonRef:
        return people.get(pid) or PersonRef(id=pid, name=pid)

    explained = {}
    for index, rep_id in zip(indexes, rep_ids, strict=True):
        rep_person = roster.refs[index].person_id
        committee = []
        for member, found, hops, mutual_ids, bridge in ways_of[rep_id]:
            mutual_refs = tuple(named(m) for m in mutual_ids)  # each name looked up once
            if hops == 1:
                paths: tuple[tuple[PersonRef, ...], ...] = ((),)
            elif hops == 2:
                paths = tuple((m,) for m in mutual_refs)
            elif bridge is not None:
                paths = ((named(bridge[0]), named(bridge[1])),)
            else:
                paths = ()
            committee.append(
                PathToMember(
                    member=member.person,
                    role=member.role,
                    hops=hops or None,
                    paths=paths,
                    mutual_count=int(found.mutual_counts[index]) if found is not None else 0,
                    mutuals=mutual_refs,
                    colleagues=tuple(
                        ref
                        for m, ref in zip(mutual_ids, mutual_refs, strict=True)
                        if m in colleague_people and m != rep_person
                    ),
                )
            )
        explained[rep_id] = _Explained(
            committee=tuple(committee),
            known_at_company=tuple(named(p) for p in known_of.get(rep_id, ())),
        )
    return explained


def ranking_note(roster: Roster, scores: LeadScores, index: int) -> str | None:
    policy = roster.policy
    if scores.owner == index and policy.prefer_account_owner:
        return "account owner: preferred by the policy"
    if scores.connected_owner == index and policy.prefer_connected_owner:
        return "holds a connected open lead: preferred by the policy"
    return None


class RankedReps(Sequence[RankedRep]):
    """The ranked reps, best first. The scores and the order are computed when the ranking
    is built; each rep's Python record (rounded signals and evidence) is assembled when first
    read, so a caller that shows the top 10 of 2,000 reps does not pay for the other 1,990."""

    def __init__(
        self,
        lead: LeadView,
        reach: LeadReach,
        roster: Roster,
        scores: LeadScores,
        order: RepOrder,
        explain: bool,
    ) -> None:
        self._lead, self._reach, self._roster, self._scores = lead, reach, roster, scores
        self._order = order
        self._explain = explain
        self._built: dict[int, RankedRep] = {}
        self._brief: dict[int, RankedRep] = {}
        self._rounded: dict[int, tuple[float, list[float], list[float]]] = {}
        """Per row read: the score, the signals and their contributions, rounded."""

    def __len__(self) -> int:
        return len(self._order)

    @overload
    def __getitem__(self, item: int) -> RankedRep: ...
    @overload
    def __getitem__(self, item: slice) -> Sequence[RankedRep]: ...
    def __getitem__(self, item: int | slice) -> RankedRep | Sequence[RankedRep]:
        if isinstance(item, slice):
            rows = range(*item.indices(len(self)))
            self._round(rows)
            if self._explain and rows:  # the reps shown are explained together
                shown = self._order.upto(max(rows) + 1)[list(rows)]
                explain(self._lead, self._reach, self._roster, shown.tolist())
            return [self[i] for i in rows]
        row = item + len(self) if item < 0 else item
        if not 0 <= row < len(self):
            raise IndexError(item)
        built = self._built.get(row)
        if built is None:
            built = self._build(row)
            self._built[row] = built
        return built

    def brief(self, rows: slice) -> list[RankedRep]:
        """The reps of ``rows`` without their evidence, for a caller that does not show it
        (the evidence is most of what a ranked rep costs)."""
        found = []
        self._round(range(*rows.indices(len(self))))
        for row in range(*rows.indices(len(self))):
            item = self._built.get(row) or self._brief.get(row)
            if item is None:
                item = self._brief[row] = self._build(row, explain=False)
            found.append(item)
        return found

    def row_of(self, rep_id: str) -> int | None:
        """Where the rep stands in this ranking (None: not ranked), without building the
        others."""
        index = self._roster.index_of(rep_id)
        if index is None:
            return None
        rows = np.flatnonzero(self._order.all() == index)
        return int(rows[0]) if len(rows) else None

    def _round(self, rows: Iterable[int]) -> None:
        """Round the signals of these rows together (a page of a ranking of 2,000 reps: the
        rows nobody reads are never rounded)."""
        todo = [row for row in rows if row not in self._rounded]
        if not todo:
            return
        scores = self._scores
        index = self._order.upto(max(todo) + 1)[todo]
        signals = np.stack([scores.values[name][index] for name in SIGNALS])
        weights = np.array([[scores.weights[name]] for name in SIGNALS])
        total = sum(scores.weights.values()) or 1.0
        values = np.round(signals, 4).T.tolist()
        contributions = np.round(weights * signals / total, 4).T.tolist()
        score = np.round(scores.score[index], 4).tolist()
        for at, row in enumerate(todo):
            self._rounded[row] = (score[at], values[at], contributions[at])

    def _build(self, row: int, explain: bool = True) -> RankedRep:
        roster, scores = self._roster, self._scores
        index = int(self._order.upto(row + 1)[row])
        capacity = roster.capacity[index]
        self._round((row,))
        score, values, contributions = self._rounded[row]
        return RankedRep(
            position=row + 1,
            rep=roster.refs[index],
            score=score,
            signals=Signals(values, scores.weights, contributions),
            evidence=evidence_for(self._lead, self._reach, roster, index, scores)
            if self._explain and explain
            else None,
            open_leads=int(roster.open_leads[index]),
            capacity=None if np.isinf(capacity) else int(capacity),
            last_assigned_at=roster.last_assigned_at[index],
            note=ranking_note(roster, scores, index),
        )
