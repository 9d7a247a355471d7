"""The audit log as a CSV download: ``GET /audit.csv?leadId=&repId=&kind=&actor=&from=&to=``
with a manager's or an admin's bearer token streams every event the same filter as
``Query.auditLog`` finds (routing/audit.py), newest first, read a thousand at a time.

401 without a token, 403 for reps and intake tokens (and a manager asking for another team's
rep), 400 with a JSON error naming the parameter for a bad filter. A cell that a spreadsheet
would run as a formula (starting with =, +, - or @) is written with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from api.auth import Access, authenticate
from graph.model import AuditSelection, Event
from graph.store import GraphStore
from routing import audit
from routing.errors import Forbidden, InvalidArgument

router = APIRouter()
HEADER = ("at", "kind", "lead_id", "rep_id", "actor", "reason", "detail")
PARAMETERS = ("leadId", "repId", "kind", "actor", "from", "to")


def _refused(status: int, error: str, message: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": error, "message": message})


def _time(value: str | None, name: str) -> datetime | None:
    if value is None or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidArgument(
            f"{name}: not an ISO 8601 time (e.g. 2026-11-01T00:00:00Z): {value[:40]!r}"
        ) from None


def _wanted(request: Request) -> audit.AuditFilter:
    query = request.query_params
    unknown = sorted(set(query) - set(PARAMETERS))
    if unknown:
        raise InvalidArgument(f"{unknown[0]}: unknown parameter (allowed: {', '.join(PARAMETERS)})")

    def text(name: str) -> str | None:
        value = query.get(name)
        return value if value else None

    return audit.AuditFilter(
        lead_id=text("leadId"),
        rep_id=text("repId"),
        kind=text("kind"),
        actor=text("actor"),
        since=_time(query.get("from"), "from"),
        until=_time(query.get("to"), "to"),
    )


def _cell(value: str | None) -> str:
    text = value or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _row(event: Event) -> tuple[str, ...]:
    return (
        event.at.isoformat(),
        _cell(event.kind),
        _cell(event.lead_id),
        _cell(event.rep_id),
        _cell(event.actor),
        _cell(event.reason),
        _cell(event.detail),
    )


def _csv(store: GraphStore, chosen: AuditSelection) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for n, event in enumerate(audit.audit_rows(store, chosen), start=1):
        writer.writerow(_row(event))
        if n % audit.EXPORT_BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@router.get("/audit.csv", include_in_schema=False)
def audit_csv(request: Request) -> Response:
    """Every event the filter finds, as CSV (managers: their team's; admins: all)."""
    store: GraphStore = request.app.state.store
    user = authenticate(store, request.headers.get("authorization"))
    if user is None:
        return _refused(
            401, "UNAUTHENTICATED", "missing or unknown token: send Authorization: Bearer <token>"
        )
    if user.role not in ("admin", "manager"):
        return _refused(403, "FORBIDDEN", "only managers and admins can export the audit log")
    try:
        chosen = audit.selection(store, Access(user, store), _wanted(request))
    except Forbidden as exc:
        return _refused(403, "FORBIDDEN", str(exc))
    except InvalidArgument as exc:
        return _refused(400, "INVALID_ARGUMENT", str(exc))
    return StreamingResponse(
        _csv(store, chosen),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
