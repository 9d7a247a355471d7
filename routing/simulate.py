"""What-if: replay past leads under another policy, next to what actually happened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from graph.model import LeadView
from graph.store import GraphStore
from routing.assignment import AssignmentMetrics, assign, assignment_metrics, score_matrix
from routing.policy import Policy
from routing.roster import OPEN_STATUSES, Roster

ROUTED_STATUSES = ("offered", "claimed", "contacted", "won", "lost", "returned")


@dataclass(frozen=True)
class Simulation:
    since: datetime | None
    leads: int
    current_policy: str
    new_policy: str
    actual: AssignmentMetrics
    simulated: AssignmentMetrics


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

    The replayed leads' own open workload is taken off each rep first, so a rep is not counted
    twice for the same lead; profiles, absences and breaches are today's.
    """
    leads: list[LeadView] = [
        lead
        for lead in store.leads_with_status(ROUTED_STATUSES)
        if since is None or (lead.created_at is not None and lead.created_at >= since)
    ]
    reaches = store.lead_reach(leads, explain=False)
    rep_ids = next(iter(reaches.values())).rep_ids if reaches else ()
    roster = Roster.load(store, rep_ids, current, now)
    replayed_open = np.zeros(len(roster), np.int64)
    for lead in leads:
        index = roster.index_of(lead.owner_rep_id) if lead.owner_rep_id else None
        if index is not None and lead.status in OPEN_STATUSES:
            replayed_open[index] += 1
    roster.open_leads = np.maximum(roster.open_leads - replayed_open, 0)
    actual_matrix = score_matrix(store, leads, current, now, reaches=reaches, roster=roster)
    actual = {
        row: roster.index_of(lead.owner_rep_id)
        for row, lead in enumerate(leads)
        if lead.owner_rep_id and roster.index_of(lead.owner_rep_id) is not None
    }
    new_roster = Roster.load(store, rep_ids, new, now)
    new_roster.open_leads = roster.open_leads.copy()
    new_matrix = score_matrix(store, leads, new, now, reaches=reaches, roster=new_roster)
    chosen, _, _, _ = assign(new_matrix, new.mode)
    return Simulation(
        since=since,
        leads=len(leads),
        current_policy=current.version,
        new_policy=new.version,
        actual=assignment_metrics(actual_matrix, actual),
        simulated=assignment_metrics(new_matrix, dict(chosen)),
    )
