"""The audit log as the schema shows it (routing/audit.py): the filter, and the resolver's
body. Its pages are the activity stream's EventConnection, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from api.graphql.context import Context, off
from api.graphql.errors import Problem, answer
from api.graphql.types.events import EventConnection
from routing import audit


@strawberry.input(description="Which events; every field is optional (none: every event).")
class AuditFilter:
    lead_id: strawberry.ID | None = None
    rep_id: strawberry.ID | None = None
    kind: str | None = strawberry.field(
        default=None, description="An event kind: claimed, offered, policy_applied..."
    )
    actor: str | None = strawberry.field(
        default=None,
        description='Who took the step: exactly ("admin:<id>", "rep:<id>", "cli:<login>") or '
        'by role ("admin").',
    )
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = strawberry.field(default=None, description="Before this time.")

    def wanted(self) -> audit.AuditFilter:
        return audit.AuditFilter(
            lead_id=None if self.lead_id is None else str(self.lead_id),
            rep_id=None if self.rep_id is None else str(self.rep_id),
            kind=self.kind,
            actor=self.actor,
            since=self.from_,
            until=self.to,
        )


AuditResult = Annotated[EventConnection | Problem, strawberry.union("AuditResult")]


async def audit_for(
    context: Context, wanted: AuditFilter | None, first: int, after: str | None
) -> AuditResult:
    """Query.auditLog: managers (their team's leads and reps) and admins (everything)."""

    def load() -> EventConnection:
        page = audit.audit_page(
            context.store,
            context.access,
            (wanted or AuditFilter()).wanted(),
            first=first,
            after=after,
        )
        return EventConnection.of(page)

    return await answer(lambda: off(load))
