"""The fairness frontier of a batch on the synthetic organisation: round robin, the proximity
optimum under each ``max_share_over_mean`` and without a cap.

``fairness_figures`` gives the ``fairness`` object of ``BENCH_JSON`` (``benchmarks.run`` calls it
after timing ``route_batch``). ``python -m benchmarks.fairness`` runs only this part: the
organisation of ``BENCH_SCALE`` (default small) in a fresh LadybugDB file, ``route_batch`` of every
new lead under the default policy (timed), then the frontier, printed as a table (and written
as JSON to ``BENCH_JSON`` if set). Writes nothing but the temporary database.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from graph.model import LeadView
from graph.store import GraphStore
from routing.assignment import route_batch, score_matrix
from routing.metrics import AssignmentMetrics
from routing.policy import Policy, load_policy
from routing.simulate import FRONTIER_SHARES, FrontierPoint, frontier_points

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _figures(metrics: AssignmentMetrics) -> dict[str, float | int | None]:
    return {
        "gini": metrics.gini,
        "warm_owner_rate": metrics.warm_owner_rate,
        "one_hop_owner_rate": metrics.one_hop_owner_rate,
        "score_kept": metrics.score_kept,
        "max_per_rep": metrics.max_per_rep,
        "total_score": metrics.total_score,
        "assigned": metrics.assigned,
        "capacity_violations": metrics.capacity_violations,
        "hot_to_penalty_boxed": metrics.hot_to_penalty_boxed,
    }


def fairness_figures(
    store: GraphStore,
    leads: Sequence[LeadView],
    policy: Policy,
    now: datetime,
    shares: Sequence[float] = FRONTIER_SHARES,
) -> tuple[dict[str, dict[str, float | int | None]], list[FrontierPoint]]:
    """(the ``fairness`` object: round robin, the unconstrained and the policy's default
    proximity optimum; every frontier point) for one batch of ``leads``."""
    matrix = score_matrix(store, leads, policy, now)
    default = policy.max_share_over_mean
    points = frontier_points(matrix, sorted({*shares, default}))
    by_share = {p.max_share_over_mean: p.metrics for p in points}
    return {
        "round_robin": _figures(by_share[None]),
        "proximity_unconstrained": _figures(by_share[0.0]),
        "proximity_default": {**_figures(by_share[default]), "max_share_over_mean": default},
    }, points


def print_frontier(points: Sequence[FrontierPoint]) -> None:
    print(
        f"  {'setting':<16} {'score kept':>10} {'warm owner':>10} {'one-hop owner':>13} "
        f"{'Gini':>6} {'max/rep':>7} {'cap. viol.':>10} {'hot->boxed':>10}",
        flush=True,
    )
    for p in points:
        m = p.metrics
        print(
            f"  {p.setting:<16} {m.score_kept or 0:>10.2%} {m.warm_owner_rate or 0:>10.2%} "
            f"{m.one_hop_owner_rate or 0:>13.2%} {m.gini:>6.3f} {m.max_per_rep:>7} "
            f"{m.capacity_violations:>10} {m.hot_to_penalty_boxed:>10}",
            flush=True,
        )


def main() -> int:
    from benchmarks.backend import backend_from_env, bench_graph
    from demo.organisation import SCALES, generate_org
    from graph.errors import ConfigError

    scale = os.environ.get("BENCH_SCALE", "small")
    if scale not in SCALES:
        print(f"BENCH_SCALE={scale!r} is not one of {', '.join(SCALES)}", file=sys.stderr)
        return 2
    policy = load_policy()
    with tempfile.TemporaryDirectory(prefix="warmpath-fairness-") as scratch:
        try:
            with bench_graph(backend_from_env(), scale, Path(scratch) / "bench.lbdb") as graph:
                store = graph.open()
                try:
                    store.bulk_load(generate_org(SCALES[scale]))
                    store.warm_up()
                    figures, points = _route_and_frontier(store, scale, policy)
                finally:
                    store.close()
        except ConfigError as exc:
            print(exc, file=sys.stderr)
            return 2
    print_frontier(points)
    out = os.environ.get("BENCH_JSON")
    if out:
        Path(out).write_text(json.dumps({"fairness": figures}, indent=2), encoding="utf-8")
    return 0


def _route_and_frontier(
    store: GraphStore, scale: str, policy: Policy
) -> tuple[dict[str, dict[str, float | int | None]], list[FrontierPoint]]:
    """Route the organisation's new leads once (timed), then the frontier of that batch."""
    leads = store.leads_with_status(["new"])
    started = time.perf_counter()
    result = route_batch(store, leads, policy=policy, now=NOW, compare=False)
    seconds = time.perf_counter() - started
    m = result.metrics
    print(
        f"scale {scale}: route_batch of {len(leads):,} leads in {seconds:.1f}s "
        f"(max_share_over_mean {policy.max_share_over_mean:g}, one solve); assigned "
        f"{m.assigned:,}; Gini {m.gini:.3f}; capacity violations "
        f"{m.capacity_violations}; hot to penalty-boxed {m.hot_to_penalty_boxed}",
        flush=True,
    )
    return fairness_figures(store, leads, policy, NOW)


if __name__ == "__main__":
    sys.exit(main())
