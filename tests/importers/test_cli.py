"""``warmpath import ...`` through the real CLI: exit codes, summary lines, listed rows."""

from __future__ import annotations

import gc
import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from benchmarks.exports import connections_csv, synthetic_connections
from cli import app
from graph.neo4j_launcher import free_port
from graph.settings import GraphSettings, LadybugSettings
from importers import linkedin
from tests.api.test_processes import _serve, _wait_healthy
from tests.conftest import graph_env
from tests.importers.conftest import ROSTER, write

runner = CliRunner()


def _run(db: GraphSettings, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["import", *args], env=graph_env(db))
    return result.exit_code, result.stdout, result.stderr


def test_every_import_command_has_help() -> None:
    group = get_command(app).commands["import"]  # type: ignore[attr-defined]
    assert set(group.commands) == {
        "linkedin",
        "linkedin-folder",
        "positions",
        "education",
        "facebook",
        "reps",
        "leads",
        "relationships",
    }
    for name, command in group.commands.items():
        assert command.help, f"warmpath import {name} has no help text"


def test_import_reps_then_connections_summary_and_exit_codes(
    tmp_path: Path, graph_settings: GraphSettings
) -> None:
    db = graph_settings
    code, out, err = _run(db, "reps", str(write(tmp_path, "reps.csv", ROSTER)))
    assert code == 0, err
    assert out.strip() == (
        "reps.csv: 3 rows read; people 3 created, 0 matched; ties 0 created, 0 unchanged, "
        "0 removed; 3 consents recorded, 3 reps; 0 skipped; 0 invalid"
    )
    export = write(tmp_path, "Connections.csv", connections_csv(synthetic_connections(40, seed=5)))
    code, out, _ = _run(db, "linkedin", "--rep", "alice@seller.example", str(export))
    assert code == 0
    assert out.startswith(
        "Connections.csv: 41 rows read; people 40 created, 0 matched; ties 40 created, 0 unchanged, 0 removed;"
    )
    assert "1 skipped (1 hidden or left members); 0 invalid" in out
    code, out, _ = _run(db, "linkedin", "--rep", "alice@seller.example", str(export), "--json")
    assert code == 0
    summary = json.loads(out)
    assert (summary["people_matched"], summary["ties_unchanged"], summary["ties_created"]) == (
        40,
        40,
        0,
    )


def test_an_import_runs_without_the_cycle_collector_and_turns_it_back_on(
    tmp_path: Path, graph_settings: GraphSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import in the CLI's process runs with the cyclic garbage collector off (its rows
    live until written and it makes next to no cycles); it is on again after, also when the
    import fails."""
    seen: list[bool] = []
    real = linkedin.import_linkedin

    def watched(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(linkedin, "import_linkedin", watched)
    assert _run(graph_settings, "reps", str(write(tmp_path, "reps.csv", ROSTER)))[0] == 0
    export = write(tmp_path, "Connections.csv", connections_csv(synthetic_connections(20, seed=3)))
    assert gc.isenabled()
    code, out, err = _run(graph_settings, "linkedin", "--rep", "alice@seller.example", str(export))
    assert code == 0, err
    assert out.startswith("Connections.csv: 21 rows read; people 20 created")
    code, _, err = _run(graph_settings, "linkedin", "--rep", "nobody@seller.example", str(export))
    assert code == 2 and "nobody@seller.example" in err  # refused inside the import
    assert seen == [False, False] and gc.isenabled()


def test_invalid_rows_exit_1_and_are_listed_with_lines(
    tmp_path: Path, graph_settings: GraphSettings
) -> None:
    db = graph_settings
    _run(db, "reps", str(write(tmp_path, "reps.csv", ROSTER)))
    bad = write(
        tmp_path,
        "c.csv",
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Ok,Person,https://www.linkedin.com/in/ok,,,,1 Jan 2020\n"
        "No,Date,https://www.linkedin.com/in/nd,,,,the other day\n",
    )
    code, out, err = _run(db, "linkedin", "--rep", "alice@seller.example", str(bad))
    assert code == 1
    assert err.strip() == (
        "invalid: c.csv:3: Connected On 'the other day' is not a date this importer knows "
        "(e.g. '16 Mar 2021', '2021-03-16')"
    )
    assert out.strip().endswith("0 skipped; 1 invalid")


def test_unusable_input_and_usage_errors_exit_2(
    tmp_path: Path, graph_settings: GraphSettings
) -> None:
    db = graph_settings
    _run(db, "reps", str(write(tmp_path, "reps.csv", ROSTER)))
    code, out, err = _run(
        db, "linkedin", "--rep", "alice@seller.example", str(tmp_path / "missing.csv")
    )
    assert (code, out) == (2, "")
    assert err.strip() == f"error: {tmp_path / 'missing.csv'}: no such file"
    code, _, err = _run(db, "linkedin", "--rep", "ghost@seller.example", str(tmp_path / "reps.csv"))
    assert code == 2
    assert "no rep with key 'ghost@seller.example': import the roster first" in err
    code, _, err = _run(db, "linkedin", "--rep", "alice@seller.example", str(tmp_path / "reps.csv"))
    assert code == 2 and "is this a LinkedIn Connections.csv?" in err
    code, _, _ = _run(db, "linkedin", str(tmp_path / "reps.csv"))  # --rep missing
    assert code == 2


def test_dry_run_writes_nothing(tmp_path: Path, graph_settings: GraphSettings) -> None:
    db = graph_settings
    code, out, _ = _run(db, "reps", "--dry-run", str(write(tmp_path, "reps.csv", ROSTER)))
    assert code == 0 and out.startswith(
        "dry run, nothing written: reps.csv: 3 rows read; people 3 created"
    )
    if isinstance(db, LadybugSettings):  # counted against an empty graph: no file created
        assert not db.path.exists()
    else:
        result = runner.invoke(app, ["stats", "--json"], env=graph_env(db))
        assert json.loads(result.stdout)["reps"] == 0


def test_dry_run_runs_beside_the_server(tmp_path: Path, graph_settings: GraphSettings) -> None:
    """`warmpath serve` holds a LadybugDB file for writing; a dry run opens it read-only."""
    db = graph_settings
    roster = write(tmp_path, "reps.csv", ROSTER)
    assert _run(db, "reps", str(roster))[0] == 0
    env = {**os.environ, **graph_env(db), "WARMPATH_SLA_SWEEP_SECONDS": "0"}
    port = free_port()
    server = _serve(env, port, tmp_path / "serve.log")
    try:
        _wait_healthy(port, server, tmp_path / "serve.log")
        code, out, err = _run(db, "reps", "--dry-run", str(roster))
        assert code == 0, err
        assert out.startswith(
            "dry run, nothing written: reps.csv: 3 rows read; people 0 created, 3 matched"
        )
        if isinstance(db, LadybugSettings):  # a real import has to wait for the server
            code, _, err = _run(db, "reps", str(roster))
            assert code == 3
            assert err.strip().startswith(f"error: {db.path} is in use by another warmpath process")
    finally:
        server.terminate()
        server.wait(timeout=30)
