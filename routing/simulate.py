"""What-if: replay past leads under another policy, next to what actually happened, or under a
range of fairness settings (the frontier between round robin and the warmest assignment)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from graph.model import LeadReach, LeadView
from graph.store import GraphStore
from routing.assignment import ScoreMatrix, assign, score_matrix, unconstrained_optimum
from routing.metrics import AssignmentMetrics, assignment_metrics
from routing.policy import Policy
from routing.roster import OPEN_STATUSES, Roster

ROUTED_STATUSES = (
    "offered",
    "claimed",
    "contacted",
    "nurture",
    "won",
    "lost",
    "returned",
)


@dataclass(frozen=True)
class Simulation:
    since: datetime | None
    leads: int
    current_policy: str
    new_policy: str
    actual: AssignmentMetrics
    simulated: AssignmentMetrics


def replayed_leads(
    store: GraphStore, policy: Policy, now: datetime, since: datetime | None
) -> tuple[list[LeadView], Mapping[str, LeadReach], Roster]:
    """The leads routed so far (created at or after ``since``), their reach, and today's roster
    under ``policy`` with the replayed leads' own open workload taken off each rep, so a rep is
    not counted twice for the same lead."""
    leads: list[LeadView] = [
        lead
        for lead in store.leads_with_status(ROUTED_STATUSES)
        if since is None or (lead.created_at is not None and lead.created_at >= since)
    ]
    reaches = store.lead_reach(leads, explain=False)
    rep_ids = next(iter(reaches.values())).rep_ids if reaches else ()
    roster = Roster.load(store, rep_ids, policy, now)
    roster.open_leads = load_without(roster, leads)
    return leads, reaches, roster


def load_without(roster: Roster, leads: Sequence[LeadView]) -> np.ndarray:
    """Each rep's open leads less those among ``leads`` (leads being replayed)."""
    replayed_open = np.zeros(len(roster), np.int64)
    for lead in leads:
        index = roster.index_of(lead.owner_rep_id) if lead.owner_rep_id else None
        if index is not None and lead.status in OPEN_STATUSES:
            replayed_open[index] += 1
    load: np.ndarray = np.maximum(roster.open_leads - replayed_open, 0)
    return load


def simulate(
    store: GraphStore,
    *,
    current: Policy,
    new: Policy,
    now: datetime,
    since: datetime | None = None,
) -> Simulation:
    """Route the leads routed so far (created at or after ``since``) again under ``new``, as
    one batch against today's roster, and measure both: the actual owners judged by the
    current policy's rules, the simulated ones by the new policy's.

    The replayed leads' own open workload is taken off each rep first (``replayed_leads``);
    profiles, absences and breaches are today's. The replayed leads are the fairness window:
    assignments before them are not counted.
    """
    leads, reaches, roster = replayed_leads(store, current, now, since)
    actual_matrix = score_matrix(store, leads, current, now, reaches=reaches, roster=roster)
    simulated = replay(store, leads, reaches, roster, new, now)
    return Simulation(
        since=since,
        leads=len(leads),
        current_policy=current.version,
        new_policy=new.version,
        actual=assignment_metrics(actual_matrix, actual_owners(actual_matrix)),
        simulated=simulated.metrics,
    )


def actual_owners(matrix: ScoreMatrix) -> dict[int, int]:
    """The replayed leads' owners as recorded (lead row -> rep index), where the roster has
    them."""
    roster = matrix.roster
    owners = (
        (row, roster.index_of(lead.owner_rep_id or "")) for row, lead in enumerate(matrix.leads)
    )
    return {row: index for row, index in owners if index is not None}


@dataclass(frozen=True)
class Replay:
    """Leads routed again under one policy: the scores, the owners chosen (lead row -> rep
    index) and their measures."""

    matrix: ScoreMatrix
    chosen: dict[int, int]
    metrics: AssignmentMetrics


def replay(
    store: GraphStore,
    leads: Sequence[LeadView],
    reaches: Mapping[str, LeadReach],
    roster: Roster,
    policy: Policy,
    now: datetime,
) -> Replay:
    """Route ``leads`` again under ``policy`` as one batch against the reps of ``roster`` with
    its workload (see ``replayed_leads``). Writes nothing."""
    policy_roster = Roster.load(store, roster.rep_ids, policy, now)
    policy_roster.open_leads = roster.open_leads.copy()
    matrix = score_matrix(store, leads, policy, now, reaches=reaches, roster=policy_roster)
    chosen = assign(matrix, policy.mode)[0]
    return Replay(matrix=matrix, chosen=chosen, metrics=assignment_metrics(matrix, chosen))


FRONTIER_SHARES = (1.0, 1.1, 1.25, 1.5, 2.0, 3.0)
"""The ``max_share_over_mean`` settings ``simulate --frontier`` tries by default."""


@dataclass(frozen=True)
class FrontierPoint:
    setting: str  # "round robin", "max share 1.25", "unconstrained"
    max_share_over_mean: float | None  # None: round robin
    metrics: AssignmentMetrics


@dataclass(frozen=True)
class Frontier:
    since: datetime | None
    leads: int
    policy: str
    policy_share: float
    points: list[FrontierPoint]


def frontier_points(matrix: ScoreMatrix, shares: Sequence[float]) -> list[FrontierPoint]:
    """Round robin, the proximity optimum under each fairness setting, and the unconstrained
    optimum, each measured against the unconstrained optimum's total score."""
    best = unconstrained_optimum(matrix)
    optimum = assignment_metrics(matrix, best).total_score

    def point(setting: str, share: float | None, chosen: Mapping[int, int]) -> FrontierPoint:
        return FrontierPoint(
            setting=setting,
            max_share_over_mean=share,
            metrics=assignment_metrics(matrix, chosen, optimum=optimum),
        )

    points = [point("round robin", None, assign(matrix, "round_robin")[0])]
    for share in sorted({s for s in shares if s > 0}):
        chosen = assign(matrix, "proximity", max_share=share)[0]
        points.append(point(f"max share {share:g}", share, chosen))
    points.append(point("unconstrained", 0.0, best))
    return points


def frontier(
    store: GraphStore,
    *,
    policy: Policy,
    now: datetime,
    since: datetime | None = None,
    shares: Sequence[float] = FRONTIER_SHARES,
) -> Frontier:
    """Replay the leads routed so far (as ``simulate`` does) under ``policy`` with each fairness
    setting in ``shares`` and the policy's own, between round robin and the unconstrained
    optimum. Writes nothing."""
    leads, reaches, roster = replayed_leads(store, policy, now, since)
    matrix = score_matrix(store, leads, policy, now, reaches=reaches, roster=roster)
    return Frontier(
        since=since,
        leads=len(leads),
        policy=policy.version,
        policy_share=policy.max_share_over_mean,
        points=frontier_points(matrix, [*shares, policy.max_share_over_mean]) if leads else [],
    )
