"""Social-selling quotas: each rep's progress against the policy's goals in a period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cli.errors import fail, on_store
from cli.options import AsJson, PolicyFile, operator, policy_from, utc_now
from cli.output import out, print_json
from graph.model import User
from routing.quota_policy import GOALS

if TYPE_CHECKING:
    from graph.store import GraphStore
    from routing.quotas import Progress, QuotaBoard

app = typer.Typer()
HEADINGS = ("connections", "intros asked", "intros made", "warm claims", "warm wins")
"""The goals' column headings, in the order of GOALS."""


@dataclass(frozen=True)
class _Operator:
    """Whoever runs the command sees every rep, as an admin does."""

    user: User

    def can_see_rep(self, rep_id: str) -> bool:
        return True


def _row(name: str, progress: Progress) -> dict[str, object]:
    return {
        "name": name,
        "attainment": progress.attainment,
        "met": progress.met,
        "milestone": progress.milestone,
        "streak": progress.streak,
        "goals": {
            g.name: {"count": g.count, "goal": g.goal, "attained": g.attained, "streak": g.streak}
            for g in progress.goals
        },
    }


@app.command()
def quotas(
    period: Annotated[
        str | None,
        typer.Option("--period", help="week, month or quarter (default: the policy's)."),
    ] = None,
    rep: Annotated[
        str | None, typer.Option("--rep", help="One rep: id, email or LinkedIn URL.")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at", help="The period containing this time (ISO, with a zone; default: now)."
        ),
    ] = None,
    policy_file: PolicyFile = None,
    as_json: AsJson = False,
) -> None:
    """Each rep's social-selling progress in the current period: count / goal for new
    connections, introductions asked and made, warm claims and warm wins; the attainment, the
    milestone reached and the streak of periods met; then the team totals. Read-only."""
    from routing.quotas import quota_board

    policy = policy_from(policy_file)
    try:
        moment = None if at is None else datetime.fromisoformat(at)
    except ValueError:
        raise fail(f"--at {at!r} is not a time: use ISO 8601, e.g. 2026-11-22T12:00:00Z") from None
    viewer = _Operator(User(id="cli", name=operator(), role="admin"))

    def load(store: GraphStore) -> QuotaBoard:
        rep_id = None if rep is None else store.resolve_rep(rep).id
        return quota_board(
            store, viewer, policy=policy, now=utc_now(), period=period, at=moment, rep_id=rep_id
        )

    board = on_store(True, load)
    rows = [(r.rep.name, r.progress) for r in board.reps]
    rows += [(f"team {t.team} ({t.reps})", t.progress) for t in board.teams]
    if as_json:
        print_json(
            {
                "period": board.period.kind,
                "starts_at": board.period.starts_at,
                "ends_at": board.period.ends_at,
                "reps": [{"rep_id": r.rep.id, **_row(r.rep.name, r.progress)} for r in board.reps],
                "teams": [{"reps": t.reps, **_row(t.team, t.progress)} for t in board.teams],
            }
        )
        return
    table = Table(title=f"quotas, {board.period.kind} from {board.period.starts_at:%Y-%m-%d} (UTC)")
    for column in ("rep", *HEADINGS, "attained", "milestone", "streak"):
        table.add_column(column)
    for name, progress in rows:
        goals = {g.name: f"{g.count}/{g.goal}" for g in progress.goals}
        attainment, milestone = progress.attainment, progress.milestone
        table.add_row(
            escape(name),
            *(goals.get(goal, "") for goal in GOALS),
            "n/a" if attainment is None else f"{attainment:.0%}",
            "" if milestone is None else f"{milestone:.0%}",
            str(progress.streak),
        )
    out.print(table)
