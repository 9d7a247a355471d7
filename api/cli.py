"""The ``warmpath`` command line: a thin layer over the library; every error is one line.

Exit codes, the same for every command (``import`` too): 0 done; 1 the command ran but found
problems (invalid rows, a copy that differs, messages the webhook did not take); 2 bad input,
usage or settings; 3 the graph database is unavailable or failed (unreachable, locked by
another process, missing, or it refused the credentials or an operation). The code of an error
comes from its class (``exit_code`` in graph.errors), so every command agrees; ``failed`` below
and ``importers.cli`` are the only places that translate them.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from graph.backends import open_store
from graph.errors import EXIT_DATABASE, EXIT_PROBLEMS, EXIT_USAGE, WarmpathError
from graph.store import GraphStore
from importers.cli import import_app
from routing import explore

if TYPE_CHECKING:
    from api.webhook import Delivery
    from graph.backup import BackupReport

app = typer.Typer(
    name="warmpath",
    help="Route B2B leads to the rep with the warmest path to the buyer.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(import_app, name="import")
policy_app = typer.Typer(help="Check and show routing policies (TOML).", no_args_is_help=True)
app.add_typer(policy_app, name="policy")
users_app = typer.Typer(help="API users and their tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")
sla_app = typer.Typer(help="Contact deadlines (SLA).", no_args_is_help=True)
app.add_typer(sla_app, name="sla")
outbox_app = typer.Typer(
    help="The webhook outbox: leads returned to marketing, kept until delivered.",
    no_args_is_help=True,
)
app.add_typer(outbox_app, name="outbox")
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

T = TypeVar("T")

MaxHops = Annotated[int, typer.Option("--max-hops", help="How far to look: 1, 2 or 3 hops.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _plain(value: Any) -> Any:
    """Records (dataclasses, named tuples), mappings and sequences as JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        plain = {k: _plain(v) for k, v in fields.items()}
        for name in ("warm_owner_rate", "gain_over_greedy"):
            if hasattr(type(value), name):
                plain[name] = getattr(value, name)
        return plain
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, Sequence)) and not isinstance(value, (str, bytes)):
        return [_plain(v) for v in value]
    return value


def _print_json(value: Any) -> None:
    text = json.dumps(_plain(value), default=_json_default, ensure_ascii=False, indent=2)
    sys.stdout.write(text + "\n")


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    """Print ``error: ...`` (a line per problem, e.g. per bad setting); the exit to raise."""
    for line in message.splitlines() or [""]:
        err.print(f"error: {line}", markup=False, highlight=False)
    return typer.Exit(code)


def failed(exc: WarmpathError, suffix: str = "") -> typer.Exit:
    """The one translation of warmpath's errors: their message, and their class's exit code."""
    return fail(f"{exc}{suffix}", exc.exit_code)


@contextmanager
def store_for(*, read_only: bool) -> Iterator[GraphStore]:
    """Open the configured store; translate warmpath's errors into one line and an exit code."""
    try:
        store = open_store(read_only=read_only)
    except WarmpathError as exc:
        raise failed(exc) from None
    try:
        yield store
    except WarmpathError as exc:
        raise failed(exc) from None
    finally:
        store.close()


def _run(read_only: bool, action: Callable[[GraphStore], T]) -> T:
    with store_for(read_only=read_only) as store:
        return action(store)


@app.command()
def near(
    person: Annotated[
        str, typer.Option("--person", help="LinkedIn profile URL, email or person id.")
    ],
    max_hops: MaxHops = 2,
    via: Annotated[
        int, typer.Option("--via", help="At most this many intermediaries per rep.")
    ] = 3,
    as_json: AsJson = False,
) -> None:
    """Every rep within --max-hops of a person: hop distance, who connects them, mutual count."""
    answer = _run(True, lambda s: explore.reps_near(s, person, max_hops=max_hops, max_via=via))
    if as_json:
        _print_json(answer)
        return
    table = Table(title=f"Reps within {max_hops} hops of {answer.person.name} ({answer.person.id})")
    for column in ("hops", "rep", "email", "mutual", "via"):
        table.add_column(column)
    for item in answer.reps:
        via_text = "; ".join(" > ".join(p.name for p in chain) for chain in item.via if chain)
        table.add_row(
            str(item.hops),
            escape(item.rep.name),
            escape(item.rep.email),
            str(item.mutual_count),
            escape(via_text or ("direct" if item.hops == 1 else "see: warmpath paths")),
        )
    out.print(table)
    out.print(f"{len(answer.reps)} reps", highlight=False)


@app.command()
def paths(
    rep: Annotated[str, typer.Option("--rep", help="The rep's email, LinkedIn URL or id.")],
    person: Annotated[
        str, typer.Option("--person", help="LinkedIn profile URL, email or person id.")
    ],
    max_hops: MaxHops = 3,
    limit: Annotated[int, typer.Option("--limit", help="At most this many paths.")] = 5,
    as_json: AsJson = False,
) -> None:
    """The shortest connection paths from a rep to a person, with each tie's source."""
    answer = _run(
        True, lambda s: explore.connection_paths(s, rep, person, max_hops=max_hops, limit=limit)
    )
    if as_json:
        _print_json(answer)
        return
    if not answer.paths:
        out.print(f"No path within {max_hops} hops from {answer.rep.name} to {answer.person.name}.")
        return
    table = Table(
        title=f"{answer.rep.name} -> {answer.person.name}: "
        f"{answer.paths[0].hops} hop(s), {len(answer.paths)} path(s)"
    )
    table.add_column("#")
    table.add_column("path")
    for number, path in enumerate(answer.paths, start=1):
        parts = [path.nodes[0].name]
        for step, node in zip(path.steps, path.nodes[1:], strict=True):
            label = node.name + (f" ({node.title})" if node.title else "")
            parts.append(f"-[{'/'.join(step.sources)}]- {label}")
        table.add_row(str(number), escape(" ".join(parts)))
    out.print(table)


@app.command()
def mutual(
    a: Annotated[str, typer.Option("--a", help="First person: LinkedIn URL, email or id.")],
    b: Annotated[str, typer.Option("--b", help="Second person: LinkedIn URL, email or id.")],
    as_json: AsJson = False,
) -> None:
    """The people two people both know."""
    answer = _run(True, lambda s: explore.mutual_connections(s, a, b))
    if as_json:
        _print_json(answer)
        return
    out.print(f"{len(answer.people)} mutual connections of {answer.a.name} and {answer.b.name}")
    for person in answer.people:
        out.print(
            f"  {person.name}" + (f" - {person.title}" if person.title else ""), highlight=False
        )


@app.command()
def reach(
    company: Annotated[str, typer.Option("--company", help="Company id.")],
    as_json: AsJson = False,
) -> None:
    """For every rep, the people they know who work at a company now."""
    answer = _run(True, lambda s: explore.reach_at_company(s, company))
    if as_json:
        _print_json(answer)
        return
    table = Table(title=f"Reps who know people at {company}")
    table.add_column("rep")
    table.add_column("knows")
    for item in answer:
        table.add_row(escape(item.rep.name), escape(", ".join(p.name for p in item.people)))
    out.print(table)


@app.command()
def background(
    rep: Annotated[str, typer.Option("--rep", help="The rep's email, LinkedIn URL or id.")],
    person: Annotated[
        str, typer.Option("--person", help="LinkedIn profile URL, email or person id.")
    ],
    as_json: AsJson = False,
) -> None:
    """Employers and schools a rep and a person share, with overlapping years."""
    answer = _run(True, lambda s: explore.shared_background(s, rep, person))
    if as_json:
        _print_json(answer)
        return
    shared = answer.background
    out.print(f"{answer.rep.name} and {answer.person.name}:")
    for e in shared.employers:
        out.print(
            f"  worked at {e.company_name} (overlap {e.overlap_years} years)", highlight=False
        )
    for s in shared.schools:
        out.print(
            f"  studied at {s.school_name} (overlap {s.overlap_years} years)", highlight=False
        )
    if not shared.employers and not shared.schools:
        out.print("  no shared employer or school")


@app.command()
def stats(as_json: AsJson = False) -> None:
    """How much the graph holds."""
    counts = _run(True, lambda s: s.counts())
    if as_json:
        _print_json(counts)
        return
    out.print(
        f"{counts.people} people, {counts.reps} reps, {counts.companies} companies, "
        f"{counts.leads} leads, {counts.ties} ties",
        highlight=False,
    )


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
                f"graph already holds data; left as it is ({_counts_line(store)})", highlight=False
            )
        else:
            _load_demo(store, reps=reps, people=people, leads=leads, seed=seed)
        from api.auth import add_user

        _, token = add_user(store, role="admin", name="demo admin", now=_now())
    out.print(f"demo admin token (sign in with it): {token}", highlight=False)


def _load_demo(store: GraphStore, *, reps: int, people: int, leads: int, seed: int) -> None:
    from benchmarks.generator import SCALES, generate_org

    shape = dataclasses.replace(SCALES["demo"], reps=reps, people=people, leads=leads, seed=seed)
    started = time.perf_counter()
    snapshot = generate_org(shape)
    with out.status("loading demo organisation...") as status:

        def progress(table: str, done: int, total: int) -> None:
            status.update(f"loading {table}: {done:,}/{total:,}")

        store.bulk_load(snapshot, progress)
    out.print(
        f"loaded demo organisation in {time.perf_counter() - started:.1f}s ({_counts_line(store)})",
        highlight=False,
    )
    from api.demo import demo_activity

    summary = demo_activity(store, policy=_policy(None), now=_now(), seed=seed)
    out.print(summary, highlight=False)


def _counts_line(store: GraphStore) -> str:
    c = store.counts()
    return (
        f"{c.people} people, {c.reps} reps, {c.companies} companies, {c.leads} leads, {c.ties} ties"
    )


PolicyFile = Annotated[
    Path | None,
    typer.Option(
        "--policy",
        help="Policy TOML file (default: $WARMPATH_POLICY, else the built-in defaults).",
    ),
]


def _policy(path: Path | None) -> Any:
    from routing.policy import current_policy, load_policy

    try:
        return load_policy(path) if path is not None else current_policy()
    except WarmpathError as exc:
        raise failed(exc) from None


def _now() -> datetime:
    return datetime.now(UTC)


@app.command()
def rank(
    lead: Annotated[str, typer.Option("--lead", help="The lead's id.")],
    limit: Annotated[int, typer.Option("--limit", help="Show this many reps.")] = 10,
    policy_file: PolicyFile = None,
    as_json: AsJson = False,
) -> None:
    """Rank every rep for a lead: score, each signal's contribution, the paths to each
    decision-maker, and the reps the rules exclude (with the rule)."""
    from routing.ranking import rank_lead

    if limit < 1:
        raise fail(f"--limit must be 1 or more (got {limit})")
    policy = _policy(policy_file)
    ranking = _run(True, lambda s: rank_lead(s, lead, policy=policy, now=_now(), limit=limit))
    if as_json:
        _print_json(ranking)
        return
    title = (
        f"{ranking.lead.id}: {ranking.lead.title} at {ranking.lead.company.name} "
        f"({ranking.lead.grade}; mode {ranking.mode}, policy {ranking.policy_version})"
    )
    table = Table(title=escape(title))
    for column in ("#", "rep", "score", "top signals", "paths to the committee"):
        table.add_column(column)
    for item in ranking.ranked:
        top = sorted(item.signals, key=lambda s: -s.contribution)[:3]
        signals = ", ".join(f"{s.name} {s.contribution:.3f}" for s in top if s.contribution)
        routes = []
        for member in item.evidence.committee if item.evidence else ():
            if member.hops is None:
                routes.append(f"{member.member.name}: no path")
            elif member.hops == 1:
                routes.append(f"{member.member.name}: knows directly")
            else:
                via = " > ".join(p.name for p in member.paths[0]) if member.paths else "?"
                routes.append(f"{member.member.name}: {member.hops} hops via {via}")
        table.add_row(
            str(item.position),
            escape(item.rep.name + (f" ({item.note})" if item.note else "")),
            f"{item.score:.3f}",
            escape(signals),
            escape("; ".join(routes)),
        )
    out.print(table)
    out.print(
        f"{ranking.eligible} eligible reps, {len(ranking.excluded)} excluded",
        highlight=False,
    )
    for exclusion in ranking.excluded[:limit]:
        out.print(f"  excluded {exclusion.rep.name}: {exclusion.reason}", highlight=False)


@app.command()
def route(
    lead: Annotated[
        str | None, typer.Option("--lead", help="Route this lead (it must be new).")
    ] = None,
    all_unassigned: Annotated[
        bool, typer.Option("--all-unassigned", help="Route every new lead as one batch.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the assignment; write nothing.")
    ] = False,
    policy_file: PolicyFile = None,
    as_json: AsJson = False,
) -> None:
    """Assign new leads to reps by the policy (an optimal batch assignment within every rep's
    capacity in proximity mode) and offer each lead to its rep. Safe to rerun: a lead that is
    no longer new is left alone."""
    from routing.assignment import route_new_leads

    if (lead is None) == (not all_unassigned):
        raise fail("give either --lead ID or --all-unassigned")
    policy = _policy(policy_file)
    now = _now()
    with store_for(read_only=dry_run) as store:
        chosen = None if lead is None else [store.lead(lead)]
        with err.status("routing new leads..."):
            routed = route_new_leads(
                store, policy=policy, now=now, actor="cli:route", leads=chosen, dry_run=dry_run
            )
    result, offered = routed.result, routed.offered
    if result is None:
        out.print("no new leads to route")
        return
    leads = result.assignments
    if as_json:
        _print_json({"result": result, "offered": offered, "dry_run": dry_run})
        return
    table = Table(
        title=f"Routing {len(leads)} lead(s): mode {result.mode}, policy {result.policy_version}"
    )
    for column in ("lead", "rep", "score", "how"):
        table.add_column(column)
    for a in result.assignments[:50]:
        table.add_row(
            escape(a.lead_id),
            escape(a.rep_id or "-"),
            "-" if a.score is None else f"{a.score:.3f}",
            escape(a.how + (" (warm)" if a.warm else "")),
        )
    out.print(table)
    if len(result.assignments) > 50:
        out.print(f"... and {len(result.assignments) - 50} more (use --json for all)")
    _print_metrics_line(result.metrics)
    if result.gain_over_greedy is not None and result.greedy_metrics is not None:
        out.print(
            f"total score {result.metrics.total_score:.2f} vs greedy "
            f"{result.greedy_metrics.total_score:.2f}: {result.gain_over_greedy:+.2%}",
            highlight=False,
        )
    out.print(
        "dry run: nothing written" if dry_run else f"offered {len(offered)} lead(s)",
        highlight=False,
    )


def _print_metrics_line(metrics: Any) -> None:
    rate = metrics.warm_owner_rate
    out.print(
        f"{metrics.assigned}/{metrics.leads} assigned; max {metrics.max_per_rep} per rep, "
        f"Gini {metrics.gini:.3f}; warm owner "
        f"{'n/a' if rate is None else f'{rate:.1%}'}; capacity violations "
        f"{metrics.capacity_violations}; hot leads to penalty-boxed reps "
        f"{metrics.hot_to_penalty_boxed}",
        highlight=False,
    )


@app.command()
def simulate(
    policy_file: Annotated[
        Path, typer.Option("--policy", help="The policy TOML file to try.", show_default=False)
    ],
    since: Annotated[
        str | None, typer.Option("--since", help="Only leads created on or after this date.")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Replay past leads under another policy and compare with the actual assignments
    (fairness, warm-owner rate, capacity, penalty box). Writes nothing."""
    from routing.simulate import simulate as run_simulation

    new = _policy(policy_file)
    current = _policy(None)
    start = None
    if since is not None:
        try:
            start = datetime.combine(date.fromisoformat(since), datetime.min.time(), UTC)
        except ValueError:
            raise fail(f"--since {since!r} is not a date like 2026-10-01") from None
    result = _run(
        True, lambda s: run_simulation(s, current=current, new=new, now=_now(), since=start)
    )
    if as_json:
        _print_json(result)
        return
    table = Table(title=f"{result.leads} routed leads" + (f" since {since}" if since else ""))
    table.add_column("metric")
    table.add_column(f"actual (policy {result.current_policy})")
    table.add_column(f"simulated (policy {result.new_policy})")

    def rate(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.1%}"

    a, b = result.actual, result.simulated
    rows = [
        ("leads assigned", f"{a.assigned}/{a.leads}", f"{b.assigned}/{b.leads}"),
        ("reps with leads", str(len(a.leads_per_rep)), str(len(b.leads_per_rep))),
        ("max leads per rep", str(a.max_per_rep), str(b.max_per_rep)),
        ("mean leads per eligible rep", f"{a.mean_per_rep:.2f}", f"{b.mean_per_rep:.2f}"),
        ("Gini of leads per rep", f"{a.gini:.3f}", f"{b.gini:.3f}"),
        ("warm-owner rate", rate(a.warm_owner_rate), rate(b.warm_owner_rate)),
        ("capacity violations", str(a.capacity_violations), str(b.capacity_violations)),
        (
            "hot leads to penalty-boxed reps",
            str(a.hot_to_penalty_boxed),
            str(b.hot_to_penalty_boxed),
        ),
        ("total score", f"{a.total_score:.2f}", f"{b.total_score:.2f}"),
    ]
    for row in rows:
        table.add_row(*row)
    out.print(table)


@users_app.command("add")
def users_add(
    role: Annotated[str, typer.Option("--role", help="admin, manager or rep.")],
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
            store, role=role, name=name or role, now=_now(), rep_key=rep, team=team
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
    from routing.lifecycle import sweep_sla

    url = _webhook_url()
    policy = _policy(policy_file)
    with store_for(read_only=False) as store:
        result = sweep_sla(store, policy=policy, now=_now(), actor="cli:sla")
        for lead_id, rep_id in result.breaches:
            out.print(f"  {lead_id}: breach by {rep_id}", highlight=False)
        out.print(result.summary(), highlight=False)
        delivery = deliver_due(store, url, now=_now()) if url else None
    if delivery is not None:
        _report_delivery(delivery)


@outbox_app.command("deliver")
def outbox_deliver() -> None:
    """POST every outbox message that is due (leads returned to marketing) to
    WARMPATH_MARKETING_WEBHOOK. Safe to rerun and to run beside the server (each message is
    leased before it is sent, so it is delivered once). Exit 1 when the webhook did not take
    every message due (they stay in the outbox and are retried with backoff)."""
    from api.webhook import deliver_due

    url = _webhook_url()
    if url is None:
        raise fail(
            "WARMPATH_MARKETING_WEBHOOK is not set: set it to the http(s) URL that receives "
            "leads returned to marketing"
        )
    with store_for(read_only=False) as store:
        delivery = deliver_due(store, url, now=_now())
    _report_delivery(delivery)


def _webhook_url() -> str | None:
    from graph.settings import WarmpathSettings

    try:
        return WarmpathSettings.from_env().marketing_webhook
    except WarmpathError as exc:
        raise failed(exc) from None


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
    try:
        source_settings, target_settings = transfer_settings(
            from_uri, to_uri, from_user=from_user, to_user=to_user
        )
    except WarmpathError as exc:
        raise failed(exc) from None
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
        raise fail(f"interrupted: {rerun}", 130) from None
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

    try:
        take = None if server is None else from_server(server, token)
        report = backup(graph_settings_from_env(), path, force=force, take=take)
    except WarmpathError as exc:
        raise failed(exc) from None
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

    try:
        report = restore(graph_settings_from_env(), path, force=force)
    except WarmpathError as exc:
        raise failed(exc) from None
    _print_backup(report, f"{path} restored to {report.path}", as_json)


def _print_backup(report: BackupReport, title: str, as_json: bool) -> None:
    counts = report.counts
    if as_json:
        _print_json({"path": str(report.path), "bytes": report.size, **counts.as_json()})
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


@policy_app.command("check")
def policy_check(
    file: Annotated[Path, typer.Argument(help="The policy TOML file.", show_default=False)],
) -> None:
    """Check a policy file: every mistake is listed with its key; exit 2 if any."""
    from routing.policy import load_policy

    try:
        policy = load_policy(file)
    except WarmpathError as exc:
        raise failed(exc) from None
    out.print(f"{file} is valid: mode {policy.mode}, version {policy.version}", highlight=False)


@policy_app.command("show")
def policy_show(
    file: Annotated[
        Path | None, typer.Argument(help="A policy file (default: the built-in one).")
    ] = None,
) -> None:
    """Print a policy as JSON, with every default filled in, and its version."""
    from routing.policy import load_policy

    try:
        policy = load_policy(file)
    except WarmpathError as exc:
        raise failed(exc) from None
    content = dataclasses.asdict(policy)
    content["hop_warmth"] = {str(k): v for k, v in policy.hop_warmth.items()}
    content["version"] = policy.version
    sys.stdout.write(json.dumps(content, indent=2) + "\n")


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
) -> None:
    """Serve the GraphQL API and the manager page with uvicorn. Every setting and the policy
    file are checked first, then the graph is opened: a bad setting is one line per bad value
    (exit 2), a database that cannot be opened or reached one line (exit 3)."""
    import uvicorn

    from api.app import ApiSettings, create_app
    from api.observability import configure_logging
    from graph.settings import WarmpathSettings
    from routing.policy import current_policy

    try:
        settings = WarmpathSettings.from_env()
        policy = current_policy(settings)
    except WarmpathError as exc:
        raise failed(exc) from None
    configure_logging(settings.log_format)
    try:
        store = open_store(settings.graph)
    except WarmpathError as exc:
        raise failed(exc) from None
    api = create_app(lambda: store, policy=policy, settings=ApiSettings.from_settings(settings))
    try:
        uvicorn.run(api, host=host, port=port, log_config=None)  # logging configured above
    finally:
        store.close()  # the app closes it at shutdown; this covers a server that never started


def _operator() -> str:
    """Who runs a command, for the audit log: the operating-system login."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


@app.command("forget-network")
def forget_network(
    rep: Annotated[str, typer.Argument(help="The rep's email, LinkedIn URL or id.")],
    as_json: AsJson = False,
) -> None:
    """Withdraw a rep's network (the rep withdrew consent): remove the ties that came only from
    their exports (a tie others reported too stays, without their report), the people known
    only through them, their own employers and schools, and their consent. Rankings stop using
    them at once. Leaves a network_forgotten audit event. Safe to rerun."""
    from routing.privacy import forget_network as withdraw

    result = _run(False, lambda s: withdraw(s, rep, actor=_operator(), now=_now()))
    if as_json:
        _print_json(result)
    else:
        out.print(result.summary(), highlight=False)


@app.command("forget-person")
def forget_person(
    key: Annotated[str, typer.Argument(help="The person's LinkedIn URL, email or id.")],
    as_json: AsJson = False,
) -> None:
    """Erase a person (right to erasure): their ties, employments, studies and decision-maker
    links, and their name, id, email and profile URL from the activity log. Tombstones (hashes,
    nothing readable) make every later import skip them. A rep on the roster is refused
    (use forget-network). Leaves a person_erased audit event with counts only."""
    from routing.privacy import forget_person as erase

    result = _run(False, lambda s: erase(s, key, actor=_operator(), now=_now()))
    if as_json:
        _print_json(result)
    else:
        out.print(result.summary(), highlight=False)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
