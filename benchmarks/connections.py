"""``make bench``'s connected-leads figures: one lead's connections (routing/connections.py) on
the benchmark organisation, against the same answer computed on the sparse matrix.

A tenth of the leads are first marked won (our customers, kept by their offered rep); the rest
stay open. Each sampled lead's connected leads must equal the baseline's: the leads whose
decision-makers are within 2 hops of the lead's, the hops never through a rep.

``python -m benchmarks.connections`` runs these figures alone (``BENCH_SCALE``, default small;
``BENCH_BACKEND``; ``BENCH_SAMPLES``), on a freshly loaded organisation.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from benchmarks.baseline import SparseOrg
from graph.keys import event_id
from graph.model import Event, LeadState
from graph.store import GraphStore
from routing.connections import (
    INDEXED_STATUSES,
    BuyerIndex,
    buyer_index,
    connection_page,
    lead_links,
)

WON_SHARE = 0.1
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


class Report(Protocol):
    def add(
        self, name: str, store_ms: list[float], base_ms: list[float], note: str = ""
    ) -> None: ...
    def check(self, name: str, ok: bool, detail: str) -> None: ...


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def mark_won(store: GraphStore, lead_ids: list[str]) -> None:
    """Mark these leads won by their owner (a customer), as if their deals had closed."""
    for lead_id in lead_ids:
        lead = store.lead(lead_id)
        store.move_lead(
            lead_id,
            from_statuses=(lead.status,),
            to=LeadState(
                status="won",
                owner_rep_id=lead.owner_rep_id,
                claimed_at=lead.claimed_at,
                contact_due_at=None,
                contacted_at=lead.contacted_at,
                outcome="won",
                value=lead.value,
            ),
            event=Event(
                id=event_id(NOW),
                at=NOW,
                kind="won",
                actor="bench",
                lead_id=lead_id,
                rep_id=lead.owner_rep_id,
            ),
        )


def _expected(org: SparseOrg, committee: list[str], seats: dict[str, set[str]]) -> set[str]:
    """The leads with a decision-maker within 2 hops of one of ``committee``, not through a
    rep, on the matrix."""
    reps = set(org.rep_rows.tolist())
    reached: set[int] = set()
    for person in committee:
        row = org.index.get(person)
        if row is None:
            continue
        near = [int(p) for p in org.neighbours(row) if int(p) not in reps]
        reached.add(row)
        reached.update(near)
        for middle in near:
            reached.update(int(p) for p in org.neighbours(middle))
    found: set[str] = set()
    for row in reached:
        found |= seats.get(str(org.ids[row]), set())
    return found


def bench_connections(
    store: GraphStore,
    org: SparseOrg,
    snapshot: Any,
    report: Report,
    rng: random.Random,
    samples: int,
) -> None:
    """The index read once (cold), then one lead's connections (named, first 10) per sample."""
    dm_table = snapshot.tables["DECISION_MAKER"]
    committees: dict[str, list[str]] = defaultdict(list)
    seats: dict[str, set[str]] = defaultdict(set)
    for lead_id, person in zip(
        dm_table.column("from").to_pylist(), dm_table.column("to").to_pylist(), strict=True
    ):
        committees[lead_id].append(person)
        seats[person].add(lead_id)
    leads = sorted(committees)
    won = rng.sample(leads, int(len(leads) * WON_SHARE))
    started = time.perf_counter()
    mark_won(store, won)
    print(f"  {len(won):,} leads marked won in {_ms(started) / 1000:.1f}s", flush=True)
    started = time.perf_counter()
    index = BuyerIndex(store.buyer_ties(INDEXED_STATUSES), store.cache_generation())
    cold = _ms(started)  # what the first question after a write of ties or leads pays
    buyer_index(store)
    ties = sum(len(people) for people in index.knows.values())
    print(
        f"  connections index: {len(index.seats):,} decision-makers, {ties:,} ties "
        f"(reps left out), read in {cold:.0f} ms",
        flush=True,
    )
    chosen = rng.sample(leads, min(samples, len(leads)))
    views = {lead_id: store.lead(lead_id) for lead_id in chosen}
    for lead_id in chosen[:5]:  # warm-up
        connection_page(store, views[lead_id], first=10)
    store_ms, base_ms, found = [], [], []
    for lead_id in chosen:
        started = time.perf_counter()
        page = connection_page(store, views[lead_id], first=10)
        store_ms.append(_ms(started))
        found.append(page.total_count)
        started = time.perf_counter()
        want = _expected(org, committees[lead_id], seats) - {lead_id}
        base_ms.append(_ms(started))
        links = lead_links(store, [views[lead_id]])[lead_id]
        got = {c.lead.id for c in links.connections}
        report.check(
            f"connections({lead_id})", got == want, f"{len(got ^ want)} connected leads differ"
        )
    report.add(
        "connections of 1 lead (first 10)",
        store_ms,
        base_ms,
        f"(median {int(np.median(found))} connections, max {max(found)}; index cold "
        f"{cold:.0f} ms; baseline = 2-hop BFS on the matrix)",
    )


def main() -> int:
    from benchmarks import baseline
    from benchmarks.backend import backend_from_env, bench_graph
    from benchmarks.run import Report as Printed
    from demo.organisation import SCALES, generate_org

    scale = os.environ.get("BENCH_SCALE", "small")
    samples = int(os.environ.get("BENCH_SAMPLES", "100"))
    backend = backend_from_env()
    snapshot = generate_org(SCALES[scale])
    org = baseline.build(snapshot)
    report = Printed()
    with (
        tempfile.TemporaryDirectory(prefix="warmpath-connections-") as scratch,
        bench_graph(backend, scale, Path(scratch) / "bench.lbdb") as graph,
    ):
        store = graph.open()
        try:
            started = time.perf_counter()
            store.bulk_load(snapshot)
            print(f"backend {backend}, scale {scale}: loaded in {_ms(started) / 1000:.0f}s")
            bench_connections(store, org, snapshot, report, random.Random(11), samples)
        finally:
            store.close()
    for line in report.disagreements[:20]:
        print("DISAGREES " + line)
    return 1 if report.disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
