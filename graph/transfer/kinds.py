"""What ``warmpath transfer`` copies: every label and relationship type of the model, its
columns and their value types, and how a value is written and compared (the same JSON from either
backend)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from graph.store import Row, utc

# value types of the columns: how a value is written and how it is compared
TEXT, FLOAT, INT, BOOL, DAY, TIME, TEXTS = "text", "float", "int", "bool", "day", "time", "texts"


@dataclass(frozen=True)
class Kind:
    """A label or relationship type as the transfer reads, compares and writes it.

    ``columns`` are every property, the page key first (a node's id, a relationship's start
    node id, then its end node id); the first ``key_size`` identify a row. A kind that a start
    node has at most once (``replaces``) has a ``transfer_unlink_<slug>`` query that drops the
    target's link before the source's is written.
    """

    name: str
    slug: str
    columns: tuple[tuple[str, str], ...]
    key_size: int = 1
    replaces: bool = False

    @property
    def page_key(self) -> str:
        return self.columns[0][0]

    @property
    def is_relationship(self) -> bool:
        return self.key_size > 1


def _node(name: str, slug: str, *columns: tuple[str, str]) -> Kind:
    return Kind(name, slug, (("id", TEXT), *columns))


KINDS: tuple[Kind, ...] = (
    _node(
        "Person",
        "person",
        ("name", TEXT),
        ("first_name", TEXT),
        ("last_name", TEXT),
        ("linkedin_url", TEXT),
        ("email", TEXT),
        ("title", TEXT),
        ("location", TEXT),
    ),
    _node(
        "Company",
        "company",
        ("name", TEXT),
        ("domain", TEXT),
        ("industry", TEXT),
        ("region", TEXT),
        ("size", INT),
    ),
    _node("School", "school", ("name", TEXT)),
    _node(
        "Rep",
        "rep",
        ("email", TEXT),
        ("name", TEXT),
        ("region", TEXT),
        ("timezone", TEXT),
        ("industries", TEXTS),
        ("products", TEXTS),
        ("deal_min", FLOAT),
        ("deal_max", FLOAT),
        ("capacity", INT),
        ("close_rate", FLOAT),
        ("hired_on", DAY),
        ("active", BOOL),
        ("out_until", DAY),
        ("team", TEXT),
        ("consented_at", TIME),
        ("consent_by", TEXT),
        ("consent_withdrawn_at", TIME),
    ),
    _node(
        "Lead",
        "lead",
        ("title", TEXT),
        ("status", TEXT),
        ("grade", TEXT),
        ("score", FLOAT),
        ("value", FLOAT),
        ("product", TEXT),
        ("industry", TEXT),
        ("region", TEXT),
        ("source", TEXT),
        ("created_at", TIME),
        ("owner_rep_id", TEXT),
        ("claimed_at", TIME),
        ("contact_due_at", TIME),
        ("contacted_at", TIME),
        ("outcome", TEXT),
    ),
    _node(
        "Event",
        "event",
        ("at", TIME),
        ("kind", TEXT),
        ("actor", TEXT),
        ("lead_id", TEXT),
        ("rep_id", TEXT),
        ("reason", TEXT),
        ("detail", TEXT),
    ),
    _node(
        "User",
        "user",
        ("name", TEXT),
        ("role", TEXT),
        ("rep_id", TEXT),
        ("team", TEXT),
        ("token_hash", TEXT),
        ("created_at", TIME),
    ),
    _node(
        "Outbox",
        "outbox",
        ("at", TIME),
        ("kind", TEXT),
        ("payload", TEXT),
        ("attempts", INT),
        ("next_at", TIME),
        ("last_error", TEXT),
        ("delivered_at", TIME),
        ("lease_until", TIME),
        ("leased_by", TEXT),
    ),
    Kind("Tombstone", "tombstone", (("hash", TEXT), ("at", TIME))),
    Kind(
        "Submission",
        "submission",
        (
            ("key", TEXT),
            ("at", TIME),
            ("lead_id", TEXT),
            ("outcome", TEXT),
            ("actor", TEXT),
            ("detail", TEXT),
        ),
    ),
    Kind(
        "PolicyVersion",
        "policy_version",
        (
            ("version", TEXT),
            ("toml", TEXT),
            ("applied_by", TEXT),
            ("applied_at", TIME),
            ("source", TEXT),
        ),
    ),
    Kind("IS", "is", (("rep_id", TEXT), ("person_id", TEXT)), key_size=2, replaces=True),
    Kind(
        "KNOWS",
        "knows",
        (
            ("a", TEXT),
            ("b", TEXT),
            ("source", TEXT),
            ("since", DAY),
            ("strength", FLOAT),
            ("reported_by", TEXTS),
        ),
        key_size=3,
    ),
    Kind(
        "WORKS_AT",
        "works_at",
        (
            ("person_id", TEXT),
            ("company_id", TEXT),
            ("title", TEXT),
            ("current", BOOL),
            ("started", DAY),
            ("ended", DAY),
        ),
        key_size=2,
    ),
    Kind(
        "STUDIED_AT",
        "studied_at",
        (("person_id", TEXT), ("school_id", TEXT), ("started", DAY), ("ended", DAY)),
        key_size=2,
    ),
    Kind("AT", "at", (("lead_id", TEXT), ("company_id", TEXT)), key_size=2, replaces=True),
    Kind(
        "DECISION_MAKER",
        "decision_maker",
        (("lead_id", TEXT), ("person_id", TEXT), ("role", TEXT)),
        key_size=2,
    ),
    Kind("ABOUT", "about", (("id", TEXT), ("lead_id", TEXT)), key_size=2, replaces=True),
)
"""Nodes first (relationships are written between nodes the target holds), in this order."""


def value_of(value_type: str, value: Any) -> Any:
    """A value as it is written: one Python type per value type, timestamps aware UTC."""
    if value is None:
        return None
    if value_type == TIME:
        return utc(value)
    if value_type == DAY:
        return value.date() if isinstance(value, datetime) else value
    if value_type == FLOAT:
        return float(value)
    if value_type == INT:
        return int(value)
    if value_type == BOOL:
        return bool(value)
    if value_type == TEXTS:
        return [str(v) for v in value]
    return str(value)


def canonical(value_type: str, value: Any) -> Any:
    """A written value as it is compared: the same JSON from either backend."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if value_type == FLOAT:
        return round(value, 9) + 0.0  # + 0.0: -0.0 and 0.0 are one value
    if value_type == TEXTS:
        return sorted(value)  # a rep's industries and products are sets
    return value


@dataclass(frozen=True)
class KindRow:
    key: tuple[Any, ...]
    text: str
    values: Row


def row_of(kind: Kind, raw: Mapping[str, Any]) -> KindRow:
    values = {column: value_of(value_type, raw[column]) for column, value_type in kind.columns}
    text = json.dumps(
        [canonical(value_type, values[column]) for column, value_type in kind.columns],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return KindRow(
        key=tuple(values[c] for c, _ in kind.columns[: kind.key_size]), text=text, values=values
    )
