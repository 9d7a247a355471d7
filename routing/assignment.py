"""Assign many leads at once (the measures of an assignment are in ``routing.metrics``).

``route_batch`` in ``proximity`` mode maximises the total value of the assignment subject to
every rep's remaining capacity: an assigned lead is worth 1 + its score (every lead gets an
owner first, then the warmest one). This is a bipartite b-matching, solved exactly as a linear
program (HiGHS dual simplex; the constraint matrix is totally unimodular, so the optimal vertex
is integral). Only each lead's best candidates enter the program; the LP duals then certify
that no other rep would improve it, and any pair that could is added and the program solved
again, so the answer is optimal over all eligible pairs. The greedy answer (each lead in
arrival order takes its best rep with room) is computed alongside for comparison.

Fairness (``max_share_over_mean`` in the policy, 0 = off): each rep's fair share of a batch is
ceil(share x (leads given in the last ``fairness_window_days`` + leads in the batch) / eligible
reps) minus what the rep was already given in the window (the batch's account-owner leads
included). It enters the same linear program as a second tier of each rep's capacity: a lead
within the fair share is worth 1 + score, one beyond it (up to the rep's remaining capacity) only
its score (an overflow variable per rep, costing 1, on the rep's row; the matrix stays totally
unimodular). So the cap yields only where keeping it would leave a lead without any owner (every
eligible rep of that lead is at their share), and the answer is still an exact optimum of that
objective, not a pass afterwards. The greedy comparison fills fair shares first, then capacity.

The other modes assign lead by lead in arrival order, updating workload and recency as they
go: round robin gives the next lead to the eligible rep assigned least recently (a rep back
from vacation gets one lead, then waits their turn again), least busy to the rep with the
fewest open leads, first available to a random eligible rep with room (seeded per lead).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from graph.keys import event_id
from graph.model import Event, LeadReach, LeadView
from graph.store import GraphStore
from routing.accounts import account_owners
from routing.errors import InvalidArgument, InvalidState, StoreError
from routing.metrics import AssignmentMetrics as AssignmentMetrics  # re-exported
from routing.metrics import assignment_metrics as assignment_metrics  # re-exported
from routing.policy import Policy
from routing.ranking import LeadScores, score_lead
from routing.roster import (
    ASSIGNMENT_EVENTS,
    OWNER_STATUSES,
    ProfileMatch,
    Roster,
    mix,
    stable_key,
)

CANDIDATES = 24
"""Best reps per lead that enter the linear program before the dual check."""
ROUTABLE_STATUSES = ("new",)
WINDOW_EVENTS = tuple(kind for kind in ASSIGNMENT_EVENTS if kind != "claimed")
"""Events that give a rep a lead (a claim follows an offer: not counted twice)."""
OVERFLOW_COST = 1.0
"""What a lead beyond its rep's fair share loses: the 1 for having an owner (see above)."""


@dataclass(frozen=True)
class Assignment:
    lead_id: str
    rep_id: str | None
    score: float | None
    how: str  # "optimal", "account owner", "round robin", ... or why nobody
    warm: bool = False


@dataclass
class ScoreMatrix:
    """Every lead's scores against every rep, as matrices (leads x reps); ``one_hop``: the rep
    knows a decision-maker directly; ``window_leads``: leads given to each rep within the
    policy's fairness window before the batch (None: none)."""

    leads: list[LeadView]
    roster: Roster
    score: np.ndarray
    eligible: np.ndarray
    warm: np.ndarray
    owner: list[int | None]
    orders: list[np.ndarray] = field(default_factory=list)
    one_hop: np.ndarray | None = None
    window_leads: np.ndarray | None = None


@dataclass(frozen=True)
class BatchResult:
    mode: str
    policy_version: str
    assignments: tuple[Assignment, ...]
    metrics: AssignmentMetrics
    greedy_metrics: AssignmentMetrics | None
    solver_rounds: int
    unconstrained_metrics: AssignmentMetrics | None = None
    """The optimum without the fairness cap (proximity mode with a cap only)."""

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
    matrix.one_hop = one_hop = np.zeros(shape, bool)
    for row, lead in enumerate(leads):
        reach = reaches[lead.id]
        scores: LeadScores = score_lead(
            lead, reach, roster, match, owners, (excluded or {}).get(lead.id)
        )
        matrix.score[row] = scores.score
        matrix.eligible[row] = scores.eligible
        matrix.warm[row] = scores.warm
        for member in lead.committee:
            found = reach.members.get(member.person.id)
            if found is not None:
                one_hop[row] |= found.hops == 1
        matrix.owner.append(scores.owner if policy.prefer_account_owner else None)
        matrix.orders.append(scores.order(roster, lead.id, policy.mode).upto(CANDIDATES))
    return matrix


def window_leads(store: GraphStore, roster: Roster, policy: Policy, now: datetime) -> np.ndarray:
    """Leads given to each rep (offered or assigned by a manager) in the policy's fairness
    window before ``now``, in roster order (one read)."""
    since = now - timedelta(days=policy.fairness_window_days)
    counts = store.rep_event_counts(WINDOW_EVENTS, since)
    return np.array([sum(counts.get(rep_id, {}).values()) for rep_id in roster.rep_ids], np.int64)


def fair_room(matrix: ScoreMatrix, room: np.ndarray, given: np.ndarray, share: float) -> np.ndarray:
    """Each rep's fair share of the batch, within ``room``: ceil(share x (leads given in the
    window + leads in the batch) / eligible reps) - what the rep was already given (``given``:
    the window and this batch's account-owner leads), never below 0. ``share`` 0: ``room``."""
    if share <= 0:
        return room.copy()
    window = np.zeros(len(room), np.int64) if matrix.window_leads is None else matrix.window_leads
    pool = matrix.eligible.any(axis=0)
    reps = int(pool.sum())
    if reps == 0:
        return room.copy()
    total = int(window[pool].sum()) + len(matrix.leads)
    cap = math.ceil(share * total / reps - 1e-9)
    fair: np.ndarray = np.clip(np.minimum(room, cap - given), 0, None).astype(np.int64)
    return fair


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


def _fair_greedy(
    matrix: ScoreMatrix, room: np.ndarray, fair: np.ndarray, rows: Sequence[int]
) -> dict[int, int]:
    """Greedy within the fair shares, then the leads left over within the capacity left."""
    chosen = _greedy(matrix, fair.copy(), rows)
    left = room - np.bincount(list(chosen.values()), minlength=len(room)).astype(np.int64)
    rest = [row for row in rows if row not in chosen]
    return {**chosen, **_greedy(matrix, left, rest)}


def _optimal(
    matrix: ScoreMatrix, room: np.ndarray, rows: Sequence[int], fair: np.ndarray | None = None
) -> tuple[dict[int, int], int]:
    """The assignment of these leads with the highest total (1 + score) within ``room``, less
    OVERFLOW_COST for each lead a rep gets beyond ``fair`` (None: no fair share)."""
    if not rows:
        return {}, 0
    reps = len(matrix.roster)
    share = room if fair is None else np.minimum(fair, room)
    overflow = room - share
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
        # columns: one per (lead, rep) pair, then one overflow per rep (a -1 on its row)
        a_ub = sparse.vstack(
            [
                sparse.csr_matrix(
                    (np.ones(n), (lead_of, np.arange(n))), shape=(len(rows), n + reps)
                ),
                sparse.hstack(
                    [
                        sparse.csr_matrix((np.ones(n), (rep_of, np.arange(n))), shape=(reps, n)),
                        -sparse.identity(reps, format="csr"),
                    ]
                ),
            ]
        ).tocsr()
        b_ub = np.concatenate([np.ones(len(rows)), share.astype(float)])
        bounds = np.concatenate(
            [np.tile([0.0, 1.0], (n, 1)), np.column_stack([np.zeros(reps), overflow])]
        )
        result = linprog(
            np.concatenate([-value[lead_of, rep_of], np.full(reps, OVERFLOW_COST)]),
            A_ub=a_ub,
            b_ub=b_ub,
            bounds=bounds,
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
    x = np.asarray(result.x)[:n]
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


def unconstrained_optimum(matrix: ScoreMatrix) -> dict[int, int]:
    """The proximity optimum of the batch without the fairness cap (the score-kept yardstick)."""
    return assign(matrix, "proximity", max_share=0)[0]


def assign(
    matrix: ScoreMatrix, mode: str, *, max_share: float | None = None
) -> tuple[dict[int, int], dict[int, str], dict[int, int] | None, int]:
    """(chosen rep per lead row, how, greedy choice or None, solver rounds). ``max_share``:
    the fairness cap of proximity mode (None: the policy's ``max_share_over_mean``)."""
    roster = matrix.roster
    share = roster.policy.max_share_over_mean if max_share is None else max_share
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
        given = np.bincount(list(chosen.values()), minlength=len(roster)).astype(np.int64)
        if matrix.window_leads is not None:
            given += matrix.window_leads
        fair = fair_room(matrix, room, given, share)
        greedy = {**chosen, **_fair_greedy(matrix, room, fair, rest)}
        picked, rounds = _optimal(matrix, room, rest, None if share <= 0 else fair)
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
    compare: bool = True,
) -> BatchResult:
    """Assign these leads to reps by the policy's mode, within every rep's remaining capacity
    (see the module's docstring). Nothing is written: see ``offer_assignments``. With
    ``compare`` (and a fairness cap in force) the unconstrained optimum is solved too, for the
    score kept: a second solve, which routing itself does not need."""
    matrix = score_matrix(store, leads, policy, now, excluded=excluded)
    matrix.window_leads = window_leads(store, matrix.roster, policy, now)
    chosen, how, greedy, rounds = assign(matrix, policy.mode)
    best: dict[int, int] | None = None
    if policy.mode == "proximity":
        if policy.max_share_over_mean <= 0:
            best = chosen
        elif compare:
            best = unconstrained_optimum(matrix)
    best_metrics = None if best is None else assignment_metrics(matrix, best)
    optimum = None if best_metrics is None else best_metrics.total_score
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
        metrics=assignment_metrics(matrix, chosen, optimum=optimum),
        greedy_metrics=(
            None if greedy is None else assignment_metrics(matrix, greedy, optimum=optimum)
        ),
        solver_rounds=rounds,
        unconstrained_metrics=None if policy.max_share_over_mean <= 0 else best_metrics,
        # (None too without ``compare``: not solved)
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
    compare: bool = False,
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
    result = route_batch(store, chosen, policy=policy, now=now, compare=compare)
    offered = [] if dry_run else offer_assignments(store, result, now=now, actor=actor)
    return RoutedLeads(result=result, offered=offered)
