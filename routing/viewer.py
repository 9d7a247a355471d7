"""Who is asking: what a service needs to know of the caller to leave out what they may not see.

The API's ``Access`` (api/auth.py) is one; the rules of who may see what stay with it, and the
services here only ask it.
"""

from __future__ import annotations

from typing import Protocol

from graph.model import User


class Viewer(Protocol):
    """A signed-in user and the reps they may see."""

    @property
    def user(self) -> User: ...

    def can_see_rep(self, rep_id: str) -> bool: ...
