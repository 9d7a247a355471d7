"""A folder of Connections.csv files planned in columns (``importers.connection_columns``) gives
the plan and report of planning each file row by row in order (``plan_linkedin_file``): for
files the kernels plan, for files they leave to the row planner, and for the two mixed."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from benchmarks.exports import Connection, connections_csv, synthetic_connections
from graph.errors import UnusableInput
from graph.model import Person, RecordTable, RepRef, Tie
from importers import connection_columns
from importers.connection_columns import plan_connection_files
from importers.linkedin import CONNECTIONS_COLUMNS
from importers.plan import ImportReport, Plan
from tests.importers.conftest import DANA, plan_one_by_one, write

REPS = {
    name: RepRef(
        id=f"rep:{name}@seller.example",
        email=f"{name}@seller.example",
        name=name.title(),
        person_id=f"li:{name}-rep",
    )
    for name in ("alice", "bob", "carol", "dave", "erin", "frank", "gina", "hugo")
}


def _me(name: str, **changes: Any) -> Connection:
    """A row for a rep's own person (in another rep's export, a tie between two reps)."""
    row = Connection(
        name.title(),
        "Rep",
        f"https://www.linkedin.com/in/{name}-rep",
        "",
        "Seller",
        "AE",
        date(2021, 5, 1),
    )
    return dataclasses.replace(row, **changes)


def _plain(folder: Path) -> list[tuple[RepRef, Path, str]]:
    """Files the kernels plan: people named in several files with more fields later, titles
    and employers that change, reps who list each other (and themselves), a rep with two
    files, rows without URL (email or name and company), URLs of an unusual shape, hidden
    members, duplicates, accents, a byte-order mark, other delimiters, header spellings and
    orders, no email column, quoted cells (with commas and a line break), a row of empty cells
    and a file of no rows."""
    people = synthetic_connections(90, seed=3, quirks=False)  # its quirks: commas in names
    hidden = Connection("", "", "", "", "", "", date(2017, 4, 5))
    people[10:10] = [hidden]
    people[60:60] = [hidden, hidden]
    dana_later = dataclasses.replace(
        DANA, email="Dana@Acme.example ", position="Chief Financial Officer"
    )
    odd = [
        Connection(
            "Ema",
            "Ortiz",
            "HTTPS://WWW.LinkedIn.com/in/Ema-Ortiz/?trk=x",
            "",
            "Acme",
            "VP",
            date(2019, 2, 3),
        ),
        Connection("Noe", "Url", "", "noe@acme.example", "Acme", "CTO", date(2019, 2, 3)),
        Connection("Only", "Name", "", "", "Initech", "", None),
        Connection(
            "  Zoë ",
            "Müller  ",
            "https://de.linkedin.com/in/zoe-m/",
            "urn:li:member:9",
            "Umbrella GmbH",
            "Geschäftsführerin",
            date(2018, 7, 9),
        ),
        Connection(
            "Ema",
            "Ortiz",
            "https://www.linkedin.com/in/ema-ortiz",
            "ema@acme.example",
            "ACME Inc.",
            "VP Sales",
            date(2020, 1, 1),
        ),  # the same person again
    ]
    files = [
        ("alice", connections_csv([DANA, _me("bob"), *people[:50], *odd[:3]])),
        (
            "bob",
            connections_csv(
                [_me("alice"), dana_later, _me("bob"), *people[40:80], *odd[:4]],
                encoding="utf-8-sig",
            ),
        ),
        (
            "carol",
            connections_csv(
                [*people[70:], *people[70:75], DANA, odd[4]], delimiter=";", line_end="\n"
            ),
        ),
        (
            "dave",
            connections_csv(
                [dataclasses.replace(p, position="") for p in people[:20]],
                header=(
                    "Vorname",
                    "Nachname",
                    "Profile URL",
                    "E-mail Address",
                    "Organization",
                    "Title",
                    "Connected",
                ),
                drop_columns=("E-mail Address",),
            ),
        ),
        ("erin", connections_csv([], preamble=False)),
        ("alice", connections_csv([*people[85:], dataclasses.replace(DANA, company="Acme Corp")])),
    ]
    jobs = []
    for number, (name, data) in enumerate(files):
        prefix = "p"
        path = write(folder, f"{prefix}{number}-{name}.csv", data)
        jobs.append((REPS[name], path, path.name))
    quoted = write(
        folder,
        "p7-carol.csv",
        connections_csv(people[:10])
        + b'Quinn,Quote,https://www.linkedin.com/in/quinn-q,,"Acme, Inc.","VP,\r\nSales",01 Jan 2020\r\n',
    )
    jobs.append((REPS["carol"], quoted, quoted.name))
    blank = write(
        folder,
        "p6-frank.csv",
        connections_csv(people[:5])
        + b",,,,,,\r\n"
        + connections_csv(people[5:8], preamble=False)[
            len("First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n") :
        ],
    )
    jobs.append((REPS["frank"], blank, blank.name))
    return jobs


def _by_rows(folder: Path) -> list[tuple[RepRef, Path, str]]:
    """Files the row planner plans: double-encoded, Windows-1252, decomposed accents, invisible
    marks, a comma in a name, a column the planner does not read, blank lines, rows of another
    width, and rows it rejects."""
    people = synthetic_connections(60, seed=8)
    extra = connections_csv(people[10:20]).replace(
        b"Connected On\r\n", b"Connected On,Notes\r\n", 1
    )
    extra = extra.replace(b"\r\n", b",x\r\n").replace(
        b"Connected On,Notes,x", b"Connected On,Notes"
    )
    rejected = connections_csv(people[20:30]) + (
        b"Bogus,Row,https://example.com/not-linkedin,,Acme,CFO,01 Jan 2020\r\n"
        b"No,Date,https://www.linkedin.com/in/no-date,,Acme,CFO,yesterday\r\n"
        b",,,nobody@x.example,Acme,,01 Jan 2020\r\n"
    )
    files = [
        ("gina", connections_csv([DANA, *people[:30]], encoding="double")),
        ("hugo", connections_csv(people[25:45], encoding="cp1252")),
        (
            "gina",
            connections_csv(
                [
                    Connection(
                        "Zoe\u0308",
                        "Nfd",
                        "https://www.linkedin.com/in/zoe-nfd",
                        "",
                        "Acme",
                        "VP",
                        None,
                    )
                ]
            ),
        ),
        (
            "hugo",
            connections_csv(
                [
                    Connection(
                        "\u200bIvy",
                        "Mark",
                        "https://www.linkedin.com/in/ivy-m",
                        "",
                        "Acme",
                        "VP",
                        None,
                    )
                ]
            ),
        ),
        (
            "dave",
            connections_csv(
                [
                    Connection(
                        "Nayak",
                        "Raj, MSc, MBA",
                        "https://www.linkedin.com/in/raj-n",
                        "",
                        "Acme",
                        "CFO",
                        None,
                    ),
                    *people[30:40],
                ]
            ),
        ),
        ("erin", extra),
        ("frank", connections_csv(people[40:45]) + b"\r\n\r\n" + b"Short,Row\r\n"),
        ("alice", rejected),
    ]
    jobs = []
    for number, (name, data) in enumerate(files):
        prefix = "r"
        path = write(folder, f"{prefix}{number}-{name}.csv", data)
        jobs.append((REPS[name], path, path.name))
    return jobs


def _in_columns(jobs: list[tuple[RepRef, Path, str]]) -> tuple[Plan, ImportReport]:
    plan, report = Plan(), ImportReport(file="exports/", kind="linkedin-folder")
    plan_connection_files(plan, report, jobs)
    return plan, report


def _held(plan: Plan) -> dict[str, Any]:
    """What a plan holds, its columns made into records (in no order: a copy needs none)."""
    plan.materialise()
    return {
        f.name: getattr(plan, f.name)
        for f in dataclasses.fields(plan)
        if f.name not in ("company_keys", "columns")
    }


@pytest.mark.parametrize("kind", ["plain", "by rows", "mixed"])
def test_a_folder_planned_in_columns_is_planned_as_row_by_row(
    tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = {
        "plain": lambda: _plain(tmp_path),
        "by rows": lambda: _by_rows(tmp_path),
        "mixed": lambda: [*_plain(tmp_path), *_by_rows(tmp_path)][::-1],
    }[kind]()
    by_rows, planned = [], connection_columns._planned_by_rows

    def noted(plan: Plan, report: ImportReport, number: int, *rest: Any) -> Any:
        by_rows.append(jobs[number][2])
        return planned(plan, report, number, *rest)

    monkeypatch.setattr(connection_columns, "_planned_by_rows", noted)
    plan, report = _in_columns(jobs)
    assert sorted(by_rows) == sorted(shown for _, _, shown in jobs if shown.startswith("r"))
    if kind == "plain":  # the kernels planned every file: the bulk of it stays in columns
        assert plan.columns is not None and len(plan.columns.ties) > 100
    expected_plan, expected_report = plan_one_by_one(jobs)
    assert _held(plan) == _held(expected_plan)
    assert report.as_json() == expected_report.as_json()
    assert report.rows_read > 90 and report.skipped and (kind == "plain") != bool(report.invalid)


def test_what_the_kernels_merge_is_what_the_rules_say(tmp_path: Path) -> None:
    """Spelled out for a few people: first non-empty fields, a tie's first date and every
    reporter, the last row's job, the first spelling of a company."""
    plan, report = _in_columns(_plain(tmp_path))
    _held(plan)
    dana = plan.people["li:dana-w"]
    assert (dana.email, dana.title) == ("dana@acme.example", "CFO")  # alice's row came first
    alice_bob = plan.ties[("li:alice-rep", "li:bob-rep", "linkedin")]
    assert alice_bob.reported_by == ("rep:alice@seller.example", "rep:bob@seller.example")
    ema = plan.people["li:ema-ortiz"]
    assert (ema.name, ema.email, ema.title) == ("Ema Ortiz", "ema@acme.example", "VP")
    assert plan.employments[("li:ema-ortiz", "c:acme")].title == "VP Sales"  # the last row's
    assert plan.companies["c:acme"].name == "Acme"
    assert plan.people["li:zoe-m"].name == "Zoë Müller"
    assert report.skipped["rows for the rep themselves"] == 1
    assert report.skipped["duplicate rows"] == 5
    assert report.skipped["hidden or left members"] > 0


def test_a_file_that_is_no_export_fails_in_its_turn(tmp_path: Path) -> None:
    jobs = _plain(tmp_path)
    junk = write(tmp_path, "junk.csv", "these are my notes\r\nnothing else\r\n")
    empty = write(tmp_path, "empty.csv", b"")
    for bad in (junk, empty):
        with_bad = [*jobs[:2], (REPS["gina"], bad, bad.name), *jobs[2:]]
        with pytest.raises(UnusableInput) as in_columns:
            _in_columns(with_bad)
        with pytest.raises(UnusableInput) as one_by_one:
            plan_one_by_one(with_bad)
        assert str(in_columns.value) == str(one_by_one.value)


def test_a_record_table_reads_as_its_records() -> None:
    ties = RecordTable(
        Tie,
        pa.table(
            {
                "a": ["li:a", "li:b"],
                "b": ["li:c", "li:d"],
                "source": ["linkedin", "linkedin"],
                "since": pa.array([date(2020, 1, 2), None], pa.date32()),
                "reported_by": [["rep:x"], ["rep:x", "rep:y"]],
            }
        ),
    )
    both = [
        Tie("li:a", "li:c", "linkedin", date(2020, 1, 2), None, ("rep:x",)),
        Tie("li:b", "li:d", "linkedin", None, None, ("rep:x", "rep:y")),
    ]
    assert list(ties) == ties.records() == both
    assert (len(ties), ties[1], ties[-2], list(ties[1:])) == (2, both[1], both[0], both[1:])
    assert len(ties[5:9]) == 0
    with pytest.raises(IndexError):
        ties[2]
    people = RecordTable(Person, pa.table({"id": ["li:a"], "name": ["A"]}))
    assert list(people) == [Person(id="li:a", name="A")]  # the fields it lacks: defaults


def test_files_planned_in_two_goes_merge_as_in_one(tmp_path: Path) -> None:
    """A plan that holds columns already takes more files as their rows would merge."""
    jobs = _plain(tmp_path)
    plan, report = _in_columns(jobs[:3])
    plan_connection_files(plan, report, jobs[3:])
    expected_plan, expected_report = plan_one_by_one(jobs)
    assert _held(plan) == _held(expected_plan)
    assert report.as_json() == expected_report.as_json()


def test_a_cell_longer_than_csv_reads_fails_as_row_by_row(tmp_path: Path) -> None:
    long = dataclasses.replace(DANA, position="x" * 140_000)
    path = write(tmp_path, "long.csv", connections_csv([long]))
    jobs = [(REPS["alice"], path, path.name)]
    with pytest.raises(UnusableInput, match="field larger than field limit") as in_columns:
        _in_columns(jobs)
    with pytest.raises(UnusableInput) as one_by_one:
        plan_one_by_one(jobs)
    assert str(in_columns.value) == str(one_by_one.value)


def test_the_kernels_read_every_column_of_a_connections_export() -> None:
    assert set(connection_columns._CELLS) == set(CONNECTIONS_COLUMNS)
