"""The team page's reports (leaderboard, fairness, quotas) and the agenda, kept between
requests.

Each is read from every lead, the period's events and the rep network (fairness: a score
matrix of up to 2,000 leads), hundreds of milliseconds, and the team page asks all three on
every open. The store keeps each answer (``GraphStore.kept_answer``) by what it depends on: the
report, its arguments, who may see what (role, team, rep) and the policy in force; any write of
this process but a user's drops them all, so the next open after a claim, an import or a breach
is read again (graph/store/caches.py says how long other processes' writes take to show).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from graph.store import GraphStore
from routing import nurture, reports
from routing.leaderboard import Standing, leaderboard
from routing.policy import Policy
from routing.quotas import QuotaBoard, quota_board
from routing.viewer import Viewer


def _seen_by(viewer: Viewer) -> tuple[str, str | None, str | None]:
    """What decides what a report shows a viewer (api/auth.py Access)."""
    user = viewer.user
    return user.role, user.team, user.rep_id


def _hour(now: datetime) -> datetime:
    """The hour of ``now``, in the key: an answer is never carried across a period's or a
    window's start (periods and windows begin on the hour), whatever the store keeps it for."""
    return now.replace(minute=0, second=0, microsecond=0)


def kept_leaderboard(
    store: GraphStore, viewer: Viewer, *, days: int, now: datetime, policy: Policy
) -> list[Standing]:
    """routing/leaderboard.py ``leaderboard`` since ``days`` days before ``now``."""
    key = ("leaderboard", _seen_by(viewer), days, _hour(now), repr(policy))
    return store.kept_answer(
        key,
        lambda: leaderboard(
            store, viewer, since=now - timedelta(days=days), now=now, policy=policy
        ),
    )


def kept_fairness(
    store: GraphStore, viewer: Viewer, *, days: int, now: datetime, policy: Policy
) -> reports.FairnessReport:
    """routing/reports.py ``fairness`` (an invalid ``days`` raises, and nothing is kept)."""
    key = ("fairness", _seen_by(viewer), days, _hour(now), repr(policy))
    return store.kept_answer(
        key, lambda: reports.fairness(store, viewer, policy=policy, now=now, days=days)
    )


def kept_quota_board(
    store: GraphStore,
    viewer: Viewer,
    *,
    policy: Policy,
    now: datetime,
    period: str | None = None,
    at: datetime | None = None,
) -> QuotaBoard:
    """routing/quotas.py ``quota_board`` of the current period (kept), or of the period
    containing ``at`` (read every time: a past period is asked rarely)."""
    if at is not None:
        return quota_board(store, viewer, policy=policy, now=now, period=period, at=at)
    key = ("quotas", _seen_by(viewer), period, _hour(now), repr(policy))
    return store.kept_answer(
        key, lambda: quota_board(store, viewer, policy=policy, now=now, period=period)
    )


def kept_next_touches(
    store: GraphStore,
    viewer: Viewer,
    *,
    owners: Callable[[str], bool],
    rep_id: str | None,
    policy: Policy,
) -> list[nurture.AgendaItem]:
    """routing/nurture.py ``next_touches`` of the leads ``owners`` admits: the agenda before
    its window is cut. It depends on the held leads, their events and the policy, not on the
    time, so the key has no hour; ``owners`` is the viewer's (``rep_id``: one rep of theirs)."""
    key = ("next_touches", _seen_by(viewer), rep_id, repr(policy))
    return store.kept_answer(key, lambda: nurture.next_touches(store, owners=owners, policy=policy))
