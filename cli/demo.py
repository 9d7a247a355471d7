"""``warmpath demo``: load the demo organisation (package ``demo``) into an empty graph, with
recent activity, and print a new admin token."""

from __future__ import annotations

import dataclasses
import time
from typing import Annotated

import typer

from cli.errors import fail, store_for
from cli.options import policy_from, utc_now
from cli.output import counts_line, out
from graph.store import GraphStore

app = typer.Typer()


@app.command()
def demo(
    reps: Annotated[int, typer.Option("--reps", help="How many reps.")] = 200,
    people: Annotated[
        int, typer.Option("--people", help="How many people in the network.")
    ] = 60_000,
    leads: Annotated[int, typer.Option("--leads", help="How many leads.")] = 500,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed: same seed, same organisation.")
    ] = 7,
) -> None:
    """Load a synthetic demo organisation into the configured graph, if the graph is empty,
    with recent activity (offers, claims, one overdue claim), and print a new admin token.

    Safe to rerun: a graph that already holds people is left as it is (a new token is made).
    """
    if reps < 1 or leads < 0 or people <= reps:
        raise fail("--reps must be at least 1, --leads 0 or more, and --people more than --reps")
    with store_for(read_only=False) as store:
        if store.counts().people > 0:
            out.print(
                f"graph already holds data; left as it is ({counts_line(store.counts())})",
                highlight=False,
            )
        else:
            _load_demo(store, reps=reps, people=people, leads=leads, seed=seed)
        from api.auth import add_user

        _, token = add_user(store, role="admin", name="demo admin", now=utc_now())
    out.print(f"demo admin token (sign in with it): {token}", highlight=False)


def _load_demo(store: GraphStore, *, reps: int, people: int, leads: int, seed: int) -> None:
    from demo.activity import demo_activity
    from demo.connections import connect_customers
    from demo.organisation import SCALES, generate_org
    from demo.social import demo_social

    shape = dataclasses.replace(SCALES["demo"], reps=reps, people=people, leads=leads, seed=seed)
    started = time.perf_counter()
    snapshot = generate_org(shape)
    with out.status("loading demo organisation...") as status:

        def progress(table: str, done: int, total: int) -> None:
            status.update(f"loading {table}: {done:,}/{total:,}")

        store.bulk_load(snapshot, progress)
    out.print(
        f"loaded demo organisation in {time.perf_counter() - started:.1f}s "
        f"({counts_line(store.counts())})",
        highlight=False,
    )
    policy, now = policy_from(None), utc_now()
    person_ids = [str(i) for i in snapshot.tables["Person"].column("id").to_pylist()]
    out.print(
        demo_social(store, policy=policy, now=now, people=person_ids, seed=seed), highlight=False
    )
    summary = demo_activity(store, policy=policy, now=now, seed=seed)
    out.print(summary, highlight=False)
    out.print(connect_customers(store, seed=seed), highlight=False)
