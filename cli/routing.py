"""Ranking and routing: rank the reps for a lead, route new leads, replay past leads under
another policy, and check or show a policy file."""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cli.errors import fail, on_store, store_for, translated
from cli.options import AsJson, PolicyFile, policy_from, utc_now
from cli.output import err, out, print_json

if TYPE_CHECKING:
    from graph.store import GraphStore
    from routing.metrics import AssignmentMetrics
    from routing.policy import Policy
    from routing.policy_versions import PolicyVersion
    from routing.ranking import Ranking

app = typer.Typer()
policy_app = typer.Typer(
    help="Check, show and apply routing policies (TOML), and list the versions applied.",
    no_args_is_help=True,
)


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
    policy = policy_from(policy_file)

    def ranked(store: GraphStore) -> Ranking:
        found = rank_lead(store, lead, policy=policy, now=utc_now(), limit=limit)
        for item in found.ranked[:]:  # each rep's evidence is built when first read, and
            if item.evidence is not None:  # its references too: read them while open
                len(item.evidence.references)
        return found

    ranking = on_store(True, ranked)
    if as_json:
        print_json(ranking)
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
    policy = policy_from(policy_file)
    now = utc_now()
    with store_for(read_only=dry_run) as store:
        chosen = None if lead is None else [store.lead(lead)]
        with err.status("routing new leads..."):
            routed = route_new_leads(
                store,
                policy=policy,
                now=now,
                actor="cli:route",
                leads=chosen,
                dry_run=dry_run,
                compare=True,  # it prints the score kept
            )
    result, offered = routed.result, routed.offered
    if result is None:
        out.print("no new leads to route")
        return
    leads = result.assignments
    if as_json:
        print_json({"result": result, "offered": offered, "dry_run": dry_run})
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


def _print_metrics_line(metrics: AssignmentMetrics) -> None:
    rate = metrics.warm_owner_rate
    out.print(
        f"{metrics.assigned}/{metrics.leads} assigned; max {metrics.max_per_rep} per rep, "
        f"Gini {metrics.gini:.3f}; warm owner "
        f"{'n/a' if rate is None else f'{rate:.1%}'}; one-hop owner "
        f"{'n/a' if metrics.one_hop_owner_rate is None else f'{metrics.one_hop_owner_rate:.1%}'}; "
        f"score kept {'n/a' if metrics.score_kept is None else f'{metrics.score_kept:.1%}'}; "
        "capacity violations "
        f"{metrics.capacity_violations}; hot leads to penalty-boxed reps "
        f"{metrics.hot_to_penalty_boxed}",
        highlight=False,
    )


@app.command()
def simulate(
    policy_file: Annotated[
        Path | None,
        typer.Option(
            "--policy",
            help="The policy TOML file to try (with --frontier: default the one in force).",
            show_default=False,
        ),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only leads created on or after this date.")
    ] = None,
    frontier: Annotated[
        bool,
        typer.Option(
            "--frontier",
            help="Replay under a range of fairness settings (max_share_over_mean), from round "
            "robin to the unconstrained optimum.",
        ),
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Replay past leads under another policy and compare with the actual assignments
    (fairness, warm-owner rate, capacity, penalty box); or, with --frontier, under a range of
    fairness settings: score kept (of the unconstrained optimum's), warm-owner and one-hop-owner
    rates, Gini of leads per rep and most leads to one rep. Writes nothing."""
    from routing.simulate import simulate as run_simulation

    start = None
    if since is not None:
        try:
            start = datetime.combine(date.fromisoformat(since), datetime.min.time(), UTC)
        except ValueError:
            raise fail(f"--since {since!r} is not a date like 2026-10-01") from None
    if frontier:
        _print_frontier(policy_from(policy_file), start, since, as_json)
        return
    if policy_file is None:
        raise fail("give --policy FILE (the policy to try), or --frontier")
    new = policy_from(policy_file)
    current = policy_from(None)
    result = on_store(
        True, lambda s: run_simulation(s, current=current, new=new, now=utc_now(), since=start)
    )
    if as_json:
        print_json(result)
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


def _print_frontier(
    policy: Policy, start: datetime | None, since: str | None, as_json: bool
) -> None:
    from routing.simulate import frontier

    result = on_store(True, lambda s: frontier(s, policy=policy, now=utc_now(), since=start))
    if as_json:
        print_json(result)
        return
    table = Table(
        title=f"{result.leads} routed leads"
        + (f" since {since}" if since else "")
        + f": fairness frontier (policy {result.policy}, max_share_over_mean "
        f"{result.policy_share:g})"
    )
    for column in (
        "setting",
        "score kept",
        "warm owner",
        "one-hop owner",
        "Gini of leads per rep",
        "most leads to one rep",
    ):
        table.add_column(column)

    def rate(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.1%}"

    for point in result.points:
        m = point.metrics
        mine = point.max_share_over_mean == result.policy_share
        table.add_row(
            point.setting + (" (policy)" if mine else ""),
            rate(m.score_kept),
            rate(m.warm_owner_rate),
            rate(m.one_hop_owner_rate),
            f"{m.gini:.3f}",
            str(m.max_per_rep),
        )
    out.print(table)


@policy_app.command("check")
def policy_check(
    file: Annotated[Path, typer.Argument(help="The policy TOML file.", show_default=False)],
) -> None:
    """Check a policy file: every mistake is listed with its key, one a line; exit 2 if any."""
    from routing.policy import PolicyError, load_policy

    try:
        policy = load_policy(file)
    except PolicyError as exc:
        lines = [f"{file}: {problem}" for problem in exc.problems] or [str(exc)]
        raise fail("\n".join(lines), exc.exit_code) from None
    out.print(f"{file} is valid: mode {policy.mode}, version {policy.version}", highlight=False)


@policy_app.command("show")
def policy_show(
    file: Annotated[
        Path | None, typer.Argument(help="A policy file (default: the built-in one).")
    ] = None,
) -> None:
    """Print a policy as JSON, with every default filled in, and its version."""
    from routing.policy import load_policy

    with translated():
        policy = load_policy(file)
    content = dataclasses.asdict(policy)
    content["hop_warmth"] = {str(k): v for k, v in policy.hop_warmth.items()}
    content["version"] = policy.version
    sys.stdout.write(json.dumps(content, indent=2) + "\n")


@policy_app.command("apply")
def policy_apply(
    file: Annotated[Path, typer.Argument(help="The policy TOML file.", show_default=False)],
) -> None:
    """Apply a policy file (admins): checked like `policy check` (nothing is written if any
    value is bad), stored in the graph as a version with who applied it, and recorded in the
    audit log. It is in force over WARMPATH_POLICY: running API servers take it within 5 s.
    With the embedded database, apply it through the server (the applyPolicy mutation) while
    one runs. Safe to rerun (the same file is the same version, applied again)."""
    from cli.options import operator
    from routing.policy import PolicyError, policy_from_text
    from routing.policy_versions import apply_policy

    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"{file}: cannot be read as UTF-8 text ({exc.__class__.__name__})") from None
    try:
        policy_from_text(text, str(file))
    except PolicyError as exc:
        lines = [f"{file}: {problem}" for problem in exc.problems] or [str(exc)]
        raise fail("\n".join(lines), exc.exit_code) from None
    applied, policy = on_store(
        False,
        lambda s: apply_policy(
            s, text, actor=operator(), now=utc_now(), source=f"cli: {file.name}"
        ),
    )
    out.print(
        f"policy {applied.version} applied by {applied.applied_by} (mode {policy.mode}): "
        "in force now",
        highlight=False,
    )


@policy_app.command("versions")
def policy_versions(
    first: Annotated[int, typer.Option("--first", help="How many, the latest first.")] = 20,
    as_json: AsJson = False,
) -> None:
    """List the policy versions applied, the latest (the one in force) first."""
    from routing.policy_versions import policy_versions as versions

    def read(store: GraphStore) -> list[PolicyVersion]:
        return versions(store, first=first, in_force=store.latest_policy_version() or "")

    found = on_store(True, read)
    if as_json:
        print_json(
            [
                {
                    "version": v.record.version,
                    "applied_at": v.record.applied_at.isoformat(),
                    "applied_by": v.record.applied_by,
                    "source": v.record.source,
                    "in_force": v.in_force,
                }
                for v in found
            ]
        )
        return
    if not found:
        out.print("no policy applied yet: WARMPATH_POLICY (or the defaults) is in force")
        return
    table = Table(title="Policy versions, the latest first")
    for column in ("version", "applied at", "by", "source", "in force"):
        table.add_column(column)
    for v in found:
        table.add_row(
            v.record.version,
            v.record.applied_at.isoformat(timespec="seconds"),
            escape(v.record.applied_by),
            escape(v.record.source or ""),
            "yes" if v.in_force else "",
        )
    out.print(table)
