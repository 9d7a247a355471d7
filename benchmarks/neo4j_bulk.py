"""The Neo4j bulk load of an empty graph against the merge path, in the same run: ``python -m
benchmarks.neo4j_bulk``.

Builds the benchmark organisation (``BENCH_SCALE``, default small), takes a Neo4j as ``make
bench`` does (:mod:`benchmarks.backend`: a given empty server or one launched for the run),
loads the organisation through the idempotent merge path (graph/store/imports.py), empties the
graph, loads it again through the CREATE path of an empty graph (graph/neo4j_bulk.py), and
prints both times, their ratio and the counts, which must agree (exit code 1 otherwise).
``BULK_MERGE=0`` skips the merge path (it takes ~1,400 s at full scale).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import neo4j

from benchmarks.backend import BenchGraph, bench_graph
from benchmarks.network_growth import chosen_shape
from demo.organisation import SCALES, generate_org
from graph.errors import ConfigError
from graph.model import OrgSnapshot
from graph.settings import Neo4jSettings
from graph.store import CypherGraphStore

EMPTY_BATCH = 10_000


def _empty(settings: Neo4jSettings) -> None:
    """Every node and relationship goes, in batches (the constraints and indexes stay)."""
    auth = (settings.user, settings.password)
    with (
        neo4j.GraphDatabase.driver(settings.uri, auth=auth) as driver,
        driver.session(database=settings.database) as session,
    ):
        session.run(
            f"MATCH (n) CALL (n) {{ DETACH DELETE n }} IN TRANSACTIONS OF {EMPTY_BATCH} ROWS"
        ).consume()


def _load(
    graph: BenchGraph, snapshot: OrgSnapshot, *, merge: bool
) -> tuple[float, tuple[int, ...]]:
    store = graph.open()
    try:
        assert isinstance(store, CypherGraphStore)
        started = time.perf_counter()
        finished: dict[str, float] = {}

        def progress(table: str, done: int, total: int) -> None:
            if done >= total:
                finished[table] = time.perf_counter() - started

        load = CypherGraphStore.bulk_load if merge else type(store).bulk_load
        loaded = load(store, snapshot, progress)
        seconds = time.perf_counter() - started
        steps, last = [], 0.0
        for table, at in sorted(finished.items(), key=lambda kv: kv[1]):
            steps.append(f"{table} {at - last:.1f}s")
            last = at
        counts = store.counts()
        print(
            f"{'merge path' if merge else 'CREATE path (empty graph)':<28} {seconds:8.1f} s  "
            f"{sum(loaded.values()):,} rows, {sum(loaded.values()) / seconds:,.0f} rows/s",
            flush=True,
        )
        print(f"  per table: {', '.join(steps)}", flush=True)
        return seconds, (counts.people, counts.reps, counts.leads, counts.ties)
    finally:
        store.close()


def main() -> int:
    chosen = chosen_shape(SCALES)
    if chosen is None:
        return 2
    scale, shape = chosen
    snapshot = generate_org(shape)
    rows = sum(snapshot.rows(t) for t in snapshot.tables)
    print(f"scale {scale}: {shape.reps:,} reps, {shape.people:,} people, {rows:,} rows", flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        try:
            with bench_graph("neo4j", scale, Path(scratch) / "unused.lbdb") as graph:
                print(f"graph: {graph.describe()}", flush=True)
                assert isinstance(graph.settings, Neo4jSettings)
                warm_up = generate_org(SCALES["tiny"])  # plans compiled, JIT warm, for both
                for merge in (False, True):
                    _load(graph, warm_up, merge=merge)
                    _empty(graph.settings)
                fast_s, fast_counts = _load(graph, snapshot, merge=False)
                _empty(graph.settings)
                if os.environ.get("BULK_MERGE", "1") == "0":
                    return 0
                merge_s, merge_counts = _load(graph, snapshot, merge=True)
        except ConfigError as exc:
            print(exc, file=sys.stderr)
            return 2
    print(f"CREATE path / merge path: {fast_s / merge_s:.2f}x ({merge_s / fast_s:.1f}x faster)")
    if fast_counts != merge_counts:
        print(f"COUNTS DISAGREE: CREATE path {fast_counts}, merge path {merge_counts}")
        return 1
    print(f"counts agree (people, reps, leads, ties): {fast_counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
