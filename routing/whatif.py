"""What-if: a candidate policy replayed over the leads of the last N days, next to the policy in
force, with every lead that would change owner and why, before anyone applies it.

Both sides are replays (routing/simulate.py): the same leads, routed again as one batch against
today's roster, once under the policy in force and once under the candidate, so that a change of
owner is the policy's doing and not the difference between then and now. What actually happened
(the owners as recorded, measured by the policy in force) is given alongside. A change's reason
names what made the difference: a rule that now excludes the first owner, another mode, or the
signal whose weighted contribution moved most towards the new owner, with both reps' values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from graph.model import LeadReach, LeadView
from graph.store import GraphStore
from routing.accounts import account_owners
from routing.errors import InvalidArgument
from routing.metrics import AssignmentMetrics, assignment_metrics
from routing.policy import Policy
from routing.ranking import SIGNALS, LeadScores, score_lead
from routing.roster import OWNER_STATUSES, ProfileMatch, Roster
from routing.simulate import Replay, actual_owners, replay, replayed_leads

MAX_DAYS = 365
MAX_CHANGES = 200
"""Changes listed at most (``changed`` counts them all)."""


@dataclass(frozen=True)
class ReplaySide:
    policy_version: str
    metrics: AssignmentMetrics
    leads_per_rep: dict[str, int]
    """Only the reps the caller may see."""


@dataclass(frozen=True)
class OwnerChange:
    lead: LeadView
    before: str | None
    after: str | None
    reason: str


@dataclass(frozen=True)
class WhatIf:
    days: int
    leads: int
    actual: ReplaySide
    current: ReplaySide
    candidate: ReplaySide
    changes: list[OwnerChange]
    changed: int


def check_days(days: int) -> int:
    if not 1 <= days <= MAX_DAYS:
        raise InvalidArgument(f"days must be between 1 and {MAX_DAYS} (got {days})")
    return days


def what_if(
    store: GraphStore,
    *,
    current: Policy,
    candidate: Policy,
    now: datetime,
    days: int = 30,
    can_see_rep: Callable[[str], bool] = lambda rep_id: True,
) -> WhatIf:
    """Replay the leads created in the last ``days`` days under the policy in force and under
    ``candidate``; the leads whose owner changes (those involving a rep the caller may see:
    their owner then, under either policy), the first MAX_CHANGES explained. Writes nothing."""
    check_days(days)
    leads, reaches, roster = replayed_leads(store, current, now, now - timedelta(days=days))
    before = replay(store, leads, reaches, roster, current, now)
    after = replay(store, leads, reaches, roster, candidate, now)
    actual = assignment_metrics(before.matrix, actual_owners(before.matrix))
    ids = roster.rep_ids

    def rep(chosen: Mapping[int, int], row: int) -> str | None:
        index = chosen.get(row)
        return None if index is None else ids[index]

    changed = []
    for row, lead in enumerate(leads):
        first, then = rep(before.chosen, row), rep(after.chosen, row)
        if first == then:
            continue
        involved = (first, then, lead.owner_rep_id)
        if any(r is not None and can_see_rep(r) for r in involved):
            changed.append((row, first, then))
    explain = _Explainer(store, reaches, before, after)
    changes = [
        OwnerChange(lead=leads[row], before=first, after=then, reason=explain(row))
        for row, first, then in changed[:MAX_CHANGES]
    ]

    def side(version: str, metrics: AssignmentMetrics) -> ReplaySide:
        shown = {r: n for r, n in metrics.leads_per_rep.items() if can_see_rep(r)}
        return ReplaySide(policy_version=version, metrics=metrics, leads_per_rep=shown)

    return WhatIf(
        days=days,
        leads=len(leads),
        actual=side(current.version, actual),
        current=side(current.version, before.metrics),
        candidate=side(candidate.version, after.metrics),
        changes=changes,
        changed=len(changed),
    )


class _Explainer:
    """Why one lead's owner differs between two replays, in words."""

    def __init__(
        self,
        store: GraphStore,
        reaches: Mapping[str, LeadReach],
        before: Replay,
        after: Replay,
    ) -> None:
        self.before = before
        self.after = after
        self.reaches = reaches
        self.owners = account_owners(store, OWNER_STATUSES)
        self.matches = (ProfileMatch(before.matrix.roster), ProfileMatch(after.matrix.roster))

    def scores(self, row: int, side: int) -> LeadScores:
        """Every signal of the lead under one side's policy (what its score matrix summed)."""
        matrix = (self.before, self.after)[side].matrix
        lead = matrix.leads[row]
        return score_lead(
            lead, self.reaches[lead.id], matrix.roster, self.matches[side], self.owners
        )

    def __call__(self, row: int) -> str:
        old = self.before.matrix.roster
        new = self.after.matrix.roster
        first, then = self.before.chosen.get(row), self.after.chosen.get(row)
        was, now = self.scores(row, 0), self.scores(row, 1)
        if then is None:
            why = _excluded(now, first) if first is not None else ""
            return f"nobody eligible under the candidate{': ' + why if why else ''}"
        if first is None:
            return f"nobody was eligible under the policy in force; {_name(new, then)} is now"
        if first in now.reasons:
            return _excluded(now, first) + f"; {_name(new, then)} gets it"
        if old.policy.mode != new.policy.mode:
            return f"mode {old.policy.mode} -> {new.policy.mode}: {_name(new, then)} comes first"
        if then in was.reasons:
            rule, _ = was.reasons[then][0]
            return f"{_name(new, then)} no longer excluded by {rule}"
        signal, gain = _decisive(was, now, then, first)
        if gain > 1e-9:
            before_weight, after_weight = was.weights[signal], now.weights[signal]
            values = _values(signal, now, new, then, first)
            if before_weight != after_weight:
                return f"{signal} weight {before_weight:g} -> {after_weight:g}: {values}"
            return f"{signal} counts differently under the candidate: {values}"
        share = (old.policy.max_share_over_mean, new.policy.max_share_over_mean)
        if share[0] != share[1]:
            return (
                f"fairness cap max_share_over_mean {share[0]:g} -> {share[1]:g}: "
                f"{_name(new, first)} has other leads of the batch"
            )
        return f"{_name(new, first)} has other leads of the batch (capacity, fairness)"


def _name(roster: Roster, index: int) -> str:
    return roster.refs[index].name


def _excluded(scores: LeadScores, index: int) -> str:
    rule, reason = scores.reasons[index][0]
    return f"excluded by {rule} ({reason})"


def _decisive(was: LeadScores, now: LeadScores, then: int, first: int) -> tuple[str, float]:
    """The signal whose weighted contribution moved most towards ``then`` over ``first``."""

    def lead_of(scores: LeadScores, signal: str) -> float:
        total = sum(scores.weights.values()) or 1.0
        values = scores.values[signal]
        return float(scores.weights[signal] * (values[then] - values[first]) / total)

    gains = {s: lead_of(now, s) - lead_of(was, s) for s in SIGNALS}
    best = max(SIGNALS, key=lambda s: gains[s])
    return best, gains[best]


def _values(signal: str, scores: LeadScores, roster: Roster, then: int, first: int) -> str:
    """Both reps' values of a signal: the first owner's load as open leads / capacity."""
    if signal == "load":

        def load(index: int) -> str:
            capacity = roster.capacity[index]
            room = "no limit" if np.isinf(capacity) else str(int(capacity))
            return f"{int(roster.open_leads[index])}/{room}"

        return f"{_name(roster, first)} is at {load(first)}, {_name(roster, then)} at {load(then)}"
    values = scores.values[signal]
    return (
        f"{_name(roster, then)} {float(values[then]):.2f}, "
        f"{_name(roster, first)} {float(values[first]):.2f}"
    )
