"""The GraphStore protocol and the backend-neutral half of every adapter.

``CypherGraphStore`` answers every question by running named queries from ``cypher/<dialect>``
and turning rows into the records of :mod:`graph.model`; an adapter only supplies how to run a
query (``_read`` / ``_write``), the schema set-up and, optionally, a faster bulk load.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from typing import Any, Protocol, TypeVar

import numpy as np
import pyarrow as pa

from cypher import QueryCatalog
from graph import keys
from graph.errors import InvalidArgument, NotFound
from graph.model import (
    MAX_HOPS,
    CommitteeMember,
    Company,
    CompanyReach,
    ConnectionPath,
    Consent,
    DecisionMaker,
    DecisionMakerReach,
    Employment,
    Event,
    GraphCounts,
    Lead,
    LeadReach,
    LeadState,
    LeadView,
    OrgSnapshot,
    OutboxBacklog,
    OutboxMessage,
    PathStep,
    Person,
    PersonFootprint,
    PersonRef,
    Rep,
    RepActivity,
    RepNearby,
    RepRef,
    School,
    SharedBackground,
    SharedEmployer,
    SharedSchool,
    Stint,
    Study,
    Tie,
    User,
)
from graph.network import NameBook, RepNetwork

Row = dict[str, Any]
T = TypeVar("T")
REP_DIRECTORY_TTL = 30.0
REP_NETWORK_TTL = 300.0
ACTIVITY_TTL = 5.0
POINT_QUERY_LEADS = 20
Progress = Callable[[str, int, int], None]
"""Called as ``progress(table, rows_done, rows_total)`` during long loads."""
QueryObserver = Callable[[str, float], None]
"""Called as ``observer(query_name, seconds)`` after each named query (the API's metrics)."""

WRITE_BATCH = 5_000
REP_EXPORT_SOURCES = ("linkedin", "facebook")
"""Tie sources of reps' own exports: every such tie has the rep's person at one end."""
PATH_ROW_CAP = 5_000
SNAPSHOT_LOAD_ORDER = (
    "Person",
    "Company",
    "School",
    "Rep",
    "Lead",
    "KNOWS",
    "WORKS_AT",
    "STUDIED_AT",
    "DECISION_MAKER",
)


class GraphStore(Protocol):
    """What the rest of warmpath may ask of a graph backend."""

    backend: str
    transaction_rows: int | None
    query_observer: QueryObserver | None

    def setup_schema(self) -> None: ...
    def close(self) -> None: ...
    def counts(self) -> GraphCounts: ...
    def has_ties(self) -> bool: ...
    def atomic(self) -> AbstractContextManager[None]: ...
    def run_atomic(self, unit: Callable[[], T]) -> T: ...

    def merge_people(self, people: Sequence[Person]) -> int: ...
    def create_people(self, people: Sequence[Person]) -> int: ...
    def create_ties(self, ties: Sequence[Tie]) -> int: ...
    def create_employments(self, employments: Sequence[Employment]) -> int: ...
    def update_people(self, people: Sequence[Person]) -> int: ...
    def companies(self, ids: Sequence[str]) -> dict[str, Company]: ...
    def merge_reps(self, reps: Sequence[Rep]) -> int: ...
    def merge_companies(self, companies: Sequence[Company]) -> int: ...
    def merge_schools(self, schools: Sequence[School]) -> int: ...
    def merge_ties(self, ties: Sequence[Tie]) -> int: ...
    def merge_employments(self, employments: Sequence[Employment]) -> int: ...
    def merge_studies(self, studies: Sequence[Study]) -> int: ...
    def merge_leads(self, leads: Sequence[Lead]) -> int: ...
    def merge_decision_makers(self, links: Sequence[DecisionMaker]) -> int: ...
    def bulk_load(
        self, snapshot: OrgSnapshot, progress: Progress | None = None
    ) -> dict[str, int]: ...

    def people(self, ids: Sequence[str]) -> dict[str, PersonRef]: ...
    def people_by_emails(self, emails: Sequence[str]) -> dict[str, PersonRef]: ...
    def ties_of(self, person_id: str, source: str) -> dict[str, Tie]: ...
    def remove_ties(self, person_id: str, source: str, others: Sequence[str]) -> int: ...
    def existing_ties(
        self, rows: Sequence[Mapping[str, str]]
    ) -> dict[tuple[str, str, str], tuple[str, ...]]: ...
    def add_tie_reporters(self, ties: Sequence[Tie]) -> int: ...
    def reported_ties(self, person_id: str) -> list[Tie]: ...
    def set_tie_reporters(self, ties: Sequence[Tie]) -> int: ...
    def delete_ties(self, ties: Sequence[Tie]) -> int: ...
    def delete_lonely_people(self, person_ids: Sequence[str]) -> int: ...
    def delete_background(self, person_id: str) -> tuple[int, int]: ...
    def rep_consents(self, rep_ids: Sequence[str]) -> dict[str, Consent]: ...
    def record_consents(self, consents: Sequence[Consent]) -> int: ...
    def clear_consent(self, rep_id: str) -> bool: ...
    def person_footprint(self, person_id: str) -> PersonFootprint: ...
    def erase_person(self, person_id: str) -> int: ...
    def tombstone_hashes(self) -> frozenset[str]: ...
    def add_tombstones(self, hashes: Sequence[str], *, at: datetime) -> int: ...
    def events_mentioning(self, texts: Sequence[str]) -> list[Event]: ...
    def rewrite_events(self, events: Sequence[Event]) -> int: ...
    def forget_rep_network(self) -> None: ...
    def lead_companies(self, lead_ids: Sequence[str]) -> dict[str, Company]: ...
    def resolve_person(self, key: str) -> PersonRef: ...
    def people_named(self, text: str, *, limit: int = 20) -> list[PersonRef]: ...
    def resolve_rep(self, key: str) -> RepRef: ...
    def reps_near(
        self, person_id: str, *, max_hops: int = 2, max_via: int = 3
    ) -> list[RepNearby]: ...
    def connection_paths(
        self, rep_id: str, person_id: str, *, max_hops: int = 3, limit: int = 5
    ) -> list[ConnectionPath]: ...
    def mutual_connections(self, a_id: str, b_id: str) -> list[PersonRef]: ...
    def reach_at_company(self, company_id: str) -> list[CompanyReach]: ...
    def shared_background(
        self, rep_id: str, person_id: str, *, today: date | None = None
    ) -> SharedBackground: ...

    def rep_profiles(self) -> Mapping[str, Rep]: ...
    def lead(self, lead_id: str) -> LeadView: ...
    def leads_with_status(
        self, statuses: Sequence[str], *, with_committees: bool = True
    ) -> list[LeadView]: ...
    def committees(self, lead_ids: Sequence[str]) -> dict[str, tuple[CommitteeMember, ...]]: ...
    def rep_activity(
        self,
        *,
        open_statuses: Sequence[str],
        assignment_kinds: Sequence[str],
        breach_kinds: Sequence[str],
        breaches_since: datetime,
    ) -> dict[str, RepActivity]: ...
    def account_owners(
        self, statuses: Sequence[str], company_id: str | None = None
    ) -> dict[str, str]: ...
    def rep_event_counts(
        self, kinds: Sequence[str], since: datetime
    ) -> dict[str, dict[str, int]]: ...
    def offer_leads(self, offers: Sequence[Event]) -> list[str]: ...
    def append_events(self, events: Sequence[Event]) -> int: ...
    def assign_lead(self, event: Event, *, contact_due_at: datetime) -> None: ...
    def lock_lead(self, lead_id: str) -> None: ...
    def move_lead(
        self, lead_id: str, *, from_statuses: Sequence[str], to: LeadState, event: Event
    ) -> bool: ...
    def events(self, *, lead_id: str | None = None, rep_id: str | None = None) -> list[Event]: ...
    def overdue_leads(self, now: datetime) -> list[tuple[str, str | None]]: ...
    def events_of_leads(self, lead_ids: Sequence[str]) -> dict[str, list[Event]]: ...
    def create_user(self, user: User, token_hash: str, *, at: datetime) -> None: ...
    def user_by_token_hash(self, token_hash: str) -> User | None: ...
    def add_outbox(self, message: OutboxMessage) -> None: ...
    def due_outbox(self, now: datetime, limit: int = 100) -> list[OutboxMessage]: ...
    def outbox_backlog(self) -> OutboxBacklog: ...
    def lease_outbox(
        self, now: datetime, *, worker: str, until: datetime, limit: int = 100
    ) -> list[OutboxMessage]: ...
    def mark_outbox(
        self,
        message_id: str,
        *,
        attempts: int,
        next_at: datetime | None,
        error: str | None,
        delivered_at: datetime | None,
        worker: str | None = None,
    ) -> None: ...
    def warm_up(self) -> None: ...
    def rep_network_age(self) -> float | None: ...
    def network_size(self, rep_id: str) -> int: ...
    def company_reach_counts(self, company_ids: Sequence[str]) -> dict[str, dict[str, int]]: ...
    def lead_reach(
        self, leads: Sequence[LeadView], *, explain: bool = True, today: date | None = None
    ) -> dict[str, LeadReach]: ...


MAX_KEY_LENGTH = 500


def check_key(text: str, what: str) -> str:
    """A key or search text as typed by a caller: stripped, not absurdly long."""
    text = text.strip()
    if len(text) > MAX_KEY_LENGTH:
        raise InvalidArgument(f"the {what} is longer than {MAX_KEY_LENGTH} characters")
    return text


def check_hops(max_hops: int) -> None:
    if not isinstance(max_hops, int) or isinstance(max_hops, bool) or not 1 <= max_hops <= MAX_HOPS:
        raise InvalidArgument(f"max_hops must be 1, 2 or 3 (got {max_hops!r})")


def _batches(rows: Sequence[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(rows), size):
        yield list(rows[start : start + size])


def _as_row(record: Any) -> Row:
    row: Row = {}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        row[f.name] = list(value) if isinstance(value, tuple) else value
    return row


def _person_ref(row: Mapping[str, Any], prefix: str = "") -> PersonRef:
    return PersonRef(
        id=row[prefix + "id"],
        name=row.get(prefix + "name") or "",
        title=row.get(prefix + "title"),
        linkedin_url=row.get(prefix + "linkedin_url"),
        email=row.get(prefix + "email"),
    )


def utc(value: datetime | None) -> datetime | None:
    """A timestamp read from the graph as an aware UTC datetime (LadybugDB returns naive
    values that are UTC; Neo4j returns aware ones)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_params(value: Any) -> Any:
    """Query parameters with every timestamp as an aware UTC datetime: the one convention at
    every adapter's boundary. A naive value (an import's "2026-11-01 09:00") is taken as UTC;
    an aware one is converted. Otherwise Neo4j would store LocalDateTime and DateTime side by
    side (they compare as null) and LadybugDB would keep a foreign zone's clock time."""
    if isinstance(value, datetime):
        return utc(value)
    if isinstance(value, dict):
        return {k: utc_params(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [utc_params(v) for v in value]
    return value


def _rep_profile(row: Mapping[str, Any]) -> Rep:
    return Rep(
        id=row["id"],
        person_id=row["person_id"],
        email=row["email"] or "",
        name=row["name"] or "",
        region=row["region"],
        timezone=row["timezone"],
        industries=tuple(row["industries"] or ()),
        products=tuple(row["products"] or ()),
        deal_min=row["deal_min"],
        deal_max=row["deal_max"],
        capacity=row["capacity"],
        close_rate=row["close_rate"],
        hired_on=row["hired_on"],
        active=row["active"] is not False,
        out_until=row["out_until"],
        team=row.get("team"),
    )


def _stint(row: Mapping[str, Any]) -> Stint:
    return Stint(
        kind=row["kind"],
        place_id=row["place_id"],
        place_name=row["place_name"] or "",
        started=row["started"],
        ended=row["ended"],
        current=bool(row["current"]),
    )


def _lead_view(row: Mapping[str, Any], committee: Sequence[CommitteeMember]) -> LeadView:
    return LeadView(
        id=row["id"],
        title=row["title"] or "",
        status=row["status"] or "new",
        grade=row["grade"] or "warm",
        company=Company(
            id=row["company_id"],
            name=row["company_name"] or "",
            domain=row["company_domain"],
            industry=row["company_industry"],
            region=row["company_region"],
            size=row["company_size"],
        ),
        committee=tuple(committee),
        score=row["score"],
        value=row["value"],
        product=row["product"],
        industry=row["industry"],
        region=row["region"],
        source=row["source"],
        created_at=utc(row["created_at"]),
        owner_rep_id=row["owner_rep_id"],
        claimed_at=utc(row["claimed_at"]),
        contact_due_at=utc(row["contact_due_at"]),
        contacted_at=utc(row["contacted_at"]),
        outcome=row["outcome"],
    )


def _committee_member(row: Mapping[str, Any]) -> CommitteeMember:
    return CommitteeMember(person=_person_ref(row), role=row["role"] or "other")


def _overlap_years(
    a_start: date | None,
    a_end: date | None,
    a_current: bool,
    b_start: date | None,
    b_end: date | None,
    b_current: bool,
    today: date,
) -> float:
    if a_start is None or b_start is None:
        return 0.0
    a_stop = today if (a_end is None and a_current) else a_end
    b_stop = today if (b_end is None and b_current) else b_end
    if a_stop is None or b_stop is None:
        return 0.0
    days = (min(a_stop, b_stop) - max(a_start, b_start)).days
    return round(max(days, 0) / 365.25, 1)


def _background(pairs: Sequence[tuple[Stint, Stint]], day: date) -> SharedBackground:
    """Shared employers and schools from pairs of (the rep's stint, the person's stint) at the
    same place, with the years they overlapped."""
    employers, schools = [], []
    for mine, theirs in pairs:
        overlap = _overlap_years(
            mine.started,
            mine.ended,
            mine.current,
            theirs.started,
            theirs.ended,
            theirs.current,
            day,
        )
        if theirs.kind == "employer":
            employers.append(
                SharedEmployer(
                    company_id=theirs.place_id,
                    company_name=theirs.place_name,
                    rep_started=mine.started,
                    rep_ended=mine.ended,
                    person_started=theirs.started,
                    person_ended=theirs.ended,
                    overlap_years=overlap,
                )
            )
        else:
            schools.append(
                SharedSchool(
                    school_id=theirs.place_id,
                    school_name=theirs.place_name,
                    rep_started=mine.started,
                    rep_ended=mine.ended,
                    person_started=theirs.started,
                    person_ended=theirs.ended,
                    overlap_years=overlap,
                )
            )
    employers.sort(key=lambda e: (-e.overlap_years, e.company_name, e.company_id))
    schools.sort(key=lambda s: (-s.overlap_years, s.school_name, s.school_id))
    return SharedBackground(employers=tuple(employers), schools=tuple(schools))


class RepDirectory:
    """The reps by id, by email and by the id of their person, and their profiles."""

    def __init__(self, reps: Sequence[RepRef], profiles: Sequence[Rep] = ()) -> None:
        self.loaded_at = time.monotonic()
        self.profiles = {p.id: p for p in profiles}
        self.by_id = {r.id: r for r in reps}
        self.by_email = {r.email.lower(): r for r in reps if r.email}
        self.by_person = {r.person_id: r for r in reps}


@dataclasses.dataclass
class RepSide:
    """The rep side of proximity questions, kept in memory (see graph/network.py)."""

    network: RepNetwork
    stints_by_place: dict[str, list[tuple[str, Stint]]]
    loaded_at: float


R = TypeVar("R")
NamedRun = Callable[[Any, str, Mapping[str, Any] | None], R]
TIMED_RUNS = ("_read", "_write", "_read_table")
"""The adapter methods that run a named query: every named query runs through one of them."""


def _timed(run: NamedRun[R]) -> NamedRun[R]:
    """``run``, telling the store's query observer how long each named query took."""

    @functools.wraps(run)
    def timed(store: CypherGraphStore, name: str, params: Mapping[str, Any] | None = None) -> R:
        observer = store.query_observer
        if observer is None:
            return run(store, name, params)
        started = time.perf_counter()
        try:
            return run(store, name, params)
        finally:
            observer(name, time.perf_counter() - started)

    return timed


class CypherGraphStore:
    """Everything an adapter shares: named queries in, records out."""

    backend = "abstract"
    transaction_rows: int | None = None
    """How many rows an import may write in one transaction (None: no limit)."""
    query_observer: QueryObserver | None = None
    """Told the name and duration of every named query an adapter runs (the API sets it)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # the one choke point of query timing: an adapter's own _read/_write/_read_table
        super().__init_subclass__(**kwargs)
        for method in TIMED_RUNS:
            if method in vars(cls):
                setattr(cls, method, _timed(vars(cls)[method]))

    def __init__(self, catalog: QueryCatalog) -> None:
        self.catalog = catalog
        self._directory: RepDirectory | None = None
        self._rep_side: RepSide | None = None
        self._activity: tuple[float, tuple[Any, ...], datetime, dict[str, RepActivity]] | None = (
            None
        )
        self._rep_side_lock = threading.Lock()
        self._rep_network_read_at: float | None = None  # kept when the network is dropped

    # --- to be supplied by the adapter -----------------------------------------------------

    def _read(self, name: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        raise NotImplementedError

    def _write(self, name: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        raise NotImplementedError

    def setup_schema(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def atomic(self) -> AbstractContextManager[None]:
        """Everything written inside is one transaction (imports: long, never re-run)."""
        raise NotImplementedError

    def run_atomic(self, unit: Callable[[], T]) -> T:
        """Run a short unit of work (reads and writes, no other side effects) as one write
        transaction. Adapters whose transactions can fail transiently (Neo4j: deadlocks, a
        restarted server) run it again from the start; so ``unit`` must be safe to re-run."""
        with self.atomic():
            return unit()

    # --- writes ------------------------------------------------------------------------------

    def _merge(
        self, name: str, rows: Sequence[Row], progress: Progress | None = None, label: str = ""
    ) -> int:
        written = 0
        for batch in _batches(rows, WRITE_BATCH):
            result = self._write(name, {"rows": batch})
            written += int(result[0]["written"]) if result else 0
            if progress is not None:
                progress(label or name, min(written, len(rows)), len(rows))
        return written

    def merge_people(self, people: Sequence[Person]) -> int:
        return self._merge("merge_people", [_as_row(p) for p in people])

    def _write_records(self, name: str, records: Sequence[Any]) -> int:
        """Write records through a query that takes them as ``$rows`` and returns ``written``."""
        return sum(int(row["written"]) for row in self._write_rows(name, records))

    def create_people(self, people: Sequence[Person]) -> int:
        """Write people that do not exist yet (checked by the caller in the same transaction)."""
        return self._write_records("create_people", people)

    def create_ties(self, ties: Sequence[Tie]) -> int:
        """Write ties that do not exist yet, each stored from the smaller id to the larger."""
        for tie in ties:
            if tie.a >= tie.b:
                raise InvalidArgument(f"create_ties needs a < b (got {tie.a!r}, {tie.b!r})")
        try:
            return self._write_records("create_ties", ties)
        finally:
            self._forget_reps()

    def create_employments(self, employments: Sequence[Employment]) -> int:
        """Write employments of people who are new to the graph."""
        try:
            return self._write_records("create_employments", employments)
        finally:
            self._forget_reps()

    def update_people(self, people: Sequence[Person]) -> int:
        """Update people known to exist (a null field keeps the stored value)."""
        return self._write_records("update_people", people)

    def companies(self, ids: Sequence[str]) -> dict[str, Company]:
        """The companies that exist among these ids (id and name)."""
        return {
            r["id"]: Company(id=r["id"], name=r["name"] or "")
            for r in self._read_in_batches("companies_by_ids", "ids", list(dict.fromkeys(ids)))
        }

    def merge_reps(self, reps: Sequence[Rep]) -> int:
        try:
            return self._merge("merge_reps", [_as_row(r) for r in reps])
        finally:
            self._forget_reps()

    def merge_companies(self, companies: Sequence[Company]) -> int:
        return self._merge("merge_companies", [_as_row(c) for c in companies])

    def merge_schools(self, schools: Sequence[School]) -> int:
        return self._merge("merge_schools", [_as_row(s) for s in schools])

    def merge_ties(self, ties: Sequence[Tie]) -> int:
        rows = []
        for tie in ties:
            if tie.a == tie.b:
                raise InvalidArgument(
                    f"a person cannot know themselves (tie {tie.a!r} - {tie.b!r})"
                )
            row = _as_row(tie)
            if tie.a > tie.b:
                row["a"], row["b"] = tie.b, tie.a
            rows.append(row)
        try:
            return self._merge("merge_ties", rows)
        finally:
            self._forget_reps()

    def merge_employments(self, employments: Sequence[Employment]) -> int:
        try:
            return self._merge("merge_employments", [_as_row(e) for e in employments])
        finally:
            self._forget_reps()

    def merge_studies(self, studies: Sequence[Study]) -> int:
        try:
            return self._merge("merge_studies", [_as_row(s) for s in studies])
        finally:
            self._forget_reps()

    def merge_leads(self, leads: Sequence[Lead]) -> int:
        self._forget_activity()
        return self._merge("merge_leads", [_as_row(lead) for lead in leads])

    def merge_decision_makers(self, links: Sequence[DecisionMaker]) -> int:
        return self._merge("merge_decision_makers", [_as_row(d) for d in links])

    def bulk_load(self, snapshot: OrgSnapshot, progress: Progress | None = None) -> dict[str, int]:
        """Load a whole organisation through the idempotent merge queries, in batches.

        Safe to rerun: every row is merged on its key. Adapters may override this with a faster
        path for an empty database.
        """
        tables = snapshot.tables
        loaded: dict[str, int] = {}

        def rows_of(name: str, rename: Mapping[str, str] | None = None) -> list[Row]:
            table = tables.get(name)
            if table is None:
                return []
            if rename:
                table = table.rename_columns([rename.get(c, c) for c in table.column_names])
            return list(table.to_pylist())

        plan: list[tuple[str, str, list[Row]]] = [
            ("Person", "merge_people", rows_of("Person")),
            ("Company", "merge_companies", rows_of("Company")),
            ("School", "merge_schools", rows_of("School")),
        ]
        person_of_rep = {}
        if "IS" in tables:
            person_of_rep = dict(
                zip(
                    tables["IS"].column("from").to_pylist(),
                    tables["IS"].column("to").to_pylist(),
                    strict=True,
                )
            )
        reps = rows_of("Rep")
        for rep in reps:
            rep["person_id"] = person_of_rep.get(rep["id"])
        plan.append(("Rep", "merge_reps", reps))
        consents = [
            {
                "rep_id": r["id"],
                "consented_at": r["consented_at"],
                "consent_by": r.get("consent_by"),
            }
            for r in reps
            if r.get("consented_at") is not None
        ]
        plan.append(("Rep consent", "record_consents", consents))
        company_of_lead = {}
        if "AT" in tables:
            company_of_lead = dict(
                zip(
                    tables["AT"].column("from").to_pylist(),
                    tables["AT"].column("to").to_pylist(),
                    strict=True,
                )
            )
        leads = rows_of("Lead")
        for lead in leads:
            lead["company_id"] = company_of_lead.get(lead["id"])
        plan.append(("Lead", "merge_leads", leads))
        ties = rows_of("KNOWS", {"from": "a", "to": "b"})
        for tie in ties:
            tie.setdefault("reported_by", None)
            if tie["a"] > tie["b"]:
                tie["a"], tie["b"] = tie["b"], tie["a"]
        plan += [
            ("KNOWS", "merge_ties", ties),
            (
                "WORKS_AT",
                "merge_employments",
                rows_of("WORKS_AT", {"from": "person_id", "to": "company_id"}),
            ),
            (
                "STUDIED_AT",
                "merge_studies",
                rows_of("STUDIED_AT", {"from": "person_id", "to": "school_id"}),
            ),
            (
                "DECISION_MAKER",
                "merge_decision_makers",
                rows_of("DECISION_MAKER", {"from": "lead_id", "to": "person_id"}),
            ),
        ]
        try:
            for table_name, query, rows in plan:
                if rows:
                    loaded[table_name] = self._merge(query, rows, progress, table_name)
        finally:
            self._forget_reps()
        return loaded

    # --- lookups -----------------------------------------------------------------------------

    def has_ties(self) -> bool:
        """Whether any KNOWS tie exists (one row at most)."""
        return bool(self._read("any_tie"))

    def counts(self) -> GraphCounts:
        row = self._read("graph_counts")[0]
        return GraphCounts(
            people=int(row["people"]),
            reps=int(row["reps"]),
            companies=int(row["companies"]),
            leads=int(row["leads"]),
            ties=int(row["ties"]),
        )

    def _read_in_batches(self, name: str, key: str, items: Sequence[Any]) -> Iterator[Row]:
        """Rows of a query that takes a list ``$key``, asked in batches of WRITE_BATCH."""
        for batch in _batches(items, WRITE_BATCH):
            yield from self._read(name, {key: batch})

    def _rep_directory(self) -> RepDirectory:
        """Every rep, kept in memory: reps are few and change rarely.

        Refreshed after this process writes reps and at most every REP_DIRECTORY_TTL seconds,
        so a rep added by another process (another API replica on Neo4j) shows up soon after.
        """
        directory = self._directory
        if directory is None or time.monotonic() - directory.loaded_at > REP_DIRECTORY_TTL:
            rows = self._read("all_reps")
            reps = [
                RepRef(
                    id=r["id"],
                    email=r["email"] or "",
                    name=r["name"] or "",
                    person_id=r["person_id"],
                )
                for r in rows
            ]
            profiles = [_rep_profile(r) for r in rows]
            directory = RepDirectory(reps, profiles)
            self._directory = directory
        return directory

    def _forget_reps(self) -> None:
        """Drop what is kept in memory about reps: written ties, stints or reps change it."""
        self._directory = None
        self._rep_side = None

    def forget_rep_network(self) -> None:
        """Drop the rep directory and network kept in memory, so that the next question reads
        them again: for a unit of work that changed ties, once it has committed (a question
        answered meanwhile may have read them before the commit)."""
        self._forget_reps()

    def _reps(self, ids: Sequence[str]) -> dict[str, RepRef]:
        by_id = self._rep_directory().by_id
        return {rep_id: by_id[rep_id] for rep_id in ids if rep_id in by_id}

    def people(self, ids: Sequence[str]) -> dict[str, PersonRef]:
        """The people that exist among these ids, by id."""
        return {
            r["id"]: _person_ref(r)
            for r in self._read_in_batches("people_by_ids", "ids", list(dict.fromkeys(ids)))
        }

    def people_by_emails(self, emails: Sequence[str]) -> dict[str, PersonRef]:
        """People by stored email (lower-cased); an address held by several people is left out."""
        wanted = sorted({e.lower() for e in emails if e})
        if not wanted:
            return {}
        hits: dict[str, list[PersonRef]] = defaultdict(list)
        for row in self._read("people_by_emails", {"emails": wanted}):
            hits[(row["email"] or "").lower()].append(_person_ref(row))
        return {email: refs[0] for email, refs in hits.items() if len(refs) == 1}

    def ties_of(self, person_id: str, source: str) -> dict[str, Tie]:
        """The person's ties of one source, by the other person's id, with their reporters."""
        return {
            row["id"]: Tie(
                a=person_id,
                b=row["id"],
                source=source,
                since=row["since"],
                strength=row["strength"],
                reported_by=self._reporters(row["reported_by"], source, (person_id, row["id"])),
            )
            for row in self._read("ties_of_person", {"person_id": person_id, "source": source})
        }

    def _reporters(
        self, stored: Sequence[str] | None, source: str, ends: tuple[str, str]
    ) -> tuple[str, ...]:
        """Who reported a tie: as stored, or, for a tie written before provenance existed, the
        reps at its ends when its source is one of the reps' own exports (REP_EXPORT_SOURCES);
        nobody known otherwise."""
        if stored is not None:
            return tuple(stored)
        if source not in REP_EXPORT_SOURCES:
            return ()
        by_person = self._rep_directory().by_person
        return tuple(sorted(by_person[end].id for end in ends if end in by_person))

    def lead_companies(self, lead_ids: Sequence[str]) -> dict[str, Company]:
        """The company of each existing lead among these ids."""
        return {
            r["id"]: Company(id=r["company_id"], name=r["company_name"] or "")
            for r in self._read_in_batches("leads_by_ids", "ids", list(dict.fromkeys(lead_ids)))
        }

    def existing_ties(
        self, rows: Sequence[Mapping[str, str]]
    ) -> dict[tuple[str, str, str], tuple[str, ...]]:
        """Which of these ``{a, b, source}`` ties exist, as sorted (a, b, source) keys, each
        with its reporters."""
        found: dict[tuple[str, str, str], tuple[str, ...]] = {}
        for row in self._read_in_batches("ties_between", "rows", [dict(r) for r in rows]):
            a, b = sorted((row["a"], row["b"]))
            found[(a, b, row["source"])] = self._reporters(
                row["reported_by"], row["source"], (a, b)
            )
        return found

    def add_tie_reporters(self, ties: Sequence[Tie]) -> int:
        """Add each tie's ``reported_by`` to the reporters of the stored tie (which exists)."""
        return self._write_records("add_tie_reporters", self._stored_ties(ties))

    @staticmethod
    def _stored_ties(ties: Sequence[Tie]) -> list[Tie]:
        """Ties as stored: from the smaller id to the larger."""
        return [t if t.a < t.b else dataclasses.replace(t, a=t.b, b=t.a) for t in ties]

    def remove_ties(self, person_id: str, source: str, others: Sequence[str]) -> int:
        """Delete the person's ties of one source to these people; returns how many went."""
        removed = 0
        self._forget_reps()
        for batch in _batches(list(others), WRITE_BATCH):
            params = {"person_id": person_id, "source": source, "ids": batch}
            for query in ("delete_ties_from", "delete_ties_to"):
                rows = self._write(query, params)
                removed += int(rows[0]["removed"]) if rows else 0
        return removed

    # --- privacy: provenance, consent, withdrawal, erasure --------------------------------------

    def reported_ties(self, person_id: str) -> list[Tie]:
        """Every tie of the person, of any source, with its reporters (``a`` < ``b``)."""
        ties = []
        for row in self._read("reported_ties", {"person_id": person_id}):
            a, b = sorted((person_id, row["id"]))
            reporters = self._reporters(row["reported_by"], row["source"], (a, b))
            ties.append(Tie(a=a, b=b, source=row["source"], reported_by=reporters))
        return ties

    def set_tie_reporters(self, ties: Sequence[Tie]) -> int:
        """Replace the reporters of these stored ties with each tie's ``reported_by``."""
        try:
            return self._write_records("set_tie_reporters", self._stored_ties(ties))
        finally:
            self._forget_reps()

    def delete_ties(self, ties: Sequence[Tie]) -> int:
        """Delete these ties (pair and source); returns how many went."""
        try:
            return sum(
                int(row["removed"])
                for row in self._write_rows("delete_ties", self._stored_ties(ties))
            )
        finally:
            self._forget_reps()

    def delete_lonely_people(self, person_ids: Sequence[str]) -> int:
        """Delete those of these people with no tie left who are neither a rep nor a
        decision-maker (with their employments and studies); returns how many went."""
        removed = 0
        try:
            for batch in _batches(list(dict.fromkeys(person_ids)), WRITE_BATCH):
                rows = self._write("delete_lonely_people", {"ids": batch})
                removed += int(rows[0]["removed"]) if rows else 0
        finally:
            self._forget_reps()
        return removed

    def delete_background(self, person_id: str) -> tuple[int, int]:
        """Delete a person's employments and studies: (employments, studies) removed."""
        try:
            counts = [
                self._write(query, {"person_id": person_id})
                for query in ("delete_employments_of", "delete_studies_of")
            ]
        finally:
            self._forget_reps()
        jobs, studies = (int(rows[0]["removed"]) if rows else 0 for rows in counts)
        return jobs, studies

    def rep_consents(self, rep_ids: Sequence[str]) -> dict[str, Consent]:
        """The consent on record of each of these reps (those without one are absent)."""
        return {
            r["rep_id"]: Consent(
                rep_id=r["rep_id"],
                consented_at=utc(r["consented_at"]) or datetime.min.replace(tzinfo=UTC),
                consent_by=r["consent_by"] or "",
            )
            for r in self._read_in_batches("rep_consents", "ids", list(dict.fromkeys(rep_ids)))
        }

    def record_consents(self, consents: Sequence[Consent]) -> int:
        """Record reps' consent to import their exports (the reps exist)."""
        return self._write_records("record_consents", consents)

    def clear_consent(self, rep_id: str) -> bool:
        """Withdraw a rep's consent; False when none was on record."""
        return bool(self._write("clear_consent", {"rep_id": rep_id}))

    def person_footprint(self, person_id: str) -> PersonFootprint:
        """What the graph holds about a person (what erasing them removes)."""
        params = {"person_id": person_id}
        rows = self._read("person_footprint", params)
        if not rows:
            raise NotFound(f"no person with id {person_id!r}")
        return PersonFootprint(
            ties=int(rows[0]["ties"]),
            employments=int(rows[0]["employments"]),
            studies=int(rows[0]["studies"]),
            decision_maker_of=tuple(
                sorted(
                    (r["id"], r["status"] or "new")
                    for r in self._read("person_decision_leads", params)
                )
            ),
            employer_names=tuple(
                sorted(
                    {r["name"] for r in self._read("person_employer_names", params) if r["name"]}
                )
            ),
        )

    def erase_person(self, person_id: str) -> int:
        """Delete a person with every tie, employment, study and decision-maker link."""
        self._forget_activity()
        try:
            rows = self._write("erase_person", {"person_id": person_id})
        finally:
            self._forget_reps()
        return int(rows[0]["removed"]) if rows else 0

    def tombstone_hashes(self) -> frozenset[str]:
        """Every tombstone: the hashes of erased people's identity keys (graph.keys)."""
        return frozenset(r["hash"] for r in self._read("tombstone_hashes"))

    def add_tombstones(self, hashes: Sequence[str], *, at: datetime) -> int:
        """Keep these hashes so that imports skip whoever they stand for."""
        return sum(
            int(rows[0]["written"]) if rows else 0
            for batch in _batches(sorted(set(hashes)), WRITE_BATCH)
            for rows in [self._write("add_tombstones", {"hashes": batch, "at": at})]
        )

    def events_mentioning(self, texts: Sequence[str]) -> list[Event]:
        """Events whose reason or detail contains one of these texts (any case)."""
        wanted = sorted({t.lower() for t in texts if t})
        if not wanted:
            return []
        return self._events(self._read("events_mentioning", {"texts": wanted}))

    def rewrite_events(self, events: Sequence[Event]) -> int:
        """Replace the reason and detail of these events (by id)."""
        self._forget_activity()
        return self._write_records("rewrite_events", events)

    def person(self, person_id: str) -> PersonRef:
        found = self.people([person_id]).get(person_id)
        if found is None:
            raise NotFound(f"no person with id {person_id!r}")
        return found

    def rep(self, rep_id: str) -> RepRef:
        found = self._reps([rep_id]).get(rep_id)
        if found is None:
            raise NotFound(f"no rep with id {rep_id!r}")
        return found

    def resolve_person(self, key: str) -> PersonRef:
        """A person by LinkedIn profile URL, email or internal id."""
        text = check_key(key, "person key")
        if not text:
            raise InvalidArgument(
                "empty person key: give a LinkedIn profile URL, an email or an id"
            )
        url = keys.normalise_linkedin_url(text) if "linkedin." in text.lower() else None
        email = keys.normalise_email(text) if "@" in text and url is None else None
        candidates: list[PersonRef] = []
        if url is not None:
            pid = keys.person_id_from_linkedin_url(url)
            candidates = list(self.people([pid]).values()) if pid else []
            if not candidates:
                candidates = [
                    _person_ref(r) for r in self._read("people_by_linkedin_url", {"url": url})
                ]
        elif email is not None:
            candidates = list(self.people(["em:" + email]).values())
            if not candidates:
                candidates = [
                    _person_ref(r) for r in self._read("people_by_email", {"email": email})
                ]
        else:
            candidates = list(self.people([text]).values())
        if not candidates:
            raise NotFound(
                f"no person with key {key!r} (tried it as a "
                f"{'LinkedIn URL' if url else 'email' if email else 'person id'})"
            )
        if len(candidates) > 1:
            ids = ", ".join(sorted(c.id for c in candidates)[:5])
            raise InvalidArgument(
                f"key {key!r} matches {len(candidates)} people ({ids}): use the LinkedIn URL or id"
            )
        return candidates[0]

    def people_named(self, text: str, *, limit: int = 20) -> list[PersonRef]:
        """People whose name, or whose current employer's name, contains ``text``
        (case-insensitive): name matches first."""
        wanted = check_key(text, "search text").lower()
        if len(wanted) < 2:
            raise InvalidArgument("type at least 2 letters of the name")
        most = max(1, min(limit, 100))
        params = {"text": wanted, "limit": most}
        found = {r["id"]: _person_ref(r) for r in self._read("people_named", params)}
        for row in self._read("people_at_company_named", params):
            found.setdefault(row["id"], _person_ref(row))
        return list(found.values())[:most]

    def resolve_rep(self, key: str) -> RepRef:
        """A rep by id (``rep:...``), email, LinkedIn profile URL or the id of the rep's person."""
        text = check_key(key, "rep key")
        if not text:
            raise InvalidArgument("empty rep key: give the rep's email, LinkedIn URL or id")
        directory = self._rep_directory()
        if text in directory.by_id:
            return directory.by_id[text]
        if text in directory.by_person:
            return directory.by_person[text]
        email = (
            keys.normalise_email(text) if "@" in text and "linkedin." not in text.lower() else None
        )
        if email is not None and email in directory.by_email:
            return directory.by_email[email]
        if email is None:
            try:
                person = self.resolve_person(text)
            except (NotFound, InvalidArgument):
                person = None
            if person is not None and person.id in directory.by_person:
                return directory.by_person[person.id]
        raise NotFound(f"no rep with key {key!r}")

    # --- proximity ---------------------------------------------------------------------------

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
                ordered = sorted(
                    (named[m] for m in mutual if m in named), key=lambda p: (p.name, p.id)
                )
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
                chains = self._group_paths(rows, length)[:limit]
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

    @staticmethod
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
                if source not in steps[i] or (
                    weight is not None and (known is None or weight > known)
                ):
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

    def mutual_connections(self, a_id: str, b_id: str) -> list[PersonRef]:
        """The people both a and b know, by name."""
        self.person(a_id)
        self.person(b_id)
        if a_id == b_id:
            raise InvalidArgument("mutual connections need two different people")
        rows = self._read("mutual_connections", {"a_id": a_id, "b_id": b_id})
        found = {r["id"]: _person_ref(r) for r in rows if r["id"] not in (a_id, b_id)}
        return sorted(found.values(), key=lambda p: (p.name, p.id))

    def reach_at_company(self, company_id: str) -> list[CompanyReach]:
        """For every rep who knows someone currently at the company: who."""
        if not self.companies([company_id]):
            raise NotFound(f"no company with id {company_id!r}")
        known: dict[str, dict[str, PersonRef]] = defaultdict(dict)
        for row in self._read("reach_at_company", {"company_id": company_id}):
            known[row["rep_id"]][row["id"]] = _person_ref(row)
        reps = self._reps(sorted(known))
        result = [
            CompanyReach(
                rep=reps[rep_id],
                people=tuple(sorted(people.values(), key=lambda p: (p.name, p.id))),
            )
            for rep_id, people in known.items()
            if rep_id in reps
        ]
        result.sort(key=lambda r: (-len(r.people), r.rep.name, r.rep.id))
        return result

    def shared_background(
        self, rep_id: str, person_id: str, *, today: date | None = None
    ) -> SharedBackground:
        """Employers and schools the rep and the person share, with the overlap in years."""
        rep = self.rep(rep_id)
        self.person(person_id)
        mine = [_stint(r) for r in self._read("person_stints", {"person_id": rep.person_id})]
        theirs = [_stint(r) for r in self._read("person_stints", {"person_id": person_id})]
        pairs = [
            (m, t) for m in mine for t in theirs if (m.kind, m.place_id) == (t.kind, t.place_id)
        ]
        return _background(pairs, today or date.today())

    # --- routing: leads, activity, reach ---------------------------------------------------

    def _read_table(self, name: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        """A query's rows as an Arrow table (adapters may read them without per-row Python)."""
        return pa.Table.from_pylist(self._read(name, params))

    def rep_profiles(self) -> Mapping[str, Rep]:
        """Every rep's profile (region, products, capacity, ...) by rep id. The same object
        until the directory is refreshed: callers may memoise what they derive from it."""
        return self._rep_directory().profiles

    def lead(self, lead_id: str) -> LeadView:
        """One lead with its company and buying committee; NotFound when it does not exist."""
        rows = self._read("lead_by_id", {"lead_id": lead_id})
        if not rows:
            raise NotFound(f"no lead with id {lead_id!r}")
        committee = [
            _committee_member(r) for r in self._read("lead_committee", {"lead_id": lead_id})
        ]
        committee.sort(key=lambda m: (m.role, m.person.name, m.person.id))
        return _lead_view(rows[0], committee)

    def leads_with_status(
        self, statuses: Sequence[str], *, with_committees: bool = True
    ) -> list[LeadView]:
        """Every lead in these statuses with its company (and committee), oldest first."""
        params = {"statuses": list(statuses)}
        committees: dict[str, list[CommitteeMember]] = defaultdict(list)
        if with_committees:
            for row in self._read_table("committees_with_status", params).to_pylist():
                committees[row["lead_id"]].append(_committee_member(row))
        leads = []
        for row in self._read_table("leads_with_status", params).to_pylist():
            members = sorted(
                committees.get(row["id"], []), key=lambda m: (m.role, m.person.name, m.person.id)
            )
            leads.append(_lead_view(row, members))
        leads.sort(key=lambda lead: (lead.created_at or datetime.min.replace(tzinfo=UTC), lead.id))
        return leads

    def committees(self, lead_ids: Sequence[str]) -> dict[str, tuple[CommitteeMember, ...]]:
        """The buying committee of each of these leads."""
        found: dict[str, list[CommitteeMember]] = {lead_id: [] for lead_id in lead_ids}
        if lead_ids:
            rows = self._read("committees_of_leads", {"lead_ids": list(lead_ids)})
            for row in rows:
                found.setdefault(row["lead_id"], []).append(_committee_member(row))
        return {
            lead_id: tuple(sorted(members, key=lambda m: (m.role, m.person.name, m.person.id)))
            for lead_id, members in found.items()
        }

    def rep_activity(
        self,
        *,
        open_statuses: Sequence[str],
        assignment_kinds: Sequence[str],
        breach_kinds: Sequence[str],
        breaches_since: datetime,
    ) -> dict[str, RepActivity]:
        """Per rep: leads owned in the open statuses, the last event of an assignment kind,
        and the breach events since a time. Reps without any are absent.

        Three scans of the lead table and the log (44 ms with 100,000 events), so the answer is
        kept for ACTIVITY_TTL seconds and dropped when this process writes a lead or an event
        (another process's writes show up within the TTL)."""
        key = (tuple(open_statuses), tuple(assignment_kinds), tuple(breach_kinds))
        cached = self._activity
        if (
            cached is not None
            and cached[1] == key
            and time.monotonic() - cached[0] <= ACTIVITY_TTL
            and cached[2] <= breaches_since
        ):
            return {
                rep_id: act
                if not act.breaches or act.breaches[0] >= breaches_since
                else dataclasses.replace(
                    act, breaches=tuple(b for b in act.breaches if b >= breaches_since)
                )
                for rep_id, act in cached[3].items()
            }
        found = self._read_activity(open_statuses, assignment_kinds, breach_kinds, breaches_since)
        self._activity = (time.monotonic(), key, breaches_since, found)
        return found

    def _forget_activity(self) -> None:
        self._activity = None

    def _read_activity(
        self,
        open_statuses: Sequence[str],
        assignment_kinds: Sequence[str],
        breach_kinds: Sequence[str],
        breaches_since: datetime,
    ) -> dict[str, RepActivity]:
        open_leads = {
            r["rep_id"]: int(r["open_leads"])
            for r in self._read("open_leads_per_rep", {"statuses": list(open_statuses)})
        }
        last = {
            r["rep_id"]: utc(r["last_at"])
            for r in self._read("last_event_per_rep", {"kinds": list(assignment_kinds)})
        }
        breaches: dict[str, list[datetime]] = defaultdict(list)
        for row in self._read(
            "rep_events_since", {"kinds": list(breach_kinds), "since": breaches_since}
        ):
            at = utc(row["at"])
            if at is not None:
                breaches[row["rep_id"]].append(at)
        return {
            rep_id: RepActivity(
                open_leads=open_leads.get(rep_id, 0),
                last_assigned_at=last.get(rep_id),
                breaches=tuple(sorted(breaches.get(rep_id, ()))),
            )
            for rep_id in set(open_leads) | set(last) | set(breaches)
        }

    def rep_event_counts(self, kinds: Sequence[str], since: datetime) -> dict[str, dict[str, int]]:
        """Per rep, how many events of each of these kinds happened since a time (one read)."""
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for row in self._read("rep_events_since", {"kinds": list(kinds), "since": since}):
            counts[row["rep_id"]][row["kind"]] += 1
        return {rep: dict(kinds_seen) for rep, kinds_seen in counts.items()}

    def account_owners(
        self, statuses: Sequence[str], company_id: str | None = None
    ) -> dict[str, str]:
        """Each company's owner (or only this company's): the rep of its most recently
        claimed lead in these statuses."""
        latest: dict[str, tuple[datetime, str]] = {}
        rows = (
            self._read("account_owners", {"statuses": list(statuses)})
            if company_id is None
            else self._read(
                "company_owners", {"statuses": list(statuses), "company_id": company_id}
            )
        )
        for row in rows:
            when = (
                utc(row["claimed_at"]) or utc(row["created_at"]) or datetime.min.replace(tzinfo=UTC)
            )
            known = latest.get(row["company_id"])
            if known is None or (when, row["rep_id"]) > known:
                latest[row["company_id"]] = (when, row["rep_id"])
        return {company: rep for company, (_, rep) in latest.items()}

    def offer_leads(self, offers: Sequence[Event]) -> list[str]:
        """Offer new leads: each event (kind ``offered``) names the lead and the rep. The lead
        becomes ``offered`` with that rep as owner. Returns the ids of the leads offered; a
        lead that was no longer new is skipped."""
        for event in offers:
            if event.kind != "offered" or not event.lead_id or not event.rep_id:
                raise InvalidArgument(f"an offer needs kind 'offered', a lead and a rep: {event}")
        self._forget_activity()
        return [row["lead_id"] for row in self._write_rows("offer_leads", offers)]

    def assign_lead(self, event: Event, *, contact_due_at: datetime) -> None:
        """Give a lead to a rep as claimed (a manager's assignment): the event (kind
        ``assigned``) names the lead, the rep, who assigned it and why."""
        if event.kind != "assigned" or not event.lead_id or not event.rep_id:
            raise InvalidArgument(f"an assignment needs kind 'assigned', a lead and a rep: {event}")
        self._forget_activity()
        rows = self._write(
            "assign_lead",
            {
                "lead_id": event.lead_id,
                "rep_id": event.rep_id,
                "at": event.at,
                "contact_due_at": contact_due_at,
                "event_id": event.id,
                "actor": event.actor,
                "reason": event.reason,
                "detail": event.detail,
            },
        )
        if not rows:
            raise NotFound(f"no lead with id {event.lead_id!r}")

    def append_events(self, events: Sequence[Event]) -> int:
        """Append events to the activity log, each tied to its lead (if it names one)."""
        self._forget_activity()
        self._write_rows("append_events", events)  # one statement writes events and links
        return len(events)

    def _write_rows(self, name: str, records: Sequence[Any]) -> list[Row]:
        """Every row a write query returns, for records passed as ``$rows`` in batches."""
        rows: list[Row] = []
        for batch in _batches([_as_row(r) for r in records], WRITE_BATCH):
            rows.extend(self._write(name, {"rows": batch}))
        return rows

    def _rep_side_cache(self) -> RepSide:
        """The rep network and stints, read once and rebuilt after this process writes ties,
        stints or reps, or after REP_NETWORK_TTL seconds (another process's imports)."""
        side = self._rep_side
        if side is not None and time.monotonic() - side.loaded_at <= REP_NETWORK_TTL:
            return side
        with self._rep_side_lock:
            side = self._rep_side
            if side is not None and time.monotonic() - side.loaded_at <= REP_NETWORK_TTL:
                return side
            directory = self._rep_directory()
            rep_ids = sorted(directory.by_id)
            network = RepNetwork(
                rep_ids,
                [directory.by_id[r].person_id for r in rep_ids],
                self._read_table("rep_contacts"),
                self._read_table("rep_contacts_employers"),
            )
            by_place: dict[str, list[tuple[str, Stint]]] = defaultdict(list)
            for row in self._read("rep_stints"):
                stint = _stint(row)
                by_place[f"{stint.kind}:{stint.place_id}"].append((row["owner_id"], stint))
            side = RepSide(
                network=network, stints_by_place=dict(by_place), loaded_at=time.monotonic()
            )
            self._rep_side = side
            self._rep_network_read_at = side.loaded_at
            return side

    def warm_up(self) -> None:
        """Read what is kept in memory now rather than on the first question."""
        self._rep_side_cache()

    def rep_network_age(self) -> float | None:
        """Seconds since the rep network was last read from the graph into memory (None: not
        yet). After this process writes reps or ties it is dropped and read again on the next
        question; the age runs on from the last read until then."""
        read_at = self._rep_network_read_at
        return None if read_at is None else time.monotonic() - read_at

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

    def lead_reach(
        self, leads: Sequence[LeadView], *, explain: bool = True, today: date | None = None
    ) -> dict[str, LeadReach]:
        """How every rep reaches each lead's buying committee and company (see LeadReach).

        Every question starts at the decision-maker: a few leads are answered with point
        queries, more than POINT_QUERY_LEADS with one scan over the leads in the same statuses.
        The rep side comes from memory (graph/network.py). ``explain`` adds who the mutual
        connections, bridges and people known at the company are.
        """
        side = self._rep_side_cache()
        network = side.network
        rep_of_person = {pid: network.rep_ids[i] for pid, i in network.rep_of_person.items()}
        day = today or date.today()
        neighbours: dict[str, list[str]] = defaultdict(list)
        stints: dict[str, list[Stint]] = defaultdict(list)
        persons = sorted({m.person.id for lead in leads for m in lead.committee})
        if len(leads) <= POINT_QUERY_LEADS:
            for pid in persons:
                table = self._read_table("person_neighbours", {"person_id": pid})
                if table.num_rows:
                    neighbours[pid] = table.column("id").to_pylist()
                for row in self._read("person_stints", {"person_id": pid}):
                    stints[pid].append(_stint(row))
        else:
            wanted = set(persons)
            params = {"statuses": sorted({lead.status for lead in leads})}
            table = self._read_table("committee_neighbours", params)
            if table.num_rows:
                for pid, other in zip(
                    table.column("person_id").to_pylist(),
                    table.column("id").to_pylist(),
                    strict=True,
                ):
                    if pid in wanted:
                        neighbours[pid].append(other)
            for row in self._read("committee_stints", params):
                if row["owner_id"] in wanted:
                    stints[row["owner_id"]].append(_stint(row))
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
                shared=self._shared_with_reps(
                    side, {m.person.id: stints.get(m.person.id, []) for m in lead.committee}, day
                ),
                people_known=known_people if explain else {},
                people=names,
            )
        return result

    @staticmethod
    def _shared_with_reps(
        side: RepSide, stints_of: Mapping[str, Sequence[Stint]], day: date
    ) -> dict[tuple[str, str], SharedBackground]:
        pairs: dict[tuple[str, str], list[tuple[Stint, Stint]]] = defaultdict(list)
        for person_id, person_stints in stints_of.items():
            for theirs in person_stints:
                for rep_id, mine in side.stints_by_place.get(
                    f"{theirs.kind}:{theirs.place_id}", ()
                ):
                    pairs[(rep_id, person_id)].append((mine, theirs))
        return {key: _background(found, day) for key, found in pairs.items()}

    # --- lifecycle, users, outbox --------------------------------------------------------------

    def lock_lead(self, lead_id: str) -> None:
        """Inside a write transaction: take the lead's write lock (Neo4j; LadybugDB's one
        writer holds every lock already), so what is read next is the latest committed state
        and stays so until commit. NotFound when there is no such lead."""
        if not self._write("lock_lead", {"lead_id": lead_id, "token": uuid.uuid4().hex}):
            raise NotFound(f"no lead with id {lead_id!r}")

    def move_lead(
        self, lead_id: str, *, from_statuses: Sequence[str], to: LeadState, event: Event
    ) -> bool:
        """Move a lead that is in one of ``from_statuses`` to the state ``to`` and append the
        event, in one statement. False when the lead was not in those statuses (another
        request moved it first)."""
        self._forget_activity()
        rows = self._write(
            "move_lead",
            {
                "lead_id": lead_id,
                "from_statuses": list(from_statuses),
                **dataclasses.asdict(to),
                "event_id": event.id,
                "at": event.at,
                "kind": event.kind,
                "actor": event.actor,
                "rep_id": event.rep_id,
                "reason": event.reason,
                "detail": event.detail,
            },
        )
        return bool(rows)

    def events(self, *, lead_id: str | None = None, rep_id: str | None = None) -> list[Event]:
        """A lead's or a rep's activity stream, oldest first."""
        if (lead_id is None) == (rep_id is None):
            raise InvalidArgument("events: give a lead or a rep")
        rows = (
            self._read("lead_events", {"lead_id": lead_id})
            if lead_id is not None
            else self._read("rep_events", {"rep_id": rep_id})
        )
        return self._events(rows)

    def events_of_leads(self, lead_ids: Sequence[str]) -> dict[str, list[Event]]:
        """Several leads' activity streams, oldest first, from one read."""
        if len(lead_ids) <= POINT_QUERY_LEADS:  # a lead's own events: ~0.5 ms; the scan: ~35
            return {lead_id: self.events(lead_id=lead_id) for lead_id in lead_ids}
        found: dict[str, list[Event]] = {lead_id: [] for lead_id in lead_ids}
        for event in self._events(self._read("events_of_leads", {"lead_ids": list(lead_ids)})):
            found.setdefault(event.lead_id or "", []).append(event)
        return found

    @staticmethod
    def _events(rows: list[Row]) -> list[Event]:
        return [
            Event(
                id=r["id"],
                at=utc(r["at"]) or datetime.min.replace(tzinfo=UTC),
                kind=r["kind"],
                actor=r["actor"] or "",
                lead_id=r["lead_id"],
                rep_id=r["rep_id"],
                reason=r["reason"],
                detail=r["detail"],
            )
            for r in rows
        ]

    def overdue_leads(self, now: datetime) -> list[tuple[str, str | None]]:
        """Claimed leads past their contact deadline: (lead id, owner rep id)."""
        return [(r["id"], r["rep_id"]) for r in self._read("overdue_leads", {"now": now})]

    def create_user(self, user: User, token_hash: str, *, at: datetime) -> None:
        self._write(
            "create_user",
            {**dataclasses.asdict(user), "token_hash": token_hash, "created_at": at},
        )

    def user_by_token_hash(self, token_hash: str) -> User | None:
        rows = self._read("user_by_token_hash", {"token_hash": token_hash})
        if not rows:
            return None
        r = rows[0]
        return User(
            id=r["id"], name=r["name"] or "", role=r["role"], rep_id=r["rep_id"], team=r["team"]
        )

    def add_outbox(self, message: OutboxMessage) -> None:
        self._write(
            "add_outbox",
            {"id": message.id, "at": message.at, "kind": message.kind, "payload": message.payload},
        )

    def due_outbox(self, now: datetime, limit: int = 100) -> list[OutboxMessage]:
        """Undelivered messages whose next attempt is due (leased or not), oldest first."""
        return self._outbox_messages(self._read("due_outbox", {"now": now, "limit": limit}), now)

    def outbox_backlog(self) -> OutboxBacklog:
        """How many messages are not delivered yet, and when the oldest of them was queued."""
        row = self._read("outbox_backlog")[0]
        return OutboxBacklog(undelivered=int(row["undelivered"]), oldest_at=utc(row["oldest_at"]))

    def lease_outbox(
        self, now: datetime, *, worker: str, until: datetime, limit: int = 100
    ) -> list[OutboxMessage]:
        """Take the due messages nobody holds: each is ``worker``'s to send until ``until``
        (or until it marks the attempt). Another process asking meanwhile does not get them."""
        params = {"now": now, "worker": worker, "until": until, "limit": limit}
        return self._outbox_messages(self._write("lease_outbox", params), now)

    @staticmethod
    def _outbox_messages(rows: list[Row], now: datetime) -> list[OutboxMessage]:
        return [
            OutboxMessage(
                id=r["id"],
                at=utc(r["at"]) or now,
                kind=r["kind"],
                payload=r["payload"],
                attempts=int(r["attempts"] or 0),
                last_error=r["last_error"],
            )
            for r in rows
        ]

    def mark_outbox(
        self,
        message_id: str,
        *,
        attempts: int,
        next_at: datetime | None,
        error: str | None,
        delivered_at: datetime | None,
        worker: str | None = None,
    ) -> None:
        """Record an attempt to deliver a message; with ``worker``, only while that worker
        still holds the message's lease."""
        self._write(
            "mark_outbox",
            {
                "worker": worker,
                "id": message_id,
                "attempts": attempts,
                "next_at": next_at,
                "last_error": error,
                "delivered_at": delivered_at,
            },
        )
