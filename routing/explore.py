"""Proximity questions asked by key (LinkedIn URL, email or id), for the CLI and the API.

The graph answers by internal id; this module resolves what a person typed into those ids
first, so an unknown key is a clear NotFound rather than an empty answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from graph.model import (
    CompanyReach,
    ConnectionPath,
    PersonRef,
    RepNearby,
    RepRef,
    SharedBackground,
)
from graph.store import GraphStore, check_hops
from routing.background import shared_background as background_between


@dataclass(frozen=True)
class RepsNear:
    person: PersonRef
    max_hops: int
    reps: list[RepNearby]


@dataclass(frozen=True)
class PathsBetween:
    rep: RepRef
    person: PersonRef
    max_hops: int
    paths: list[ConnectionPath]


@dataclass(frozen=True)
class MutualConnections:
    a: PersonRef
    b: PersonRef
    people: list[PersonRef]


@dataclass(frozen=True)
class BackgroundShared:
    rep: RepRef
    person: PersonRef
    background: SharedBackground


def reps_near(
    store: GraphStore, person_key: str, *, max_hops: int = 2, max_via: int = 3
) -> RepsNear:
    check_hops(max_hops)
    person = store.resolve_person(person_key)
    return RepsNear(
        person=person,
        max_hops=max_hops,
        reps=store.reps_near(person.id, max_hops=max_hops, max_via=max_via),
    )


def connection_paths(
    store: GraphStore, rep_key: str, person_key: str, *, max_hops: int = 3, limit: int = 5
) -> PathsBetween:
    check_hops(max_hops)
    rep = store.resolve_rep(rep_key)
    person = store.resolve_person(person_key)
    paths = store.connection_paths(rep.id, person.id, max_hops=max_hops, limit=limit)
    return PathsBetween(rep=rep, person=person, max_hops=max_hops, paths=paths)


def mutual_connections(store: GraphStore, a_key: str, b_key: str) -> MutualConnections:
    a = store.resolve_person(a_key)
    b = store.resolve_person(b_key)
    return MutualConnections(a=a, b=b, people=store.mutual_connections(a.id, b.id))


def reach_at_company(store: GraphStore, company_id: str) -> list[CompanyReach]:
    return store.reach_at_company(company_id)


def shared_background(
    store: GraphStore, rep_key: str, person_key: str, *, today: date | None = None
) -> BackgroundShared:
    rep = store.resolve_rep(rep_key)
    person = store.resolve_person(person_key)
    return BackgroundShared(
        rep=rep, person=person, background=background_between(store, rep.id, person.id, today=today)
    )
