"""The fairness cap of a proximity batch: a known fair optimum, exactness against brute force,
the cap yielding rather than leaving a lead without an owner, and the rolling window."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.store import GraphStore
from routing.assignment import assign, route_batch, window_leads
from routing.policy import PolicyError
from routing.simulate import frontier_points
from tests.routing.test_assignment import SMALL_INSTANCES, _synthetic, policy_with
from tests.routing.world import NOW, World, rid


def _value(scores: np.ndarray, chosen: dict[int, int], fair: list[int]) -> float:
    """The objective: 1 + score per lead, less 1 per lead beyond a rep's fair share."""
    counts = Counter(chosen.values())
    over = sum(max(0, counts[r] - fair[r]) for r in counts)
    return sum(1.0 + float(np.float32(scores[i, r])) for i, r in chosen.items()) - over


def test_the_fair_optimum_differs_from_greedy_and_from_the_unconstrained_optimum() -> None:
    """Ann is the best for every lead. Unconstrained, she takes all four. With a share of 1
    each rep may take ceil(4 / 2) = 2: bob should take the two he loses least on (L0: 0.05,
    L3: 0.1), while greedy gives ann the first two arrivals (L0, L1) and bob the rest."""
    scores = np.array([[0.9, 0.85], [0.9, 0.1], [0.8, 0.6], [0.7, 0.6]])
    matrix = _synthetic(scores, np.ones((4, 2), bool), [10, 10])
    fair, _, greedy, _ = assign(matrix, "proximity", max_share=1.0)
    best, _, _, _ = assign(matrix, "proximity", max_share=0)
    assert fair == {0: 1, 1: 0, 2: 0, 3: 1}
    assert greedy == {0: 0, 1: 0, 2: 1, 3: 1}
    assert best == {0: 0, 1: 0, 2: 0, 3: 0}
    points = frontier_points(matrix, [1.0])
    assert [p.setting for p in points] == ["round robin", "max share 1", "unconstrained"]
    kept = points[1].metrics.score_kept
    assert kept == pytest.approx(3.15 / 3.3, abs=1e-3) and points[2].metrics.score_kept == 1.0
    assert points[1].metrics.gini == 0.0 and points[2].metrics.max_per_rep == 4


def test_the_cap_yields_when_a_lead_would_otherwise_have_no_owner() -> None:
    """Only ann may take L0..L2 (bob only L3): her fair share is ceil(4 / 2) = 2, but a third
    lead beyond it still beats leaving it without an owner."""
    eligible = np.array([[True, False], [True, False], [True, False], [False, True]])
    matrix = _synthetic(np.full((4, 2), 0.5), eligible, [10, 10])
    chosen, _, greedy, _ = assign(matrix, "proximity", max_share=1.0)
    assert chosen == {0: 0, 1: 0, 2: 0, 3: 1}
    assert greedy is not None and len(greedy) == 4


def _brute_force(
    scores: np.ndarray, eligible: np.ndarray, capacity: list[int], fair: list[int]
) -> float:
    leads, reps = scores.shape
    best = 0.0
    for choice in itertools.product(range(-1, reps), repeat=leads):
        chosen = {i: c for i, c in enumerate(choice) if c >= 0}
        counts = Counter(chosen.values())
        if any(counts[r] > capacity[r] for r in counts):
            continue
        if any(not eligible[i, c] for i, c in chosen.items()):
            continue
        best = max(best, _value(scores, chosen, fair))
    return best


@settings(max_examples=40, deadline=None)
@given(SMALL_INSTANCES, st.data(), st.sampled_from([1.0, 1.2, 1.5, 2.0]))
def test_the_fair_batch_is_optimal_against_brute_force(
    case: tuple[list[list[float]], list[list[bool]], list[int]], data: st.DataObject, share: float
) -> None:
    raw_scores, raw_eligible, capacity = case
    reps = len(capacity)
    window = data.draw(st.lists(st.integers(0, 3), min_size=reps, max_size=reps))
    scores, eligible = np.array(raw_scores), np.array(raw_eligible)
    matrix = _synthetic(scores, eligible, capacity)
    matrix.window_leads = np.array(window, np.int64)
    pool = eligible.any(axis=0)
    if pool.any():
        total = sum(w for w, p in zip(window, pool, strict=True) if p) + len(scores)
        cap = math.ceil(share * total / int(pool.sum()) - 1e-9)
    else:
        cap = 0
    fair = [max(0, min(c, cap - w)) for c, w in zip(capacity, window, strict=True)]
    chosen, _, _, _ = assign(matrix, "proximity", max_share=share)
    assert all(eligible[i, r] for i, r in chosen.items())
    assert all(n <= capacity[r] for r, n in Counter(chosen.values()).items())
    assert _value(scores, chosen, fair) == pytest.approx(
        _brute_force(scores, eligible, capacity, fair), abs=1e-5
    )


def test_the_rolling_window_counts_leads_given_before_the_batch(
    store: GraphStore, tmp_path: Path
) -> None:
    """Ann (warm for every lead) was given 3 leads in the last 30 days; one more 40 days ago
    and a claim (of an offered lead) do not count. Share 1: ceil((3 + 4) / 2) = 4 each, less
    what each already had: ann 1, bob 4."""
    world = World(store)
    world.company("acme")
    world.rep("ann")
    world.rep("bob")
    world.knows("ann", "dana")
    for days in (1, 5, 20):
        world.event("offered", "ann", at=NOW - timedelta(days=days))
    world.event("claimed", "ann", at=NOW - timedelta(days=1))
    world.event("offered", "ann", at=NOW - timedelta(days=40))
    for n in range(4):
        world.lead(f"L{n}", ("dana", "economic_buyer"))
    policy = policy_with(tmp_path, "[rules]\nmax_share_over_mean = 1.0\n")
    leads = store.leads_with_status(["new"])
    result = route_batch(store, leads, policy=policy, now=NOW)
    assert result.metrics.leads_per_rep == {rid("ann"): 1, rid("bob"): 3}
    assert result.unconstrained_metrics is not None
    assert result.unconstrained_metrics.leads_per_rep == {rid("ann"): 4}
    assert result.metrics.score_kept is not None and 0 < result.metrics.score_kept < 1
    assert result.metrics.one_hop_owner_rate == 0.25
    once = route_batch(store, leads, policy=policy, now=NOW, compare=False)  # routing's one solve
    assert once.metrics.leads_per_rep == result.metrics.leads_per_rep
    assert once.unconstrained_metrics is None and once.metrics.score_kept is None
    unfair = policy_with(tmp_path, "[rules]\nmax_share_over_mean = 0\n")
    again = route_batch(store, leads, policy=unfair, now=NOW)
    assert again.metrics.leads_per_rep == {rid("ann"): 4}
    assert again.metrics.score_kept == 1.0 and again.unconstrained_metrics is None


def test_window_leads_reads_offers_and_assignments(store: GraphStore, tmp_path: Path) -> None:
    world = World(store)
    world.company("acme")
    world.rep("ann")
    world.rep("bob")
    world.event("offered", "bob", at=NOW - timedelta(days=2))
    world.event("assigned", "bob", at=NOW - timedelta(days=3))
    world.event("offered", "bob", at=NOW - timedelta(days=31))
    world.lead("L0", ("dana", "economic_buyer"))
    from routing.assignment import score_matrix

    policy = policy_with(tmp_path, "[rules]\nfairness_window_days = 30\n")
    matrix = score_matrix(store, store.leads_with_status(["new"]), policy, NOW)
    counts = window_leads(store, matrix.roster, policy, NOW)
    by_rep = dict(zip(matrix.roster.rep_ids, counts.tolist(), strict=True))
    assert by_rep == {rid("ann"): 0, rid("bob"): 2}


def test_the_setting_is_checked(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="max_share_over_mean: must be 0"):
        policy_with(tmp_path, "[rules]\nmax_share_over_mean = 0.5\n")
    with pytest.raises(PolicyError, match="fairness_window_days: must be at least 1"):
        policy_with(tmp_path, "[rules]\nfairness_window_days = 0\n")
