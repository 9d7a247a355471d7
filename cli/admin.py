"""Administration: API users, the SLA sweep and the webhook outbox (for cron), moving a graph
between backends, backup and restore of the embedded database, and withdrawal and erasure of
personal data (``forget-network``, ``forget-person``)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cli.errors import (
    EXIT_DATABASE,
    EXIT_INTERRUPTED,
    EXIT_PROBLEMS,
    fail,
    failed,
    on_store,
    store_for,
    translated,
)
from cli.options import AsJson, PolicyFile, operator, policy_from, utc_now, webhook_url
from cli.output import err, out, print_json
from graph.backends import open_store
from graph.errors import WarmpathError
from graph.store import GraphStore

if TYPE_CHECKING:
    from api.webhook import Delivery
    from graph.backup import BackupReport

app = typer.Typer()
forget_app = typer.Typer()
users_app = typer.Typer(help="API users and their tokens.", no_args_is_help=True)
sla_app = typer.Typer(help="Contact deadlines (SLA).", no_args_is_help=True)
outbox_app = typer.Typer(
    help="The webhook outbox: leads returned to marketing, kept until delivered.",
    no_args_is_help=True,
)


@users_app.command("add")
def users_add(
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="admin, manager, rep or intake (a web form or marketing system: it may only "
            "submit leads).",
        ),
    ],
    name: Annotated[str, typer.Option("--name", help="Who this is (shown in the log).")] = "",
    rep: Annotated[
        str | None, typer.Option("--rep", help="For a rep user: the rep's email or id.")
    ] = None,
    team: Annotated[
        str | None, typer.Option("--team", help="For a manager: the team they manage.")
    ] = None,
) -> None:
    """Create an API user and print its bearer token once (only its hash is stored)."""
    from api.auth import add_user

    with store_for(read_only=False) as store:
        user, token = add_user(
            store, role=role, name=name or role, now=utc_now(), rep_key=rep, team=team
        )
    out.print(f"created {user.role} {user.name} ({user.id})", highlight=False)
    out.print(f"token (shown once, keep it secret): {token}", highlight=False)


@sla_app.command("sweep")
def sla_sweep(policy_file: PolicyFile = None) -> None:
    """Find claims past their contact deadline: record the breach, route the lead again
    without that rep; then, when WARMPATH_MARKETING_WEBHOOK is set, deliver the webhook outbox
    (as `warmpath outbox deliver`). Safe to rerun: for cron when the server's sweeper is off
    (WARMPATH_SLA_SWEEP_SECONDS=0). Exit 1 when the webhook did not take every message due
    (they stay in the outbox and are retried with backoff)."""
    from api.webhook import deliver_due
    from routing.sla import sweep_sla

    url = webhook_url()
    policy = policy_from(policy_file)
    with store_for(read_only=False) as store:
        result = sweep_sla(store, policy=policy, now=utc_now(), actor="cli:sla")
        for lead_id, rep_id in result.breaches:
            out.print(f"  {lead_id}: breach by {rep_id}", highlight=False)
        out.print(result.summary(), highlight=False)
        delivery = deliver_due(store, url, now=utc_now()) if url else None
    if delivery is not None:
        _report_delivery(delivery)


@outbox_app.command("deliver")
def outbox_deliver() -> None:
    """POST every outbox message that is due (leads returned to marketing) to
    WARMPATH_MARKETING_WEBHOOK. Safe to rerun and to run beside the server (each message is
    leased before it is sent, so it is delivered once). Exit 1 when the webhook did not take
    every message due (they stay in the outbox and are retried with backoff)."""
    from api.webhook import deliver_due

    url = webhook_url()
    if url is None:
        raise fail(
            "WARMPATH_MARKETING_WEBHOOK is not set: set it to the http(s) URL that receives "
            "leads returned to marketing"
        )
    with store_for(read_only=False) as store:
        delivery = deliver_due(store, url, now=utc_now())
    _report_delivery(delivery)


def _report_delivery(delivery: Delivery) -> None:
    out.print(f"outbox: {delivery.delivered} delivered, {delivery.failed} failed", highlight=False)
    if delivery.failed:
        raise fail(
            f"the marketing webhook did not take {delivery.failed} message(s): they stay in "
            "the outbox and are retried with backoff (the reasons are logged above)",
            EXIT_PROBLEMS,
        )


@app.command("transfer")
def transfer_graph(
    from_uri: Annotated[
        str,
        typer.Option(
            "--from",
            help="The graph to copy: ladybug://path/file.lbdb, or bolt://host:7687, "
            "neo4j://host:7687 (+s / +ssc).",
            show_default=False,
        ),
    ],
    to_uri: Annotated[
        str,
        typer.Option(
            "--to",
            help="The graph to copy into, same forms (a new LadybugDB file is created).",
            show_default=False,
        ),
    ],
    from_user: Annotated[
        str | None,
        typer.Option("--from-user", help="Neo4j user of --from (default $WARMPATH_NEO4J_USER)."),
    ] = None,
    to_user: Annotated[
        str | None,
        typer.Option("--to-user", help="Neo4j user of --to (default $WARMPATH_NEO4J_USER)."),
    ] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Rows per write.")] = 5_000,
) -> None:
    """Copy a whole warmpath graph from one backend to another: LadybugDB to Neo4j, Neo4j to
    LadybugDB, or between two graphs of one kind. Everything is copied with every property:
    people and their ties, companies, schools, employments, studies, reps, leads with their
    companies and buying committees, the activity log, API users and the webhook outbox.

    Neo4j credentials come from WARMPATH_NEO4J_USER and WARMPATH_NEO4J_PASSWORD (and
    WARMPATH_NEO4J_DATABASE) for both ends; --from-user / --to-user and
    WARMPATH_FROM_NEO4J_PASSWORD / WARMPATH_TO_NEO4J_PASSWORD set one end alone.

    Safe to rerun: rows are merged by id, so a rerun after an interruption writes only what is
    still missing, and nothing twice. The target may already hold a different graph: it is
    merged into (the source's values win, the target's other rows stay, and the final check
    lists them as differences). The source is only read; stop the server first (a LadybugDB
    source is locked during the copy, and its tables are brought up to date if an older
    warmpath wrote it).

    Ends by comparing both graphs per label and relationship type, row counts and a checksum
    of every row: exit 0 when they match, 1 when they differ (what differs is listed), 2 on a
    bad URI or the same graph given twice, 3 when a graph cannot be opened or reached.
    """

    from graph.settings import LadybugSettings
    from graph.transfer import KINDS, transfer, transfer_settings

    if batch_size < 1:
        raise fail(f"--batch-size must be 1 or more (got {batch_size})")
    with translated():
        source_settings, target_settings = transfer_settings(
            from_uri, to_uri, from_user=from_user, to_user=to_user
        )
    width = max(len(kind.name) for kind in KINDS) + len(" (check)")
    shown: dict[str, float] = {}

    def progress(label: str, done: int, total: int) -> None:
        # a line per label when it is done, and every 2 seconds while it runs
        now = time.monotonic()
        if done >= total or now - shown.setdefault(label, now) >= 2.0:
            shown[label] = now
            err.print(f"  {label:<{width}} {done:>12,} / {total:,}", highlight=False)

    if isinstance(source_settings, LadybugSettings) and not source_settings.path.exists():
        raise fail(
            f"--from: no database at {source_settings.path}: is the path right?", EXIT_DATABASE
        )
    rerun = "what was copied stays: run the same command again to finish"
    stores: list[GraphStore] = []
    try:
        # a LadybugDB source is opened for writing: a file of an older warmpath gets the current
        # tables, and no other process can change it during the copy
        for option, settings, read_only in (
            ("--from", source_settings, not isinstance(source_settings, LadybugSettings)),
            ("--to", target_settings, False),
        ):
            try:
                stores.append(open_store(settings, read_only=read_only))
            except WarmpathError as exc:
                message = str(exc).replace("WARMPATH_GRAPH_URI", option)
                raise fail(f"{option}: {message}", exc.exit_code) from None
        err.print(f"copying {from_uri} -> {to_uri}", highlight=False)
        report = transfer(stores[0], stores[1], batch_size=batch_size, progress=progress)
    except KeyboardInterrupt:
        raise fail(f"interrupted: {rerun}", EXIT_INTERRUPTED) from None
    except WarmpathError as exc:
        raise failed(exc, f" ({rerun})") from None
    finally:
        for store in stores:
            store.close()
    table = Table(title=f"{from_uri} -> {to_uri}")
    for column in ("label / type", "source", "target", "checksum", ""):
        table.add_column(column)
    for check in report.checks:
        table.add_row(
            check.kind,
            f"{check.source_rows:,}",
            f"{check.target_rows:,}",
            check.source_digest[:16],
            "same" if check.matches else "DIFFERS",
        )
    out.print(table)
    for check in report.differences:
        out.print(f"  {check.kind}: {check.describe()}", highlight=False, markup=False)
    out.print(report.summary(), highlight=False)
    if not report.matches:
        raise fail(
            f"the target differs from the source in {len(report.differences)} of "
            f"{len(report.checks)} labels and relationship types (listed above): rerun to "
            "finish an interrupted copy",
            EXIT_PROBLEMS,
        )


@app.command("backup")
def backup_command(
    path: Annotated[
        Path,
        typer.Argument(help="The backup file to write (one LadybugDB file).", show_default=False),
    ],
    force: Annotated[bool, typer.Option("--force", help="Replace PATH if it exists.")] = False,
    server: Annotated[
        str | None,
        typer.Option(
            "--server",
            help="Back up through the running server at this URL, e.g. http://127.0.0.1:8000 "
            "(needs an admin's token).",
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="WARMPATH_TOKEN",
            help="An admin's token, for --server.",
            show_default=False,
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Back up the embedded database (WARMPATH_GRAPH_URI) to one file, consistent even while
    the server writes: with --server the server copies it under its write lock after a
    checkpoint (writes wait for the copy, reads go on); without it this command opens the
    database itself, so the server must be stopped. PATH gets the file only once it has been
    opened and counted (never a half-written backup). Prints the rows of every node and
    relationship table. Neo4j: use neo4j-admin database dump/load."""
    from api.backup import from_server
    from graph.backup import backup
    from graph.settings import graph_settings_from_env

    with translated():
        take = None if server is None else from_server(server, token)
        report = backup(graph_settings_from_env(), path, force=force, take=take)
    _print_backup(report, f"backup written to {report.path}", as_json)


@app.command("restore")
def restore_command(
    path: Annotated[
        Path, typer.Argument(help="A backup file written by warmpath backup.", show_default=False)
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Replace the database at WARMPATH_GRAPH_URI.")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Restore a backup into the configured database (WARMPATH_GRAPH_URI). Stop the server
    first: this refuses while a process holds the database, and refuses to replace one without
    --force. The backup is copied next to the database, opened, brought up to the current
    tables and counted before it replaces anything; on a failure the old database stays as it
    was. Prints the rows of every table. Neo4j: use neo4j-admin database dump/load."""
    from graph.backup import restore
    from graph.settings import graph_settings_from_env
    from routing.privacy import forget_person

    with translated():
        settings = graph_settings_from_env()
        report = restore(settings, path, force=force)
        if report.erase_again:  # erasures made since the backup stay made
            with store_for(read_only=False) as store:
                for person_id in report.erase_again:
                    forget_person(store, person_id, actor="cli:restore", now=utc_now())
    _print_backup(report, f"{path} restored to {report.path}", as_json)
    if report.tombstones_carried and not as_json:
        out.print(
            f"kept {report.tombstones_carried} erasure tombstone(s) of the replaced database; "
            f"erased again {len(report.erase_again)} person(s) the backup still held",
            highlight=False,
        )


def _print_backup(report: BackupReport, title: str, as_json: bool) -> None:
    counts = report.counts
    if as_json:
        print_json(
            {
                "path": str(report.path),
                "bytes": report.size,
                **counts.as_json(),
                "tombstones_carried": report.tombstones_carried,
                "erased_again": len(report.erase_again),
            }
        )
        return
    table = Table(title=escape(title))
    for column in ("table", "kind", "rows"):
        table.add_column(column)
    for kind, tables in (("node", counts.nodes), ("relationship", counts.relationships)):
        for name, rows in tables.items():
            table.add_row(escape(name), kind, f"{rows:,}")
    out.print(table)
    out.print(
        f"{report.path}: {report.size / 1024**2:,.1f} MiB; {sum(counts.nodes.values()):,} "
        f"nodes in {len(counts.nodes)} tables, {sum(counts.relationships.values()):,} "
        f"relationships in {len(counts.relationships)} tables",
        highlight=False,
        markup=False,
    )


@forget_app.command("forget-network")
def forget_network(
    rep: Annotated[str, typer.Argument(help="The rep's email, LinkedIn URL or id.")],
    as_json: AsJson = False,
) -> None:
    """Withdraw a rep's network (the rep withdrew consent): remove the ties that came only from
    their exports (a tie others reported too stays, without their report), the people known
    only through them, their own employers and schools, and their consent. Rankings stop using
    them at once. Leaves a network_forgotten audit event. Safe to rerun."""
    from routing.privacy import forget_network as withdraw

    result = on_store(False, lambda s: withdraw(s, rep, actor=operator(), now=utc_now()))
    if as_json:
        print_json(result)
    else:
        out.print(result.summary(), highlight=False)


@forget_app.command("forget-person")
def forget_person(
    key: Annotated[str, typer.Argument(help="The person's LinkedIn URL, email or id.")],
    as_json: AsJson = False,
) -> None:
    """Erase a person (right to erasure): their ties, employments, studies and decision-maker
    links, and their name, id, email and profile URL from the activity log. Tombstones (hashes,
    nothing readable) make every later import skip them. A rep on the roster is refused
    (use forget-network). Leaves a person_erased audit event with counts only."""
    from routing.privacy import forget_person as erase

    result = on_store(False, lambda s: erase(s, key, actor=operator(), now=utc_now()))
    if as_json:
        print_json(result)
    else:
        out.print(result.summary(), highlight=False)
