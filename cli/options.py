"""Options and settings several commands share: ``--json``, ``--max-hops``, ``--policy``, the
policy in force, the webhook URL, the clock and who runs a command."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.errors import translated

if TYPE_CHECKING:
    from routing.policy import Policy

MaxHops = Annotated[int, typer.Option("--max-hops", help="How far to look: 1, 2 or 3 hops.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
PolicyFile = Annotated[
    Path | None,
    typer.Option(
        "--policy",
        help="Policy TOML file (default: $WARMPATH_POLICY, else the built-in defaults).",
    ),
]


def policy_from(path: Path | None) -> Policy:
    """The policy in ``path``, else the one in force (``WARMPATH_POLICY`` or the defaults)."""
    from routing.policy import current_policy, load_policy

    with translated():
        return load_policy(path) if path is not None else current_policy()


def webhook_url() -> str | None:
    """``WARMPATH_MARKETING_WEBHOOK``, checked with every other setting."""
    from graph.settings import WarmpathSettings

    with translated():
        return WarmpathSettings.from_env().marketing_webhook


def utc_now() -> datetime:
    return datetime.now(UTC)


def operator() -> str:
    """Who runs a command, for the audit log: the operating-system login."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"
