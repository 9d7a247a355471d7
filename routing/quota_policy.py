"""The policy's social-selling quotas (``[quotas]`` in routing/default_policy.toml): the period,
each rep's goals per period, a team's own goals (``[quotas.teams."EMEA Enterprise"]``) and the
milestones. Read and checked here, with one problem per bad value, for routing/policy.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PERIODS = ("week", "month", "quarter")
GOALS = (
    "new_connections",
    "introductions_requested",
    "introductions_made",
    "warm_claims",
    "warm_wins",
)
"""The goals, in the order they are shown."""
MAX_GOAL = 10_000
MAX_TEAMS = 200


@dataclass(frozen=True)
class QuotaPolicy:
    period: str
    """The period the goals are set for: week (from Monday 00:00 UTC), month or quarter."""
    goals: dict[str, int]
    """Each rep's goal per period (0: no goal)."""
    teams: dict[str, dict[str, int]]
    """A team's own goals for each of its reps (the other goals stay the default ones)."""
    milestones: tuple[float, ...]
    """Shares of a goal worth celebrating, ascending (0.5, 1.0, 1.5)."""

    def goals_for(self, team: str | None) -> dict[str, int]:
        """A rep's goals: their team's, else the default ones."""
        return self.teams.get(team or "", self.goals)


def _goal_table(
    where: str, table: Any, base: Mapping[str, int], problems: list[str]
) -> dict[str, int]:
    goals = dict(base)
    if not isinstance(table, dict):
        problems.append(f"{where}: must be a table of goals ({', '.join(GOALS)})")
        return goals
    for name, value in table.items():
        if name not in GOALS:
            problems.append(f"{where}.{name}: unknown goal (allowed: {', '.join(GOALS)})")
        elif isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{where}.{name}: must be a whole number of times (got {value!r})")
        elif not 0 <= value <= MAX_GOAL:
            problems.append(f"{where}.{name}: must be between 0 and {MAX_GOAL} (got {value})")
        else:
            goals[name] = value
    return goals


def _milestones(value: Any, default: tuple[float, ...], problems: list[str]) -> tuple[float, ...]:
    if (
        not isinstance(value, list)
        or not value
        or any(isinstance(v, bool) or not isinstance(v, int | float) or v <= 0 for v in value)
    ):
        problems.append(
            f"quotas.milestones: must be a list of shares above 0, e.g. [0.5, 1.0, 1.5] "
            f"(got {value!r})"
        )
        return default
    if sorted(set(value)) != list(value):
        problems.append(f"quotas.milestones: must rise, each once (got {value!r})")
        return default
    return tuple(float(v) for v in value)


def read_quotas(default: Mapping[str, Any], given: Any, problems: list[str]) -> QuotaPolicy:
    """The ``[quotas]`` table read over the defaults; every bad value adds its own problem."""
    if not isinstance(given, dict):
        problems.append("quotas: must be a table [quotas]")
        given = {}
    base = {name: int(default[name]) for name in GOALS}
    allowed = ("period", *GOALS, "milestones", "teams")
    period = given.get("period", default["period"])
    if period not in PERIODS:
        problems.append(f"quotas.period: {period!r} is not one of {', '.join(PERIODS)}")
        period = default["period"]
    goals = _goal_table("quotas", {k: v for k, v in given.items() if k in GOALS}, base, problems)
    for key in given:
        if key not in allowed:
            problems.append(f"quotas.{key}: unknown key (allowed: {', '.join(allowed)})")
    default_milestones = tuple(float(v) for v in default["milestones"])
    milestones = _milestones(
        given.get("milestones", list(default_milestones)), default_milestones, problems
    )
    teams: dict[str, dict[str, int]] = {}
    given_teams = given.get("teams", {})
    if not isinstance(given_teams, dict):
        problems.append('quotas.teams: must be tables, e.g. [quotas.teams."EMEA Enterprise"]')
        given_teams = {}
    if len(given_teams) > MAX_TEAMS:
        problems.append(f"quotas.teams: at most {MAX_TEAMS} teams (got {len(given_teams)})")
        given_teams = {}
    for team, table in given_teams.items():
        if not team.strip():
            problems.append("quotas.teams: a team needs a name")
            continue
        teams[team] = _goal_table(f'quotas.teams."{team}"', table, goals, problems)
    return QuotaPolicy(period=period, goals=goals, teams=teams, milestones=milestones)
