"""RepOrder sorts only the reps read first: every prefix it gives is the prefix of the whole
order (``np.lexsort`` of every eligible rep, the preferred reps brought first), however the
first key ties, whichever the tie-breaking keys and the preferred reps, read in any order; and
each routing mode's order is the one sorted on every rep with that mode's keys."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, cast

import numpy as np
import pytest

from routing.evidence import ORDER_AT_LEAST, LeadScores, RepOrder
from routing.roster import Roster, mix, stable_key

Key = Callable[[np.ndarray], np.ndarray]


def whole(
    index: np.ndarray, first: np.ndarray, ties: list[np.ndarray], preferred: list[int]
) -> list[int]:
    """The order as sorted before RepOrder: every rep on every key."""
    ordered = index[np.lexsort((*ties, first))]
    for rep in preferred:
        ordered = np.concatenate(([rep], ordered[ordered != rep]))
    return [int(i) for i in ordered]


def keyed(values: np.ndarray) -> Key:
    return lambda at: values[at]


@pytest.mark.parametrize("seed", range(40))
def test_every_prefix_is_the_whole_orders(seed: int) -> None:
    rng = np.random.default_rng(seed)
    reps = int(rng.choice([0, 1, 5, 40, 300, 2000]))
    index = np.sort(rng.choice(reps * 2 + 1, size=reps, replace=False))
    distinct = int(rng.choice([1, 3, 50, 10_000]))  # one value: every rep ties on the first key
    first = -np.round(rng.integers(0, distinct, reps) / distinct, 9)
    ties = [rng.integers(0, 2**63, reps, dtype=np.uint64), rng.integers(0, 4, reps)]
    ties = ties[: int(rng.integers(0, 3))]
    preferred = [int(p) for p in rng.choice(index, size=min(reps, int(rng.integers(0, 3))))]
    expected = whole(index, first, ties, preferred)
    limit = None if rng.random() < 0.5 else int(rng.integers(0, reps + 3))
    order = RepOrder(index, first, [keyed(t) for t in ties], preferred, limit=limit)
    shown = expected if limit is None else expected[:limit]
    assert order.eligible == reps
    assert len(order) == len(shown)
    for count in [*rng.integers(0, reps + 5, size=6).tolist(), 1, ORDER_AT_LEAST + 1]:
        assert order.upto(count).tolist() == shown[:count], count
    assert order.all().tolist() == shown


def test_only_the_reps_that_can_come_first_are_sorted() -> None:
    """A page of 10 of 2,000 reps sorts the reps whose first key can place them there, not
    all 2,000 (what makes it cheaper), and all of them once more are read."""
    rng = np.random.default_rng(7)
    index = np.arange(2000)
    first = -rng.random(2000)
    asked: list[int] = []

    def tie(at: np.ndarray) -> np.ndarray:
        asked.append(len(at))
        return np.zeros(len(at))

    order = RepOrder(index, first, [tie], [1999])
    assert order.upto(10).tolist() == whole(index, first, [np.zeros(2000)], [1999])[:10]
    assert asked == [ORDER_AT_LEAST + 1]
    assert order.upto(1500).tolist() == whole(index, first, [np.zeros(2000)], [1999])[:1500]
    assert asked == [ORDER_AT_LEAST + 1, 2000]


def test_a_first_key_that_does_not_compare_sorts_every_rep() -> None:
    first = np.array([np.nan] * 200 + [-0.5, -0.25])
    index = np.arange(202)
    order = RepOrder(index, first, [], [])
    assert order.upto(3).tolist() == whole(index, first, [], [])[:3] == [200, 201, 0]


def old_order(scores: LeadScores, roster: Any, lead_id: str, mode: str) -> list[int]:
    """``LeadScores.order`` as it was before RepOrder (session 43): every eligible rep sorted
    on the mode's keys, the account owner then the connected owner brought first."""
    index = np.flatnonzero(scores.eligible)
    random_order = mix(stable_key(lead_id), roster.tie_keys[index])
    recency = roster.last_assigned[index]
    keys = {
        "proximity": (random_order, recency, -np.round(scores.score[index], 9)),
        "round_robin": (random_order, recency),
        "least_busy": (random_order, recency, roster.open_leads[index]),
        "first_available": (random_order,),
    }[mode]
    ordered = index[np.lexsort(keys)]
    first = [scores.connected_owner] if roster.policy.prefer_connected_owner else []
    first += [scores.owner] if roster.policy.prefer_account_owner else []
    for preferred in first:
        if preferred is not None:
            ordered = np.concatenate(([preferred], ordered[ordered != preferred]))
    return [int(i) for i in ordered]


@pytest.mark.parametrize("mode", ["proximity", "round_robin", "least_busy", "first_available"])
@pytest.mark.parametrize("seed", range(8))
def test_each_modes_order_is_the_one_sorted_on_every_rep(mode: str, seed: int) -> None:
    """The modes' keys, on rosters large enough that only the first reps are sorted: scores
    that tie and NaN, reps never assigned (-inf), the owners preferred or not."""
    rng = np.random.default_rng(seed)
    reps = int(rng.choice([150, 400, 2000]))
    score = np.round(rng.integers(0, 20, reps) / 20, 2)
    score[rng.random(reps) < 0.02] = np.nan
    recency = rng.integers(0, 5, reps).astype(float)
    recency[rng.random(reps) < 0.3] = -np.inf
    eligible = rng.random(reps) < 0.9
    owner, connected = (int(i) for i in rng.choice(np.flatnonzero(eligible), 2))
    roster = SimpleNamespace(
        tie_keys=rng.integers(0, 2**63, reps, dtype=np.uint64),
        last_assigned=recency,
        open_leads=rng.integers(0, 4, reps),
        policy=SimpleNamespace(
            prefer_connected_owner=bool(seed % 2), prefer_account_owner=seed % 4 < 2
        ),
    )
    scores = LeadScores(
        values={},
        weights={},
        score=score,
        eligible=eligible,
        reasons={},
        owner=owner,
        warm=np.zeros(reps, bool),
        connected_owner=connected if seed % 3 else owner,
    )
    expected = old_order(scores, roster, f"lead-{seed}", mode)
    for limit in (None, 1, 10, 50):
        order = scores.order(cast(Roster, roster), f"lead-{seed}", mode, limit)
        shown = expected if limit is None else expected[:limit]
        for count in (1, 10, 15, 40, 41, 300, reps):
            assert order.upto(count).tolist() == shown[:count], (limit, count)
        assert order.all().tolist() == shown


def test_reading_rep_by_rep_sorts_a_few_times() -> None:
    """Read further, the sorted part at least doubles: the reps of a ranking read one by one
    (``list(ranking.ranked)``) are sorted a few times, not once per rep."""
    rng = np.random.default_rng(3)
    first = -rng.random(2000)
    asked: list[int] = []

    def tie(at: np.ndarray) -> np.ndarray:
        asked.append(len(at))
        return np.zeros(len(at))

    order = RepOrder(np.arange(2000), first, [tie], [])
    read = [int(order.upto(row + 1)[row]) for row in range(2000)]
    assert read == whole(np.arange(2000), first, [np.zeros(2000)], [])
    assert len(asked) <= 6, asked
