"""Importer fixtures: a store with a small roster, and a folder for generated export files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from benchmarks.exports import Connection
from graph.model import RepRef
from graph.store import GraphStore
from importers.crm import import_reps
from importers.linkedin import plan_linkedin_file
from importers.plan import ImportReport, Plan

ROSTER = (
    "email,name,linkedin_url,region,timezone,industries,products,deal_min,deal_max,capacity,"
    "close_rate,hired_on,active,out_until,consent\n"
    "alice@seller.example,Alice Adams,https://www.linkedin.com/in/alice-rep,EMEA,Europe/Berlin,"
    "software;finance,platform,0,100000,25,0.3,2021-03-01,true,,yes\n"
    'bob@seller.example,Bob Brown,,NA,America/New_York,retail,analytics,10000,"50,000",20,25%,'
    "2024-10-01,yes,2026-12-01,2024-10-01\n"
    "carol@seller.example,Carol Cruz,https://www.linkedin.com/in/carol-rep,APAC,Asia/Singapore,"
    ",,,,10,,2025-01-01,false,,yes\n"
)
"""The roster of the importer tests: every rep consented (yes, or the date they agreed)."""
DANA = Connection(
    "Dana", "Whitfield", "https://www.linkedin.com/in/dana-w", "", "Acme", "CFO", date(2020, 1, 1)
)
"""A connection several reps' exports list."""


@pytest.fixture
def roster(store: GraphStore, tmp_path: Path) -> GraphStore:
    path = tmp_path / "reps.csv"
    path.write_text(ROSTER, encoding="utf-8")
    report = import_reps(store, path)
    assert report.invalid == [] and report.written["reps"] == 3
    return store


def write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def plan_one_by_one(jobs: list[tuple[RepRef, Path, str]]) -> tuple[Plan, ImportReport]:
    """A folder's exports planned row by row, one file after the other, in one plan and report:
    what the folder's faster planners must give."""
    plan, report = Plan(), ImportReport(file="exports/", kind="linkedin-folder")
    for rep, path, shown in jobs:
        report.current_file = shown
        plan_linkedin_file(plan, report, rep, path)
    report.current_file = None
    return plan, report
