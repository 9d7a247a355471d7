"""A person's ties as one read returns them (``person_ties``): the person's side of the
proximity questions, whose rep side is held in memory (graph/network.py).

People and steps are built when looked up: a decision-maker known by a thousand people costs
one read, and only the few people an answer names become records."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TypeVar

from graph.errors import NotFound
from graph.model import PathStep, PersonRef
from graph.store.mappers import person_ref
from graph.store.runner import Row

PERSON_FIELDS = ("id", "name", "title", "linkedin_url", "email")
"""The columns of a PersonRef; ``person_ties`` returns the person's own prefixed ``person_``."""

V = TypeVar("V")


class _ByOther(Mapping[str, V]):
    """The rows of one read by the other person's id (one row per tie: a pair may have
    several), each turned into a record when looked up."""

    def __init__(self, rows: Mapping[str, list[Row]]) -> None:
        self._rows = rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def __getitem__(self, person_id: str) -> V:
        return self._make(self._rows[person_id])

    def _make(self, rows: list[Row]) -> V:
        raise NotImplementedError


class KnownPeople(_ByOther[PersonRef]):
    """Who the person knows, by id."""

    def _make(self, rows: list[Row]) -> PersonRef:
        return person_ref(rows[0])

    def name(self, person_id: str) -> str:
        return str(self._rows[person_id][0]["name"] or "")


class TieSteps(_ByOther[PathStep]):
    """The tie to each person known, by their id: every source, the best strength."""

    def _make(self, rows: list[Row]) -> PathStep:
        strengths = [float(r["strength"]) for r in rows if r["strength"] is not None]
        return PathStep(
            sources=tuple(sorted({r["source"] or "unknown" for r in rows})),
            strength=max(strengths) if strengths else None,
        )


class PersonTies:
    """A person and their ties, as read from the graph."""

    def __init__(self, rows: Sequence[Row]) -> None:
        """``rows``: what ``person_ties`` returned (at least one: the person exists)."""
        first = rows[0]
        self.person = person_ref({f: first[f"person_{f}"] for f in PERSON_FIELDS})
        by_other: dict[str, list[Row]] = {}
        for row in rows:
            other = row["id"]
            if other is not None and other != self.person.id:
                by_other.setdefault(other, []).append(row)
        self.people = KnownPeople(by_other)
        self.steps = TieSteps(by_other)


def read_person_ties(rows: Sequence[Row], person_id: str) -> PersonTies:
    """The person's ties from what ``person_ties`` returned; NotFound when it returned no row
    (there is no such person)."""
    if not rows:
        raise NotFound(f"no person with id {person_id!r}")
    return PersonTies(rows)
