"""The users of the API, found by the hash of their token."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from graph.model import User
from graph.store import mappers
from graph.store.caches import USERS
from graph.store.runner import QueryRunner


class CypherUsers(QueryRunner):
    def create_user(self, user: User, token_hash: str, *, at: datetime) -> None:
        self._write(
            "create_user",
            {**dataclasses.asdict(user), "token_hash": token_hash, "created_at": at},
        )

    def kept_user(self, token_hash: str) -> User | None:
        """The user with this token if kept in memory (no query: the event loop may ask),
        else None, also when other processes' announcements are due to be read first (then
        ``user_by_token_hash`` reads them)."""
        if self.shares_graph and self.caches.changes_due():
            return None
        return self.caches.user(token_hash)

    def user_by_token_hash(self, token_hash: str) -> User | None:
        """The user with this token, kept in memory once found (USER_TTL, ANNOUNCED_USER_TTL
        where user writes are announced; a user write in this process drops them, another
        process's once announced): a trivial request costs no query."""
        self._fresh_changes()
        kept = self.caches.user(token_hash)
        if kept is not None:
            return kept
        (before,) = self.caches.generation(USERS)
        rows = self._read("user_by_token_hash", {"token_hash": token_hash})
        if not rows:
            return None
        found = mappers.user(rows[0])
        self.caches.keep_user(token_hash, found, before)
        return found
