"""RepOrder sorts only the reps read first: every prefix it gives is the prefix of the whole
order (``np.lexsort`` of every eligible rep, the preferred reps brought first), however the
first key ties, whichever the tie-breaking keys and the preferred reps, read in any order."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from routing.evidence import ORDER_AT_LEAST, RepOrder

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
