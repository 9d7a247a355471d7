"""Planning a folder of exports on two cores (``importers.planning``): the plan and report are
those of planning every file in order, whichever file the worker starts at, and a file's error,
a worker that dies and a folder import through the store behave as on one core."""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
from dataclasses import fields
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from benchmarks.exports import (
    Connection,
    connections_csv,
    education_csv,
    linkedin_archive,
    positions_csv,
    profile_csv,
    synthetic_connections,
)
from graph.errors import UnusableInput
from graph.model import RepRef
from graph.store import GraphStore
from importers import planning
from importers.linkedin import import_linkedin_folder, plan_linkedin_file
from importers.plan import ImportReport, Plan
from tests.importers.conftest import DANA, plan_one_by_one, write

REPS = [
    RepRef(
        id=f"rep:{name}@seller.example",
        email=f"{name}@seller.example",
        name=name.title(),
        person_id=f"li:{name}-rep",
    )
    for name in ("alice", "bob", "carol", "dave", "erin", "frank")
]
BOB_URL = "https://www.linkedin.com/in/bob-rep"
ERIN_URL = "https://www.linkedin.com/in/erin-rep"


def _exports(folder: Path) -> list[tuple[RepRef, Path, str]]:
    """Six reps' exports whose rows meet across files: people named again with more fields, a
    tie two reps report (Bob and Erin list each other), a job whose last row wins, rows that are
    invalid, skipped or double-encoded, and two zip archives with the rep's own background."""
    folder.mkdir(parents=True, exist_ok=True)
    people = synthetic_connections(120, seed=5)
    more = [
        Connection(
            c.first,
            c.last,
            c.url,
            f"{c.first.lower()}@example.net",
            c.company,
            c.position or "Buyer",
            c.connected_on,
        )
        for c in people[:40]
    ]
    bob = Connection("Bob", "Brown", BOB_URL, "", "Seller", "AE", date(2021, 5, 1))
    erin = Connection("Erin", "Eve", ERIN_URL, "", "Seller", "AE", date(2022, 6, 1))
    dana_ceo = Connection(DANA.first, DANA.last, DANA.url, "dana@acme.example", "Acme", "CEO", None)
    bad = (
        b"Bogus,Row,https://example.com/not-linkedin,,Acme,CFO,01 Jan 2020\r\n"
        b"No,Date,https://www.linkedin.com/in/no-date,,Acme,CFO,yesterday\r\n"
    )
    files = [
        write(folder, "alice@seller.example.csv", connections_csv([DANA, erin, *people[:60]])),
        write(
            folder,
            "bob@seller.example.csv",
            connections_csv([erin, *people[50:100]], encoding="double"),
        ),
        linkedin_archive(
            folder / "carol@seller.example.zip",
            connections=connections_csv([dana_ceo, *more[:20], *people[100:]]),
            positions=positions_csv([("Globex Inc.", "AE", "Jan 2015", "Dec 2019")]),
            education=education_csv([("State University", "2008", "Jun 2012")]),
            profile=profile_csv("Carol", "Cruz", "Enterprise AE"),
        ),
        write(
            folder, "dave@seller.example.csv", connections_csv([*people[:30], *people[:3]]) + bad
        ),
        write(folder, "erin@seller.example.csv", connections_csv([bob, DANA, *more])),
        linkedin_archive(
            folder / "frank@seller.example.zip",
            connections=connections_csv([dana_ceo, *people[90:120]], date_style="legacy"),
            positions=positions_csv([("Globex Inc.", "SE", "Jan 2016", "")]),
        ),
    ]
    return [(rep, path, path.name) for rep, path in zip(REPS, files, strict=True)]


def _planned(plan: Plan, report: ImportReport) -> dict[str, Any]:
    """Everything a plan and its report hold, in their order (the order records are written)."""
    held = {f.name: getattr(plan, f.name) for f in fields(plan) if f.name != "company_keys"}
    return {
        **{name: list(v.items()) if isinstance(v, dict) else v for name, v in held.items()},
        "report": report.as_json(),
        "skipped, in order": list(report.skipped.items()),
    }


@pytest.fixture(autouse=True)
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker runs whatever the machine (on one core it would only be slower)."""
    monkeypatch.setattr(planning, "_cores", lambda: 2)


def _in_order(jobs: list[tuple[RepRef, Path, str]]) -> dict[str, Any]:
    return _planned(*plan_one_by_one(jobs))


def test_the_exports_meet_across_files(tmp_path: Path) -> None:
    """The folder exercises what folding must get right (else the tests below prove little)."""
    planned = _in_order(_exports(tmp_path / "exports"))
    ties = dict(planned["ties"])
    bob_erin = ties[("li:bob-rep", "li:erin-rep", "linkedin")]
    assert bob_erin.reported_by == ("rep:bob@seller.example", "rep:erin@seller.example")
    people = dict(planned["people"])
    dana = people["li:dana-w"]
    assert (dana.title, dana.email) == ("CFO", "dana@acme.example")  # first title, later email
    jobs = dict(planned["employments"])
    assert jobs[("li:dana-w", "c:acme")].title == "CEO"  # the last row wins
    assert jobs[("li:frank-rep", "c:globex")].current  # Frank's own position, from his archive
    report = planned["report"]
    assert report["repaired_lines"] > 0 and report["skipped"]["duplicate rows"] == 3
    assert [(p["file"], p["line"]) for p in report["invalid"]] == [
        ("carol@seller.example.zip", 14),  # a hidden member with no name (quirks)
        ("dave@seller.example.csv", 38),
        ("dave@seller.example.csv", 39),
        ("erin@seller.example.csv", 15),
    ]


@pytest.mark.parametrize("split", range(1, 6))
def test_a_worker_plan_folded_in_is_the_plan_of_every_file_in_order(
    tmp_path: Path, split: int
) -> None:
    jobs = _exports(tmp_path / "exports")
    plan, report = Plan(), ImportReport(file="exports/", kind="linkedin-folder")
    planning._plan_here(plan, report, jobs[:split], plan_linkedin_file, None, 0, len(jobs), None)
    theirs, their_report = Plan(), ImportReport(file="", kind="")
    planning._plan_here(theirs, their_report, jobs[split:], plan_linkedin_file, None, 0, 6, None)
    sent = pickle.loads(pickle.dumps(planning._WorkerPlan.of(theirs, their_report)))
    sent.fold_into(plan, report)
    assert _planned(plan, report) == _in_order(jobs)


def test_planning_on_two_cores_gives_the_plan_and_report_of_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger=planning.__name__)
    jobs = _exports(tmp_path / "exports")
    plan, report = Plan(), ImportReport(file="exports/", kind="linkedin-folder")
    seen: list[tuple[str, int, int]] = []
    planning.plan_files(
        plan,
        report,
        jobs,
        plan_linkedin_file,
        progress=lambda label, done, total: seen.append((label, done, total)),
        parallel_min_bytes=0,
    )
    assert "planning 3 of 6 exports in process" in caplog.text  # the worker planned the last 3
    assert _planned(plan, report) == _in_order(jobs)
    assert seen[-1] == (planning.READING, 6, 6)
    assert [done for _, done, _ in seen] == sorted(done for _, done, _ in seen)
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("where", [[0], [5], [0, 5]])
def test_a_file_that_is_no_export_fails_as_on_one_core(tmp_path: Path, where: list[int]) -> None:
    """Planned in order, the first file that is no export raises: so too on two cores, with
    one in this process's part, in the worker's, or in both."""
    jobs = _exports(tmp_path / "exports")
    for at in where:
        junk = write(tmp_path, f"notes{at}.csv", f"these are my notes {at}\r\nnothing else\r\n")
        jobs[at] = (jobs[at][0], junk, junk.name)
    with pytest.raises(UnusableInput) as on_one:
        planning.plan_files(Plan(), ImportReport(file="", kind=""), jobs, plan_linkedin_file)
    with pytest.raises(UnusableInput) as on_two:
        planning.plan_files(
            Plan(), ImportReport(file="", kind=""), jobs, plan_linkedin_file, parallel_min_bytes=0
        )
    assert str(on_two.value) == str(on_one.value)
    assert f"notes{where[0]}.csv: no header with the columns" in str(on_two.value)
    assert multiprocessing.active_children() == []  # the worker is stopped either way


def plan_or_die(plan: Plan, report: ImportReport, rep: RepRef, path: Path) -> None:
    """A planner whose worker process dies on its first file (as when the system kills it)."""
    if multiprocessing.parent_process() is not None:
        os._exit(3)
    plan_linkedin_file(plan, report, rep, path)


def test_a_worker_that_dies_has_its_files_planned_here(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    jobs = _exports(tmp_path / "exports")
    plan, report = Plan(), ImportReport(file="exports/", kind="linkedin-folder")
    planning.plan_files(plan, report, jobs, plan_or_die, parallel_min_bytes=0)
    assert "the planning worker stopped (exit code 3)" in caplog.text
    assert _planned(plan, report) == _in_order(jobs)


def test_a_folder_planned_on_two_cores_imports_as_on_one(
    roster: GraphStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger=planning.__name__)
    folder = tmp_path / "exports"
    folder.mkdir()
    for seed, name in enumerate(("alice", "bob", "carol"), start=11):
        rows = synthetic_connections(200, seed=seed, quirks=False)
        if name == "carol":  # a data-export archive: the folder is planned row by row
            linkedin_archive(
                folder / f"{name}@seller.example.zip", connections=connections_csv([DANA, *rows])
            )
        else:
            write(folder, f"{name}@seller.example.csv", connections_csv([DANA, *rows]))
    dry = import_linkedin_folder(roster, folder, dry_run=True)  # planned on one core
    monkeypatch.setattr(planning, "PARALLEL_MIN_BYTES", 0)
    assert "exports in process" not in caplog.text
    report = import_linkedin_folder(roster, folder)
    assert "planning 1 of 3 exports in process" in caplog.text
    assert report.as_json() == {**dry.as_json(), "dry_run": False}
    assert report.people_created == 601 and report.ties_created == 603
    again = import_linkedin_folder(roster, folder)
    assert (again.people_created, again.ties_created, again.ties_unchanged) == (0, 0, 603)
