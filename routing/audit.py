"""The audit log: the activity log searched by lead, rep, kind, actor and time range, newest
first, a page at a time or every matching row (the CSV export).

Admins see every event. A manager sees the events about the reps of their team, about the
leads those reps own, and the organisation's own events (a policy applied); asking for another
team's rep is FORBIDDEN. Reps and intake tokens have no audit log. ``actor`` matches an actor
exactly or by role: "admin" finds every "admin:..." actor.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from graph.model import AuditSelection, Event
from graph.store import GraphStore
from routing.activity import EventPage
from routing.errors import Forbidden, InvalidArgument
from routing.paging import cursor, forged, page_size, position_after
from routing.policy_versions import POLICY_APPLIED
from routing.viewer import Viewer

AUDIT_CURSOR = "audit"
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, tzinfo=UTC)
ORG_KINDS = (POLICY_APPLIED,)
"""Events about no lead and no rep that managers see too."""
KNOWN_KINDS = frozenset(
    {
        "offered",
        "claimed",
        "contacted",
        "touched",
        "assigned",
        "released",
        "returned",
        "won",
        "lost",
        "sla_breach",
        "nurtured",
        "submitted",
        "updated",
        "intro_requested",
        "intro_made",
        "word_travels",
        "network_forgotten",
        "person_erased",
        POLICY_APPLIED,
    }
)
"""The kinds warmpath writes; a kind found in the log is accepted too."""
_KIND = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_TEXT = 300
EXPORT_BATCH = 1_000


@dataclass(frozen=True)
class AuditFilter:
    """What a search asks for; None: any."""

    lead_id: str | None = None
    rep_id: str | None = None
    kind: str | None = None
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _aware(value: datetime | None, name: str) -> datetime | None:
    """A time of the filter as aware UTC (a time without a zone is taken as UTC)."""
    if value is None:
        return None
    if not EARLIEST <= (value if value.tzinfo else value.replace(tzinfo=UTC)) <= LATEST:
        raise InvalidArgument(f"{name}: a time between 1970 and 9999 (got {value.isoformat()})")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _text(value: str | None, name: str) -> str:
    if value is None:
        return ""
    text = value.strip()
    if not text or len(text) > MAX_TEXT:
        raise InvalidArgument(f"{name}: between 1 and {MAX_TEXT} characters (got {len(text)})")
    return text


def selection(store: GraphStore, viewer: Viewer, wanted: AuditFilter) -> AuditSelection:
    """What the viewer asks for and may see; INVALID_ARGUMENT naming the field for a bad one."""
    user = viewer.user
    if user.role not in ("admin", "manager"):
        raise Forbidden("only managers and admins can read the audit log")
    since = _aware(wanted.since, "from") or EARLIEST
    until = _aware(wanted.until, "to") or LATEST
    if until <= since:
        raise InvalidArgument(
            f"to must be after from (from {since.isoformat()}, to {until.isoformat()})"
        )
    kind = _text(wanted.kind, "kind")
    if kind and (
        not _KIND.match(kind) or (kind not in KNOWN_KINDS and not store.event_kind_exists(kind))
    ):
        raise InvalidArgument(
            f"kind: no events of kind {kind!r} (e.g. {', '.join(sorted(KNOWN_KINDS)[:6])}...)"
        )
    rep_id = _text(wanted.rep_id, "repId")
    if rep_id and not viewer.can_see_rep(rep_id):
        raise Forbidden("you cannot see this rep")
    everyone = user.role == "admin"
    team = tuple(sorted(r for r in store.rep_profiles() if viewer.can_see_rep(r)))
    return AuditSelection(
        since=since,
        until=until,
        kind=kind,
        lead_id=_text(wanted.lead_id, "leadId"),
        rep_id=rep_id,
        actor=_text(wanted.actor, "actor"),
        reps=None if everyone else team,
        org_kinds=() if everyone else ORG_KINDS,
    )


def _before(after: str | None) -> tuple[datetime, str]:
    position = position_after(after, AUDIT_CURSOR)
    if position is None:
        return LATEST, ""
    at, _, event_id = position.partition("|")
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise forged() from None
    if moment.tzinfo is None or not event_id:
        raise forged()
    return moment, event_id


def audit_page(
    store: GraphStore,
    viewer: Viewer,
    wanted: AuditFilter,
    *,
    first: int = 50,
    after: str | None = None,
) -> EventPage:
    """The matching events, newest first: the ``first`` after the cursor ``after``, with how
    many match in all (two reads)."""
    page_size(first)
    chosen = selection(store, viewer, wanted)
    found = store.audit_events(chosen, before=_before(after), limit=first + 1)
    page = found[:first]
    end = cursor(AUDIT_CURSOR, f"{page[-1].at.isoformat()}|{page[-1].id}") if page else None
    return EventPage(
        events=page,
        has_next_page=len(found) > first,
        end_cursor=end,
        total_count=store.event_count() if _whole_log(chosen) else store.audit_count(chosen),
    )


def _whole_log(chosen: AuditSelection) -> bool:
    """Whether a selection is every event there is (an admin's search without a filter)."""
    texts = (chosen.kind, chosen.lead_id, chosen.rep_id, chosen.actor)
    return (
        chosen.reps is None
        and not any(texts)
        and chosen.since <= EARLIEST
        and chosen.until >= LATEST
    )


def audit_rows(store: GraphStore, chosen: AuditSelection) -> Iterator[Event]:
    """Every event of a selection, newest first, read EXPORT_BATCH at a time."""
    before = (LATEST, "")
    while True:
        batch = store.audit_events(chosen, before=before, limit=EXPORT_BATCH)
        yield from batch
        if len(batch) < EXPORT_BATCH:
            return
        before = (batch[-1].at, batch[-1].id)
