"""The lead-event subscription: offers, claims and reassignments as they happen."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from api.auth import Access
from api.graphql.context import Context
from api.graphql.types.events import EventType
from routing.errors import Forbidden


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Offers, claims and reassignments as they happen.")
    async def lead_events(
        self, info: Info[Context, None], rep_id: strawberry.ID | None = None
    ) -> AsyncGenerator[EventType, None]:
        context = info.context
        user = context.user  # signed in by connection_init (api.app._Router.on_ws_connect)
        if user is None:
            raise Forbidden('sign in: send {"Authorization": "Bearer <token>"} in connection_init')
        access = Access(user, context.store)
        wanted = str(rep_id) if rep_id is not None else None
        if wanted is not None:
            access.require_rep(wanted)
        elif user.role == "rep":
            wanted = user.rep_id
        async for event in context.services.broker.subscribe():
            if wanted is not None and event.rep_id != wanted:
                continue
            if event.rep_id and not access.can_see_rep(event.rep_id):
                continue
            yield EventType.of(event)
