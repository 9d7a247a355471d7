"""``make bench``: load the synthetic organisation into a graph backend and time the five proximity
questions against a scipy sparse-matrix baseline computed in the same run.

Environment: ``BENCH_BACKEND=ladybug|neo4j`` (default ladybug; for Neo4j see
:mod:`benchmarks.backend`: a given server or one launched for the run),
``BENCH_SCALE=full|small`` (default full: 2,000 reps, 2M people),
``BENCH_JSON=path`` to also write the figures as JSON (with a ``fairness`` object: round robin,
the unconstrained and the default proximity optimum of the routed batch; see
:mod:`benchmarks.fairness`), ``BENCH_DB=path`` for the LadybugDB file
(default: a temporary directory, removed afterwards), ``BENCH_SAMPLES`` (default 100),
``BENCH_SKIP`` (a comma-separated list of ``routing``, ``connections``, ``import`` and
``bootstrap``: steps left out, e.g. at the large scale, whose ``route_batch`` of 40,000 leads
needs more memory than a 24 GB machine has; the bulk load and the proximity questions always run).
Figures are printed as p50/p95 in ms and as the ratio store/baseline of p50 and p95. Timings
never fail the run; answers that disagree with the baseline do (exit code 1), and so does a
step that cannot be measured (a CLI import that fails).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import baseline
from benchmarks.backend import BenchGraph, backend_from_env, bench_graph
from benchmarks.bytecode import compile_warmpath
from benchmarks.fairness import fairness_figures, print_frontier
from demo.organisation import SCALES, generate_org
from graph.errors import ConfigError
from graph.store import CypherGraphStore, GraphStore
from routing.background import shared_background

STEPS = ("routing", "connections", "import", "bootstrap")
"""The steps BENCH_SKIP may leave out."""


def skipped_steps(value: str) -> frozenset[str]:
    """The steps ``BENCH_SKIP`` names; ConfigError naming any other."""
    names = {name.strip() for name in value.split(",") if name.strip()}
    unknown = sorted(names - set(STEPS))
    if unknown:
        raise ConfigError(
            f"BENCH_SKIP={value!r}: {', '.join(unknown)} is not one of {', '.join(STEPS)}"
        )
    return frozenset(names)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


class Report:
    def __init__(self) -> None:
        self.figures: dict[str, Any] = {}
        self.disagreements: list[str] = []
        self.failures: list[str] = []

    def add(self, name: str, store_ms: list[float], base_ms: list[float], note: str = "") -> None:
        p50, p95 = _percentile(store_ms, 0.5), _percentile(store_ms, 0.95)
        b50, b95 = _percentile(base_ms, 0.5), _percentile(base_ms, 0.95)
        ratio = p50 / b50 if b50 > 0 else float("inf")
        ratio95 = p95 / b95 if b95 > 0 else float("inf")
        self.figures[name] = {
            "p50_ms": round(p50, 3),
            "p95_ms": round(p95, 3),
            "ratio": round(ratio, 2),
            "ratio_p95": round(ratio95, 2),
            "baseline_p50_ms": round(b50, 3),
            "baseline_p95_ms": round(b95, 3),
            "samples": len(store_ms),
        }
        print(
            f"{name:<34} p50 {p50:9.2f} ms  p95 {p95:9.2f} ms  | baseline p50 {b50:8.2f} "
            f"p95 {b95:8.2f} ms | ratio p50 {ratio:7.1f}x p95 {ratio95:7.1f}x  {note}",
            flush=True,
        )

    def fail(self, name: str, error: Exception) -> None:
        """A step that could not be measured (e.g. a CLI import that failed)."""
        self.failures.append(f"{name}: {error}")
        print(f"{name:<34} FAILED: {error}", flush=True)

    def check(self, name: str, ok: bool, detail: str) -> None:
        if not ok:
            self.disagreements.append(f"{name}: {detail}")


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = action()
    return (time.perf_counter() - started) * 1000, value


class LoadProgress:
    """Prints a bulk load's progress: each table when done, and every 30 s in between."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.last = self.started

    def __call__(self, table: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if done >= total or now - self.last >= 30:
            self.last = now
            print(
                f"  loading {table}: {done:,}/{total:,} rows, {now - self.started:.0f}s",
                flush=True,
            )


def main() -> int:
    scale = os.environ.get("BENCH_SCALE", "full")
    if scale not in SCALES:
        print(f"BENCH_SCALE={scale!r} is not one of {', '.join(SCALES)}", file=sys.stderr)
        return 2
    try:
        backend = backend_from_env()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    samples = int(os.environ.get("BENCH_SAMPLES", "100"))
    try:
        skip = skipped_steps(os.environ.get("BENCH_SKIP", ""))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    shape = SCALES[scale]
    compile_warmpath()  # as installed: no module compiled while timed
    report = Report()
    rng = random.Random(11)
    print(
        f"backend {backend}, scale {scale}: {shape.reps} reps, {shape.people:,} people, "
        f"{shape.leads:,} leads",
        flush=True,
    )

    started = time.perf_counter()
    snapshot = generate_org(shape)
    print(
        f"generated in {time.perf_counter() - started:.1f}s: {snapshot.rows('KNOWS'):,} KNOWS, "
        f"{snapshot.rows('WORKS_AT'):,} WORKS_AT, {snapshot.rows('STUDIED_AT'):,} STUDIED_AT",
        flush=True,
    )

    with tempfile.TemporaryDirectory(prefix="warmpath-bench-") as scratch:
        path = Path(os.environ.get("BENCH_DB") or Path(scratch) / "bench.lbdb")
        try:
            with bench_graph(backend, scale, path) as graph:
                print(f"graph: {graph.describe()}", flush=True)
                given = graph.given
                _bench_graph(graph, snapshot, report, rng, samples, Path(scratch), skip)
            if "bootstrap" not in skip:
                _bench_bootstrap(backend, scale, snapshot, Path(scratch), report, given)
        except ConfigError as exc:
            print(exc, file=sys.stderr)
            return 2

    out = os.environ.get("BENCH_JSON")
    if out:
        Path(out).write_text(json.dumps(report.figures, indent=2), encoding="utf-8")
        print(f"figures written to {out}")
    for line in report.failures:
        print("FAILED " + line)
    if report.disagreements:
        print(f"ANSWERS DISAGREE with the baseline ({len(report.disagreements)}):")
        for line in report.disagreements[:20]:
            print("  " + line)
        return 1
    print("all answers agree with the baseline")
    return 1 if report.failures else 0


def _bench_graph(
    graph: BenchGraph,
    snapshot: Any,
    report: Report,
    rng: random.Random,
    samples: int,
    scratch: Path,
    skip: frozenset[str] = frozenset(),
) -> None:
    """Bulk load, the proximity questions, ranking and routing, connected leads, then one CLI
    import into the loaded graph (but the steps in ``skip``)."""
    store = graph.open()
    try:
        load_ms, loaded = _timed(lambda: store.bulk_load(snapshot, LoadProgress()))
        build_ms, org = _timed(lambda: baseline.build(snapshot))
        rows = sum(loaded.values())
        report.add(
            "bulk_load",
            [load_ms],
            [build_ms],
            f"({rows:,} rows, {rows / load_ms * 1000:,.0f} rows/s; baseline = build CSR)",
        )
        _bench_questions(store, org, snapshot, report, rng, samples)
        if "routing" not in skip:
            _bench_routing(store, org, snapshot, report, rng, samples)
        if "connections" not in skip:
            from benchmarks.connections import bench_connections  # connected leads (issue 14)

            bench_connections(store, org, snapshot, report, rng, samples)
    finally:
        store.close()
    if "import" not in skip:
        _bench_import(snapshot, graph, scratch, report)


def _bench_import(snapshot: Any, graph: BenchGraph, scratch: Path, report: Report) -> None:
    from benchmarks import import_bench

    email, export = import_bench.one_export(snapshot, scratch)
    base_ms, rows = _timed(lambda: import_bench.parse_only([export]))
    if not _cli_import(
        graph,
        report,
        email,
        export,
        (base_ms, rows),
        "import 5,000-row Connections.csv (CLI)",
        "into the loaded graph",
    ):
        return
    # the same size of file into the same graph, taken by a running server (no second writer)
    email, export = import_bench.one_export(snapshot, scratch / "upload", rep_index=1)
    try:
        token = import_bench.admin_token(graph)
        seconds, summary = import_bench.through_server(
            graph.env(), token, email, export, scratch / "serve.log"
        )
    except RuntimeError as exc:
        report.fail("import 5,000-row file (--server)", exc)
        return
    report.add(
        "import 5,000-row file (--server)",
        [seconds * 1000],
        [base_ms],
        "(warmpath import linkedin --server into a running warmpath serve, end to end)",
    )
    print(f"  {summary}", flush=True)
    # the CLI again, into a graph that has taken imports before: the first above is also the
    # first write into a freshly launched Neo4j, whose query plans and JIT are still cold
    email, export = import_bench.one_export(snapshot, scratch / "again", rep_index=2)
    _cli_import(
        graph,
        report,
        email,
        export,
        (base_ms, rows),
        "import 5,000-row file (CLI, steady state)",
        "into the graph again, another rep's file after the two imports above",
    )


def _cli_import(
    graph: BenchGraph,
    report: Report,
    email: str,
    export: Path,
    baseline: tuple[float, int],
    name: str,
    where: str,
) -> bool:
    """Time ``warmpath import linkedin`` of one rep's export, end to end, against ``baseline``
    (the milliseconds a bare parse of an export of that many rows takes); False if it failed."""
    from benchmarks import import_bench

    try:
        seconds, summary = import_bench.cli(
            graph.env(), "import", "linkedin", "--rep", email, str(export)
        )
    except RuntimeError as exc:
        report.fail(name, exc)
        return False
    report.add(
        name,
        [seconds * 1000],
        [baseline[0]],
        f"({baseline[1] / seconds:,.0f} rows/s {where}; baseline = csv parse only)",
    )
    print(f"  {summary}", flush=True)
    return True


def _bench_bootstrap(
    backend: str, scale: str, snapshot: Any, scratch: Path, report: Report, given: bool
) -> None:
    """The roster and one export per rep, imported through the CLI into an empty graph (a
    second launched Neo4j; a given Neo4j server has only the database the benchmark filled)."""
    from benchmarks import import_bench

    if given:
        print("bootstrap skipped: it needs a second, empty database on the given server")
        return
    roster, paths, total = import_bench.write_folder(snapshot, scratch / "exports")
    with bench_graph(backend, scale, scratch / "bootstrap.lbdb") as graph:
        print(f"bootstrap graph: {graph.describe()}", flush=True)
        try:
            seconds_roster, _ = import_bench.cli(graph.env(), "import", "reps", str(roster))
            seconds_all, summary = import_bench.cli(
                graph.env(), "import", "linkedin-folder", str(scratch / "exports")
            )
        except RuntimeError as exc:
            report.fail(f"bootstrap {len(paths):,} exports (CLI)", exc)
            return
    base_ms, _ = _timed(lambda: import_bench.parse_only(paths))
    elapsed = seconds_roster + seconds_all
    report.add(
        f"bootstrap {len(paths):,} exports (CLI)",
        [elapsed * 1000],
        [base_ms],
        f"({total:,} rows, {total / elapsed:,.0f} rows/s; baseline = csv parse only)",
    )
    print(f"  {summary}", flush=True)


def _bench_questions(
    store: GraphStore,
    org: baseline.SparseOrg,
    snapshot: Any,
    report: Report,
    rng: random.Random,
    samples: int,
) -> None:
    dms = sorted(set(baseline.table_ids(snapshot.tables["DECISION_MAKER"], "to")))
    connected = [p for p in dms if len(org.neighbours(org.index[p])) > 0]
    persons = rng.sample(connected, min(samples, len(connected)))
    print(
        f"sampling decision-makers with at least one connection: {len(connected):,} of "
        f"{len(dms):,} decision-makers",
        flush=True,
    )
    warm_ms, _ = _timed(store.warm_up)
    print(
        f"rep network read into memory in {warm_ms / 1000:.1f}s (the rep side of every "
        "question below; a write through the store drops it, the next question reads it again)",
        flush=True,
    )
    kept = store.kept_ties_size() if isinstance(store, CypherGraphStore) else None
    if kept is not None:
        print(
            f"ties beyond the rep network (neither end a rep's person) held beside it: "
            f"{kept.rows:,} rows (each tie twice), {kept.nbytes / 2**20:.1f} MiB, read in "
            f"{kept.read_seconds:.1f}s (part of the above): the person's side of mutual "
            "connections and paths, from memory",
            flush=True,
        )
    # warm-up: first queries compile plans and fault pages in
    for person in persons[:5]:
        store.reps_near(person, max_hops=3)

    for hops, count in ((2, samples), (3, max(10, samples // 2))):
        store_ms, base_ms = [], []
        for person in persons[:count]:
            t, got = _timed(lambda p=person, h=hops: store.reps_near(p, max_hops=h))
            b, want = _timed(lambda p=person, h=hops: baseline.reps_near(org, p, h))
            store_ms.append(t)
            base_ms.append(b)
            got_map = {r.rep.id: (r.hops, r.mutual_count) for r in got}
            report.check(
                f"reps_near({person}, {hops})",
                got_map == want,
                f"{len(set(got_map.items()) ^ set(want.items()))} differences",
            )
        report.add(f"reps_near max_hops={hops}", store_ms, base_ms)

    store_ms, base_ms = [], []
    for person in persons:
        near = baseline.reps_near(org, person, 3)
        if not near:
            continue
        rep_id = rng.choice(sorted(near))
        rep_row = int(org.rep_rows[org.rep_ids.index(rep_id)])
        t, got = _timed(
            lambda r=rep_id, p=person: store.connection_paths(r, p, max_hops=3, limit=5)
        )
        b, want = _timed(lambda r=rep_row, p=person: baseline.shortest_paths(org, r, p, 3))
        store_ms.append(t)
        base_ms.append(b)
        want_set = {tuple(str(org.ids[i]) for i in path) for path in want}
        got_set = {tuple(n.id for n in path.nodes) for path in got}
        report.check(
            f"connection_paths({rep_id}, {person})",
            got_set <= want_set and len(got_set) == min(5, len(want_set)),
            f"got {len(got_set)} paths, {len(got_set - want_set)} not shortest, "
            f"baseline has {len(want_set)}",
        )
    report.add("connection_paths max_hops=3", store_ms, base_ms)

    store_ms, base_ms = [], []
    rep_people = [str(org.ids[i]) for i in org.rep_rows]
    for person in persons:
        other = rng.choice(rep_people)
        if other == person:
            continue
        t, got = _timed(lambda a=other, b=person: store.mutual_connections(a, b))
        b, want = _timed(lambda a=other, p=person: baseline.mutual(org, a, p))
        store_ms.append(t)
        base_ms.append(b)
        report.check(f"mutual({other}, {person})", {p.id for p in got} == want, "sets differ")
    report.add("mutual_connections", store_ms, base_ms)

    store_ms, base_ms = [], []
    lead_companies = sorted(set(baseline.table_ids(snapshot.tables["AT"], "to")))
    for company in rng.sample(lead_companies, min(samples // 2 or 1, len(lead_companies))):
        t, got = _timed(lambda c=company: store.reach_at_company(c))
        b, want = _timed(lambda c=company: baseline.reach(org, c))
        store_ms.append(t)
        base_ms.append(b)
        report.check(
            f"reach({company})",
            {r.rep.id: {p.id for p in r.people} for r in got} == want,
            "maps differ",
        )
    report.add("reach_at_company", store_ms, base_ms)

    store_ms, base_ms = [], []
    for person in persons:
        k = rng.randrange(len(org.rep_ids))
        rep_id, rep_row = org.rep_ids[k], int(org.rep_rows[k])
        t, got = _timed(lambda r=rep_id, p=person: shared_background(store, r, p))
        b, want = _timed(lambda r=rep_row, p=person: baseline.shared(org, r, p))
        store_ms.append(t)
        base_ms.append(b)
        report.check(
            f"shared({rep_id}, {person})",
            ({e.company_id for e in got.employers}, {s.school_id for s in got.schools}) == want,
            "sets differ",
        )
    report.add("shared_background", store_ms, base_ms)
    print(f"(median of all store timings: {statistics.median(store_ms):.2f} ms)", flush=True)


def _bench_routing(
    store: GraphStore,
    org: baseline.SparseOrg,
    snapshot: Any,
    report: Report,
    rng: random.Random,
    samples: int,
) -> None:
    """rank (one lead, 3 decision-makers, every rep explained) and route_batch (every lead).

    The baseline is the graph part done on the sparse matrix: a 3-hop BFS with mutual counts
    from each decision-maker, and the company's known employees. The store's graph part
    (``lead_reach``) must agree with it for every rep."""
    from datetime import UTC, datetime

    from routing.assignment import offer_assignments, route_batch
    from routing.policy import load_policy
    from routing.ranking import rank_lead

    policy = load_policy()
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    committees: dict[str, list[str]] = {}
    dm_table = snapshot.tables["DECISION_MAKER"]
    for lead_id, person in zip(
        dm_table.column("from").to_pylist(), dm_table.column("to").to_pylist(), strict=True
    ):
        committees.setdefault(lead_id, []).append(person)
    company_of = dict(
        zip(
            snapshot.tables["AT"].column("from").to_pylist(),
            snapshot.tables["AT"].column("to").to_pylist(),
            strict=True,
        )
    )
    three = sorted(lead for lead, people in committees.items() if len(people) == 3)
    chosen = rng.sample(three, min(samples, len(three)))
    for lead_id in chosen[:5]:  # warm-up
        rank_lead(store, lead_id, policy=policy, now=now)
    rank_ms, graph_ms, base_ms = [], [], []
    for lead_id in chosen:
        t, ranking = _timed(lambda lead=lead_id: rank_lead(store, lead, policy=policy, now=now))
        rank_ms.append(t)
        view = ranking.lead
        g, reach = _timed(lambda v=view: store.lead_reach([v], explain=True))
        graph_ms.append(g)

        def expected(lead: str = lead_id) -> tuple[dict[str, dict[str, tuple[int, int]]], Any]:
            near = {dm: baseline.reps_near(org, dm, 3) for dm in committees[lead]}
            return near, baseline.reach(org, company_of[lead])

        b, (want_near, want_reach) = _timed(expected)
        base_ms.append(b)
        got = reach[lead_id]
        for dm, want in want_near.items():
            member = got.members[dm]
            mine = {
                got.rep_ids[i]: (int(member.hops[i]), int(member.mutual_counts[i]))
                for i in range(len(got.rep_ids))
                if member.hops[i] > 0
            }
            report.check(
                f"lead_reach({lead_id}, {dm})",
                mine == want,
                f"{len(set(mine.items()) ^ set(want.items()))} (rep, hops, mutual) differences",
            )
        mine_reach = {got.rep_ids[i]: int(c) for i, c in enumerate(got.known_at_company) if c}
        report.check(
            f"lead_reach({lead_id}) company",
            mine_reach == {rep: len(people) for rep, people in want_reach.items()},
            "known-at-company counts differ",
        )
    report.add(
        "rank 1 lead, 3 DMs, all reps",
        rank_ms,
        base_ms,
        "(every eligible rep scored and explained; baseline = graph part on the matrix)",
    )
    report.add("rank: graph part (lead_reach)", graph_ms, base_ms)
    full_ms = []
    for lead_id in chosen[:10]:
        full_ms.append(
            _timed(
                lambda lead=lead_id: list(rank_lead(store, lead, policy=policy, now=now).ranked)
            )[0]
        )
    report.add(
        "rank + every rep's explanation built",
        full_ms,
        base_ms[:10],
        "(Python records for ~2,000 reps: what --json prints)",
    )

    leads = store.leads_with_status(["new"])
    # routing as the API and the CLI's route do it: one solve (the score kept is measured by
    # the fairness figures below, against their own unconstrained solve)
    batch_ms, result = _timed(
        lambda: route_batch(store, leads, policy=policy, now=now, compare=False)
    )
    sample = rng.sample(sorted(committees), min(100, len(committees)))
    one_ms, _ = _timed(
        lambda: [
            (baseline.reps_near(org, dm, 3), baseline.reach(org, company_of[lead]))
            for lead in sample
            for dm in committees[lead]
        ]
    )
    estimate = one_ms / len(sample) * len(leads)
    metrics, greedy = result.metrics, result.greedy_metrics
    gain = result.gain_over_greedy
    report.add(
        f"route_batch {len(leads):,} leads",
        [batch_ms],
        [estimate],
        f"(baseline = graph part for {len(sample)} sampled leads x {len(leads):,})",
    )
    print(
        f"  assigned {metrics.assigned:,}/{metrics.leads:,}; total score {metrics.total_score:,.2f}"
        f" vs greedy {greedy.total_score if greedy else float('nan'):,.2f}"
        f" (gain {0.0 if gain is None else gain:+.3%}); Gini {metrics.gini:.3f}"
        f" (greedy {greedy.gini if greedy else float('nan'):.3f}); warm owner "
        f"{metrics.warm_owner_rate or 0:.1%}; capacity violations {metrics.capacity_violations};"
        f" hot to penalty-boxed {metrics.hot_to_penalty_boxed}; solver rounds "
        f"{result.solver_rounds}",
        flush=True,
    )
    report.check("route_batch capacity", metrics.capacity_violations == 0, "capacity exceeded")
    fair_ms, (report.figures["fairness"], points) = _timed(
        lambda: fairness_figures(store, leads, policy, now)
    )
    print(f"  fairness frontier of the same batch ({fair_ms / 1000:.1f}s):", flush=True)
    print_frontier(points)
    write_ms, offered = _timed(lambda: offer_assignments(store, result, now=now, actor="bench"))
    print(f"  offers written for {len(offered):,} leads in {write_ms / 1000:.1f}s", flush=True)


if __name__ == "__main__":
    sys.exit(main())
