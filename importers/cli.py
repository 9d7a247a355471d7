"""``warmpath import ...``: thin commands over the importer functions.

Each run ends with one summary line. Exit code 0 on success, 1 when rows were invalid (listed
with their line numbers), 2 when the input cannot be used or the command is wrong.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from graph.backends import open_store
from graph.errors import StoreError, WarmpathError
from graph.store import GraphStore
from importers import crm, facebook, linkedin
from importers.plan import ImportReport
from importers.plan import Progress as ProgressCallback

import_app = typer.Typer(
    help="Load exports into the graph (admins). Safe to rerun: the same file changes nothing.",
    no_args_is_help=True,
)
err = Console(stderr=True, soft_wrap=True)
MAX_LISTED = 50

RepKey = Annotated[str, typer.Option("--rep", help="The rep's email, LinkedIn URL or id.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Check and report; write nothing.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")]
FileArg = Annotated[Path, typer.Argument(help="The export file.", show_default=False)]


@contextmanager
def _progress() -> Iterator[ProgressCallback]:
    """A progress bar on stderr for long writes (shown only on a terminal)."""
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    task = bar.add_task("importing", total=None)

    def update(label: str, done: int, total: int) -> None:
        bar.update(task, description=f"writing {label}", completed=done, total=total)

    with bar:
        yield update


def _run(
    action: Callable[[GraphStore, ProgressCallback], ImportReport],
    *,
    as_json: bool,
    read_only: bool = False,
) -> None:
    try:
        store = open_store(read_only=read_only)
    except WarmpathError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(2) from None
    try:
        with _progress() as progress:
            report = action(store, progress)
    except StoreError as exc:
        err.print(f"error: {exc}; nothing was written", markup=False, highlight=False)
        raise typer.Exit(2) from None
    except WarmpathError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(2) from None
    finally:
        store.close()
    if as_json:
        sys.stdout.write(json.dumps(report.as_json(), ensure_ascii=False) + "\n")
    else:
        for problem in report.invalid[:MAX_LISTED]:
            where = (
                problem.reason
                if ":" in problem.reason.split(" ", 1)[0]
                else f"{problem.file or report.file}:{problem.line}: {problem.reason}"
            )
            err.print(f"invalid: {where}", markup=False, highlight=False)
        if len(report.invalid) > MAX_LISTED:
            err.print(
                f"invalid: ... and {len(report.invalid) - MAX_LISTED} more (--json lists all)"
            )
        sys.stdout.write(report.summary() + "\n")
    raise typer.Exit(report.exit_code)


@import_app.command("linkedin")
def import_linkedin_command(
    file: FileArg,
    rep: RepKey,
    prune: Annotated[
        bool,
        typer.Option(
            "--prune", help="Remove the rep's LinkedIn ties absent from this newer export."
        ),
    ] = False,
    dry_run: DryRun = False,
    as_json: AsJson = False,
) -> None:
    """Import a rep's LinkedIn Connections.csv, or the whole data-export zip archive
    (Connections, Positions, Education, Profile)."""
    _run(
        lambda s, p: linkedin.import_linkedin(
            s, rep, file, prune=prune, dry_run=dry_run, progress=p
        ),
        as_json=as_json,
    )


@import_app.command("linkedin-folder")
def import_linkedin_folder_command(
    folder: Annotated[
        Path, typer.Argument(help="Folder with one export per rep.", show_default=False)
    ],
    prune: Annotated[
        bool,
        typer.Option("--prune", help="Remove each rep's LinkedIn ties absent from their export."),
    ] = False,
    dry_run: DryRun = False,
    as_json: AsJson = False,
) -> None:
    """Import every rep's LinkedIn export from a folder (bootstrap): files named
    <rep email>.csv or <rep email>.zip, or sub-folders <rep email>/ with the export inside."""

    _run(
        lambda s, p: linkedin.import_linkedin_folder(
            s, folder, prune=prune, dry_run=dry_run, progress=p
        ),
        as_json=as_json,
    )


@import_app.command("positions")
def import_positions_command(
    file: FileArg, rep: RepKey, dry_run: DryRun = False, as_json: AsJson = False
) -> None:
    """Import a rep's own LinkedIn Positions.csv (their employers)."""
    _run(
        lambda s, p: linkedin.import_positions(s, rep, file, dry_run=dry_run, progress=p),
        as_json=as_json,
    )


@import_app.command("education")
def import_education_command(
    file: FileArg, rep: RepKey, dry_run: DryRun = False, as_json: AsJson = False
) -> None:
    """Import a rep's own LinkedIn Education.csv (their schools)."""
    _run(
        lambda s, p: linkedin.import_education(s, rep, file, dry_run=dry_run, progress=p),
        as_json=as_json,
    )


@import_app.command("facebook")
def import_facebook_command(
    file: FileArg, rep: RepKey, dry_run: DryRun = False, as_json: AsJson = False
) -> None:
    """Import a rep's Facebook your_friends.json (or the older friends.json)."""
    _run(
        lambda s, p: facebook.import_facebook(s, rep, file, dry_run=dry_run, progress=p),
        as_json=as_json,
    )


@import_app.command("reps")
def import_reps_command(file: FileArg, dry_run: DryRun = False, as_json: AsJson = False) -> None:
    """Import the rep roster (reps.csv)."""
    _run(lambda s, p: crm.import_reps(s, file, dry_run=dry_run, progress=p), as_json=as_json)


@import_app.command("leads")
def import_leads_command(
    file: FileArg,
    contacts: Annotated[
        Path | None, typer.Option("--contacts", help="decision_makers.csv for these leads.")
    ] = None,
    dry_run: DryRun = False,
    as_json: AsJson = False,
) -> None:
    """Import leads (leads.csv), optionally with their decision-makers."""
    _run(
        lambda s, p: crm.import_leads(s, file, contacts=contacts, dry_run=dry_run, progress=p),
        as_json=as_json,
    )


@import_app.command("relationships")
def import_relationships_command(
    file: FileArg, dry_run: DryRun = False, as_json: AsJson = False
) -> None:
    """Import generic person-to-person ties (relationships.csv: a, b, source, strength, since)."""
    _run(
        lambda s, p: crm.import_relationships(s, file, dry_run=dry_run, progress=p), as_json=as_json
    )
