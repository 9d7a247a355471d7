"""The ``warmpath`` command line: a thin layer over the library; every error is one line with
one set of exit codes (cli.errors). The top layer: it may import api, demo, routing, importers
and graph; nothing in the product imports it.

``app`` (cli/commands.py) holds every command. An import through the server (``warmpath import
<kind> ... --server URL``) runs with the import commands alone (``import_app``), which load
what an upload needs and not the graph's modules (numpy, pyarrow, the drivers): the command
starts in about 0.2 s instead of 0.6 s, a fifth of a 5,000-row file's import through a
server holding the 2M-people graph."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer


def __getattr__(name: str) -> typer.Typer:
    if name == "app":  # loaded when first asked: the upload's commands do without
        from cli.commands import app

        return app
    raise AttributeError(f"module 'cli' has no attribute {name!r}")


def new_app() -> typer.Typer:
    """The ``warmpath`` application, its commands still to add (cli/commands.py adds every
    command, ``main`` the import commands alone for an upload)."""
    import typer

    return typer.Typer(
        name="warmpath",
        help="Route B2B leads to the rep with the warmest path to the buyer.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )


def uploads(args: Sequence[str]) -> bool:
    """Whether these arguments import a file through the server (``import ... --server``)."""
    return (
        bool(args)
        and args[0] == "import"
        and any(arg == "--server" or arg.startswith("--server=") for arg in args)
    )


def main() -> None:
    if uploads(sys.argv[1:]):
        from cli.imports import import_app

        upload = new_app()
        upload.add_typer(import_app, name="import")
        upload()
    else:
        from cli.commands import app

        app()
