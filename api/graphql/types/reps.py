"""Reps and users as the schema shows them."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.auth import Access
from api.graphql.errors import Problem
from graph.model import Rep, User
from graph.store import GraphStore
from routing import directory


@strawberry.type(name="Rep")
class RepType:
    id: strawberry.ID
    name: str
    email: str
    region: str | None
    team: str | None
    capacity: int | None
    active: bool
    out_until: str | None

    @classmethod
    def of(cls, rep: Rep, viewer: Access | None = None) -> RepType:
        """The rep's profile; to a ``viewer`` who may not see this rep (another team's
        manager, another rep), only a card: id, name, team and whether they are active."""
        if viewer is not None and not viewer.can_see_rep(rep.id):
            return cls(
                id=strawberry.ID(rep.id),
                name=rep.name,
                email="",
                region=None,
                team=rep.team,
                capacity=None,
                active=rep.active,
                out_until=None,
            )
        return cls(
            id=strawberry.ID(rep.id),
            name=rep.name,
            email=rep.email,
            region=rep.region,
            team=rep.team,
            capacity=rep.capacity,
            active=rep.active,
            out_until=rep.out_until.isoformat() if rep.out_until else None,
        )

    @classmethod
    def by_id(
        cls,
        store: GraphStore,
        rep_id: str,
        fallback_name: str = "",
        viewer: Access | None = None,
    ) -> RepType:
        """The rep's profile; a rep the roster no longer knows, by id (or name), inactive."""
        profile = directory.rep_profile(store, rep_id)
        if profile is None:
            return cls(
                id=strawberry.ID(rep_id),
                name=fallback_name or rep_id,
                email="",
                region=None,
                team=None,
                capacity=None,
                active=False,
                out_until=None,
            )
        return cls.of(profile, viewer)


RepResult = Annotated[RepType | Problem, strawberry.union("RepResult")]


@strawberry.type(name="User")
class UserType:
    id: strawberry.ID
    name: str
    role: str
    rep_id: strawberry.ID | None
    team: str | None

    @classmethod
    def of(cls, user: User) -> UserType:
        return cls(
            id=strawberry.ID(user.id),
            name=user.name,
            role=user.role,
            rep_id=strawberry.ID(user.rep_id) if user.rep_id else None,
            team=user.team,
        )
