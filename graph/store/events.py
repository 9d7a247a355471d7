"""The append-only activity log: appending, a lead's or a rep's stream, counts per rep."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from graph.errors import InvalidArgument
from graph.model import Event, LeadMark
from graph.store.mappers import event
from graph.store.runner import POINT_QUERY_LEADS, QueryRunner


class CypherEvents(QueryRunner):
    def append_events(self, events: Sequence[Event]) -> int:
        """Append events to the activity log, each tied to its lead (if it names one)."""
        self._write_rows("append_events", events)  # one statement writes events and links
        return len(events)

    def events(self, *, lead_id: str | None = None, rep_id: str | None = None) -> list[Event]:
        """A lead's or a rep's activity stream, oldest first."""
        if (lead_id is None) == (rep_id is None):
            raise InvalidArgument("events: give a lead or a rep")
        if lead_id is None:
            return [event(r) for r in self._read("rep_events", {"rep_id": rep_id})]
        self._fresh_changes()
        kept = self.caches.stream(lead_id)
        if kept is not None:
            return kept
        changes_before = self.caches.lead_changes()
        found = [event(r) for r in self._read("lead_events", {"lead_id": lead_id})]
        self.caches.keep_stream(lead_id, found, changes_before)
        return found

    def events_of_leads(
        self, lead_ids: Sequence[str], *, keep: bool = False
    ) -> dict[str, list[Event]]:
        """Several leads' activity streams, oldest first, from one read. ``keep`` (the server's
        warm-up): the streams are kept like ``events``' where the store is the only writer of
        its graph (``keeps_bulk_reads``)."""
        if len(lead_ids) <= POINT_QUERY_LEADS:  # a lead's own events: ~0.5 ms; the scan: ~35
            return {lead_id: self.events(lead_id=lead_id) for lead_id in lead_ids}
        if keep:
            self._fresh_changes()
        changes_before = self.caches.lead_changes()
        found: dict[str, list[Event]] = {lead_id: [] for lead_id in lead_ids}
        for row in self._read("events_of_leads", {"lead_ids": list(lead_ids)}):
            found.setdefault(row["lead_id"] or "", []).append(event(row))
        if keep and self.keeps_bulk_reads:
            self.caches.keep_streams({i: found[i] for i in lead_ids}, changes_before)
        return found

    def rep_event_counts(self, kinds: Sequence[str], since: datetime) -> dict[str, dict[str, int]]:
        """Per rep, how many events of each of these kinds happened since a time (one read)."""
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for row in self._read("rep_events_since", {"kinds": list(kinds), "since": since}):
            counts[row["rep_id"]][row["kind"]] += 1
        return {rep: dict(kinds_seen) for rep, kinds_seen in counts.items()}

    def events_mentioning(self, texts: Sequence[str]) -> list[Event]:
        """Events whose reason or detail contains one of these texts (any case)."""
        wanted = sorted({t.lower() for t in texts if t})
        if not wanted:
            return []
        return [event(r) for r in self._read("events_mentioning", {"texts": wanted})]

    def leads_with_events_since(self, kinds: Sequence[str], since: datetime) -> list[LeadMark]:
        """The leads with an event of these kinds at or after a time, by id (one read)."""
        rows = self._read("leads_with_events_since", {"kinds": list(kinds), "since": since})
        return [LeadMark(id=r["id"], grade=r["grade"], status=r["status"]) for r in rows]

    def rewrite_events(self, events: Sequence[Event]) -> int:
        """Replace the reason and detail of these events (by id)."""
        return self._write_records("rewrite_events", events)
