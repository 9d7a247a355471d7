"""Consent: a rep's exports are imported only with the rep's consent on record (the roster's
consent column) or given with the command (--consent); otherwise the import stops with one
line, exit 2, and writes nothing. On both backends, through the real CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from benchmarks.exports import connections_csv, facebook_json, synthetic_connections
from cli import app
from graph.backends import open_store
from graph.settings import GraphSettings
from tests.conftest import graph_env
from tests.importers.conftest import ROSTER, write

runner = CliRunner()
NO_CONSENT = (
    "email,name,linkedin_url\n"
    "alice@seller.example,Alice Adams,https://www.linkedin.com/in/alice-rep\n"
    "bob@seller.example,Bob Brown,\n"
)
ALICE = "rep:alice@seller.example"
BOB = "rep:bob@seller.example"


def _run(db: GraphSettings, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=graph_env(db))
    return result.exit_code, result.stdout, result.stderr


def _counts(db: GraphSettings) -> dict[str, int]:
    code, out, err = _run(db, "stats", "--json")
    assert code == 0, err
    counts: dict[str, int] = json.loads(out)
    return counts


def _exports(folder: Path) -> dict[str, Path]:
    return {
        "linkedin": write(
            folder, "Connections.csv", connections_csv(synthetic_connections(5, seed=3))
        ),
        "positions": write(
            folder,
            "Positions.csv",
            "Company Name,Title,Description,Location,Started On,Finished On\n"
            "Globex,AE,,,Jan 2018,Dec 2019\n",
        ),
        "education": write(
            folder, "Education.csv", "School Name,Start Date,End Date\nState U,2010,2014\n"
        ),
        "facebook": write(folder, "your_friends.json", facebook_json(["Mia Chen"])),
    }


def test_without_consent_every_rep_import_stops_with_one_line_and_writes_nothing(
    tmp_path: Path, graph_settings: GraphSettings
) -> None:
    db = graph_settings
    assert _run(db, "import", "reps", str(write(tmp_path, "reps.csv", NO_CONSENT)))[0] == 0
    before = _counts(db)
    for command, path in _exports(tmp_path).items():
        for extra in ([], ["--dry-run"]):
            code, out, err = _run(
                db, "import", command, "--rep", "alice@seller.example", *extra, str(path)
            )
            assert (code, out) == (2, ""), (command, err)
            assert err.count("\n") == 1, err  # one line
            assert err.startswith(
                "error: no consent on record for rep alice@seller.example: nothing was "
                "imported; if they agreed, run the command again with --consent"
            ), err
    assert _counts(db) == before
    store = open_store(db)
    try:
        assert store.rep_consents([ALICE, BOB]) == {}
        assert store.ties_of("li:alice-rep", "linkedin") == {}
    finally:
        store.close()


def test_consent_given_with_the_command_is_recorded_with_the_import(
    tmp_path: Path, graph_settings: GraphSettings
) -> None:
    db = graph_settings
    _run(db, "import", "reps", str(write(tmp_path, "reps.csv", NO_CONSENT)))
    export = _exports(tmp_path)["linkedin"]
    code, out, err = _run(
        db, "import", "linkedin", "--rep", "alice@seller.example", "--consent", str(export)
    )
    assert code == 0, err
    assert "ties 5 created" in out
    assert "1 consents recorded" in out
    store = open_store(db)
    try:
        consent = store.rep_consents([ALICE, BOB])
        assert list(consent) == [ALICE]
        assert consent[ALICE].consent_by.startswith("--consent by ")
        assert abs((datetime.now(UTC) - consent[ALICE].consented_at).total_seconds()) < 600
    finally:
        store.close()
    code, out, _ = _run(db, "import", "linkedin", "--rep", "alice@seller.example", str(export))
    assert code == 0 and "consents recorded" not in out  # on record now: no --consent needed
    code, _, err = _run(db, "import", "linkedin", "--rep", "bob@seller.example", str(export))
    assert code == 2 and "no consent on record for rep bob@seller.example" in err


def test_the_roster_records_consent_as_yes_or_a_date_and_refuses_a_contradicting_no(
    tmp_path: Path, graph_settings: GraphSettings
) -> None:
    db = graph_settings
    code, out, err = _run(db, "import", "reps", str(write(tmp_path, "reps.csv", ROSTER)))
    assert code == 0, err
    store = open_store(db)
    try:
        consent = store.rep_consents([ALICE, BOB, "rep:carol@seller.example"])
    finally:
        store.close()
    assert len(consent) == 3
    assert consent[BOB].consented_at == datetime(2024, 10, 1, tzinfo=UTC)
    assert consent[ALICE].consent_by == "consent column of reps.csv"
    export = _exports(tmp_path)["linkedin"]
    assert _run(db, "import", "linkedin", "--rep", "bob@seller.example", str(export))[0] == 0

    code, out, _ = _run(db, "import", "reps", str(write(tmp_path, "reps.csv", ROSTER)))
    assert code == 0 and "consents recorded" not in out  # a rerun records nothing new
    withdrawn = NO_CONSENT.replace("email,name,linkedin_url\n", "email,name,linkedin_url,consent\n")
    withdrawn = withdrawn.replace("alice-rep\n", "alice-rep,no\n").replace("Brown,\n", "Brown,,\n")
    code, out, err = _run(db, "import", "reps", str(write(tmp_path, "again.csv", withdrawn)))
    assert code == 1
    assert "again.csv:2: consent 'no' is no, but the rep's consent is on record" in err
    assert "warmpath forget-network" in err
    bad = "email,name,consent\ndan@seller.example,Dan,maybe\neve@seller.example,Eve,2999-01-01\n"
    code, _, err = _run(db, "import", "reps", str(write(tmp_path, "bad.csv", bad)))
    assert code == 1
    assert "bad.csv:2: consent 'maybe': must be yes, no, or the date the rep agreed" in err
    assert "bad.csv:3: consent '2999-01-01': is in the future" in err
    store = open_store(db)
    try:
        assert set(store.rep_consents([ALICE, BOB])) == {ALICE, BOB}  # still on record
    finally:
        store.close()


def test_a_folder_import_needs_every_reps_consent(
    tmp_path: Path, graph_settings: GraphSettings
) -> None:
    db = graph_settings
    roster = NO_CONSENT.replace("email,name,linkedin_url\n", "email,name,linkedin_url,consent\n")
    roster = roster.replace("alice-rep\n", "alice-rep,yes\n")
    _run(db, "import", "reps", str(write(tmp_path, "reps.csv", roster)))
    folder = tmp_path / "exports"
    folder.mkdir()
    for email, seed in (("alice@seller.example", 1), ("bob@seller.example", 2)):
        write(folder, f"{email}.csv", connections_csv(synthetic_connections(4, seed=seed)))
    before = _counts(db)
    code, out, err = _run(db, "import", "linkedin-folder", str(folder))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert err.startswith("error: no consent on record for 1 of 2 reps (bob@seller.example)")
    assert "consent column of reps.csv" in err
    assert _counts(db) == before
