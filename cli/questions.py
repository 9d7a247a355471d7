"""The proximity questions: who is near a person, the paths between two people, mutual
connections, who knows people at a company, shared background, and how much the graph holds.
Each opens the graph read-only and prints a table, or JSON with ``--json``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cli.errors import on_store
from cli.options import AsJson, MaxHops
from cli.output import counts_line, out, print_json
from routing import explore

app = typer.Typer()


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
    answer = on_store(True, lambda s: explore.reps_near(s, person, max_hops=max_hops, max_via=via))
    if as_json:
        print_json(answer)
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
    answer = on_store(
        True, lambda s: explore.connection_paths(s, rep, person, max_hops=max_hops, limit=limit)
    )
    if as_json:
        print_json(answer)
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
    answer = on_store(True, lambda s: explore.mutual_connections(s, a, b))
    if as_json:
        print_json(answer)
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
    answer = on_store(True, lambda s: explore.reach_at_company(s, company))
    if as_json:
        print_json(answer)
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
    answer = on_store(True, lambda s: explore.shared_background(s, rep, person))
    if as_json:
        print_json(answer)
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
    counts = on_store(True, lambda s: s.counts())
    if as_json:
        print_json(counts)
        return
    out.print(counts_line(counts), highlight=False)
