"""warmpath policy apply / versions: a bad file is every mistake on its own line and writes
nothing; a good one becomes a version in force, recorded with who applied it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli import app
from graph.backends import open_store
from graph.settings import GraphSettings
from routing.policy import load_policy
from tests.conftest import graph_env

runner = CliRunner()


def _invoke(settings: GraphSettings, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=graph_env(settings))
    return result.exit_code, result.stdout, result.stderr


def test_apply_and_list_policy_versions(graph_settings: GraphSettings, tmp_path: Path) -> None:
    open_store(graph_settings).close()
    bad = tmp_path / "bad.toml"
    bad.write_text('mode = "fastest"\n[rules]\noffer_top_n = 0\n', "utf-8")
    code, _, err = _invoke(graph_settings, "policy", "apply", str(bad))
    assert code == 2
    assert err.splitlines() == [
        f"error: {bad}: mode: 'fastest' is not one of proximity, round_robin, least_busy, "
        "first_available",
        f"error: {bad}: rules.offer_top_n: must be at least 1",
    ]
    assert _invoke(graph_settings, "policy", "versions")[1].startswith("no policy applied yet")

    good = tmp_path / "rr.toml"
    good.write_text('mode = "round_robin"\n', "utf-8")
    version = load_policy(good).version
    code, out, err = _invoke(graph_settings, "policy", "apply", str(good))
    assert code == 0, err
    assert out.startswith(f"policy {version} applied by cli:") and "in force now" in out
    code, out, _ = _invoke(graph_settings, "policy", "versions", "--json")
    (listed,) = json.loads(out)
    assert (listed["version"], listed["in_force"], listed["source"]) == (
        version,
        True,
        "cli: rr.toml",
    )
    assert listed["applied_by"].startswith("cli:")
