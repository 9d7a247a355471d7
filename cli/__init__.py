"""The ``warmpath`` command line: a thin layer over the library; every error is one line with
one set of exit codes (cli.errors). The top layer: it may import api, demo, routing, importers
and graph; nothing in the product imports it."""

from __future__ import annotations

import typer

from cli import admin, demo, nurture, questions, quotas, routing, serve
from cli.imports import import_app

app = typer.Typer(
    name="warmpath",
    help="Route B2B leads to the rep with the warmest path to the buyer.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# the commands, in the order --help lists them, then the groups of commands
for commands in (
    questions.app,
    demo.app,
    routing.app,
    nurture.app,
    quotas.app,
    admin.app,
    serve.app,
    admin.forget_app,
):
    app.add_typer(commands)
app.add_typer(import_app, name="import")
app.add_typer(routing.policy_app, name="policy")
app.add_typer(admin.users_app, name="users")
app.add_typer(admin.sla_app, name="sla")
app.add_typer(admin.outbox_app, name="outbox")


def main() -> None:
    app()
