"""A rep's agenda: the touches and SLA clocks due, most urgent first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cli.errors import on_store
from cli.options import AsJson, PolicyFile, policy_from, utc_now
from cli.output import out, print_json

if TYPE_CHECKING:
    from graph.store import GraphStore
    from routing.nurture import AgendaItem

app = typer.Typer()


@app.command()
def agenda(
    rep: Annotated[str, typer.Option("--rep", help="The rep: id, email or LinkedIn URL.")],
    days: Annotated[
        int, typer.Option("--days", help="List touches due within this many days (0-90).")
    ] = 1,
    policy_file: PolicyFile = None,
    as_json: AsJson = False,
) -> None:
    """A rep's due and overdue touches and SLA clocks, most urgent first: overdue first (the
    longest overdue first), then the soonest due. A claim's contact deadline is always listed;
    cadence touches and nurture dates when due within --days."""
    from routing import nurture

    policy = policy_from(policy_file)
    now = utc_now()

    def load(store: GraphStore) -> list[AgendaItem]:
        rep_id = store.resolve_rep(rep).id
        return nurture.agenda(store, owners=rep_id.__eq__, policy=policy, now=now, days=days)

    items = on_store(True, load)
    rows = [
        {
            "lead_id": item.lead.id,
            "title": item.lead.title,
            "company": item.lead.company.name,
            "rep_id": item.rep_id,
            "kind": item.touch.kind,
            "touch": item.touch.number,
            "touches": item.cadence.cadence.touches,
            "due_at": item.touch.due_at,
            "overdue": item.overdue(now),
        }
        for item in items
    ]
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"agenda of {escape(rep)} (touches due within {days} day(s))")
    for column in ("due (UTC)", "", "what", "lead", "company"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            f"{row['due_at']:%Y-%m-%d %H:%M}",
            "overdue" if row["overdue"] else "",
            f"{row['kind']} {row['touch']}/{row['touches']}",
            escape(f"{row['lead_id']}: {row['title']}"),
            escape(str(row["company"])),
        )
    out.print(table)
    overdue = sum(1 for row in rows if row["overdue"])
    out.print(f"{len(rows)} due, {overdue} overdue", highlight=False)
