"""Rows become records by their dataclass fields, and the queries that feed a record return
exactly its fields; every write query the caches name exists in both dialects."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime

import pytest

from cypher import load_catalogs
from graph.model import Company, LeadView, Rep
from graph.store.caches import WRITES
from graph.store.mappers import lead_view, record

LEAD_QUERIES = ("lead_by_id", "leads_with_status")


@pytest.mark.parametrize("dialect", ["ladybug", "neo4j"])
@pytest.mark.parametrize("name", LEAD_QUERIES)
def test_lead_queries_return_the_fields_of_a_lead_view(dialect: str, name: str) -> None:
    text = load_catalogs()[dialect][name].text
    returned = set(re.findall(r"\bAS\s+([a-z_]+)", text.split("RETURN", 1)[1]))
    expected = {f.name for f in dataclasses.fields(LeadView)} - {"company", "committee"}
    expected |= {f"company_{f.name}" for f in dataclasses.fields(Company)}
    assert returned == expected


def test_a_record_takes_utc_times_tuples_defaults_and_empty_values() -> None:
    rep = record(
        Rep,
        {"id": "rep:a", "person_id": "p:a", "email": None, "name": "", "industries": ["x"]},
        empty={"email": "", "name": "-"},
    )
    assert (rep.email, rep.name, rep.industries, rep.active) == ("", "-", ("x",), True)
    row = {"id": "L1", "title": None, "status": None, "grade": "hot", "company_id": "c:1"}
    lead = lead_view({**row, "claimed_at": datetime(2026, 1, 2, 3, 4)}, ())
    assert (lead.title, lead.status, lead.grade, lead.company.name) == ("", "new", "hot", "")
    assert lead.claimed_at == datetime(2026, 1, 2, 3, 4, tzinfo=UTC)


def test_every_write_the_caches_name_is_a_query_of_both_dialects() -> None:
    for catalog in load_catalogs().values():
        assert set(WRITES) <= set(catalog.queries)
