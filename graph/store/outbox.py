"""The webhook outbox: messages queued, leased to one worker at a time, marked when tried."""

from __future__ import annotations

from datetime import datetime

from graph.model import OutboxBacklog, OutboxMessage
from graph.store.mappers import outbox_message
from graph.store.runner import QueryRunner, utc


class CypherOutbox(QueryRunner):
    def add_outbox(self, message: OutboxMessage) -> None:
        self._write(
            "add_outbox",
            {"id": message.id, "at": message.at, "kind": message.kind, "payload": message.payload},
        )

    def due_outbox(self, now: datetime, limit: int = 100) -> list[OutboxMessage]:
        """Undelivered messages whose next attempt is due (leased or not), oldest first."""
        rows = self._read("due_outbox", {"now": now, "limit": limit})
        return [outbox_message(r, now) for r in rows]

    def outbox_backlog(self) -> OutboxBacklog:
        """How many messages are not delivered yet, and when the oldest of them was queued."""
        row = self._read("outbox_backlog")[0]
        return OutboxBacklog(undelivered=int(row["undelivered"]), oldest_at=utc(row["oldest_at"]))

    def lease_outbox(
        self, now: datetime, *, worker: str, until: datetime, limit: int = 100
    ) -> list[OutboxMessage]:
        """Take the due messages nobody holds: each is ``worker``'s to send until ``until``
        (or until it marks the attempt). Another process asking meanwhile does not get them."""
        params = {"now": now, "worker": worker, "until": until, "limit": limit}
        return [outbox_message(r, now) for r in self._write("lease_outbox", params)]

    def mark_outbox(
        self,
        message_id: str,
        *,
        attempts: int,
        next_at: datetime | None,
        error: str | None,
        delivered_at: datetime | None,
        worker: str | None = None,
    ) -> None:
        """Record an attempt to deliver a message; with ``worker``, only while that worker
        still holds the message's lease."""
        self._write(
            "mark_outbox",
            {
                "worker": worker,
                "id": message_id,
                "attempts": attempts,
                "next_at": next_at,
                "last_error": error,
                "delivered_at": delivered_at,
            },
        )
