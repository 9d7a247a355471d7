"""The audit log: the activity log searched by lead, rep, kind, actor and time, newest first,
a page at a time, as the caller may see it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from graph.model import AuditSelection, Event
from graph.store.mappers import event
from graph.store.runner import QueryRunner

_NOBODY = ("",)
"""A list parameter must not be empty (LadybugDB infers its type from its values)."""


def _params(selection: AuditSelection) -> dict[str, Any]:
    return {
        "kind": selection.kind,
        "lead_id": selection.lead_id,
        "rep_id": selection.rep_id,
        "actor": selection.actor,
        "since": selection.since,
        "until": selection.until,
        "everyone": selection.reps is None,
        "reps": list(selection.reps or _NOBODY),
        "org_kinds": list(selection.org_kinds or _NOBODY),
    }


class CypherAudit(QueryRunner):
    def audit_events(
        self, selection: AuditSelection, *, before: tuple[datetime, str], limit: int
    ) -> list[Event]:
        """The matching events before the keyset ``before`` (at, id), newest first, at most
        ``limit`` (one read)."""
        at, event_id = before
        params = {**_params(selection), "before_at": at, "before_id": event_id, "limit": limit}
        return [event(r) for r in self._read("audit_events", params)]

    def audit_count(self, selection: AuditSelection) -> int:
        """How many events match (one read)."""
        rows = self._read("audit_count", _params(selection))
        return int(rows[0]["total"]) if rows else 0

    def event_count(self) -> int:
        """How many events the log holds (what an unfiltered search of the whole log counts,
        without looking at each event)."""
        rows = self._read("event_count")
        return int(rows[0]["total"]) if rows else 0

    def event_kind_exists(self, kind: str) -> bool:
        """Whether the log holds an event of this kind."""
        return bool(self._read("event_kind_exists", {"kind": kind}))
