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

    def user_by_token_hash(self, token_hash: str) -> User | None:
        rows = self._read("user_by_token_hash", {"token_hash": token_hash})
        return mappers.user(rows[0]) if rows else None
