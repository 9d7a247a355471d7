"""What the importers write: people, reps, companies, schools, ties, employments, studies,
leads and their buying committees, one batch at a time, or a whole organisation at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from graph.errors import InvalidArgument
from graph.model import (
    Company,
    DecisionMaker,
    Employment,
    Lead,
    OrgSnapshot,
    Person,
    RecordTable,
    Rep,
    School,
    Study,
    Tie,
)
from graph.store.people import CypherPeople, stored_ties
from graph.store.runner import Progress, Row, as_row

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


def _rows(records: Sequence[Any]) -> list[Row]:
    return [as_row(r) for r in records]


@dataclass(frozen=True)
class _Fold:
    """How rows of one key in one write become one, holding what writing them one after the
    other would leave: a field takes the last non-null value, one in ``set_as_given`` the last
    row's (null too), one in ``first`` the first non-null. The update queries compare each row
    with the graph as it was before the statement (to write only what changes), so two rows
    of one key must not reach them: the one that repeats the stored value would be left out,
    the other kept."""

    key: tuple[str, ...]
    set_as_given: frozenset[str] = frozenset()
    first: frozenset[str] = frozenset()

    def __call__(self, rows: list[Row]) -> list[Row]:
        folded: dict[tuple[Any, ...], Row] = {}
        for row in rows:
            at = tuple(row[k] for k in self.key)
            seen = folded.get(at)
            if seen is None:
                folded[at] = row
                continue
            seen = folded[at] = dict(seen)
            for name, value in row.items():
                if name in self.set_as_given or (
                    value is not None and not (name in self.first and seen.get(name) is not None)
                ):
                    seen[name] = value
        return list(folded.values()) if len(folded) < len(rows) else rows


FOLDS = {
    "merge_people": _Fold(("id",)),
    "update_people": _Fold(("id",)),
    "merge_companies": _Fold(("id",), first=frozenset({"name"})),
    "merge_employments": _Fold(
        ("person_id", "company_id"), set_as_given=frozenset({"current", "ended"})
    ),
}
"""The writes that compare rows with the graph, and how their rows of one key are folded."""


def _folded(name: str, rows: list[Row]) -> list[Row]:
    fold = FOLDS.get(name)
    return fold(rows) if fold is not None else rows


def _rows_of(
    tables: Mapping[str, pa.Table], name: str, rename: Mapping[str, str] | None = None
) -> list[Row]:
    table = tables.get(name)
    if table is None:
        return []
    if rename:
        table = table.rename_columns([rename.get(c, c) for c in table.column_names])
    return list(table.to_pylist())


def _links(tables: Mapping[str, pa.Table], name: str) -> dict[Any, Any]:
    """A relationship table that a start node has at most once: start id -> end id."""
    if name not in tables:
        return {}
    table = tables[name]
    return dict(zip(table.column("from").to_pylist(), table.column("to").to_pylist(), strict=True))


class CypherImports(CypherPeople):
    """Idempotent merges (safe to rerun) and the create/update writes of an import plan."""

    def merge_people(self, people: Sequence[Person]) -> int:
        """Create or update people (a null field keeps the stored value); the number of rows
        that set a value (a row that changes nothing is not written)."""
        return self._merge("merge_people", _folded("merge_people", _rows(people)))

    def create_people(self, people: Sequence[Person]) -> int:
        """Write people that do not exist yet (checked by the caller in the same transaction)."""
        return self._write_records("create_people", people)

    def update_people(self, people: Sequence[Person]) -> int:
        """Update people known to exist (a null field keeps the stored value); the number of
        rows that set a value (a row that changes nothing is not written)."""
        if len({person.id for person in people}) < len(people):
            people = [Person(**row) for row in _folded("update_people", _rows(people))]
        return self._write_records("update_people", people)

    def create_ties(self, ties: Sequence[Tie]) -> int:
        """Write new ties to people the same import creates, each stored from the smaller id to
        the larger."""
        if isinstance(ties, RecordTable):  # asked of its columns: no record made
            wrong = pc.indices_nonzero(pc.greater_equal(ties.table["a"], ties.table["b"]))
            unordered = ties[wrong[0].as_py()] if len(wrong) else None
        else:
            unordered = next((tie for tie in ties if tie.a >= tie.b), None)
        if unordered is not None:
            a, b = unordered.a, unordered.b
            raise InvalidArgument(f"create_ties needs a < b (got {a!r}, {b!r})")
        return self._write_records("create_ties", ties)

    def create_companies(self, companies: Sequence[Company]) -> int:
        """Write companies that do not exist yet (checked by the caller in the same transaction)."""
        return self._write_records("create_companies", companies)

    def create_employments(self, employments: Sequence[Employment]) -> int:
        """Write employments of people who are new to the graph."""
        return self._write_records("create_employments", employments)

    def add_tie_reporters(self, ties: Sequence[Tie]) -> int:
        """Add each tie's ``reported_by`` to the reporters of the stored tie (which exists)."""
        return self._write_records("add_tie_reporters", stored_ties(ties))

    def merge_reps(self, reps: Sequence[Rep]) -> int:
        return self._merge("merge_reps", _rows(reps))

    def merge_companies(self, companies: Sequence[Company]) -> int:
        """Create or update companies (the first name stays); the number of rows that set a
        value (a row that changes nothing is not written)."""
        return self._merge("merge_companies", _folded("merge_companies", _rows(companies)))

    def merge_schools(self, schools: Sequence[School]) -> int:
        return self._merge("merge_schools", _rows(schools))

    def merge_ties(self, ties: Sequence[Tie]) -> int:
        for tie in ties:
            if tie.a == tie.b:
                raise InvalidArgument(
                    f"a person cannot know themselves (tie {tie.a!r} - {tie.b!r})"
                )
        return self._merge("merge_ties", _rows(stored_ties(ties)))

    def merge_employments(self, employments: Sequence[Employment]) -> int:
        """Create or update employments (``current`` and ``ended`` as given, null too); the
        number of rows that set a value (a row that changes nothing is not written)."""
        return self._merge("merge_employments", _folded("merge_employments", _rows(employments)))

    def merge_studies(self, studies: Sequence[Study]) -> int:
        return self._merge("merge_studies", _rows(studies))

    def merge_leads(self, leads: Sequence[Lead]) -> int:
        """Create or update leads; a lead whose company changed moves to the new one."""
        rows = _rows(leads)
        with self.atomic():
            self._merge("unlink_moved_leads", _lead_companies(rows))
            return self._merge("merge_leads", rows)

    def merge_decision_makers(self, links: Sequence[DecisionMaker]) -> int:
        return self._merge("merge_decision_makers", _rows(links))

    def bulk_load(self, snapshot: OrgSnapshot, progress: Progress | None = None) -> dict[str, int]:
        """Load a whole organisation through the idempotent merge queries, in batches.

        Safe to rerun: every row is merged on its key. Adapters may override this with a faster
        path for an empty database. Returns the rows written per table (people, companies and
        employments that a row leaves as stored are not written, nor counted).
        """
        tables = snapshot.tables
        reps = _rows_of(tables, "Rep")
        person_of_rep = _links(tables, "IS")
        for rep in reps:
            rep["person_id"] = person_of_rep.get(rep["id"])
        consents = [
            {
                "rep_id": r["id"],
                "consented_at": r["consented_at"],
                "consent_by": r.get("consent_by"),
            }
            for r in reps
            if r.get("consented_at") is not None
        ]
        leads = _rows_of(tables, "Lead")
        company_of_lead = _links(tables, "AT")
        for lead in leads:
            lead["company_id"] = company_of_lead.get(lead["id"])
        ties = _rows_of(tables, "KNOWS", {"from": "a", "to": "b"})
        for tie in ties:
            tie.setdefault("reported_by", None)
            if tie["a"] > tie["b"]:
                tie["a"], tie["b"] = tie["b"], tie["a"]
        plan: list[tuple[str, str, list[Row]]] = [
            ("Person", "merge_people", _rows_of(tables, "Person")),
            ("Company", "merge_companies", _rows_of(tables, "Company")),
            ("School", "merge_schools", _rows_of(tables, "School")),
            ("Rep", "merge_reps", reps),
            ("Rep consent", "record_consents", consents),
            ("Lead", "merge_leads", leads),
            ("KNOWS", "merge_ties", ties),
            (
                "WORKS_AT",
                "merge_employments",
                _rows_of(tables, "WORKS_AT", {"from": "person_id", "to": "company_id"}),
            ),
            (
                "STUDIED_AT",
                "merge_studies",
                _rows_of(tables, "STUDIED_AT", {"from": "person_id", "to": "school_id"}),
            ),
            (
                "DECISION_MAKER",
                "merge_decision_makers",
                _rows_of(tables, "DECISION_MAKER", {"from": "lead_id", "to": "person_id"}),
            ),
        ]
        if leads:  # a lead whose company changed leaves the old one (merge_leads adds the new)
            self._merge("unlink_moved_leads", _lead_companies(leads))
        loaded: dict[str, int] = {}
        for table_name, query, rows in plan:
            if rows:
                loaded[table_name] = self._merge(query, _folded(query, rows), progress, table_name)
        return loaded


def _lead_companies(leads: Sequence[Row]) -> list[Row]:
    return [{"id": lead["id"], "company_id": lead["company_id"]} for lead in leads]
