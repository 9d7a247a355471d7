"""How the rep network (graph/network.py) grows with the organisation: ``python -m
benchmarks.network_growth``.

Builds the synthetic organisation (``BENCH_SCALE``: one of demo/organisation.py's SCALES, or
``reps8k`` / ``reps20k``: 8,000 / 20,000 reps among the full organisation's 2M people), answers
the two queries the store reads the network from (``rep_contacts``,
``rep_contacts_employers``) from the snapshot's Arrow tables, without a database, and builds the
network in memory as the store does. Prints the rows read, the build time, the bytes of the
arrays the network keeps (the rep x rep ``shares_contact`` bits separately) and this
process's resident memory before and after the build. What the store
adds on top (reading the rows from the graph) is the "rep network read into memory" line of
``make bench``.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from demo.organisation import SCALES, OrgShape, generate_org
from graph.model import OrgSnapshot
from graph.network import RepNetwork

GROWTH_SHAPES = {
    **SCALES,
    # the large and a 20,000-rep organisation's rep side (rep-contact pairs, the rep x rep
    # matrix: it grows with the reps) among the full organisation's 2M people, which generate
    # in minutes rather than the large organisation's 14 (on 2 busy cores)
    "reps8k": OrgShape(reps=8_000, people=2_000_000, leads=10_000),
    "reps20k": OrgShape(reps=20_000, people=2_000_000, leads=10_000),
}
MB = 1024**2


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _resident_mb() -> float:
    """This process's resident memory now (Linux), in MB."""
    for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def network_tables(snapshot: OrgSnapshot) -> tuple[list[str], list[str], pa.Table, pa.Table]:
    """Rep ids, their persons, and the rows of ``rep_contacts`` / ``rep_contacts_employers``
    as the graph would answer them for this snapshot."""
    tables = snapshot.tables
    rep_is = tables["IS"].select(["from", "to"]).rename_columns(["rep_id", "rep_person"])
    rep_is = rep_is.sort_by("rep_id")
    knows = tables["KNOWS"].select(["from", "to", "source", "strength"])
    both = pa.concat_tables(
        [
            knows.rename_columns(["rep_person", "person_id", "source", "strength"]),
            knows.select(["to", "from", "source", "strength"]).rename_columns(
                ["rep_person", "person_id", "source", "strength"]
            ),
        ]
    )
    people = (
        tables["Person"]
        .select(["id", "name", "title"])
        .rename_columns(["person_id", "name", "title"])
    )
    contacts = (
        both.join(rep_is, "rep_person", join_type="inner")
        .join(people, "person_id", join_type="left outer")
        .select(["rep_id", "person_id", "name", "title", "source", "strength"])
    )
    works = tables["WORKS_AT"]
    current = works.filter(pc.equal(works.column("current"), True))
    known = pc.unique(contacts.column("person_id"))
    employers = (
        current.filter(pc.is_in(current.column("from"), value_set=known))
        .select(["from", "to"])
        .rename_columns(["person_id", "company_id"])
        .group_by(["person_id", "company_id"])
        .aggregate([])
    )
    rep_ids = rep_is.column("rep_id").to_pylist()
    return rep_ids, rep_is.column("rep_person").to_pylist(), contacts, employers


def network_bytes(network: RepNetwork) -> dict[str, int]:
    """Bytes of the arrays the network keeps (numpy and Arrow), by attribute."""
    sizes: dict[str, int] = {}
    value: Any
    for name, value in vars(network).items():
        if isinstance(value, np.ndarray | pa.Array | pa.ChunkedArray):
            sizes[name] = int(value.nbytes)
        elif isinstance(value, dict) and name == "staff":
            sizes[name] = sum(int(a.nbytes) for a in value.values())
    return sizes


def chosen_shape(shapes: Mapping[str, OrgShape]) -> tuple[str, OrgShape] | None:
    """``BENCH_SCALE`` (default small) and its shape; None, said on stderr, for a bad one."""
    scale = os.environ.get("BENCH_SCALE", "small")
    if scale not in shapes:
        print(f"BENCH_SCALE={scale!r} is not one of {', '.join(shapes)}", file=sys.stderr)
        return None
    return scale, shapes[scale]


def main() -> int:
    chosen = chosen_shape(GROWTH_SHAPES)
    if chosen is None:
        return 2
    scale, shape = chosen
    print(f"scale {scale}: {shape.reps:,} reps, {shape.people:,} people", flush=True)
    started = time.perf_counter()
    snapshot = generate_org(shape)
    print(
        f"generated in {time.perf_counter() - started:.1f}s: {snapshot.rows('KNOWS'):,} KNOWS; "
        f"peak RSS {_peak_mb():,.0f} MB",
        flush=True,
    )
    started = time.perf_counter()
    rep_ids, rep_persons, contacts, employers = network_tables(snapshot)
    print(
        f"rep_contacts {contacts.num_rows:,} rows ({contacts.nbytes / MB:,.0f} MB Arrow), "
        f"rep_contacts_employers {employers.num_rows:,} rows, answered in "
        f"{time.perf_counter() - started:.1f}s",
        flush=True,
    )
    del snapshot
    before = _resident_mb()
    started = time.perf_counter()
    network = RepNetwork(rep_ids, rep_persons, contacts, employers)
    built_s = time.perf_counter() - started
    del contacts, employers
    after = _resident_mb()
    sizes = network_bytes(network)
    dense = sizes.get("shares_contact", 0)
    print(
        f"rep network built in {built_s:.1f}s: {network.pairs:,} rep-contact pairs, "
        f"{len(network.keys):,} distinct contacts; arrays {sum(sizes.values()) / MB:,.0f} MB "
        f"(shares_contact {shape.reps:,}x{shape.reps:,} bits: {dense / MB:,.0f} MB); "
        f"resident {before:,.0f} MB before the build, {after:,.0f} MB after it (its rows "
        f"dropped); peak {_peak_mb():,.0f} MB",
        flush=True,
    )
    for name, size in sorted(sizes.items(), key=lambda kv: -kv[1])[:8]:
        print(f"  {name:<16} {size / MB:9.1f} MB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
