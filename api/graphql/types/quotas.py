"""Social-selling quotas as the schema shows them: each rep's and team's progress against the
policy's goals in a period, and a recorded introduction."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

import strawberry

from api.auth import Access
from api.graphql.errors import Problem
from api.graphql.types.events import EventType
from api.graphql.types.reps import RepType
from routing.quotas import GoalProgress as Goal
from routing.quotas import Progress, QuotaBoard


@strawberry.enum(description="A social-selling goal (README: what each counts).")
class QuotaGoal(enum.Enum):
    NEW_CONNECTIONS = "new_connections"
    INTRODUCTIONS_REQUESTED = "introductions_requested"
    INTRODUCTIONS_MADE = "introductions_made"
    WARM_CLAIMS = "warm_claims"
    WARM_WINS = "warm_wins"


@strawberry.type(description="Progress against one goal in the period.")
class GoalProgress:
    name: QuotaGoal
    count: int
    goal: int
    attained: float = strawberry.field(description="count / goal (1.0: met; may pass 1).")
    met: bool
    milestone: float | None = strawberry.field(
        description="The highest policy milestone reached (e.g. 0.5, 1.0, 1.5), if any."
    )
    streak: int = strawberry.field(description="Periods in a row this goal was met.")

    @classmethod
    def of(cls, goal: Goal) -> GoalProgress:
        return cls(
            name=QuotaGoal(goal.name),
            count=goal.count,
            goal=goal.goal,
            attained=goal.attained,
            met=goal.met,
            milestone=goal.milestone,
            streak=goal.streak,
        )


@strawberry.type(description="Progress against a set of goals in the period.")
class QuotaProgress:
    goals: list[GoalProgress]
    attainment: float | None = strawberry.field(
        description="Mean over the goals of min(1, count / goal): 1.0 when every goal is met "
        "(none without goals)."
    )
    met: bool
    milestone: float | None = strawberry.field(
        description="The highest milestone every goal reached."
    )
    streak: int = strawberry.field(
        description="Periods in a row every goal was met, up to this one (12 at most before "
        "it; the running period counts once met)."
    )

    @classmethod
    def of(cls, progress: Progress) -> QuotaProgress:
        return cls(
            goals=[GoalProgress.of(g) for g in progress.goals],
            attainment=progress.attainment,
            met=progress.met,
            milestone=progress.milestone,
            streak=progress.streak,
        )


@strawberry.type(description="A rep's progress in the period.")
class RepQuota:
    rep: RepType
    progress: QuotaProgress


@strawberry.type(description="A team's totals: its active reps' counts and goals added up.")
class TeamQuota:
    team: str
    reps: int
    progress: QuotaProgress


@strawberry.type(description="Social-selling quotas in one period.")
class Quotas:
    period: str
    starts_at: datetime
    ends_at: datetime
    reps: list[RepQuota] = strawberry.field(
        description="The reps the caller sees, by name (the first `first` of them if asked)."
    )
    rep_count: int = strawberry.field(description="How many reps the caller sees in all.")
    teams: list[TeamQuota] = strawberry.field(
        description="The totals of the teams the caller sees whole (a manager's, an admin's "
        "every team; none for a rep)."
    )

    @classmethod
    def of(cls, board: QuotaBoard, viewer: Access, *, first: int | None = None) -> Quotas:
        return cls(
            period=board.period.kind,
            starts_at=board.period.starts_at,
            ends_at=board.period.ends_at,
            reps=[
                RepQuota(rep=RepType.of(r.rep, viewer), progress=QuotaProgress.of(r.progress))
                for r in board.reps[:first]
            ],
            rep_count=len(board.reps),
            teams=[
                TeamQuota(team=t.team, reps=t.reps, progress=QuotaProgress.of(t.progress))
                for t in board.teams
            ],
        )


@strawberry.type
class IntroductionRecorded:
    event: EventType


QuotasResult = Annotated[Quotas | Problem, strawberry.union("QuotasResult")]
IntroductionResult = Annotated[
    IntroductionRecorded | Problem, strawberry.union("IntroductionResult")
]
