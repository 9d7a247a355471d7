"""Reports for managers: how fair and how warm recent assignments were, and the leads sent back
to marketing."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from graph.model import LeadView
from graph.store import GraphStore
from routing.assignment import score_matrix, unconstrained_optimum
from routing.errors import InvalidArgument
from routing.lifecycle import require_aware
from routing.metrics import AssignmentMetrics, assignment_metrics
from routing.policy import Policy
from routing.simulate import ROUTED_STATUSES, load_without
from routing.viewer import Viewer

FAIRNESS_LEADS = 2000
"""Scoring costs ~2 ms a lead: the fairness report judges the newest 2,000, to stay responsive."""


@dataclass(frozen=True)
class RepLeads:
    rep_id: str
    leads: int


@dataclass(frozen=True)
class FairnessReport:
    days: int
    metrics: AssignmentMetrics
    max_share_over_mean: float
    """The fairness setting of the policy in force (0: none)."""
    per_rep: list[RepLeads]
    """The reps the viewer may see, most leads first."""


def fairness(
    store: GraphStore, viewer: Viewer, *, policy: Policy, now: datetime, days: int
) -> FairnessReport:
    """Fairness and quality of the owners of the leads routed in the last ``days`` (the newest
    FAIRNESS_LEADS of them), judged by today's roster and ``policy``; the score kept is against
    the unconstrained optimal assignment of the same leads (their own workload taken off)."""
    if not 1 <= days <= 366:
        raise InvalidArgument(f"days must be between 1 and 366 (got {days})")
    since = now - timedelta(days=days)
    recent = [
        lead
        for lead in store.leads_with_status(ROUTED_STATUSES)
        if lead.created_at is None or lead.created_at >= since
    ]
    leads = recent[-FAIRNESS_LEADS:]
    matrix = score_matrix(store, leads, policy, now)
    index = {rep: i for i, rep in enumerate(matrix.roster.rep_ids)}
    chosen: dict[int, int | None] = {
        row: index[lead.owner_rep_id]
        for row, lead in enumerate(leads)
        if lead.owner_rep_id in index
    }
    replayed = replace(
        matrix, roster=replace(matrix.roster, open_leads=load_without(matrix.roster, leads))
    )
    best = assignment_metrics(replayed, unconstrained_optimum(replayed)) if leads else None
    metrics = assignment_metrics(matrix, chosen, optimum=best.total_score if best else None)
    return FairnessReport(
        days=days,
        metrics=metrics,
        max_share_over_mean=policy.max_share_over_mean,
        per_rep=[
            RepLeads(rep_id=rep_id, leads=count)
            for rep_id, count in sorted(metrics.leads_per_rep.items(), key=lambda kv: -kv[1])
            if viewer.can_see_rep(rep_id)
        ],
    )


def returned_leads(store: GraphStore, *, since: datetime | None = None) -> list[LeadView]:
    """Leads sent back to marketing (at or after ``since``), newest return first."""
    if since is not None:
        require_aware(since, "since")
    leads = store.leads_with_status(("returned",))
    history = store.events_of_leads([lead.id for lead in leads])
    found = []
    for lead in leads:
        returned = [e for e in history[lead.id] if e.kind == "returned"]
        when = returned[-1].at if returned else None
        if since is None or (when is not None and when >= since):
            found.append((when, lead))
    found.sort(key=lambda pair: (pair[0] is None, pair[0]), reverse=True)
    return [lead for _, lead in found]
