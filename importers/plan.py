"""What an import will write (a Plan), what it did (an ImportReport), and applying one to a store.

Every import of one file is applied inside one write transaction (``store.atomic()``): a bad
row, a crash or a kill in the middle leaves the graph as it was before the file, and rerunning
the same file gives exactly the result of an uninterrupted import. On Neo4j a plan larger than
the store's ``transaction_rows`` is written in batches instead (see ``apply_plan``).
``--dry-run`` computes the same report and writes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from functools import partial
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from graph import keys
from graph.model import (
    Company,
    Consent,
    DecisionMaker,
    Employment,
    Lead,
    Person,
    RecordTable,
    Rep,
    School,
    Study,
    Tie,
)
from graph.store import GraphStore
from importers.tabular import Record

Progress = Callable[[str, int, int], None]
_PERSON_FIELDS = tuple(f.name for f in fields(Person))


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str
    file: str | None = None  # when a report covers several files


@dataclass
class ImportReport:
    """The one summary line every import ends with, and its details."""

    file: str
    kind: str
    dry_run: bool = False
    rows_read: int = 0
    people_created: int = 0
    people_matched: int = 0
    ties_created: int = 0
    ties_unchanged: int = 0
    ties_removed: int = 0
    written: Counter[str] = field(default_factory=Counter)  # other records: companies, reps...
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> rows
    invalid: list[RowProblem] = field(default_factory=list)
    repaired_lines: int = 0

    def skip(self, reason: str) -> None:
        self.skipped[reason] += 1

    current_file: str | None = None  # set while planning one file of several

    def reject(self, line: int, reason: str) -> None:
        self.invalid.append(RowProblem(line, reason, self.current_file))

    def readable(self, records: Iterable[Record], *, file: str | None = None) -> Iterator[Record]:
        """Count every row; reject, with its line, each that could not be decoded; yield the rest.

        ``file`` prefixes the reason when the rows come from a second file (``--contacts``).
        """
        for record in records:
            self.rows_read += 1
            if record.problem:
                where = f"{file}:{record.line}: " if file else ""
                self.reject(record.line, where + record.problem)
                continue
            yield record

    @property
    def exit_code(self) -> int:
        return 1 if self.invalid else 0

    def invalid_lines(self) -> list[str]:
        """Each invalid row as ``file:line: reason`` (a reason that names its file already,
        from a second file such as ``--contacts``, is kept as it is)."""
        return [
            problem.reason
            if ":" in problem.reason.split(" ", 1)[0]
            else f"{problem.file or self.file}:{problem.line}: {problem.reason}"
            for problem in self.invalid
        ]

    def summary(self) -> str:
        skipped = sum(self.skipped.values())
        why = ", ".join(f"{n} {reason}" for reason, n in sorted(self.skipped.items()))
        parts = [
            f"{self.file}: {self.rows_read} rows read",
            f"people {self.people_created} created, {self.people_matched} matched",
            f"ties {self.ties_created} created, {self.ties_unchanged} unchanged, "
            f"{self.ties_removed} removed",
        ]
        if self.written:
            parts.append(", ".join(f"{n} {what}" for what, n in sorted(self.written.items())))
        parts.append(f"{skipped} skipped" + (f" ({why})" if why else ""))
        parts.append(f"{len(self.invalid)} invalid")
        if self.repaired_lines:
            parts.append(f"{self.repaired_lines} lines with repaired encoding")
        line = "; ".join(parts)
        return ("dry run, nothing written: " + line) if self.dry_run else line

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": self.kind,
            "dry_run": self.dry_run,
            "rows_read": self.rows_read,
            "people_created": self.people_created,
            "people_matched": self.people_matched,
            "ties_created": self.ties_created,
            "ties_unchanged": self.ties_unchanged,
            "ties_removed": self.ties_removed,
            "written": dict(self.written),
            "skipped": dict(self.skipped),
            "invalid": [
                {"file": p.file or self.file, "line": p.line, "reason": p.reason}
                for p in self.invalid
            ],
            "repaired_lines": self.repaired_lines,
        }


@dataclass
class PlanColumns:
    """People, ties and current jobs of a plan held as Arrow tables, a column per field of
    their records (``connection_columns``): disjoint from the plan's dicts, each key once."""

    people: Any  # Person's fields: a person new to the plan
    ties: Any  # Tie's fields
    employments: Any  # Employment's fields


@dataclass
class Plan:
    """Everything one import writes. People are merged by id; later rows fill empty fields.

    ``linkedin.plan_connections`` puts a person, tie or current job new to the plan straight
    into these dicts (a bootstrap plans 1.6M rows): a change to what ``add_person``, ``add_tie``
    or ``add_current_job`` do with a new record is to be made there too."""

    people: dict[str, Person] = field(default_factory=dict)
    ties: dict[tuple[str, str, str], Tie] = field(default_factory=dict)
    companies: dict[str, Company] = field(default_factory=dict)
    schools: dict[str, School] = field(default_factory=dict)
    employments: dict[tuple[str, str], Employment] = field(default_factory=dict)
    studies: dict[tuple[str, str], Study] = field(default_factory=dict)
    reps: dict[str, Rep] = field(default_factory=dict)
    leads: dict[str, Lead] = field(default_factory=dict)
    decision_makers: dict[tuple[str, str], DecisionMaker] = field(default_factory=dict)
    consents: dict[str, Consent] = field(default_factory=dict)  # rep id -> consent to record
    prune: tuple[str, str] | None = None  # (person id, source): remove that person's other ties
    tie_owners: set[tuple[str, str]] = field(default_factory=set)  # (rep person, source) exports
    counted_people: set[str] = field(default_factory=set)  # people whose created/matched counts
    company_keys: dict[str, str | None] = field(default_factory=dict)  # name -> key, asked once
    columns: PlanColumns | None = None  # more people, ties and jobs, in columns (a bootstrap)

    def materialise(self) -> None:
        """Make the records of ``columns`` into the dicts (each key is in one or the other)."""
        held, self.columns = self.columns, None
        if held is None:
            return
        self.people.update((p.id, p) for p in RecordTable(Person, held.people))
        self.ties.update(((t.a, t.b, t.source), t) for t in RecordTable(Tie, held.ties))
        self.employments.update(
            ((e.person_id, e.company_id), e) for e in RecordTable(Employment, held.employments)
        )

    def people_count(self) -> int:
        held = self.columns
        return len(self.people) + (held.people.num_rows if held is not None else 0)

    def person_ids(self) -> set[str]:
        held = self.columns.people["id"].to_pylist() if self.columns is not None else ()
        return {*self.people, *held}

    def company_key(self, name: str) -> str | None:
        """``keys.company_id(name)``, worked out once per name (a bootstrap names the same
        employers hundreds of thousands of times)."""
        try:
            return self.company_keys[name]
        except KeyError:
            key = self.company_keys[name] = keys.company_id(name)
            return key

    def add_person(self, person: Person, *, counted: bool = True) -> None:
        known = self.people.get(person.id)
        if known is not None and known != person:
            updates = {
                name: getattr(person, name)
                for name in _PERSON_FIELDS
                if not getattr(known, name) and getattr(person, name)
            }
            person = replace(known, **updates) if updates else known
        self.people[person.id] = person
        if counted:
            self.counted_people.add(person.id)

    def adds_nothing(
        self,
        person_id: str,
        name: str,
        first_name: str | None,
        last_name: str | None,
        linkedin_url: str | None,
        email: str | None,
        title: str | None,
    ) -> bool:
        """Whether the plan has this person with every one of these fields that is set, so that
        ``add_person`` would keep them as they are; if so they are counted. A bootstrap lists
        most people in several exports: their later rows need no Person made and compared."""
        known = self.people.get(person_id)
        if known is None or (
            (name and not known.name)
            or (first_name and not known.first_name)
            or (last_name and not known.last_name)
            or (linkedin_url and not known.linkedin_url)
            or (email and not known.email)
            or (title and not known.title)
        ):
            return False
        self.counted_people.add(person_id)
        return True

    def add_current_job(self, person_id: str, company_id: str, title: str | None) -> None:
        """A current employment without dates (an export's company and position): the last row
        of a person at a company wins."""
        known = self.employments.get((person_id, company_id))
        if (
            known is None
            or known.title != title
            or known.current is not True
            or known.started is not None
            or known.ended is not None
        ):
            self.employments[(person_id, company_id)] = Employment(
                person_id=person_id, company_id=company_id, title=title, current=True
            )

    def add_tie(self, tie: Tie) -> bool:
        """Add a tie; False when the plan has it already (its reporters are added to it)."""
        a, b = (tie.a, tie.b) if tie.a < tie.b else (tie.b, tie.a)
        key = (a, b, tie.source)
        known = self.ties.get(key)
        if known is not None:
            if tie.reported_by and not set(tie.reported_by) <= set(known.reported_by or ()):
                reporters = tuple(sorted({*(known.reported_by or ()), *tie.reported_by}))
                self.ties[key] = replace(known, reported_by=reporters)
            return False
        self.ties[key] = tie if tie.a == a else replace(tie, a=a, b=b)
        return True

    def add_company(self, company: Company) -> None:
        self.companies.setdefault(company.id, company)


def apply_plan(
    store: GraphStore,
    plan: Plan,
    report: ImportReport,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    bulk: bool = False,
) -> ImportReport:
    """Count what is new against the graph, then write it (unless dry).

    Within the store's ``transaction_rows`` (no limit on LadybugDB) the whole plan is one
    transaction, counted inside it, so what it finds new is still new when written: a crash
    leaves the graph as it was. A larger plan (a team's bootstrap on Neo4j, whose transactions
    live in the server's heap) is written in batches, each its own transaction, nodes before
    the relationships between them: a crash leaves whole batches, and a rerun counts again,
    finds what was written and writes the rest, ending with the graph of an uninterrupted import.

    With ``bulk`` (a bootstrap, run where no server holds the graph), a store that can write
    the plan's new records in bulk and undo the whole on failure does
    (``GraphStore.bulk_writes``: LadybugDB's COPY FROM into a small graph).
    """
    report.dry_run = dry_run
    _leave_out_erased(store, plan, report)
    if dry_run:
        plan.materialise()
        _count(store, plan, report)
        return report
    if bulk:
        with store.bulk_writes() as copying:
            if copying:  # the plan's columns are copied as they are
                _write(store, plan, report, progress, in_batches=False, bulk=True)
                return report
    plan.materialise()
    limit = store.transaction_rows
    if limit is None or _planned_rows(plan) <= limit:
        with store.atomic():
            _write(store, plan, report, progress, in_batches=False)
    else:
        _write(store, plan, report, progress, in_batches=True)
    return report


def _leave_out_erased(store: GraphStore, plan: Plan, report: ImportReport) -> None:
    """Leave out of the plan every person erased with ``warmpath forget-person`` (one of their
    identity keys hashes to a tombstone), with their ties, employments, studies and
    decision-maker links, and count them as skipped ("erased people")."""
    if not plan.people and plan.columns is None:
        return
    tombstones = store.tombstone_hashes()
    if not tombstones:
        return
    plan.materialise()
    erased = {
        pid
        for pid, person in plan.people.items()
        if any(
            keys.tombstone_hash(key) in tombstones
            for key in keys.identity_keys(pid, linkedin_url=person.linkedin_url, email=person.email)
        )
    }
    if not erased:
        return
    for _ in erased & plan.counted_people:
        report.skip("erased people")
    plan.counted_people -= erased
    plan.people = {pid: p for pid, p in plan.people.items() if pid not in erased}
    plan.ties = {k: t for k, t in plan.ties.items() if k[0] not in erased and k[1] not in erased}
    plan.employments = {k: e for k, e in plan.employments.items() if k[0] not in erased}
    plan.studies = {k: s for k, s in plan.studies.items() if k[0] not in erased}
    plan.decision_makers = {k: d for k, d in plan.decision_makers.items() if k[1] not in erased}
    dropped_reps = {rid for rid, rep in plan.reps.items() if rep.person_id in erased}
    plan.reps = {rid: rep for rid, rep in plan.reps.items() if rid not in dropped_reps}
    plan.consents = {rid: c for rid, c in plan.consents.items() if rid not in dropped_reps}


def _planned_rows(plan: Plan) -> int:
    return sum(
        len(part)
        for part in (
            plan.people,
            plan.ties,
            plan.employments,
            plan.companies,
            plan.schools,
            plan.reps,
            plan.studies,
            plan.leads,
            plan.decision_makers,
        )
    )


@dataclass
class _Counted:
    """What counting a plan against the graph found."""

    new_people: set[str]
    existing: set[str]  # the planned people the graph has
    known_ties: dict[tuple[str, str, str], tuple[str, ...]]  # planned ties that exist: reporters
    new_reporters: list[Tie]  # existing ties this import reports too (all their reporters)
    pruned: list[Tie]  # ties only the pruning rep reported: deleted
    unreported: list[Tie]  # ties others reported too: only the pruning rep's report goes


def _write(
    store: GraphStore,
    plan: Plan,
    report: ImportReport,
    progress: Progress | None,
    *,
    in_batches: bool,
    bulk: bool = False,
) -> None:
    """Write the plan: a transaction per batch of 5,000 with ``in_batches``; else, in the
    caller's transaction, statements of 50,000 records; with ``bulk`` (in ``bulk_writes``, no
    transaction) all of a kind at once, the records known to be new first (the store may copy
    them in while the next are prepared: ``LadybugStore``)."""
    counted = _count(store, plan, report)
    new_people, known_ties = counted.new_people, counted.known_ties
    old_people = [p for pid, p in plan.people.items() if pid not in new_people]
    new_ties = (
        [tie for key, tie in plan.ties.items() if key not in known_ties]
        if known_ties
        else list(plan.ties.values())
    )
    # employments of new people are new; those of known people are merged (asking which
    # exist first cost seconds on a 2M-person graph: LadybugDB joins all employments)
    new_jobs = [e for (pid, _), e in plan.employments.items() if pid in new_people]
    old_jobs = [e for (pid, _), e in plan.employments.items() if pid not in new_people]
    stored_companies = store.companies(sorted(plan.companies))
    new_companies = [c for cid, c in plan.companies.items() if cid not in stored_companies]
    old_companies = [
        c for cid, c in plan.companies.items() if cid in stored_companies and _has_details(c)
    ]
    # in bulk, in the plan's order: a copy needs none, and a bootstrap's 480,000 people, read
    # in the order they were made (close in memory), became columns in 0.8 s against 2.1 s
    new_in_order = (
        [person for pid, person in plan.people.items() if pid in new_people]
        if bulk
        else [plan.people[pid] for pid in sorted(new_people)]
    )
    # what is known to be new is created (fast); what exists is merged (updated)
    held = _held_columns(plan, counted.existing)
    steps: list[tuple[str, Callable[[Sequence[Any]], int], Sequence[Any]]] = [
        ("companies", store.create_companies, new_companies),
        ("companies", store.merge_companies, old_companies),
        ("schools", store.merge_schools, list(plan.schools.values())),
        ("people", store.create_people, new_in_order),
        ("people", store.create_people, held.new_people),
        ("people", store.update_people, old_people + held.old_people),
        ("reps", store.merge_reps, list(plan.reps.values())),
        ("consents", store.record_consents, list(plan.consents.values())),
        ("ties", store.create_ties, new_ties),
        ("ties", store.create_ties, held.ties),
        ("ties", store.add_tie_reporters, counted.new_reporters),
        ("employments", store.create_employments, new_jobs),
        ("employments", store.create_employments, held.new_jobs),
        ("employments", store.merge_employments, old_jobs + held.old_jobs),
        ("studies", store.merge_studies, list(plan.studies.values())),
        ("leads", store.merge_leads, list(plan.leads.values())),
        ("decision-makers", store.merge_decision_makers, list(plan.decision_makers.values())),
        ("pruned ties", store.delete_ties, counted.pruned),
        ("pruned ties", store.set_tie_reporters, counted.unreported),
    ]
    if bulk:  # the create_ steps first, in their order: nodes still before relationships
        steps.sort(key=lambda step: not step[1].__name__.startswith("create_"))
    total = sum(len(records) for _, _, records in steps)
    done = 0
    # a transaction per batch of 5,000 when the plan is too large for one; in one transaction,
    # batches of 50,000 (LadybugDB creates 50,000 ties 1.7x faster in one statement than in ten)
    size = 5_000 if in_batches else None if bulk else 50_000
    for label, write, records in steps:
        step = size or max(len(records), 1)
        for start in range(0, len(records), step):
            batch = records[start : start + step]
            if in_batches:
                store.run_atomic(partial(write, batch))
            else:
                write(batch)
            done += len(batch)
            if progress is not None:
                progress(label, done, total)


def _count(store: GraphStore, plan: Plan, report: ImportReport) -> _Counted:
    """Fill the report's counts; return the people new to the graph, the planned ties that exist
    already (with their reporters), those this import reports too, and the ties to prune."""
    if plan.columns is not None and store.has_ties():
        plan.materialise()  # which planned ties exist is asked record by record
    # into a graph of a few people (a first bootstrap), reading all their ids is cheaper than
    # looking up each planned one (1.8 s for 484,000 ids on LadybugDB)
    planned = plan.people_count()
    few = store.person_ids_if_at_most(planned // 4) if planned > 1_000 else None
    ids = plan.person_ids()
    existing = few & ids if few is not None else set(store.people(sorted(ids)))
    new_people = ids - existing
    report.people_matched = len(plan.counted_people & existing)
    report.people_created = len(plan.counted_people - existing)
    known_ties: dict[tuple[str, str, str], tuple[str, ...]] = {}
    to_remove: list[Tie] = []
    owners = plan.tie_owners | ({plan.prune} if plan.prune else set())
    if not (plan.ties or plan.prune) or not store.has_ties():
        pass  # nothing to look up, or no tie stored yet (a first bootstrap): none is known
    elif owners and all((a, src) in owners or (b, src) in owners for a, b, src in plan.ties):
        # reps' own exports: one expansion from each rep finds every tie it already has
        for person_id, source in sorted(owners):
            before = store.ties_of(person_id, source)
            for other, tie in before.items():
                a, b = sorted((person_id, other))
                known_ties[(a, b, source)] = tie.reported_by or ()
            if plan.prune == (person_id, source):
                wanted = {b if a == person_id else a for a, b, s in plan.ties if s == source}
                to_remove = [before[other] for other in sorted(set(before) - wanted)]
    else:
        # ties to people new to the graph cannot exist yet: ask only about the others
        maybe_known = [
            {"a": a, "b": b, "source": s}
            for a, b, s in plan.ties
            if a not in new_people and b not in new_people
        ]
        known_ties = store.existing_ties(maybe_known)
    new_reporters = []
    for key, tie in plan.ties.items() if known_ties else ():
        stored = known_ties.get(key)
        if stored is not None and tie.reported_by and not set(tie.reported_by) <= set(stored):
            reporters = tuple(sorted({*stored, *tie.reported_by}))
            new_reporters.append(replace(tie, reported_by=reporters))
    pruned, unreported = [], []
    if to_remove and plan.prune is not None:
        # --prune withdraws the rep's report of each tie; a tie goes when nobody else reported it
        rep_id = store.resolve_rep(plan.prune[0]).id
        for tie in to_remove:
            if rep_id not in (tie.reported_by or ()):
                continue
            rest = tuple(r for r in tie.reported_by or () if r != rep_id)
            if rest:
                unreported.append(replace(tie, reported_by=rest))
            else:
                pruned.append(tie)
    report.ties_unchanged = sum(1 for key in plan.ties if key in known_ties) if known_ties else 0
    held = plan.columns
    report.ties_created = len(plan.ties) - report.ties_unchanged + (len(held.ties) if held else 0)
    report.ties_removed = len(pruned)
    for what, count in (
        ("companies", len(plan.companies)),
        ("schools", len(plan.schools)),
        ("employments", len(plan.employments) + (len(held.employments) if held else 0)),
        ("studies", len(plan.studies)),
        ("reps", len(plan.reps)),
        ("consents recorded", len(plan.consents)),
        ("leads", len(plan.leads)),
        ("decision-makers", len(plan.decision_makers)),
    ):
        if count:
            report.written[what] = count
    return _Counted(new_people, existing, known_ties, new_reporters, pruned, unreported)


@dataclass
class _HeldColumns:
    """The writes of a plan's columns (``Plan.columns``): tables of new records, copied as they
    are, and the few records of people the graph has."""

    new_people: Sequence[Person] = ()
    old_people: list[Person] = field(default_factory=list)
    ties: Sequence[Tie] = ()
    new_jobs: Sequence[Employment] = ()
    old_jobs: list[Employment] = field(default_factory=list)


def _held_columns(plan: Plan, existing: set[str]) -> _HeldColumns:
    """What to write of the plan's columns, given the planned people the graph has (in a
    bootstrap, the reps' own people: a few thousand)."""
    held = plan.columns
    if held is None:
        return _HeldColumns()
    known = pa.array(sorted(existing), pa.string())
    people_known = pc.is_in(held.people["id"], value_set=known)
    jobs_known = pc.is_in(held.employments["person_id"], value_set=known)
    return _HeldColumns(
        new_people=RecordTable(Person, held.people.filter(pc.invert(people_known))),
        old_people=RecordTable(Person, held.people.filter(people_known)).records(),
        ties=RecordTable(Tie, held.ties),
        new_jobs=RecordTable(Employment, held.employments.filter(pc.invert(jobs_known))),
        old_jobs=RecordTable(Employment, held.employments.filter(jobs_known)).records(),
    )


def _has_details(company: Company) -> bool:
    return any(
        v is not None for v in (company.domain, company.industry, company.region, company.size)
    )
