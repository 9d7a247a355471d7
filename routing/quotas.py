"""Social-selling quotas: each rep's progress against the policy's goals in a period, the
milestone reached and the streak of periods met, with team totals.

What counts, for a rep, in a period (week from Monday 00:00 UTC, calendar month or quarter):

- ``new_connections``: people whose earliest dated tie with the rep's person (a LinkedIn
  export's "Connected On", kept as the tie's ``since``) falls in the period;
- ``introductions_requested``: introductions the rep asked for (``requestIntro``: an
  ``intro_requested`` event), the same lead and person once a period;
- ``introductions_made``: introductions the rep made for a colleague's lead
  (``recordIntroduction``: an ``intro_made`` event naming them as introducer);
- ``warm_claims``: leads the rep claimed while within 2 hops of a decision-maker (the ``warm``
  flag the claim records; a manager's assignment is not a claim, and claims recorded before
  the flag existed are not warm);
- ``warm_wins``: leads the rep won whose latest claim by the rep was warm.

A goal's attainment is count / goal; the rep's attainment is the mean over their goals of
min(1, count / goal) (1.0: every goal met). A milestone (policy ``milestones``, e.g. 50%, 100%,
150%) is reached by a goal when its attainment is at least the milestone, by the rep when every
goal's is. A period is met when every goal is; the streak counts the periods met in a row up to
the asked one (which counts once met, and does not break the streak while it runs), looking
back at most ``STREAK_PERIODS`` periods. A goal's own streak counts the same way for that goal.
Team totals add up the counts and goals of a team's active reps.
"""

from __future__ import annotations

import bisect
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from graph.model import Event, Rep
from graph.store import GraphStore
from routing.errors import InvalidArgument
from routing.introductions import INTRO_MADE, INTRO_REQUESTED, introducer_of
from routing.lifecycle import require_aware
from routing.policy import Policy
from routing.quota_policy import GOALS, PERIODS
from routing.viewer import Viewer

STREAK_PERIODS = 12
"""How many periods before the asked one a streak looks back at."""
NOMINAL_DAYS = {"week": 7, "month": 30, "quarter": 91}
"""A period's length when goals set for one period are asked for another."""
COUNTED_KINDS = (INTRO_REQUESTED, INTRO_MADE, "claimed", "won")
FUTURE_SLACK = timedelta(minutes=5)

Counts = dict[str, dict[str, int]]
"""Per rep, per goal: a count in one period."""


@dataclass(frozen=True)
class Period:
    kind: str
    starts_at: datetime
    ends_at: datetime

    @classmethod
    def containing(cls, kind: str, at: datetime) -> Period:
        day = at.astimezone(UTC).date()
        if kind == "week":
            first = day - timedelta(days=day.weekday())
            start = datetime(first.year, first.month, first.day, tzinfo=UTC)
            return cls(kind, start, start + timedelta(days=7))
        months = 1 if kind == "month" else 3
        month = day.month - (day.month - 1) % months
        start = datetime(day.year, month, 1, tzinfo=UTC)
        after = month - 1 + months
        return cls(kind, start, datetime(day.year + after // 12, after % 12 + 1, 1, tzinfo=UTC))

    def before(self) -> Period:
        return Period.containing(self.kind, self.starts_at - timedelta(days=1))


@dataclass(frozen=True)
class GoalProgress:
    name: str
    count: int
    goal: int
    streak: int
    """Periods in a row this goal was met, up to this one."""
    milestones: tuple[float, ...]

    @property
    def attained(self) -> float:
        return round(self.count / self.goal, 4)

    @property
    def met(self) -> bool:
        return self.count >= self.goal

    @property
    def milestone(self) -> float | None:
        """The highest milestone reached (None: not the first yet)."""
        return max((m for m in self.milestones if self.attained >= m), default=None)


@dataclass(frozen=True)
class Progress:
    """Progress against a set of goals in one period: a rep's or a team's."""

    goals: tuple[GoalProgress, ...]
    streak: int
    """Periods in a row every goal was met, up to this one."""
    milestones: tuple[float, ...]

    @property
    def attainment(self) -> float | None:
        if not self.goals:
            return None
        return round(sum(min(1.0, g.attained) for g in self.goals) / len(self.goals), 4)

    @property
    def met(self) -> bool:
        return bool(self.goals) and all(g.met for g in self.goals)

    @property
    def milestone(self) -> float | None:
        reached = [
            m for m in self.milestones if self.goals and all(g.attained >= m for g in self.goals)
        ]
        return max(reached, default=None)


@dataclass(frozen=True)
class RepQuota:
    rep: Rep
    progress: Progress


@dataclass(frozen=True)
class TeamQuota:
    team: str
    reps: int
    progress: Progress


@dataclass(frozen=True)
class QuotaBoard:
    period: Period
    reps: list[RepQuota]
    teams: list[TeamQuota]


def check_period(kind: str | None, policy: Policy) -> str:
    chosen = policy.quotas.period if kind is None else kind.strip().lower()
    if chosen not in PERIODS:
        raise InvalidArgument(f"`period` must be one of {', '.join(PERIODS)} (got {kind!r})")
    return chosen


def goals_of(policy: Policy, team: str | None, period: str) -> dict[str, int]:
    """A rep's goals for a period of this kind (scaled from the policy's period, rounded up),
    without the goals set to 0."""
    scale = NOMINAL_DAYS[period] / NOMINAL_DAYS[policy.quotas.period]
    return {
        name: goal if scale == 1 else math.ceil(goal * scale)
        for name, goal in policy.quotas.goals_for(team).items()
        if goal > 0
    }


def _detail(event: Event) -> dict[str, object]:
    detail = json.loads(event.detail) if event.detail else {}
    return detail if isinstance(detail, dict) else {}


def _warm_wins(store: GraphStore, wins: Sequence[Event]) -> list[Event]:
    """The wins whose latest claim by the winning rep was warm (one read of their leads)."""
    history = store.events_of_leads(sorted({w.lead_id for w in wins if w.lead_id}))
    warm = []
    for win in wins:
        claims = [
            e
            for e in history.get(win.lead_id or "", [])
            if e.kind == "claimed" and e.rep_id == win.rep_id and e.at <= win.at
        ]
        if claims and _detail(claims[-1]).get("warm") is True:
            warm.append(win)
    return warm


def count_periods(store: GraphStore, periods: Sequence[Period]) -> list[Counts]:
    """Each period's counts per rep and goal (periods consecutive, oldest first): one read of
    the window's new connections, one of its events and one of its won leads' events."""
    starts = [p.starts_at for p in periods]
    counts: list[Counts] = [defaultdict(lambda: dict.fromkeys(GOALS, 0)) for _ in periods]

    def add(rep_id: str | None, at: datetime, goal: str) -> None:
        index = bisect.bisect_right(starts, at) - 1
        if rep_id and 0 <= index < len(periods) and at < periods[index].ends_at:
            counts[index][rep_id][goal] += 1

    since, until = periods[0].starts_at, periods[-1].ends_at
    for found in store.new_connections(since.date(), until.date()):
        day = datetime(found.day.year, found.day.month, found.day.day, tzinfo=UTC)
        add(found.rep_id, day, "new_connections")
    events = store.rep_events_between(COUNTED_KINDS, since, until)
    asked: set[tuple[int, str | None, str | None, object]] = set()
    for event in events:
        if event.kind == INTRO_REQUESTED:
            key = (
                bisect.bisect_right(starts, event.at),
                event.rep_id,
                event.lead_id,
                _detail(event).get("via"),
            )
            if key not in asked:
                asked.add(key)
                add(event.rep_id, event.at, "introductions_requested")
        elif event.kind == INTRO_MADE:
            add(introducer_of(event), event.at, "introductions_made")
        elif event.kind == "claimed" and _detail(event).get("warm") is True:
            add(event.rep_id, event.at, "warm_claims")
    for win in _warm_wins(store, [e for e in events if e.kind == "won"]):
        add(win.rep_id, win.at, "warm_wins")
    return counts


def _progress(
    series: Sequence[Mapping[str, int]], goals: Mapping[str, int], milestones: tuple[float, ...]
) -> Progress:
    """Progress in the last period of ``series`` (one goal's counts per period, oldest first)."""

    def streak(met: Iterable[bool]) -> int:
        flags = list(met)
        current, before = flags[-1], flags[:-1]
        run = 0
        for flag in reversed(before):
            if not flag:
                break
            run += 1
        return run + int(current)

    progress = tuple(
        GoalProgress(
            name=name,
            count=series[-1].get(name, 0),
            goal=goal,
            streak=streak(period.get(name, 0) >= goal for period in series),
            milestones=milestones,
        )
        for name, goal in goals.items()
    )
    everything = streak(
        bool(goals) and all(period.get(n, 0) >= g for n, g in goals.items()) for period in series
    )
    return Progress(goals=progress, streak=everything, milestones=milestones)


def _periods(kind: str, at: datetime, back: int) -> list[Period]:
    periods = [Period.containing(kind, at)]
    for _ in range(back):
        periods.insert(0, periods[0].before())
    return periods


def quota_board(
    store: GraphStore,
    viewer: Viewer,
    *,
    policy: Policy,
    now: datetime,
    period: str | None = None,
    at: datetime | None = None,
    rep_id: str | None = None,
) -> QuotaBoard:
    """The progress of every rep the viewer may see (``rep_id``: of that one) in the period
    containing ``at`` (default: now), and the totals of the teams the viewer sees whole (not
    a rep's: their team's figures are their colleagues'). Three reads, however many reps."""
    kind = check_period(period, policy)
    moment = now if at is None else require_aware(at, "at")
    if moment > now + FUTURE_SLACK:
        raise InvalidArgument("`at` is in the future")
    periods = _periods(kind, moment, STREAK_PERIODS)
    counts = count_periods(store, periods)
    milestones = policy.quotas.milestones
    profiles = store.rep_profiles()
    reps: list[RepQuota] = []
    members: dict[str, list[Rep]] = defaultdict(list)
    for profile in sorted(profiles.values(), key=lambda p: (p.name, p.id)):
        if profile.active and profile.team:
            members[profile.team].append(profile)
        if not viewer.can_see_rep(profile.id) or rep_id not in (None, profile.id):
            continue
        series = [period_counts.get(profile.id, {}) for period_counts in counts]
        goals = goals_of(policy, profile.team, kind)
        reps.append(RepQuota(rep=profile, progress=_progress(series, goals, milestones)))
    teams: list[TeamQuota] = []
    whole_teams = viewer.user.role != "rep" and rep_id is None
    for team, people in sorted(members.items()) if whole_teams else ():
        if not all(viewer.can_see_rep(p.id) for p in people):
            continue
        goals = {name: goal * len(people) for name, goal in goals_of(policy, team, kind).items()}
        series = [
            {name: sum(c.get(p.id, {}).get(name, 0) for p in people) for name in GOALS}
            for c in counts
        ]
        teams.append(
            TeamQuota(team=team, reps=len(people), progress=_progress(series, goals, milestones))
        )
    return QuotaBoard(period=periods[-1], reps=reps, teams=teams)


def attainment_by_rep(store: GraphStore, *, policy: Policy, now: datetime) -> dict[str, float]:
    """Each rep's attainment in the policy's current quota period (the leaderboard's column):
    reps without goals are absent."""
    kind = policy.quotas.period
    (counts,) = count_periods(store, _periods(kind, now, 0))
    found = {}
    for profile in store.rep_profiles().values():
        progress = _progress([counts.get(profile.id, {})], goals_of(policy, profile.team, kind), ())
        if progress.attainment is not None:
            found[profile.id] = progress.attainment
    return found
