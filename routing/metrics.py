"""How fair and how warm a set of assignments is: leads per rep and their Gini coefficient,
warm and one-hop owners, capacity, the penalty box, and the share of the best total score kept."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from routing.assignment import ScoreMatrix


@dataclass(frozen=True)
class AssignmentMetrics:
    """Fairness and quality of a set of assignments.

    ``gini`` is over every rep eligible for at least one of the leads (0: all equal).
    ``warm_owner_rate``: of the leads for which an eligible rep within 2 hops existed, the
    share given to such a rep; ``one_hop_owner_rate`` the same for a rep who knows a
    decision-maker directly. ``capacity_violations``: reps given more than their room.
    ``hot_to_penalty_boxed``: hot leads given to a rep in the penalty box. ``score_kept``: the
    total score over the unconstrained optimum's for the same leads (None: not computed)."""

    leads: int
    assigned: int
    leads_per_rep: dict[str, int]
    eligible_reps: int
    max_per_rep: int
    mean_per_rep: float
    gini: float
    warm_possible: int
    warm_given: int
    capacity_violations: int
    hot_to_penalty_boxed: int
    total_score: float
    one_hop_possible: int = 0
    one_hop_given: int = 0
    score_kept: float | None = None

    @property
    def warm_owner_rate(self) -> float | None:
        return None if self.warm_possible == 0 else self.warm_given / self.warm_possible

    @property
    def one_hop_owner_rate(self) -> float | None:
        return None if self.one_hop_possible == 0 else self.one_hop_given / self.one_hop_possible


def assignment_metrics(
    matrix: ScoreMatrix,
    chosen: Mapping[int, int | None],
    *,
    base_open: np.ndarray | None = None,
    optimum: float | None = None,
) -> AssignmentMetrics:
    """Fairness and quality of ``chosen`` (lead row -> rep index or None); ``optimum``: the
    unconstrained optimum's total score, for ``score_kept``."""
    roster = matrix.roster
    counts = np.zeros(len(roster), np.int64)
    warm_possible = warm_given = hot_boxed = one_hop_possible = one_hop_given = 0
    total = 0.0
    boxed = roster.boxed()
    one_hop = np.zeros_like(matrix.warm) if matrix.one_hop is None else matrix.one_hop
    for row, lead in enumerate(matrix.leads):
        can_be_warm = bool((matrix.warm[row] & matrix.eligible[row]).any())
        can_be_one_hop = bool((one_hop[row] & matrix.eligible[row]).any())
        warm_possible += can_be_warm
        one_hop_possible += can_be_one_hop
        rep = chosen.get(row)
        if rep is None:
            continue
        counts[rep] += 1
        total += float(matrix.score[row, rep])
        warm_given += bool(can_be_warm and matrix.warm[row, rep])
        one_hop_given += bool(can_be_one_hop and one_hop[row, rep])
        hot_boxed += bool(lead.grade == "hot" and boxed[rep])
    pool = matrix.eligible.any(axis=0) | (counts > 0)
    spread = np.sort(counts[pool]).astype(float)
    if len(spread) and spread.sum() > 0:
        n = len(spread)
        gini = float(2 * np.sum(np.arange(1, n + 1) * spread) / (n * spread.sum()) - (n + 1) / n)
    else:
        gini = 0.0
    open_now = roster.open_leads if base_open is None else base_open
    over_after = int(np.count_nonzero(open_now + counts > roster.capacity))
    over_before = int(np.count_nonzero(open_now > roster.capacity))
    violations = over_after - over_before
    return AssignmentMetrics(
        leads=len(matrix.leads),
        assigned=int(counts.sum()),
        leads_per_rep={roster.rep_ids[i]: int(c) for i, c in enumerate(counts) if c},
        eligible_reps=int(pool.sum()),
        max_per_rep=int(counts.max(initial=0)),
        mean_per_rep=float(spread.mean()) if len(spread) else 0.0,
        gini=round(gini, 4),
        warm_possible=warm_possible,
        warm_given=warm_given,
        capacity_violations=max(violations, 0),
        hot_to_penalty_boxed=hot_boxed,
        total_score=round(total, 4),
        one_hop_possible=one_hop_possible,
        one_hop_given=one_hop_given,
        score_kept=None if not optimum else round(total / optimum, 4),
    )
