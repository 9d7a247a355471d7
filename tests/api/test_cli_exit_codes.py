"""One meaning per exit code across every command: 0 done, 1 ran but found problems, 2 bad
input, usage or settings, 3 the graph database unavailable or failed. Settings are checked
before anything starts (``warmpath serve`` included): one line per bad value, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from graph.errors import (
    ConfigError,
    DatabaseLocked,
    InvalidArgument,
    NotFound,
    StoreError,
    StoreUnavailable,
    UnusableInput,
)
from graph.neo4j_launcher import free_port
from graph.settings import GraphSettings, LadybugSettings, Neo4jSettings
from routing.errors import AlreadyClaimed
from routing.policy import PolicyError
from tests.api.apiworld import build_world, running_api
from tests.api.marketing import marketing_endpoint
from tests.conftest import graph_env
from tests.importers.conftest import ROSTER
from tests.routing.world import rid

runner = CliRunner()

SECRET = "never-shown-s3cret"


def _commands(tmp_path: Path) -> list[list[str]]:
    roster = tmp_path / "reps.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    return [
        ["stats"],
        ["import", "reps", str(roster)],
        ["users", "add", "--role", "admin"],
        ["sla", "sweep"],
        ["outbox", "deliver"],
        ["route", "--all-unassigned"],
    ]


def _one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_error_classes_carry_their_exit_code() -> None:
    for usage in (ConfigError, InvalidArgument, NotFound, UnusableInput, PolicyError):
        assert usage("x").exit_code == 2, usage
    assert AlreadyClaimed("x").exit_code == 2
    for database in (StoreUnavailable, DatabaseLocked, StoreError):
        assert database("x").exit_code == 3, database


def test_a_bad_setting_exits_2_from_every_command(
    graph_settings: GraphSettings, tmp_path: Path
) -> None:
    env = {
        **graph_env(graph_settings),
        "WARMPATH_ENV": "staging",
        "WARMPATH_MARKETING_WEBHOOK": "http://127.0.0.1:9/returned",
    }
    for command in _commands(tmp_path):
        result = runner.invoke(app, command, env=env)
        assert result.exit_code == 2, (command, result.output)
        line = _one_error_line(result.stderr)
        assert line == "error: WARMPATH_ENV='staging' is not valid: use production or development"


@contextmanager
def _held_by_another_process(path: Path) -> Iterator[None]:
    """A second process that holds the LadybugDB file open for writing (as the server does)."""
    code = (
        "import sys; from pathlib import Path; from graph.backends import open_store; "
        "from graph.settings import LadybugSettings; "
        "s = open_store(LadybugSettings(path=Path(sys.argv[1]), buffer_pool_bytes=64 * 1024**2)); "
        "print('ready', flush=True); sys.stdin.read(); s.close()"
    )
    with subprocess.Popen(
        [sys.executable, "-c", code, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdin is not None and holder.stdout is not None
        try:
            assert holder.stdout.readline().strip() == "ready"
            yield
        finally:
            holder.stdin.close()
            holder.wait(timeout=60)


def test_an_unavailable_database_exits_3_from_every_command(backend: str, tmp_path: Path) -> None:
    webhook = {"WARMPATH_MARKETING_WEBHOOK": "http://127.0.0.1:9/returned"}
    commands = _commands(tmp_path)
    if backend == "neo4j":  # nothing listens there
        uri = f"bolt://127.0.0.1:{free_port()}"
        env = {**graph_env(Neo4jSettings(uri=uri, user="neo4j", password=SECRET)), **webhook}
        for command in commands:
            result = runner.invoke(app, command, env=env)
            assert result.exit_code == 3, (command, result.output)
            assert f"cannot reach Neo4j at {uri}" in _one_error_line(result.stderr)
            assert SECRET not in result.output
        return
    missing = graph_env(LadybugSettings(path=tmp_path / "none.lbdb"))
    result = runner.invoke(app, ["stats"], env=missing)  # reading needs a database
    assert result.exit_code == 3
    assert "no database at" in _one_error_line(result.stderr)
    held = LadybugSettings(path=tmp_path / "held.lbdb")
    with _held_by_another_process(held.path):
        for command in commands[1:]:  # writers; readers open read-only beside the holder
            result = runner.invoke(app, command, env={**graph_env(held), **webhook})
            assert result.exit_code == 3, (command, result.output)
            assert "is in use by another warmpath process" in _one_error_line(result.stderr)


BAD_SERVE_SETTINGS = [
    (
        {"WARMPATH_ENV": "staging"},
        ["WARMPATH_ENV='staging' is not valid: use production or development"],
    ),
    ({"WARMPATH_POLICY": "{tmp}/none.toml"}, ["WARMPATH_POLICY='{tmp}/none.toml' names no file"]),
    (
        {"WARMPATH_POLICY": "{tmp}/lottery.toml"},
        ["WARMPATH_POLICY='{tmp}/lottery.toml' is not a usable policy: mode: 'lottery'"],
    ),
    (
        {"WARMPATH_SLA_SWEEP_SECONDS": "soon", "WARMPATH_LOG_FORMAT": "xml"},
        [
            "WARMPATH_SLA_SWEEP_SECONDS='soon' is not a number of seconds",
            "WARMPATH_LOG_FORMAT='xml' is not valid: use text or json",
        ],
    ),
]


@pytest.mark.parametrize(("bad", "expected"), BAD_SERVE_SETTINGS)
def test_serve_with_bad_settings_exits_2_with_a_line_per_bad_value(
    graph_settings: GraphSettings, tmp_path: Path, bad: dict[str, str], expected: list[str]
) -> None:
    (tmp_path / "lottery.toml").write_text('mode = "lottery"\n', encoding="utf-8")
    env = {
        **os.environ,
        **graph_env(graph_settings),
        **{key: value.format(tmp=tmp_path) for key, value in bad.items()},
    }
    done = subprocess.run(
        [sys.executable, "-m", "cli", "serve", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == len(expected), done.stderr
    for line, start in zip(lines, expected, strict=True):
        assert line.startswith("error: " + start.format(tmp=tmp_path)), done.stderr
    if isinstance(graph_settings, Neo4jSettings):
        assert graph_settings.password not in done.stderr + done.stdout
    if isinstance(graph_settings, LadybugSettings):
        assert not graph_settings.path.exists()  # nothing was opened


CLAIM = 'mutation { claimLead(leadId: "L1") { __typename } }'


def _reject(lead: str) -> str:
    return f'mutation {{ rejectLead(leadId: "{lead}", reason: "no budget") {{ __typename }} }}'


def _route(lead: str) -> str:
    return f'mutation {{ routeLead(leadId: "{lead}") {{ __typename }} }}'


def test_sla_sweep_delivers_the_outbox_and_outbox_deliver_does_it_alone(
    graph_settings: GraphSettings,
) -> None:
    """The cron path for WARMPATH_SLA_SWEEP_SECONDS=0: marketing hears of returned leads."""
    tokens = build_world(graph_settings, leads=3)
    with running_api(graph_settings, tokens) as api:  # its clock is in the past: due now
        for lead in ("L1", "L2"):
            api.data("manager", _route(lead))
        assert api.data("ann", CLAIM)["claimLead"]["__typename"] == "Claimed"
        assert api.data("ann", _reject("L2"))["rejectLead"]["__typename"] == "LeadChanged"
    env = graph_env(graph_settings)

    with marketing_endpoint() as marketing:
        hooked = {**env, "WARMPATH_MARKETING_WEBHOOK": marketing.url}
        swept = runner.invoke(app, ["sla", "sweep"], env=hooked)
        assert swept.exit_code == 0, swept.output
        assert f"L1: breach by {rid('ann')}" in swept.stdout
        assert swept.stdout.strip().splitlines()[-1] == "outbox: 1 delivered, 0 failed"
        assert [(m["lead_id"], m["reason"]) for m in marketing.received] == [("L2", "no budget")]
        again = runner.invoke(app, ["outbox", "deliver"], env=hooked)
        assert (again.exit_code, again.stdout.strip()) == (0, "outbox: 0 delivered, 0 failed")

    with running_api(graph_settings, tokens) as api:
        api.data("manager", _route("L3"))
        assert api.data("ann", _reject("L3"))["rejectLead"]["__typename"] == "LeadChanged"
    with marketing_endpoint(500) as marketing:
        hooked = {**env, "WARMPATH_MARKETING_WEBHOOK": marketing.url}
        refused = runner.invoke(app, ["outbox", "deliver"], env=hooked)
        assert refused.exit_code == 1, refused.output
        assert refused.stdout.strip() == "outbox: 0 delivered, 1 failed"
        assert (
            refused.stderr.strip()
            .splitlines()[-1]
            .startswith(
                "error: the marketing webhook did not take 1 message(s): they stay in the outbox"
            )
        )
        assert marketing.requests == 1 and marketing.received == []

    unset = runner.invoke(
        app, ["outbox", "deliver"], env={**env, "WARMPATH_MARKETING_WEBHOOK": None}
    )
    assert unset.exit_code == 2
    assert _one_error_line(unset.stderr).startswith("error: WARMPATH_MARKETING_WEBHOOK is not set")


def test_serve_with_workers_on_the_embedded_database_exits_2_saying_why(
    graph_settings: GraphSettings, tmp_path: Path
) -> None:
    """Several workers need Neo4j: on LadybugDB (one process opens the file) `serve` refuses
    before opening anything; on Neo4j the same check passes (the two-worker server itself is
    tested in test_processes.py), so here it only has to get past the settings."""
    env = {**os.environ, **graph_env(graph_settings)}
    if isinstance(graph_settings, Neo4jSettings):
        env["WARMPATH_POLICY"] = str(tmp_path / "missing.toml")  # stop it right after the check
    done = subprocess.run(
        [sys.executable, "-m", "cli", "serve", "--port", str(free_port()), "--workers", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    if isinstance(graph_settings, LadybugSettings):
        assert done.stderr.strip() == (
            "error: --workers needs Neo4j (WARMPATH_GRAPH_URI=neo4j://...): the embedded "
            "database is opened by one process; serve it with one worker"
        )
        assert not graph_settings.path.exists()
    else:
        assert "--workers" not in done.stderr and "missing.toml" in done.stderr
