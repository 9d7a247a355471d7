"""LinkedIn exports as they really come, on every backend."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from benchmarks.exports import (
    HEADER,
    Connection,
    connections_csv,
    education_csv,
    linkedin_archive,
    positions_csv,
    profile_csv,
    synthetic_connections,
)
from graph import keys
from graph.errors import NotFound, UnusableInput
from graph.ladybug_store import LadybugStore
from graph.store import GraphStore
from importers.linkedin import import_education, import_linkedin, import_positions
from routing.background import shared_background
from tests.importers.conftest import DANA, write

ALICE = "alice@seller.example"
ALICE_PERSON = "li:alice-rep"


def _pid(url: str) -> str:
    person_id = keys.person_id_from_linkedin_url(url)
    assert person_id is not None
    return person_id


def _ties(store: GraphStore, source: str = "linkedin") -> dict[str, date | None]:
    return {other: tie.since for other, tie in store.ties_of(ALICE_PERSON, source).items()}


def test_modern_export_with_preamble(roster: GraphStore, tmp_path: Path) -> None:
    rows = synthetic_connections(120, seed=1)
    report = import_linkedin(
        roster, ALICE, write(tmp_path, "Connections.csv", connections_csv(rows))
    )
    hidden = sum(1 for r in rows if not r.first and not r.url)
    assert report.rows_read == len(rows)
    assert report.skipped == {"hidden or left members": hidden}
    assert report.invalid == []
    assert (report.people_created, report.ties_created) == (120, 120)
    ties = _ties(roster)
    assert len(ties) == 120
    first = rows[0]
    assert ties[_pid(first.url)] == first.connected_on


def test_names_keep_their_letters_and_lose_credentials(roster: GraphStore, tmp_path: Path) -> None:
    rows = [
        Connection(
            "Zoë",
            "Ångström",
            "https://www.linkedin.com/in/zoe-a",
            "",
            "Acme",
            "CFO",
            date(2021, 3, 16),
        ),
        Connection(
            "محمد",
            "العلي",
            "https://www.linkedin.com/in/%D9%85%D8%AD%D9%85%D8%AF",
            "",
            "",
            "",
            None,
        ),
        Connection(
            "\U0001d468\U0001d483\U0001d485",
            "Rahman",
            "https://www.linkedin.com/in/abd-r",
            "",
            "",
            "",
            None,
        ),
        Connection(
            "Priya", "Nayak, MSc, MBA", "https://www.linkedin.com/in/priya-n", "", "", "", None
        ),
        Connection('James "Tyler"', "O'Neil", "https://www.linkedin.com/in/jt", "", "", "", None),
        Connection("  Leading", "Space", "https://www.linkedin.com/in/ls", "", "", "", None),
        Connection("Mia 🚀", "Chen", "https://www.linkedin.com/in/mia-c", "", "", "", None),
    ]
    import_linkedin(roster, ALICE, write(tmp_path, "c.csv", connections_csv(rows)))
    names = {p.id: p.name for p in roster.people(list(_ties(roster))).values()}
    assert names == {
        "li:zoe-a": "Zoë Ångström",
        "li:محمد": "محمد العلي",
        "li:abd-r": "\U0001d468\U0001d483\U0001d485 Rahman",
        "li:priya-n": "Priya Nayak",
        "li:jt": 'James "Tyler" O\'Neil',
        "li:ls": "Leading Space",
        "li:mia-c": "Mia 🚀 Chen",
    }


@pytest.mark.parametrize(
    "variant",
    [
        {"preamble": False},
        {"date_style": "legacy"},
        {"delimiter": ";", "date_style": "dotted", "header": [*HEADER[:-1], "Connected on"]},
        {"date_style": "dashed", "line_end": "\n"},
        {"encoding": "utf-8-sig"},
        {"encoding": "double"},
        {"encoding": "mixed"},
        {"encoding": "cp1252", "delimiter": ";"},
        {"date_style": "iso", "header": [h.upper() for h in HEADER]},
    ],
    ids=[
        "no-preamble",
        "legacy-dates",
        "excel-semicolon",
        "dashed-lf",
        "bom",
        "double-encoded",
        "mixed-encoding",
        "cp1252",
        "upper-header",
    ],
)
def test_every_quirk_gives_the_same_graph(
    roster: GraphStore, tmp_path: Path, variant: dict
) -> None:
    rows = [r for r in synthetic_connections(80, seed=2) if r.first.isascii() and r.last.isascii()]
    report = import_linkedin(
        roster, ALICE, write(tmp_path, "c.csv", connections_csv(rows, **variant))
    )
    assert report.invalid == []
    expected = {_pid(r.url): r.connected_on for r in rows if r.url}
    assert _ties(roster) == expected
    names = {p.id: p.name for p in roster.people(list(expected)).values()}
    assert names == {
        _pid(r.url): f"{r.first.strip()} {r.last.split(',')[0]}" for r in rows if r.url
    }


def test_double_encoded_names_are_repaired(roster: GraphStore, tmp_path: Path) -> None:
    rows = [
        Connection(
            "Jörg",
            "Müller",
            "https://www.linkedin.com/in/jm",
            "",
            "Geschäftsführer & Co",
            "Geschäftsführer",
            date(2021, 9, 16),
        )
    ]
    report = import_linkedin(
        roster, ALICE, write(tmp_path, "c.csv", connections_csv(rows, encoding="double"))
    )
    person = roster.resolve_person("https://www.linkedin.com/in/jm")
    assert (person.name, person.title) == ("Jörg Müller", "Geschäftsführer")
    assert report.repaired_lines == 1


def test_old_export_without_url_merges_on_email_or_name_and_company(
    roster: GraphStore, tmp_path: Path
) -> None:
    rows = [
        Connection("Ana", "Silva", "", "Ana.Silva@Example.org", "Acme", "CTO", date(2018, 1, 8)),
        Connection("Ben", "Ode", "", "", "U.S. Bank", "CFO", date(2018, 1, 9)),
    ]
    path = write(
        tmp_path,
        "old.csv",
        connections_csv(rows, preamble=False, with_url=False, date_style="legacy"),
    )
    import_linkedin(roster, ALICE, path)
    assert roster.resolve_person("ana.silva@example.org").id == "em:ana.silva@example.org"
    ties = _ties(roster)
    assert ties["em:ana.silva@example.org"] == date(2018, 1, 8)
    fingerprints = [pid for pid in ties if pid.startswith("fp:")]
    assert len(fingerprints) == 1
    # the same person seen as "US Bank Inc." by another export matches the fingerprint
    other = [Connection("Ben", "Ode", "", "", "US Bank Inc.", "CFO", date(2019, 2, 2))]
    import_linkedin(
        roster,
        "bob@seller.example",
        write(tmp_path, "bob.csv", connections_csv(other, with_url=False)),
    )
    assert list(roster.ties_of(fingerprints[0], "linkedin")) != []
    assert len(roster.ties_of(fingerprints[0], "linkedin")) == 2


def test_same_name_different_urls_are_different_people(roster: GraphStore, tmp_path: Path) -> None:
    rows = [
        Connection("John", "Smith", f"https://www.linkedin.com/in/john-smith-{i}", "", "", "", None)
        for i in range(5)
    ]
    report = import_linkedin(roster, ALICE, write(tmp_path, "c.csv", connections_csv(rows)))
    assert report.people_created == 5
    assert len(_ties(roster)) == 5


def test_reimport_changes_nothing_and_prune_is_the_only_way_ties_go(
    roster: GraphStore, tmp_path: Path
) -> None:
    rows = synthetic_connections(60, seed=4)
    path = write(tmp_path, "c.csv", connections_csv(rows))
    first = import_linkedin(roster, ALICE, path)
    counts = roster.counts()
    again = import_linkedin(roster, ALICE, path)
    assert roster.counts() == counts
    assert (again.people_created, again.people_matched) == (0, first.people_created)
    assert (again.ties_created, again.ties_unchanged) == (0, first.ties_created)
    newer = write(tmp_path, "newer.csv", connections_csv(rows[10:]))
    kept = import_linkedin(roster, ALICE, newer)
    assert kept.ties_removed == 0 and len(_ties(roster)) == first.ties_created
    pruned = import_linkedin(roster, ALICE, newer, prune=True)
    gone = {_pid(r.url) for r in rows[:10] if r.url}
    assert pruned.ties_removed == len(gone)
    assert not gone & set(_ties(roster))
    assert roster.counts().people == counts.people  # people stay; only the ties go


@pytest.mark.parametrize("backend", ["ladybug"])
def test_an_export_imported_again_writes_nothing_to_the_log(
    roster: GraphStore, tmp_path: Path
) -> None:
    """LadybugDB logs a SET of the stored value as a change, and its checkpoint then rewrites
    the columns around every such row (seconds on a 2M-person graph): the people, companies
    and employments an import finds unchanged are not written."""
    assert isinstance(roster, LadybugStore)
    rows = synthetic_connections(80, seed=5)
    path = write(tmp_path, "c.csv", connections_csv(rows))
    import_linkedin(roster, ALICE, path)
    roster.checkpoint()
    assert not roster._log_bytes()
    import_linkedin(roster, ALICE, path)
    assert not roster._log_bytes()
    moved = next(r for r in rows if r.url and r.company and r.position)
    promoted = [
        replace(moved, position="Chief Promoted Officer") if r is moved else r for r in rows
    ]
    import_linkedin(roster, ALICE, write(tmp_path, "promoted.csv", connections_csv(promoted)))
    assert roster._log_bytes()
    assert roster.person(_pid(moved.url)).title == "Chief Promoted Officer"


def test_one_person_from_many_reps_is_one_node_with_many_ties(
    roster: GraphStore, tmp_path: Path
) -> None:
    row = [
        Connection(
            "Dana",
            "Whitfield",
            "https://uk.linkedin.com/in/Dana-Whitfield/",
            "",
            "Acme",
            "CFO",
            None,
        )
    ]
    for rep, variant in (
        ("alice@seller.example", {}),
        ("bob@seller.example", {"delimiter": ";"}),
        ("carol@seller.example", {"encoding": "cp1252"}),
    ):
        import_linkedin(roster, rep, write(tmp_path, f"{rep}.csv", connections_csv(row, **variant)))
    assert len(roster.ties_of("li:dana-whitfield", "linkedin")) == 3
    assert {p.id for p in roster.people(["li:dana-whitfield"]).values()} == {"li:dana-whitfield"}


def test_invalid_rows_are_listed_and_the_rest_imported(roster: GraphStore, tmp_path: Path) -> None:
    text = (
        (
            b"First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n"
            b"Good,One,https://www.linkedin.com/in/good-one,,Acme,CFO,16 Mar 2021\r\n"
            b"Bad,Url,https://www.linkedin.com/company/acme,,Acme,CFO,16 Mar 2021\r\n"
            b"Bad,Date,https://www.linkedin.com/in/bad-date,,Acme,CFO,31 Feb 2021\r\n"
        )
        + b"Bad,\x81\x8d,https://www.linkedin.com/in/bad-bytes,,,,\r\n"
        + (b"Good,Two,https://www.linkedin.com/in/good-two,,,,\r\n")
        + b"Bad,Host,https://www.linkedin.com]/in/bad-host,,,,\r\n"
    )
    report = import_linkedin(roster, ALICE, write(tmp_path, "c.csv", text))
    assert [(p.line, p.reason.split(" ")[0]) for p in report.invalid] == [
        (3, "URL"),
        (4, "Connected"),
        (5, "byte"),
        (7, "URL"),
    ]
    assert "'https://www.linkedin.com]/in/bad-host' is not a LinkedIn profile URL" in (
        report.invalid[3].reason
    )
    assert "'31 Feb 2021' is not a valid date" in report.invalid[1].reason
    assert report.exit_code == 1
    assert sorted(_ties(roster)) == ["li:good-one", "li:good-two"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (
            connections_csv(synthetic_connections(3), drop_columns=["First Name"]),
            "no header with the columns",
        ),
        (b"\x00\x01\x02PK garbage", "contains NUL bytes"),
        (b'{"friends_v2": []}', "is this a LinkedIn Connections.csv?"),
    ],
)
def test_unusable_files_are_refused_whole(
    roster: GraphStore, tmp_path: Path, data: bytes, message: str
) -> None:
    before = roster.counts()
    with pytest.raises(UnusableInput, match=message):
        import_linkedin(roster, ALICE, write(tmp_path, "c.csv", data))
    assert roster.counts() == before


def test_unknown_rep_says_to_import_the_roster(roster: GraphStore, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match=r"import the roster first"):
        import_linkedin(
            roster,
            "ghost@seller.example",
            write(tmp_path, "c.csv", connections_csv(synthetic_connections(2))),
        )


def test_dry_run_reports_and_writes_nothing(roster: GraphStore, tmp_path: Path) -> None:
    before = roster.counts()
    report = import_linkedin(
        roster,
        ALICE,
        write(tmp_path, "c.csv", connections_csv(synthetic_connections(30))),
        dry_run=True,
    )
    assert report.dry_run and report.ties_created == 30
    assert report.summary().startswith("dry run, nothing written: c.csv: ")
    assert roster.counts() == before


def test_zip_archive_imports_connections_positions_education_profile(
    roster: GraphStore, tmp_path: Path
) -> None:
    archive = linkedin_archive(
        tmp_path / "Basic_LinkedInDataExport_11-22-2026.zip",
        connections=connections_csv(
            [
                Connection(
                    "Dana",
                    "Whitfield",
                    "https://www.linkedin.com/in/dana-w",
                    "",
                    "Acme GmbH",
                    "CFO",
                    date(2021, 3, 16),
                )
            ]
        ),
        positions=positions_csv(
            [("Globex Inc.", "AE", "Jan 2015", "Dec 2019"), ("Seller Inc.", "AE", "Jan 2020", "")]
        ),
        education=education_csv([("State University", "2008", "Jun 2012")]),
        profile=profile_csv("Alice", "Adams", "Enterprise AE"),
    )
    report = import_linkedin(roster, ALICE, archive)
    assert report.invalid == [] and report.ties_created == 1
    assert report.written["employments"] == 3 and report.written["studies"] == 1
    assert roster.resolve_person(ALICE_PERSON).title == "Enterprise AE"
    import_positions(
        roster,
        "bob@seller.example",
        write(
            tmp_path, "Positions.csv", positions_csv([("Globex", "SDR", "Jun 2018", "Mar 2021")])
        ),
    )
    import_education(
        roster,
        "bob@seller.example",
        write(tmp_path, "Education.csv", education_csv([("State University", "Nov 2010", "2014")])),
    )
    shared = shared_background(
        roster, "rep:alice@seller.example", "em:bob@seller.example", today=date(2026, 11, 22)
    )
    assert [(e.company_name, e.overlap_years) for e in shared.employers] == [("Globex Inc.", 1.5)]
    assert [(s.school_name, s.overlap_years) for s in shared.schools] == [("State University", 1.6)]


def test_zip_without_connections_is_refused(roster: GraphStore, tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Messages.csv", "x")
    with pytest.raises(UnusableInput, match=r"no Connections\.csv inside"):
        import_linkedin(roster, ALICE, path)
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04not really a zip")
    with pytest.raises(UnusableInput, match="not a readable zip archive"):
        import_linkedin(roster, ALICE, tmp_path / "broken.zip")


def test_folder_of_exports_is_one_transaction_and_safe_to_rerun(
    roster: GraphStore, tmp_path: Path
) -> None:
    from importers.linkedin import import_linkedin_folder

    folder = tmp_path / "exports"
    folder.mkdir()
    shared = [DANA]
    write(
        folder,
        "alice@seller.example.csv",
        connections_csv(shared + synthetic_connections(30, seed=11)),
    )
    (folder / "bob@seller.example").mkdir()
    write(folder / "bob@seller.example", "Connections.csv", connections_csv(shared, delimiter=";"))
    linkedin_archive(folder / "carol@seller.example.zip", connections=connections_csv(shared))
    report = import_linkedin_folder(roster, folder)
    assert report.invalid == []
    assert report.ties_created == 33 and report.people_created == 31
    assert len(roster.ties_of("li:dana-w", "linkedin")) == 3
    counts = roster.counts()
    again = import_linkedin_folder(roster, folder)
    assert (again.people_created, again.ties_created, again.ties_unchanged) == (0, 0, 33)
    assert roster.counts() == counts
    write(folder, "ghost@seller.example.csv", connections_csv(shared))
    with pytest.raises(NotFound, match=r"ghost@seller\.example"):
        import_linkedin_folder(roster, folder)
    assert roster.counts() == counts


def test_a_data_export_archive_saved_as_csv_in_a_folder_is_read_as_an_archive(
    roster: GraphStore, tmp_path: Path
) -> None:
    """The archive is known by its first bytes, as for one export: the folder is planned row
    by row (not in columns) and imports as with the archive named .zip."""
    from importers.linkedin import import_linkedin_folder

    folder = tmp_path / "exports"
    folder.mkdir()
    write(folder, "alice@seller.example.csv", connections_csv([DANA]))
    linkedin_archive(
        folder / "carol@seller.example.csv",
        connections=connections_csv([DANA, *synthetic_connections(5, seed=4, quirks=False)]),
        profile=profile_csv("Carol", "Cruz", "Enterprise AE"),
    )
    report = import_linkedin_folder(roster, folder)
    assert (report.people_created, report.ties_created, report.invalid) == (6, 7, [])
    assert roster.person("li:carol-rep").title == "Enterprise AE"  # from its Profile.csv


def test_a_large_folder_into_a_graph_of_a_few_people_counts_who_is_new(
    roster: GraphStore, tmp_path: Path
) -> None:
    """Over 1,000 planned people into a graph of a few (a first bootstrap): the import reads the
    graph's few ids instead of looking up each planned person, and counts the same."""
    from importers.linkedin import import_linkedin_folder

    folder = tmp_path / "exports"
    folder.mkdir()
    carol = Connection("Carol", "Cruz", "https://www.linkedin.com/in/carol-rep", "", "", "", None)
    for seed, rep in enumerate(("alice", "bob"), start=21):
        rows = [DANA, carol, *synthetic_connections(600, seed=seed, quirks=False)]
        write(folder, f"{rep}@seller.example.csv", connections_csv(rows))
    assert roster.person_ids_if_at_most(1_201 // 4) is not None  # the graph holds the reps alone
    asked: list[str] = []
    roster.query_observer = lambda name, seconds: asked.append(name)
    report = import_linkedin_folder(roster, folder)
    assert "some_person_ids" in asked and "people_by_ids" not in asked
    assert (report.people_created, report.people_matched) == (1_201, 1)  # Carol is in the graph
    assert report.ties_created == 1_204  # Alice and Bob each know Dana and Carol
    again = import_linkedin_folder(roster, folder)  # now the ids are looked up one by one
    assert (again.people_created, again.people_matched, again.ties_unchanged) == (0, 1_202, 1_204)
