"""The users of the API, found by the hash of their token."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from graph.model import User
from graph.store import mappers
from graph.store.runner import QueryRunner


class CypherUsers(QueryRunner):
    def create_user(self, user: User, token_hash: str, *, at: datetime) -> None:
        self._write(
            "create_user",
            {**dataclasses.asdict(user), "token_hash": token_hash, "created_at": at},
        )

    def kept_user(self, token_hash: str) -> User | None:
        """The user with this token if kept in memory (no query: the event loop may ask)."""
        return self.caches.user(token_hash)

    def user_by_token_hash(self, token_hash: str) -> User | None:
        """The user with this token, kept in memory once found (USER_TTL; a user write in this
        process drops them): a trivial request costs no query."""
        kept = self.caches.user(token_hash)
        if kept is not None:
            return kept
        rows = self._read("user_by_token_hash", {"token_hash": token_hash})
        if not rows:
            return None
        found = mappers.user(rows[0])
        self.caches.keep_user(token_hash, found)
        return found
