"""``warmpath import ...``: thin commands over the importer functions.

Each run ends with one summary line. Exit codes, as for every warmpath command (cli.errors): 0
done, 1 when rows were invalid (listed with their line numbers), 2 when the input cannot be
used, a setting is bad or the command is wrong, 3 when the graph database is unavailable or
failed. ``--dry-run`` opens the graph read-only, so it runs beside the server; a LadybugDB file
that does not exist yet is checked against an empty graph. ``--server URL`` sends the file
to a running ``warmpath serve`` instead (api/import_client.py), which imports it in its own
process: same importer, same summary, invalid rows and exit codes.
"""

from __future__ import annotations

import gc
import json
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Protocol

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from api.import_client import ImportOutcome, import_through_server
from cli.errors import failed
from cli.output import err
from graph.errors import InvalidArgument, StoreError, WarmpathError

if TYPE_CHECKING:  # loaded when the import runs here: an upload (--server) needs none of it
    from graph.store import GraphStore
    from importers.consent import ConsentGiven
    from importers.plan import ImportReport
    from importers.plan import Progress as ProgressCallback

import_app = typer.Typer(
    help="Load exports into the graph (admins). Safe to rerun: the same file changes nothing.",
    no_args_is_help=True,
)
MAX_LISTED = 50

RepKey = Annotated[str, typer.Option("--rep", help="The rep's email, LinkedIn URL or id.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Check and report; write nothing.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")]
FileArg = Annotated[Path, typer.Argument(help="The export file.", show_default=False)]
GivesConsent = Annotated[
    bool,
    typer.Option(
        "--consent",
        help="The rep agreed to have their exports imported: record their consent (who ran "
        "this, and when) with the import. Without it, the rep's consent must be on record.",
    ),
]


Server = Annotated[
    str | None,
    typer.Option(
        "--server",
        help="Import through the running server at this URL, e.g. http://127.0.0.1:8000: the "
        "server writes (no second writer on its database). Needs a token.",
    ),
]
Token = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar="WARMPATH_TOKEN",
        help="A token for --server: an admin's, or a rep's for their own exports (which "
        "records their consent).",
        show_default=False,
    ),
]


@dataclass(frozen=True)
class Upload:
    """What ``--server`` uploads: the file, its kind (POST /imports/{kind}) and options."""

    server: str | None
    token: str | None
    kind: str
    path: Path
    rep: str | None = None
    prune: bool = False
    consent: bool = False


def _consent(given: bool) -> ConsentGiven | None:
    from importers.consent import given_on_command_line

    return given_on_command_line() if given else None


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


@contextmanager
def _graph(*, dry_run: bool) -> Iterator[GraphStore]:
    """The configured graph: read-only for a dry run (it runs beside the server, which holds
    a LadybugDB file for writing); a dry run on a LadybugDB file not created yet counts against
    an empty graph in a temporary file, so that it creates nothing."""
    from graph.backends import open_store
    from graph.settings import LadybugSettings, graph_settings_from_env

    settings = graph_settings_from_env()
    if dry_run and isinstance(settings, LadybugSettings) and not settings.path.exists():
        with tempfile.TemporaryDirectory(prefix="warmpath-dry-run-") as empty:
            scratch = LadybugSettings(
                path=Path(empty) / "empty.lbdb", buffer_pool_bytes=64 * 1024**2
            )
            store = open_store(scratch)
            try:
                yield store
            finally:
                store.close()
        return
    store = open_store(settings, read_only=dry_run)
    try:
        yield store
    finally:
        store.close()


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """The cyclic garbage collector off while an import runs in this process (on again after,
    if it was): what an import reads lives until it is written, and an import makes next to no
    reference cycles (the bootstrap of 200 exports of ``python -m benchmarks.import_bench``: 6
    full collections freed 43 objects), so the collector only walked the rows read, again and
    again (1.05 s of the 7 s that import took)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _run(
    action: Callable[[GraphStore, ProgressCallback], ImportReport],
    *,
    as_json: bool,
    dry_run: bool = False,
    upload: Upload | None = None,
) -> None:
    """Run the import here, or with ``upload.server`` in the server; print what it reports."""
    try:
        if upload is not None and upload.server is not None:
            with _progress() as progress:
                outcome = import_through_server(
                    upload.server,
                    upload.token,
                    upload.kind,
                    upload.path,
                    rep=upload.rep,
                    prune=upload.prune,
                    dry_run=dry_run,
                    consent=upload.consent,
                    progress=progress,
                )
        else:
            with (
                _graph(dry_run=dry_run) as store,
                _progress() as progress,
                _without_cycle_collection(),
            ):
                outcome = ImportOutcome.of(action(store, progress))
    except StoreError as exc:
        raise failed(exc, "; nothing was written") from None
    except WarmpathError as exc:
        raise failed(exc) from None
    if as_json:
        sys.stdout.write(json.dumps(outcome.report, ensure_ascii=False) + "\n")
    else:
        for line in outcome.invalid[:MAX_LISTED]:
            err.print(f"invalid: {line}", markup=False, highlight=False)
        if len(outcome.invalid) > MAX_LISTED:
            err.print(
                f"invalid: ... and {len(outcome.invalid) - MAX_LISTED} more (--json lists all)"
            )
        sys.stdout.write(outcome.summary + "\n")
    raise typer.Exit(outcome.exit_code)


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
    consent: GivesConsent = False,
    server: Server = None,
    token: Token = None,
) -> None:
    """Import a rep's LinkedIn Connections.csv, or the whole data-export zip archive
    (Connections, Positions, Education, Profile). Needs the rep's consent (--consent)."""

    def action(store: GraphStore, progress: ProgressCallback) -> ImportReport:
        from importers import linkedin

        return linkedin.import_linkedin(
            store,
            rep,
            file,
            prune=prune,
            dry_run=dry_run,
            progress=progress,
            consent=_consent(consent),
        )

    _run(
        action,
        as_json=as_json,
        dry_run=dry_run,
        upload=Upload(server, token, "linkedin", file, rep=rep, prune=prune, consent=consent),
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
    <rep email>.csv or <rep email>.zip, or sub-folders <rep email>/ with the export inside.
    Every rep's consent must be on record (the consent column of reps.csv)."""

    def action(store: GraphStore, progress: ProgressCallback) -> ImportReport:
        from importers import linkedin

        return linkedin.import_linkedin_folder(
            store, folder, prune=prune, dry_run=dry_run, progress=progress
        )

    _run(
        action,
        as_json=as_json,
        dry_run=dry_run,
    )


class RepExportImporter(Protocol):
    """An importer of a rep's own export (importers.linkedin, importers.facebook)."""

    def __call__(
        self,
        store: GraphStore,
        rep_key: str,
        path: Path,
        *,
        dry_run: bool = False,
        progress: ProgressCallback | None = None,
        consent: ConsentGiven | None = None,
    ) -> ImportReport: ...


def _positions() -> RepExportImporter:
    from importers import linkedin

    return linkedin.import_positions


def _education() -> RepExportImporter:
    from importers import linkedin

    return linkedin.import_education


def _facebook() -> RepExportImporter:
    from importers import facebook

    return facebook.import_facebook


def _rep_export_command(
    kind: str, importer: Callable[[], RepExportImporter], help_text: str
) -> Callable[..., None]:
    """A command that imports one export file of a rep with the importer ``importer()`` gives
    (loaded when the import runs here; ``kind`` through the server); ``help_text`` is its help
    (a rep's own export needs the rep's consent)."""

    def command(
        file: FileArg,
        rep: RepKey,
        dry_run: DryRun = False,
        as_json: AsJson = False,
        consent: GivesConsent = False,
        server: Server = None,
        token: Token = None,
    ) -> None:
        _run(
            lambda s, p: importer()(
                s, rep, file, dry_run=dry_run, progress=p, consent=_consent(consent)
            ),
            as_json=as_json,
            dry_run=dry_run,
            upload=Upload(server, token, kind, file, rep=rep, consent=consent),
        )

    command.__doc__ = help_text
    return command


import_app.command("positions")(
    _rep_export_command(
        "positions",
        _positions,
        "Import a rep's own LinkedIn Positions.csv (their employers). Needs the rep's consent.",
    )
)
import_app.command("education")(
    _rep_export_command(
        "education",
        _education,
        "Import a rep's own LinkedIn Education.csv (their schools). Needs the rep's consent.",
    )
)
import_app.command("facebook")(
    _rep_export_command(
        "facebook",
        _facebook,
        """Import a rep's Facebook your_friends.json (or the older friends.json). Needs the rep's
    consent.""",
    )
)


@import_app.command("reps")
def import_reps_command(
    file: FileArg,
    dry_run: DryRun = False,
    as_json: AsJson = False,
    server: Server = None,
    token: Token = None,
) -> None:
    """Import the rep roster (reps.csv); its consent column records each rep's consent."""

    def action(store: GraphStore, progress: ProgressCallback) -> ImportReport:
        from importers import crm  # loaded when the import runs here

        return crm.import_reps(store, file, dry_run=dry_run, progress=progress)

    _run(
        action,
        as_json=as_json,
        dry_run=dry_run,
        upload=Upload(server, token, "reps", file),
    )


@import_app.command("leads")
def import_leads_command(
    file: FileArg,
    contacts: Annotated[
        Path | None, typer.Option("--contacts", help="decision_makers.csv for these leads.")
    ] = None,
    dry_run: DryRun = False,
    as_json: AsJson = False,
    server: Server = None,
    token: Token = None,
) -> None:
    """Import leads (leads.csv), optionally with their decision-makers (not through --server,
    which takes one file: import those here, where the server does not run)."""
    if server is not None and contacts is not None:
        raise failed(
            InvalidArgument(
                "--contacts is not taken through --server (one file per upload): upload "
                "leads.csv, then run this command with --contacts where no server holds the graph"
            )
        )

    def action(store: GraphStore, progress: ProgressCallback) -> ImportReport:
        from importers import crm  # loaded when the import runs here

        return crm.import_leads(store, file, contacts=contacts, dry_run=dry_run, progress=progress)

    _run(
        action,
        as_json=as_json,
        dry_run=dry_run,
        upload=Upload(server, token, "leads", file),
    )


@import_app.command("relationships")
def import_relationships_command(
    file: FileArg,
    dry_run: DryRun = False,
    as_json: AsJson = False,
    server: Server = None,
    token: Token = None,
) -> None:
    """Import generic person-to-person ties (relationships.csv: a, b, source, strength, since)."""

    def action(store: GraphStore, progress: ProgressCallback) -> ImportReport:
        from importers import crm  # loaded when the import runs here

        return crm.import_relationships(store, file, dry_run=dry_run, progress=progress)

    _run(
        action,
        as_json=as_json,
        dry_run=dry_run,
        upload=Upload(server, token, "relationships", file),
    )
