"""Loading a whole organisation into an EMPTY Neo4j database: CREATE instead of MERGE.

Why (measured on the benchmark organisation, 2,000 reps, 2M people, Neo4j 5.26 Community on 2
cores): the idempotent merge path (graph/store/imports.py) took ~1,390 s, because every row of
every batch is a MERGE that reads before it writes and coalesces each property. On an empty
database nothing can be found, so the snapshot is checked first (graph/snapshot.py: duplicate
or missing keys, dangling edges, a relationship twice) and then written with plain CREATE in
large UNWIND batches: nodes first, label by label, then relationships, whose ends are found
through the id constraints' indexes; relationship batches run in several sessions at once.
A batch that fails leaves the batches before it written: the error says to empty the database
and load again (or load again through the merge path, which is safe to rerun).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from graph.errors import StoreError
from graph.model import OrgSnapshot
from graph.snapshot import NODE_TABLES, REL_ENDPOINTS, check_keys, ordered_ties
from graph.store import Progress, Row

BULK_BATCH = 20_000
"""Rows per transaction: a batch of ties is a few MB in Neo4j's heap."""
BULK_SESSIONS = 2
"""Relationship batches written at once (each in its own session and transaction)."""

WriteBatch = Callable[[str, list[Row]], int]
"""Runs a named write query with ``$rows`` in one transaction; returns its ``written``."""


@dataclass(frozen=True)
class BulkStep:
    """One snapshot table: the query that creates it and its columns' names in ``$rows``."""

    table: str
    query: str
    rename: Mapping[str, str]
    parallel: bool = False


STEPS = (
    BulkStep("Person", "bulk_create_people", {}),
    BulkStep("Company", "bulk_create_companies", {}),
    BulkStep("School", "bulk_create_schools", {}),
    BulkStep("Rep", "bulk_create_reps", {}),
    BulkStep("Lead", "bulk_create_leads", {}),
    BulkStep("KNOWS", "bulk_create_ties", {"from": "a", "to": "b"}, parallel=True),
    BulkStep(
        "WORKS_AT", "bulk_create_employments", {"from": "person_id", "to": "company_id"}, True
    ),
    BulkStep("STUDIED_AT", "bulk_create_studies", {"from": "person_id", "to": "school_id"}, True),
    BulkStep(
        "DECISION_MAKER", "bulk_create_decision_makers", {"from": "lead_id", "to": "person_id"}
    ),
)
"""In order: nodes before the relationships that need them (IS and AT come with Rep and Lead)."""


def _with_link(nodes: pa.Table, links: pa.Table | None, column: str) -> pa.Table:
    """A node table with the other end of a one-per-node relationship (Rep IS, Lead AT) as
    ``column`` (null where a node has none)."""
    if links is None:
        return nodes.append_column(column, pa.nulls(nodes.num_rows, pa.string()))
    at = pc.index_in(nodes.column("id"), value_set=links.column("from").combine_chunks())
    return nodes.append_column(column, links.column("to").take(at).cast(pa.string()))


def checked_tables(snapshot: OrgSnapshot) -> dict[str, pa.Table]:
    """The snapshot's tables as the bulk queries take them; StoreError, naming the table,
    for a snapshot the merge path would not load the same way."""
    tables = dict(snapshot.tables)
    unknown = set(tables) - set(NODE_TABLES) - set(REL_ENDPOINTS)
    if unknown:
        raise StoreError(f"snapshot has unknown tables: {sorted(unknown)}")
    for name in REL_ENDPOINTS:
        if name in tables and not {"from", "to"} <= set(tables[name].column_names):
            raise StoreError(f"snapshot table {name} lacks the 'from' or 'to' column")
    if "KNOWS" in tables:
        tables["KNOWS"] = ordered_ties(tables["KNOWS"])
    check_keys(tables, unique_edges=True)
    if "Rep" in tables:
        tables["Rep"] = _with_link(tables["Rep"], tables.pop("IS", None), "person_id")
    if "Lead" in tables:
        tables["Lead"] = _with_link(tables["Lead"], tables.pop("AT", None), "company_id")
    if "KNOWS" in tables and "reported_by" not in tables["KNOWS"].column_names:
        knows = tables["KNOWS"]
        tables["KNOWS"] = knows.append_column(
            "reported_by", pa.nulls(knows.num_rows, pa.list_(pa.string()))
        )
    return tables


def _batches(table: pa.Table, rename: Mapping[str, str]) -> Iterator[list[Row]]:
    if rename:
        table = table.rename_columns([rename.get(c, c) for c in table.column_names])
    for start in range(0, table.num_rows, BULK_BATCH):
        yield table.slice(start, BULK_BATCH).to_pylist()


def load_empty_graph(
    snapshot: OrgSnapshot, write: WriteBatch, progress: Progress | None = None
) -> dict[str, int]:
    """Create every node and relationship of ``snapshot`` (into an empty graph: the caller
    checks); returns the rows written per snapshot table."""
    tables = checked_tables(snapshot)
    loaded: dict[str, int] = {}
    with ThreadPoolExecutor(max_workers=BULK_SESSIONS, thread_name_prefix="bulk") as pool:
        for step in STEPS:
            table = tables.get(step.table)
            if table is None or table.num_rows == 0:
                continue
            try:
                written = _write_table(
                    pool if step.parallel else None, step, table, write, progress
                )
            except StoreError as exc:
                raise StoreError(
                    f"bulk load of {step.table} failed after {sorted(loaded)} were loaded: "
                    f"{exc}; empty the database and load again"
                ) from None
            loaded[step.table] = written
            if step.table == "Rep" and "IS" in snapshot.tables:
                loaded["IS"] = written
            if step.table == "Lead" and "AT" in snapshot.tables:
                loaded["AT"] = written
    return loaded


def _write_table(
    pool: ThreadPoolExecutor | None,
    step: BulkStep,
    table: pa.Table,
    write: WriteBatch,
    progress: Progress | None,
) -> int:
    """Every batch of one table, one after the other or (``pool``) a few at a time; the
    batches in flight are bounded so that the rows in memory stay a few batches."""
    written = 0
    pending: list[Future[int]] = []
    total = table.num_rows
    if progress is not None:
        progress(step.table, 0, total)
    for rows in _batches(table, step.rename):
        if pool is None:
            written += write(step.query, rows)
        else:
            pending.append(pool.submit(write, step.query, rows))
            if len(pending) > BULK_SESSIONS:
                written += pending.pop(0).result()
        if progress is not None and written:
            progress(step.table, min(written, total), total)
    for future in pending:
        written += future.result()
    if progress is not None:
        progress(step.table, written, total)
    return written
