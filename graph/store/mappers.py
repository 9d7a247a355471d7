"""Rows to records: one mapper, driven by the record's dataclass fields.

A query returns a column per field, named as the field. ``record`` fills each field from its
column: timestamps become aware UTC (``utc``), lists become tuples, a missing value takes the
field's default. So a record's field list is written once, in graph/model.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from graph.model import (
    CommitteeMember,
    Company,
    Event,
    LeadView,
    OutboxMessage,
    PersonRef,
    Rep,
    RepRef,
    Stint,
    User,
)
from graph.store.runner import TIME, TUPLE, Row, record_shape, utc

D = TypeVar("D")
NEVER = datetime.min.replace(tzinfo=UTC)
"""A timestamp a record needs but the row lacks."""


def record(
    record_type: type[D],
    row: Mapping[str, Any],
    *,
    empty: Mapping[str, Any] | None = None,
    **given: Any,
) -> D:
    """A ``record_type`` from a row: ``given`` fields as given, the others from their columns.

    A null column takes the value in ``empty`` (which also replaces an empty string), else
    the field's default, else stays None."""
    values: dict[str, Any] = {}
    for name, how, default in record_shape(record_type):
        if name in given:
            values[name] = given[name]
            continue
        value = row.get(name)
        if empty is not None and name in empty and (value is None or value == ""):
            value = empty[name]
        elif value is None and default is not dataclasses.MISSING:
            value = default
        if how == TIME:
            value = utc(value)
        elif how == TUPLE and value is not None:
            value = tuple(value)
        values[name] = value
    return record_type(**values)


_NAMED = {"name": ""}


def person_ref(row: Mapping[str, Any]) -> PersonRef:
    return record(PersonRef, row, empty=_NAMED)


def rep_ref(row: Mapping[str, Any]) -> RepRef:
    return record(RepRef, row, empty={"email": "", "name": ""})


def rep_profile(row: Mapping[str, Any]) -> Rep:
    return record(Rep, row, empty={"email": "", "name": ""})


def stint(row: Mapping[str, Any]) -> Stint:
    return record(Stint, row, empty={"place_name": "", "current": False})


def committee_member(row: Mapping[str, Any]) -> CommitteeMember:
    return CommitteeMember(person=person_ref(row), role=row["role"] or "other")


def sorted_committee(members: list[CommitteeMember]) -> tuple[CommitteeMember, ...]:
    return tuple(sorted(members, key=lambda m: (m.role, m.person.name, m.person.id)))


def lead_view(row: Row, committee: tuple[CommitteeMember, ...]) -> LeadView:
    """A lead and its company (columns ``company_<field>``) from one row."""
    company = record(
        Company,
        {f.name: row.get(f"company_{f.name}") for f in dataclasses.fields(Company)},
        empty=_NAMED,
    )
    return record(
        LeadView,
        row,
        empty={"title": "", "status": "new", "grade": "warm"},
        company=company,
        committee=committee,
    )


def event(row: Mapping[str, Any]) -> Event:
    return record(Event, row, empty={"at": NEVER, "actor": ""})


def event_stream(rows: Iterable[Mapping[str, Any]]) -> list[Event]:
    """A lead's events read as a list of maps, in no order, as its activity stream."""
    return sorted(map(event, rows), key=Event.stream_order)


def outbox_message(row: Mapping[str, Any], now: datetime) -> OutboxMessage:
    message = record(OutboxMessage, row, empty={"at": now, "attempts": 0})
    return dataclasses.replace(message, attempts=int(message.attempts))


def user(row: Mapping[str, Any]) -> User:
    return record(User, row, empty=_NAMED)
