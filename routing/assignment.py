"""Assign many leads at once, and measure how fair and how warm a set of assignments is.

``route_batch`` in ``proximity`` mode maximises the total value of the assignment subject to
every rep's remaining capacity: an assigned lead is worth 1 + its score (every lead gets an
owner first, then the warmest one). This is a bipartite b-matching, solved exactly as a linear
program (HiGHS dual simplex; the constraint matrix is totally unimodular, so the optimal vertex
is integral). Only each lead's best candidates enter the program; the LP duals then certify
that no other rep would improve it, and any pair that could is added and the program solved
again, so the answer is optimal over all eligible pairs. The greedy answer (each lead in
arrival order takes its best rep with room) is computed alongside for comparison.

The other modes assign lead by lead in arrival order, updating workload and recency as they
go: round robin gives the next lead to the eligible rep assigned least recently (a rep back
from vacation gets one lead, then waits their turn again), least busy to the rep with the
fewest open leads, first available to a random eligible rep with room (seeded per lead).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from graph.keys import event_id
from graph.model import Event, LeadReach, LeadView
from graph.store import GraphStore
from routing.accounts import account_owners
from routing.errors import InvalidArgument, InvalidState, StoreError
from routing.policy import Policy
from routing.ranking import LeadScores, score_lead
from routing.roster import OWNER_STATUSES, ProfileMatch, Roster, mix, stable_key

CANDIDATES = 24
"""Best reps per lead that enter the linear program before the dual check."""
ROUTABLE_STATUSES = ("new",)


@dataclass(frozen=True)
class Assignment:
    lead_id: str
    rep_id: str | None
    score: float | None
    how: str  # "optimal", "account owner", "round robin", ... or why nobody
    warm: bool = False


@dataclass(frozen=True)
class AssignmentMetrics:
    """Fairness and quality of a set of assignments.

    ``gini`` is over every rep eligible for at least one of the leads (0: all equal).
    ``warm_owner_rate``: of the leads for which an eligible rep within 2 hops existed, the
    share given to such a rep. ``capacity_violations``: reps given more than their room.
    ``hot_to_penalty_boxed``: hot leads given to a rep in the penalty box."""

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

    @property
    def warm_owner_rate(self) -> float | None:
        return None if self.warm_possible == 0 else self.warm_given / self.warm_possible


@dataclass
class ScoreMatrix:
    """Every lead's scores against every rep, as matrices (leads x reps)."""

    leads: list[LeadView]
    roster: Roster
    score: np.ndarray
    eligible: np.ndarray
    warm: np.ndarray
    owner: list[int | None]
    orders: list[np.ndarray] = field(default_factory=list)


@dataclass(frozen=True)
class BatchResult:
    mode: str
    policy_version: str
    assignments: tuple[Assignment, ...]
    metrics: AssignmentMetrics
    greedy_metrics: AssignmentMetrics | None
    solver_rounds: int

    @property
    def gain_over_greedy(self) -> float | None:
        """Relative gain in total score of the optimal assignment over greedy."""
        if self.greedy_metrics is None or self.greedy_metrics.total_score <= 0:
            return None
        return self.metrics.total_score / self.greedy_metrics.total_score - 1


def score_matrix(
    store: GraphStore,
    leads: Sequence[LeadView],
    policy: Policy,
    now: datetime,
    *,
    reaches: Mapping[str, LeadReach] | None = None,
    roster: Roster | None = None,
    excluded: Mapping[str, Mapping[str, str]] | None = None,
) -> ScoreMatrix:
    """Score every lead against every rep (one graph read for all the leads)."""
    if reaches is None:
        reaches = store.lead_reach(leads, explain=False)
    if roster is None:
        rep_ids = next(iter(reaches.values())).rep_ids if reaches else ()
        roster = Roster.load(store, rep_ids, policy, now)
    match = ProfileMatch(roster)
    owners = account_owners(store, OWNER_STATUSES)
    shape = (len(leads), len(roster))
    matrix = ScoreMatrix(
        leads=list(leads),
        roster=roster,
        score=np.zeros(shape, np.float32),
        eligible=np.zeros(shape, bool),
        warm=np.zeros(shape, bool),
        owner=[],
    )
    for row, lead in enumerate(leads):
        scores: LeadScores = score_lead(
            lead, reaches[lead.id], roster, match, owners, (excluded or {}).get(lead.id)
        )
        matrix.score[row] = scores.score
        matrix.eligible[row] = scores.eligible
        matrix.warm[row] = scores.warm
        matrix.owner.append(scores.owner if policy.prefer_account_owner else None)
        matrix.orders.append(scores.order(roster, lead.id, policy.mode)[:CANDIDATES])
    return matrix


def _room(roster: Roster, leads: int) -> np.ndarray:
    room = roster.capacity - roster.open_leads
    return np.clip(np.where(np.isinf(room), leads, room), 0, leads).astype(np.int64)


def _full_order(matrix: ScoreMatrix, row: int) -> np.ndarray:
    roster = matrix.roster
    index = np.flatnonzero(matrix.eligible[row])
    keys = (
        mix(stable_key(matrix.leads[row].id), roster.tie_keys[index]),
        roster.last_assigned[index],
        -np.round(matrix.score[row, index].astype(float), 6),
    )
    return index[np.lexsort(keys)]


def _greedy(matrix: ScoreMatrix, room: np.ndarray, rows: Sequence[int]) -> dict[int, int]:
    """Each lead in order takes its best eligible rep that still has room."""
    chosen: dict[int, int] = {}
    for row in rows:
        for order in (matrix.orders[row], None):
            candidates = _full_order(matrix, row) if order is None else order
            open_ = candidates[room[candidates] > 0]
            if len(open_):
                rep = int(open_[0])
                chosen[row] = rep
                room[rep] -= 1
                break
            if order is not None and len(order) >= np.count_nonzero(matrix.eligible[row]):
                break  # the short list was every eligible rep
    return chosen


def _optimal(
    matrix: ScoreMatrix, room: np.ndarray, rows: Sequence[int]
) -> tuple[dict[int, int], int]:
    """The assignment of these leads with the highest total (1 + score), within ``room``."""
    if not rows:
        return {}, 0
    reps = len(matrix.roster)
    value = 1.0 + matrix.score[rows].astype(float)
    eligible = matrix.eligible[rows]
    candidate = np.zeros_like(eligible)
    for position, row in enumerate(rows):
        candidate[position, matrix.orders[row]] = True
    candidate &= eligible
    rounds = 0
    while True:
        rounds += 1
        lead_of, rep_of = np.nonzero(candidate)
        n = len(lead_of)
        if n == 0:
            return {}, rounds
        a_ub = sparse.vstack(
            [
                sparse.csr_matrix((np.ones(n), (lead_of, np.arange(n))), shape=(len(rows), n)),
                sparse.csr_matrix((np.ones(n), (rep_of, np.arange(n))), shape=(reps, n)),
            ]
        ).tocsr()
        b_ub = np.concatenate([np.ones(len(rows)), room.astype(float)])
        result = linprog(
            -value[lead_of, rep_of],
            A_ub=a_ub,
            b_ub=b_ub,
            bounds=(0, 1),
            method="highs-ds",
        )
        if result.status != 0:
            raise StoreError(f"the assignment solver failed: {result.message}")
        duals = -np.asarray(result.ineqlin.marginals)
        lead_price, rep_price = duals[: len(rows)], duals[len(rows) :]
        reduced = value - lead_price[:, None] - rep_price[None, :]
        improving = eligible & ~candidate & (reduced > 1e-7)
        if not improving.any() or rounds >= 20:
            break
        candidate |= improving
    x = np.asarray(result.x)
    if np.any(np.abs(x - np.round(x)) > 1e-6):
        raise StoreError("the assignment solver returned a fractional answer")
    picked = np.flatnonzero(x > 0.5)
    return {rows[int(lead_of[i])]: int(rep_of[i]) for i in picked}, rounds


def _sequential(
    matrix: ScoreMatrix, room: np.ndarray, rows: Sequence[int], mode: str
) -> dict[int, int]:
    roster = matrix.roster
    recency = roster.last_assigned.copy()
    load = roster.open_leads.astype(float).copy()
    clock = max(float(np.max(recency, initial=0.0)), roster.now.timestamp())
    chosen: dict[int, int] = {}
    for row in rows:
        index = np.flatnonzero(matrix.eligible[row] & (room > 0))
        if len(index) == 0:
            continue
        random_order = mix(stable_key(matrix.leads[row].id), roster.tie_keys[index])
        if mode == "round_robin":
            keys: tuple[np.ndarray, ...] = (random_order, recency[index])
        elif mode == "least_busy":
            keys = (random_order, recency[index], load[index])
        else:
            keys = (random_order,)
        rep = int(index[np.lexsort(keys)[0]])
        chosen[row] = rep
        room[rep] -= 1
        load[rep] += 1
        clock += 1e-3
        recency[rep] = clock
    return chosen


def assignment_metrics(
    matrix: ScoreMatrix, chosen: Mapping[int, int | None], *, base_open: np.ndarray | None = None
) -> AssignmentMetrics:
    """Fairness and quality of ``chosen`` (lead row -> rep index or None)."""
    roster = matrix.roster
    counts = np.zeros(len(roster), np.int64)
    warm_possible = warm_given = hot_boxed = 0
    total = 0.0
    boxed = roster.boxed()
    for row, lead in enumerate(matrix.leads):
        can_be_warm = bool((matrix.warm[row] & matrix.eligible[row]).any())
        warm_possible += can_be_warm
        rep = chosen.get(row)
        if rep is None:
            continue
        counts[rep] += 1
        total += float(matrix.score[row, rep])
        warm_given += bool(can_be_warm and matrix.warm[row, rep])
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
    )


def assign(
    matrix: ScoreMatrix, mode: str
) -> tuple[dict[int, int], dict[int, str], dict[int, int] | None, int]:
    """(chosen rep per lead row, how, greedy choice or None, solver rounds)."""
    roster = matrix.roster
    room = _room(roster, len(matrix.leads))
    chosen: dict[int, int] = {}
    how: dict[int, str] = {}
    rest = []
    for row in range(len(matrix.leads)):
        owner = matrix.owner[row]
        if owner is not None and room[owner] > 0:
            chosen[row] = owner
            how[row] = "account owner"
            room[owner] -= 1
        else:
            rest.append(row)
    greedy: dict[int, int] | None = None
    rounds = 0
    if mode == "proximity":
        greedy = {**chosen, **_greedy(matrix, room.copy(), rest)}
        picked, rounds = _optimal(matrix, room, rest)
        label = "optimal"
    elif mode in ("round_robin", "least_busy", "first_available"):
        picked = _sequential(matrix, room, rest, mode)
        label = mode.replace("_", " ")
    else:
        raise InvalidArgument(f"unknown routing mode {mode!r}")
    for row, rep in picked.items():
        chosen[row] = rep
        how[row] = label
    return chosen, how, greedy, rounds


def route_batch(
    store: GraphStore,
    leads: Sequence[LeadView],
    *,
    policy: Policy,
    now: datetime,
    excluded: Mapping[str, Mapping[str, str]] | None = None,
) -> BatchResult:
    """Assign these leads to reps by the policy's mode, within every rep's remaining capacity
    (see the module's docstring). Nothing is written: see ``offer_assignments``."""
    matrix = score_matrix(store, leads, policy, now, excluded=excluded)
    chosen, how, greedy, rounds = assign(matrix, policy.mode)
    assignments = []
    for row, lead in enumerate(matrix.leads):
        rep = chosen.get(row)
        if rep is None:
            reason = (
                "no eligible rep"
                if not matrix.eligible[row].any()
                else "every eligible rep is at capacity"
            )
            assignments.append(Assignment(lead_id=lead.id, rep_id=None, score=None, how=reason))
        else:
            assignments.append(
                Assignment(
                    lead_id=lead.id,
                    rep_id=matrix.roster.rep_ids[rep],
                    score=round(float(matrix.score[row, rep]), 4),
                    how=how[row],
                    warm=bool(matrix.warm[row, rep]),
                )
            )
    return BatchResult(
        mode=policy.mode,
        policy_version=policy.version,
        assignments=tuple(assignments),
        metrics=assignment_metrics(matrix, chosen),
        greedy_metrics=None if greedy is None else assignment_metrics(matrix, greedy),
        solver_rounds=rounds,
    )


def offer_assignments(
    store: GraphStore, result: BatchResult, *, now: datetime, actor: str
) -> list[str]:
    """Write the batch's assignments as offers (status ``offered``, the rep as owner, one
    ``offered`` event each with the score and the policy version), in one transaction. A lead
    that is no longer new when written is skipped. Returns the ids of the leads offered."""
    events = [
        Event(
            id=event_id(now),
            at=now,
            kind="offered",
            actor=actor,
            lead_id=a.lead_id,
            rep_id=a.rep_id,
            reason=a.how,
            detail=json.dumps(
                {
                    "score": a.score,
                    "warm": a.warm,
                    "mode": result.mode,
                    "policy": result.policy_version,
                },
                sort_keys=True,
            ),
        )
        for a in result.assignments
        if a.rep_id is not None
    ]
    if not events:
        return []
    return store.run_atomic(lambda: store.offer_leads(events))


@dataclass(frozen=True)
class RoutedLeads:
    """What routing new leads did: the batch's assignment and the leads actually offered."""

    result: BatchResult | None  # None: there was no new lead
    offered: list[str]


def route_new_leads(
    store: GraphStore,
    *,
    policy: Policy,
    now: datetime,
    actor: str,
    leads: Sequence[LeadView] | None = None,
    dry_run: bool = False,
) -> RoutedLeads:
    """Route new leads as one batch and offer each to its rep: every new lead, or ``leads``
    (which must be new). The one "route new leads" of the CLI, the API and the demo. With
    ``dry_run`` the assignment is computed and nothing is written."""
    chosen = list(store.leads_with_status(ROUTABLE_STATUSES) if leads is None else leads)
    for lead in chosen:
        if lead.status not in ROUTABLE_STATUSES:
            raise InvalidState(f"lead {lead.id} is {lead.status}: only new leads are routed")
    if not chosen:
        return RoutedLeads(result=None, offered=[])
    result = route_batch(store, chosen, policy=policy, now=now)
    offered = [] if dry_run else offer_assignments(store, result, now=now, actor=actor)
    return RoutedLeads(result=result, offered=offered)
