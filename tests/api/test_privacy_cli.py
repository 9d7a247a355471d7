"""``warmpath forget-network`` and ``warmpath forget-person``: the report, exit codes and one-line
errors, on both backends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from graph.backends import open_store
from graph.errors import NotFound
from graph.settings import GraphSettings, LadybugSettings
from tests.conftest import graph_env
from tests.importers.conftest import ROSTER, write

runner = CliRunner()
HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"


def _run(db: GraphSettings, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=graph_env(db))
    return result.exit_code, result.stdout, result.stderr


def _imported(db: GraphSettings, folder: Path) -> Path:
    assert _run(db, "import", "reps", str(write(folder, "reps.csv", ROSTER)))[0] == 0
    export = write(
        folder,
        "Connections.csv",
        HEADER + "Dana,Whitfield,https://www.linkedin.com/in/dana-whitfield,,Acme,CFO,1 Jan 2020\n"
        "Carol,Cruz,https://www.linkedin.com/in/carol-rep,,Seller,AE,1 Jan 2020\n",
    )
    code, _, err = _run(db, "import", "linkedin", "--rep", "alice@seller.example", str(export))
    assert code == 0, err
    return export


def test_forget_person_prints_what_it_removed_and_reimports_skip_them(
    tmp_path: Path, graph_settings: GraphSettings
) -> None:
    db = graph_settings
    export = _imported(db, tmp_path)
    code, out, err = _run(db, "forget-person", "https://linkedin.com/in/Dana-Whitfield")
    assert code == 0, err
    assert out.strip() == (
        "erased 1 person: 1 ties, 1 employments, 0 studies, 0 decision-maker links "
        "(0 in open leads) removed; 0 events scrubbed; 2 tombstones keep imports from "
        "bringing them back"
    )
    code, out, _ = _run(db, "import", "linkedin", "--rep", "alice@seller.example", str(export))
    assert code == 0 and "1 skipped (1 erased people)" in out
    code, out, err = _run(db, "forget-person", "li:dana-whitfield")
    assert (code, out) == (2, "")
    assert err.strip() == "error: no person with key 'li:dana-whitfield' (tried it as a person id)"
    code, out, err = _run(db, "forget-person", "carol@seller.example")
    assert (code, out) == (2, "") and err.count("\n") == 1
    assert "is rep carol@seller.example, who is on the roster" in err


def test_forget_network_prints_its_report_and_json(
    tmp_path: Path, graph_settings: GraphSettings
) -> None:
    db = graph_settings
    _imported(db, tmp_path)
    code, out, err = _run(db, "forget-network", "alice@seller.example", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["ties_removed"] == 2 and report["ties_kept"] == 0
    assert report["people_removed"] == 1  # Dana; Carol stays: she is a rep
    assert report["consent_cleared"] is True
    code, out, _ = _run(db, "forget-network", "alice@seller.example")
    assert code == 0 and out.startswith(
        "forgot the network of rep:alice@seller.example: 0 ties removed, 0 kept"
    )
    code, out, err = _run(db, "forget-network", "ghost@seller.example")
    assert (code, out) == (2, "") and err.strip() == "error: no rep with key 'ghost@seller.example'"


def test_a_restore_keeps_the_erasures_made_since_the_backup(tmp_path: Path) -> None:
    """Restoring a backup taken before an erasure does not bring the person back: the replaced
    database's tombstones are kept and the backup's copy of the person is erased again."""
    db = LadybugSettings(path=tmp_path / "graph.lbdb")
    export = _imported(db, tmp_path)
    backup = tmp_path / "before.lbdb"
    assert _run(db, "backup", str(backup))[0] == 0
    assert _run(db, "forget-person", "li:dana-whitfield")[0] == 0

    code, out, err = _run(db, "restore", "--force", str(backup))
    assert code == 0, err
    assert "kept 2 erasure tombstone(s)" in out and "erased again 1 person(s)" in out
    store = open_store(db)
    try:
        with pytest.raises(NotFound):
            store.resolve_person("li:dana-whitfield")
        assert len(store.tombstone_hashes()) == 2
    finally:
        store.close()
    code, out, _ = _run(db, "import", "linkedin", "--rep", "alice@seller.example", str(export))
    assert code == 0 and "1 skipped (1 erased people)" in out

    fresh = LadybugSettings(path=tmp_path / "elsewhere.lbdb")  # nothing to carry: as backed up
    code, out, err = _run(fresh, "restore", str(backup))
    assert code == 0 and "tombstone" not in out, err
    store = open_store(fresh)
    try:
        assert store.resolve_person("li:dana-whitfield").name == "Dana Whitfield"
    finally:
        store.close()
