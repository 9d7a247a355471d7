"""What social-selling quotas count: the people reps first connected with in a window, and
the events of some kinds in a window."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from graph.model import Event, NewConnection
from graph.store.mappers import event
from graph.store.runner import QueryRunner


class CypherQuotas(QueryRunner):
    def new_connections(self, since: date, until: date) -> list[NewConnection]:
        """Per rep, the people whose earliest dated tie with the rep's person is on a day in
        ``[since, until)`` (a person is counted once, on the first day; one read)."""
        rows = self._read("new_connections", {"since": since, "until": until})
        return [
            NewConnection(rep_id=r["rep_id"], person_id=r["person_id"], day=_day(r["day"]))
            for r in rows
        ]

    def rep_events_between(
        self, kinds: Sequence[str], since: datetime, until: datetime
    ) -> list[Event]:
        """Events of these kinds about a rep in ``[since, until)``, oldest first (one read)."""
        rows = self._read(
            "rep_events_between", {"kinds": list(kinds), "since": since, "until": until}
        )
        return [event(r) for r in rows]


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value
