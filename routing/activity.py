"""The activity stream (the audit log read back): one lead's or one rep's events, a page at a
time, and the events a change just wrote, to publish to subscribers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from graph.keys import event_id
from graph.model import Event
from graph.store import GraphStore
from routing.errors import InvalidArgument
from routing.paging import cursor, forged, position_after

EVENT_CURSOR = "event"


@dataclass(frozen=True)
class EventStream:
    """The events of one lead or of one rep."""

    lead_id: str | None
    rep_id: str | None

    @classmethod
    def of(cls, *, lead_id: str | None, rep_id: str | None) -> EventStream:
        if (lead_id is None) == (rep_id is None):
            raise InvalidArgument("give leadId or repId")
        return cls(lead_id=lead_id, rep_id=rep_id)

    @property
    def name(self) -> str:
        """Written into its cursors, so that one stream's cursor is refused by another."""
        return f"lead {self.lead_id}" if self.lead_id is not None else f"rep {self.rep_id}"


@dataclass(frozen=True)
class EventPage:
    events: list[Event]
    has_next_page: bool
    end_cursor: str | None
    total_count: int


def event_page(
    store: GraphStore,
    stream: EventStream,
    *,
    first: int,
    after: str | None = None,
    can_see_rep: Callable[[str], bool] | None = None,
) -> EventPage:
    """The stream's events, oldest first: the ``first`` after the cursor ``after``. With
    ``can_see_rep``, a lead's events about reps the caller may not see are left out (another
    rep's offer, score or intro request names their network)."""
    if stream.lead_id is not None:
        events = store.events(lead_id=stream.lead_id)
    else:
        events = store.events(rep_id=stream.rep_id)
    if can_see_rep is not None:
        events = [e for e in events if e.rep_id is None or can_see_rep(e.rep_id)]
    start = position_after(after, EVENT_CURSOR)
    keyed = [(f"{e.at.isoformat()}|{e.id}", e) for e in events]
    if start is not None and not start.startswith(stream.name + "|"):
        raise forged()  # a cursor of another lead's or rep's events
    if start is not None:
        start = start[len(stream.name) + 1 :]
        if start not in {key for key, _ in keyed}:
            raise forged()
    rest = [pair for pair in keyed if start is None or pair[0] > start]
    page = rest[:first]
    return EventPage(
        events=[e for _, e in page],
        has_next_page=len(rest) > first,
        end_cursor=cursor(EVENT_CURSOR, f"{stream.name}|{page[-1][0]}") if page else None,
        total_count=len(events),
    )


def watermark(now: datetime) -> str:
    """An event id that sorts before every event written at ``now`` or later: taken before a
    change, it lets ``events_after`` find the events the change wrote."""
    return event_id(now)


def events_after(store: GraphStore, lead_id: str, seen: str) -> list[Event]:
    """The lead's events newer than the event id ``seen`` (see ``watermark``)."""
    return [e for e in store.events(lead_id=lead_id) if e.id > seen]


def latest_offers(store: GraphStore, lead_ids: Sequence[str]) -> list[Event]:
    """The offer each lead just received (a batch's routing)."""
    history = store.events_of_leads(list(lead_ids))
    return [e for lead_id in lead_ids for e in history[lead_id][-1:] if e.kind == "offered"]
