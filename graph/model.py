"""Records that cross the graph layer boundary: what is written, and what the queries answer."""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar, overload

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa

MAX_HOPS = 3

# --- what is written -------------------------------------------------------------------------

RecordT = TypeVar("RecordT")


class RecordTable(Sequence[RecordT]):
    """Records of one dataclass held as an Arrow table, a column per field (fields it lacks
    take their defaults; a list column is a tuple field): a bootstrap's 1.6M ties go to
    LadybugDB's bulk loader as they are (``LadybugStore``), and become records only where
    they are read one by one."""

    def __init__(self, kind: type[RecordT], table: pa.Table) -> None:
        self.kind = kind
        self.table = table

    def __len__(self) -> int:
        return int(self.table.num_rows)

    @overload
    def __getitem__(self, index: int) -> RecordT: ...

    @overload
    def __getitem__(self, index: slice) -> RecordTable[RecordT]: ...

    def __getitem__(self, index: int | slice) -> RecordT | RecordTable[RecordT]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                raise ValueError("a record table is sliced in steps of one")
            return RecordTable(self.kind, self.table.slice(start, max(stop - start, 0)))
        at = index + len(self) if index < 0 else index
        if not 0 <= at < len(self):
            raise IndexError(f"record {index} of {len(self)}")
        return next(iter(self[at : at + 1]))

    def __iter__(self) -> Iterator[RecordT]:
        import pyarrow as pa  # imported by whoever made the table

        names = self.table.column_names
        columns = [
            [None if v is None else tuple(v) for v in column.to_pylist()]
            if pa.types.is_list(column.type)
            else column.to_pylist()
            for column in self.table.columns
        ]
        for values in zip(*columns, strict=True):
            yield self.kind(**dict(zip(names, values, strict=True)))

    def records(self) -> list[RecordT]:
        return list(self)


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    first_name: str | None = None
    last_name: str | None = None
    linkedin_url: str | None = None
    email: str | None = None
    title: str | None = None
    location: str | None = None


@dataclass(frozen=True)
class Rep:
    id: str
    person_id: str
    email: str
    name: str
    region: str | None = None
    timezone: str | None = None
    industries: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    deal_min: float | None = None
    deal_max: float | None = None
    capacity: int | None = None
    close_rate: float | None = None
    hired_on: date | None = None
    active: bool = True
    out_until: date | None = None
    team: str | None = None


@dataclass(frozen=True)
class Company:
    id: str
    name: str
    domain: str | None = None
    industry: str | None = None
    region: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class School:
    id: str
    name: str


@dataclass(frozen=True)
class Tie:
    """A KNOWS edge. Read as undirected; stored once per pair and source."""

    a: str
    b: str
    source: str
    since: date | None = None
    strength: float | None = None
    reported_by: tuple[str, ...] | None = None
    """Who reported the tie: the ids of the reps whose exports list it, ``relationships.csv``
    for that import. Read from the graph, a tie written before provenance existed counts as
    reported by the reps at its ends when its source is a rep's export (linkedin, facebook)."""


@dataclass(frozen=True)
class Consent:
    """A rep's consent to have their exports imported: when they gave it, who recorded it."""

    rep_id: str
    consented_at: datetime
    consent_by: str


@dataclass(frozen=True)
class Employment:
    person_id: str
    company_id: str
    title: str | None = None
    current: bool = False
    started: date | None = None
    ended: date | None = None


@dataclass(frozen=True)
class Study:
    person_id: str
    school_id: str
    started: date | None = None
    ended: date | None = None


@dataclass(frozen=True)
class Lead:
    id: str
    company_id: str
    title: str
    grade: str = "warm"
    status: str = "new"
    score: float | None = None
    value: float | None = None
    product: str | None = None
    industry: str | None = None
    region: str | None = None
    source: str | None = None
    created_at: datetime | None = None


DECISION_MAKER_ROLES = (
    "economic_buyer",
    "champion",
    "influencer",
    "technical_buyer",
    "user",
    "blocker",
    "other",
)
"""A decision-maker's role in the buying committee (the policy weighs each)."""


@dataclass(frozen=True)
class DecisionMaker:
    lead_id: str
    person_id: str
    role: str


@dataclass
class OrgSnapshot:
    """A whole organisation as Arrow tables, for the bulk loader of an empty store.

    Keys are table names: node tables ``Person Rep Company School Lead`` (columns = properties,
    ``id`` first) and rel tables ``KNOWS IS WORKS_AT STUDIED_AT AT DECISION_MAKER`` (``from``,
    ``to``, then properties). Column order follows the schema in ``cypher/*/schema.cypher``.
    """

    tables: dict[str, pa.Table] = field(default_factory=dict)

    def rows(self, name: str) -> int:
        table = self.tables.get(name)
        return 0 if table is None else int(table.num_rows)


# --- what the queries answer -------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRef:
    id: str
    name: str
    title: str | None = None
    linkedin_url: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class RepRef:
    id: str
    email: str
    name: str
    person_id: str


@dataclass(frozen=True)
class RepNearby:
    """A rep within ``hops`` of a person.

    ``via`` lists shortest paths as the people between the rep and the person, in order from the
    rep's side (empty tuples for a direct connection), at most k of them.
    ``mutual_count`` is the number of people both the rep and the person know.
    """

    rep: RepRef
    hops: int
    via: tuple[tuple[PersonRef, ...], ...]
    mutual_count: int


@dataclass(frozen=True)
class PathStep:
    """One KNOWS edge of a path: its sources (linkedin, facebook, crm...) and best strength."""

    sources: tuple[str, ...]
    strength: float | None = None


@dataclass(frozen=True)
class ConnectionPath:
    """A shortest path from a rep's person to a person: ``nodes[0]`` is the rep's person."""

    nodes: tuple[PersonRef, ...]
    steps: tuple[PathStep, ...]

    @property
    def hops(self) -> int:
        return len(self.steps)


@dataclass(frozen=True)
class CompanyReach:
    rep: RepRef
    people: tuple[PersonRef, ...]


@dataclass(frozen=True)
class SharedEmployer:
    company_id: str
    company_name: str
    rep_started: date | None
    rep_ended: date | None
    person_started: date | None
    person_ended: date | None
    overlap_years: float


@dataclass(frozen=True)
class SharedSchool:
    school_id: str
    school_name: str
    rep_started: date | None
    rep_ended: date | None
    person_started: date | None
    person_ended: date | None
    overlap_years: float


@dataclass(frozen=True)
class SharedBackground:
    employers: tuple[SharedEmployer, ...]
    schools: tuple[SharedSchool, ...]


@dataclass(frozen=True)
class GraphCounts:
    people: int
    reps: int
    companies: int
    leads: int
    ties: int


@dataclass(frozen=True)
class PersonFootprint:
    """What the graph holds about one person (what erasing them removes): their ties,
    employments and studies, the leads they are a decision-maker of (id, status), and the
    names of their employers (for the tombstones of name + company fingerprints)."""

    ties: int
    employments: int
    studies: int
    decision_maker_of: tuple[tuple[str, str], ...]
    employer_names: tuple[str, ...]


# --- leads, activity and reach, for routing ------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One entry of the append-only activity log: who did what to which lead, when and why.

    ``detail`` is JSON text (for example the score snapshot of an offer)."""

    id: str
    at: datetime
    kind: str
    actor: str
    lead_id: str | None = None
    rep_id: str | None = None
    reason: str | None = None
    detail: str | None = None

    def stream_order(self) -> tuple[datetime, str]:
        """Where the event goes in its lead's activity stream, oldest first: by time, then by
        id (``lead_events``: ``ORDER BY at, id``)."""
        return (self.at, self.id)


@dataclass(frozen=True)
class CommitteeMember:
    person: PersonRef
    role: str


@dataclass(frozen=True)
class LeadView:
    """A lead as stored, with its company and buying committee."""

    id: str
    title: str
    status: str
    grade: str
    company: Company
    committee: tuple[CommitteeMember, ...] = ()
    score: float | None = None
    value: float | None = None
    product: str | None = None
    industry: str | None = None
    region: str | None = None
    source: str | None = None
    created_at: datetime | None = None
    owner_rep_id: str | None = None
    claimed_at: datetime | None = None
    contact_due_at: datetime | None = None
    contacted_at: datetime | None = None
    outcome: str | None = None


@dataclass(frozen=True)
class Stint:
    """A period at an employer (``kind="employer"``) or a school (``kind="school"``)."""

    kind: str
    place_id: str
    place_name: str
    started: date | None = None
    ended: date | None = None
    current: bool = False


SharedStints = tuple[tuple[Stint, Stint], ...]
"""Pairs of (a rep's stint, a person's stint) at the same employer or school."""


@dataclass(frozen=True)
class RepActivity:
    """What the activity log and the lead table say about one rep's workload and record."""

    open_leads: int = 0
    last_assigned_at: datetime | None = None
    breaches: tuple[datetime, ...] = ()


ACTIVITY_TRAIL = 8
"""How many of the activities a moved one was made from it names (``RepActivities.trail``)."""


class RepActivities(dict[str, RepActivity]):
    """Every rep's activity as the store keeps it (reps without any are absent). A lead's move
    makes a new one (``moved``) whose ``trail`` names, weakly, the last ACTIVITY_TRAIL it was
    made from, each with the reps whose entries changed since: what was worked out from one
    of them is brought up to date for those reps only (routing/roster.py), not for every rep
    after every claim."""

    trail: tuple[tuple[weakref.ref[RepActivities], frozenset[str]], ...] = ()

    @classmethod
    def of(cls, found: Mapping[str, RepActivity]) -> RepActivities:
        """``found`` as RepActivities (itself when it is one)."""
        return found if isinstance(found, RepActivities) else cls(found)

    def moved(self, changes: Mapping[str, RepActivity]) -> RepActivities:
        """A copy with ``changes`` (rep id: their activity now)."""
        after = RepActivities(self)
        after.update(changes)
        changed = frozenset(changes)
        after.trail = (
            (weakref.ref(self), changed),
            *((ref, seen | changed) for ref, seen in self.trail[: ACTIVITY_TRAIL - 1]),
        )
        return after

    def changed_since(self, earlier: Mapping[str, RepActivity]) -> frozenset[str] | None:
        """The reps whose entries changed since ``earlier``, when it is one of those this was
        made from (None: look at every rep)."""
        for ref, changed in self.trail:
            if ref() is earlier:
                return changed
        return None


@dataclass(frozen=True)
class DecisionMakerReach:
    """How every rep reaches one decision-maker. Arrays are indexed like ``LeadReach.rep_ids``.

    ``hops[i]``: 1, 2 or 3, or 0 when rep i is further away (or is the decision-maker);
    ``mutual_counts[i]``: the people both know. When explanations were asked for,
    ``mutuals[rep_id]`` names them (ids, the intermediaries of 2-hop paths) and
    ``bridges[rep_id]`` gives one 3-hop path as (the person the rep knows, the person who
    knows the decision-maker).
    """

    person_id: str
    hops: np.ndarray
    mutual_counts: np.ndarray
    mutuals: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    bridges: Mapping[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class LeadReach:
    """The graph's side of a lead's ranking: every rep's reach into the buying committee and
    the company, and the background reps share with each decision-maker.

    ``known_at_company[i]`` counts the company's current employees rep i knows; with
    explanations, ``people_known[rep_id]`` names them and ``people`` names everyone the
    evidence mentions (looked up when read).
    ``shared`` holds, by (rep id, decision-maker id), the places they have both been at (only
    pairs that share one): the facts routing/background.py turns into a shared background.
    """

    lead_id: str
    rep_ids: tuple[str, ...]
    members: dict[str, DecisionMakerReach]
    known_at_company: np.ndarray
    shared: dict[tuple[str, str], SharedStints]
    people_known: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    people: Mapping[str, PersonRef] = field(default_factory=dict)
    explained: dict[str, object] = field(default_factory=dict, compare=False, repr=False)
    """What routing derived from this reach for one rep (routing/evidence.py: the paths to each
    decision-maker, the people known at the company), kept as long as the reach is."""


@dataclass(frozen=True)
class LeadState:
    """The lifecycle fields of a lead, written together by one transition."""

    status: str
    owner_rep_id: str | None = None
    claimed_at: datetime | None = None
    contact_due_at: datetime | None = None
    contacted_at: datetime | None = None
    outcome: str | None = None
    value: float | None = None
    """The deal value; None keeps the stored one (a claim or offer made from a view read
    before its transaction must not undo an update of the value made meanwhile)."""

    def values(self) -> dict[str, Any]:
        """The fields by name (``dataclasses.asdict`` without its deep copy of each value:
        a claim's move passes them as query parameters)."""
        return dict(vars(self))


@dataclass(frozen=True)
class ClaimedMove:
    """What a claim's move read under its locks where several processes write the graph
    (``LeadWriter.move_claimed``): the leads the rep holds besides this one, as committed, and
    the lead's activity stream after the move, oldest first."""

    held: int
    events: list[Event]


@dataclass(frozen=True)
class OwnedLead:
    """A lead with an owner: its company, the owning rep, and when it was claimed and created
    (the facts of the account-owner rule, routing/accounts.py)."""

    company_id: str
    rep_id: str
    claimed_at: datetime | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class NewConnection:
    """A person a rep first connected with on ``day`` (their earliest dated tie)."""

    rep_id: str
    person_id: str
    day: date


@dataclass(frozen=True)
class LeadMark:
    """A lead's id, grade and status: enough to read its nurture cadence from its events."""

    id: str
    grade: str
    status: str


@dataclass(frozen=True)
class User:
    """Someone who may call the API: an admin, a manager (of a team) or a rep."""

    id: str
    name: str
    role: str
    rep_id: str | None = None
    team: str | None = None


@dataclass(frozen=True)
class Submission:
    """A lead submitted with an idempotency key, and what that first submission did: the same
    key gets this result again."""

    key: str
    at: datetime
    lead_id: str | None = None
    outcome: str | None = None
    """``created`` or ``updated`` (None while the submitting transaction has not recorded it)."""
    actor: str | None = None
    detail: str | None = None
    """JSON: how the account and the decision-makers were matched."""


@dataclass(frozen=True)
class OutboxMessage:
    """A message waiting to be delivered (the marketing webhook)."""

    id: str
    at: datetime
    kind: str
    payload: str
    attempts: int = 0
    last_error: str | None = None


@dataclass(frozen=True)
class OutboxBacklog:
    """The messages not delivered yet: how many, and when the oldest of them was queued."""

    undelivered: int
    oldest_at: datetime | None


@dataclass(frozen=True)
class LeadStanding:
    """Where a lead stands now: what connected leads show of another lead."""

    id: str
    title: str
    status: str
    owner_rep_id: str | None
    company_id: str
    company_name: str


@dataclass(frozen=True)
class BuyerTies:
    """The buying committees of the leads in some statuses, and whom their members know
    (people who are not reps), as one read returns them."""

    committees: dict[str, tuple[CommitteeMember, ...]]
    """Lead id -> its decision-makers."""
    ties: tuple[tuple[str, str], ...]
    """(decision-maker id, id of a person they know), each pair once."""


@dataclass(frozen=True)
class PolicyRecord:
    """A routing policy applied through the API or the CLI: its version (a hash of its
    content), its TOML text, and who applied it last, when and from where."""

    version: str
    toml: str
    applied_by: str
    applied_at: datetime
    source: str | None = None


@dataclass(frozen=True)
class ExploredNode:
    """A node of the network explorer: ``kind`` is its label (Person, Company, School);
    ``degree`` how many distinct neighbours it has; ``title`` a person's title (a company's
    domain)."""

    id: str
    kind: str
    name: str
    title: str | None = None
    degree: int = 0


@dataclass(frozen=True)
class ExploredTie:
    """The ties between a node and one neighbour, folded into one: the relationship types
    (KNOWS, WORKS_AT, STUDIED_AT), the sources of the KNOWS edges, the earliest date, the
    latest end, and whether an employment is current."""

    neighbour: ExploredNode
    types: tuple[str, ...]
    sources: tuple[str, ...]
    since: date | None
    until: date | None
    current: bool


@dataclass(frozen=True)
class Employed:
    """A person's employment at one company (the last step of a path to the company)."""

    person_id: str
    current: bool
    started: date | None
    ended: date | None


@dataclass(frozen=True)
class AuditSelection:
    """Which events of the log a search asks for, as the caller may see them. Empty texts mean
    "any"; ``reps`` None: every event (admins), else the events about these reps, about leads
    they own, and the organisation's events of ``org_kinds``."""

    since: datetime
    until: datetime
    kind: str = ""
    lead_id: str = ""
    rep_id: str = ""
    actor: str = ""
    reps: tuple[str, ...] | None = None
    org_kinds: tuple[str, ...] = ()


Chain = tuple[str, ...]
"""People's ids along a path, from its start."""


@dataclass(frozen=True)
class PathSearch:
    """Shortest chains of people (ids) between two ends, each at most ``limit``; a chain to a
    company ends at an employee (``employed``: their employment). ``truncated``: the search
    stopped at its limit of people read before it reached ``max_hops``."""

    chains: tuple[Chain, ...]
    employed: Mapping[str, Employed]
    truncated: bool
