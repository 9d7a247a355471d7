"""What every bulk loader of an empty graph checks in an organisation snapshot before it writes
anything (duplicate or missing keys, ties to oneself, edges to nodes not in the snapshot), and
the one way a snapshot's ties are stored: from the smaller person id to the larger."""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa
import pyarrow.compute as pc

from graph.errors import StoreError

NODE_TABLES = ("Person", "Rep", "Company", "School", "Lead")
REL_ENDPOINTS = {
    "KNOWS": ("Person", "Person"),
    "IS": ("Rep", "Person"),
    "WORKS_AT": ("Person", "Company"),
    "STUDIED_AT": ("Person", "School"),
    "AT": ("Lead", "Company"),
    "DECISION_MAKER": ("Lead", "Person"),
}
REL_KEYS = {"KNOWS": ("from", "to", "source")}
"""What makes a relationship unique (the merge path's MERGE pattern): its ends, by default."""


def ordered_ties(knows: pa.Table) -> pa.Table:
    """The KNOWS table with each tie from the smaller id to the larger (as ties are stored);
    StoreError when a person knows themselves."""
    swap = pc.greater(knows.column("from"), knows.column("to"))
    lo = pc.if_else(swap, knows.column("to"), knows.column("from"))
    hi = pc.if_else(swap, knows.column("from"), knows.column("to"))
    if pc.any(pc.equal(lo, hi)).as_py():
        raise StoreError("snapshot table KNOWS has a person who knows themselves")
    return knows.set_column(knows.column_names.index("from"), "from", lo).set_column(
        knows.column_names.index("to"), "to", hi
    )


def check_keys(tables: Mapping[str, pa.Table], *, unique_edges: bool = False) -> None:
    """StoreError, naming the table, when a node table has a null or duplicate id, or an edge
    points at a node the snapshot lacks; with ``unique_edges``, also when an edge appears twice
    (a loader that creates rather than merges would write it twice)."""
    for name in NODE_TABLES:
        table = tables.get(name)
        if table is None:
            continue
        ids = table.column("id")
        if ids.null_count:
            raise StoreError(f"snapshot table {name} has {ids.null_count} rows without an id")
        if pc.count_distinct(ids).as_py() != table.num_rows:
            raise StoreError(f"snapshot table {name} has duplicate ids")
    for name, (source, target) in REL_ENDPOINTS.items():
        table = tables.get(name)
        if table is None:
            continue
        for column, node_table in (("from", source), ("to", target)):
            nodes = tables.get(node_table)
            if nodes is None:
                raise StoreError(f"snapshot table {name} needs the {node_table} table too")
            missing = pc.sum(pc.invert(pc.is_in(table.column(column), nodes.column("id")))).as_py()
            if missing:
                raise StoreError(
                    f"snapshot table {name}: {missing} rows point at a {node_table} that "
                    "is not in the snapshot"
                )
        if unique_edges:
            key = [c for c in REL_KEYS.get(name, ("from", "to")) if c in table.column_names]
            if table.select(key).group_by(key).aggregate([]).num_rows != table.num_rows:
                raise StoreError(f"snapshot table {name} has the same {'/'.join(key)} twice")
