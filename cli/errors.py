"""The one place where the command line turns an error into a message and an exit code.

Exit codes, the same for every command (``import`` too): 0 done; 1 the command ran but found
problems (invalid rows, a copy that differs, messages the webhook did not take); 2 bad input,
usage or settings; 3 the graph database is unavailable or failed (unreachable, locked by
another process, missing, or it refused the credentials or an operation); 130 interrupted
(Ctrl-C during ``transfer``). A warmpath error carries its code on its class (``exit_code`` in
graph.errors), so every command agrees; ``failed`` is the only translation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

import typer

from cli.output import err
from graph.errors import EXIT_DATABASE, EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, WarmpathError

if TYPE_CHECKING:  # the store's modules load when a command opens one (not for an upload)
    from graph.store import GraphStore

EXIT_INTERRUPTED = 130

__all__ = [
    "EXIT_DATABASE",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_PROBLEMS",
    "EXIT_USAGE",
    "fail",
    "failed",
    "on_store",
    "store_for",
    "translated",
]

T = TypeVar("T")


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    """Print ``error: ...`` (a line per problem, e.g. per bad setting); the exit to raise."""
    for line in message.splitlines() or [""]:
        err.print(f"error: {line}", markup=False, highlight=False)
    return typer.Exit(code)


def failed(exc: WarmpathError, suffix: str = "") -> typer.Exit:
    """The one translation of warmpath's errors: their message, and their class's exit code."""
    return fail(f"{exc}{suffix}", exc.exit_code)


@contextmanager
def translated(suffix: str = "") -> Iterator[None]:
    """Run a block; a warmpath error in it ends the command with its message and exit code."""
    try:
        yield
    except WarmpathError as exc:
        raise failed(exc, suffix) from None


@contextmanager
def store_for(*, read_only: bool) -> Iterator[GraphStore]:
    """Open the configured store; translate warmpath's errors into one line and an exit code."""
    from graph.backends import open_store

    with translated():
        store = open_store(read_only=read_only)
    try:
        with translated():
            yield store
    finally:
        store.close()


def on_store(read_only: bool, action: Callable[[GraphStore], T]) -> T:
    """Run one action on the configured store (see ``store_for``)."""
    with store_for(read_only=read_only) as store:
        return action(store)
