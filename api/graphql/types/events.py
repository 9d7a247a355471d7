"""Activity events and their pages."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph.model import Event
from routing.activity import EventPage
from routing.leads import LeadPage


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None

    @classmethod
    def of(cls, page: LeadPage | EventPage) -> PageInfo:
        return cls(has_next_page=page.has_next_page, end_cursor=page.end_cursor)


@strawberry.type(name="Event")
class EventType:
    id: strawberry.ID
    at: datetime
    kind: str
    actor: str
    lead_id: strawberry.ID | None
    rep_id: strawberry.ID | None
    reason: str | None
    detail: str | None

    @classmethod
    def of(cls, event: Event) -> EventType:
        return cls(
            id=strawberry.ID(event.id),
            at=event.at,
            kind=event.kind,
            actor=event.actor,
            lead_id=strawberry.ID(event.lead_id) if event.lead_id else None,
            rep_id=strawberry.ID(event.rep_id) if event.rep_id else None,
            reason=event.reason,
            detail=event.detail,
        )


@strawberry.type
class EventConnection:
    nodes: list[EventType]
    page_info: PageInfo
    total_count: int

    @classmethod
    def of(cls, page: EventPage) -> EventConnection:
        return cls(
            nodes=[EventType.of(e) for e in page.events],
            page_info=PageInfo.of(page),
            total_count=page.total_count,
        )
