"""Every command of ``warmpath`` (cli/__init__.py runs them)."""

from __future__ import annotations

import typer

from cli import admin, demo, new_app, nurture, questions, quotas, routing, serve
from cli.imports import import_app

app: typer.Typer = new_app()
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
