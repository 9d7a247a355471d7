"""People, the paths between a rep and a person, and mutual connections."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.graphql.errors import Problem
from api.graphql.types.reps import RepType
from graph.model import ConnectionPath, PersonRef


@strawberry.type
class Person:
    id: strawberry.ID
    name: str
    title: str | None
    linkedin_url: str | None

    @classmethod
    def of(cls, ref: PersonRef) -> Person:
        return cls(
            id=strawberry.ID(ref.id), name=ref.name, title=ref.title, linkedin_url=ref.linkedin_url
        )


@strawberry.type
class Step:
    sources: list[str]
    strength: float | None


@strawberry.type
class Path:
    hops: int
    nodes: list[Person]
    steps: list[Step]

    @classmethod
    def of(cls, path: ConnectionPath) -> Path:
        return cls(
            hops=path.hops,
            nodes=[Person.of(n) for n in path.nodes],
            steps=[Step(sources=list(s.sources), strength=s.strength) for s in path.steps],
        )


@strawberry.type
class Paths:
    rep: RepType
    person: Person
    paths: list[Path]


@strawberry.type
class Mutuals:
    a: Person
    b: Person
    people: list[Person]


PathsResult = Annotated[Paths | Problem, strawberry.union("PathsResult")]
MutualsResult = Annotated[Mutuals | Problem, strawberry.union("MutualsResult")]
