"""warmpath rank / route / simulate: output, writes, reruns and one-line errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from graph.backends import open_store
from graph.settings import GraphSettings
from tests.conftest import graph_env
from tests.routing.world import World, rid

runner = CliRunner()


@pytest.fixture
def sales_file(graph_settings: GraphSettings) -> Iterator[GraphSettings]:
    """ann knows dana; bob knows mia who knows dana; cat is out of office. Two new leads."""
    path = graph_settings
    store = open_store(graph_settings)
    try:
        world = World(store)
        world.company("acme")
        world.rep("ann")
        world.rep("bob")
        world.rep("cat", out_until=date(2099, 1, 1))
        world.knows("ann", "dana")
        world.knows("bob", "mia", "dana")
        world.lead("L1", ("dana", "economic_buyer"))
        world.lead("L2", ("dana", "economic_buyer"), ("noah", "champion"))
    finally:
        store.close()
    yield path


def _invoke(settings: GraphSettings, *args: str, **env: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={**graph_env(settings), **env})
    return result.exit_code, result.stdout, result.stderr


def test_rank_table(sales_file: GraphSettings) -> None:
    code, out, _ = _invoke(sales_file, "rank", "--lead", "L1")
    assert code == 0
    text = " ".join(out.split())
    assert "Ann" in text and "Dana: knows directly" in text
    assert "Dana: 2 hops via Mia" in text
    assert "2 eligible reps, 1 excluded" in text
    assert "excluded Cat: out of office until 2099-01-01" in text


def test_rank_json_has_signals_evidence_and_policy_version(sales_file: GraphSettings) -> None:
    code, out, _ = _invoke(sales_file, "rank", "--lead", "L1", "--json", "--limit", "1")
    assert code == 0
    answer = json.loads(out)
    assert len(answer["ranked"]) == 1
    top = answer["ranked"][0]
    assert top["rep"]["id"] == rid("ann")
    assert {s["name"] for s in top["signals"]} >= {"warmth", "coverage", "load"}
    assert top["evidence"]["committee"][0]["hops"] == 1
    assert len(answer["policy_version"]) == 12
    assert answer["excluded"][0]["rule"] == "out_of_office"


def test_rank_errors_are_one_line(sales_file: GraphSettings, tmp_path: Path) -> None:
    code, _, err = _invoke(sales_file, "rank", "--lead", "nope")
    assert code == 2 and err.strip() == "error: no lead with id 'nope'"
    code, _, err = _invoke(sales_file, "rank", "--lead", "L1", "--limit", "0")
    assert code == 2 and "--limit must be 1 or more" in err
    bad = tmp_path / "bad.toml"
    bad.write_text('mode = "lottery"\n', encoding="utf-8")
    code, _, err = _invoke(sales_file, "rank", "--lead", "L1", "--policy", str(bad))
    assert code == 2 and "mode: 'lottery' is not one of" in err
    code, _, err = _invoke(sales_file, "rank", "--lead", "L1", WARMPATH_POLICY=str(bad))
    assert code == 2 and "lottery" in err


def test_route_dry_run_writes_nothing_then_route_offers_once(sales_file: GraphSettings) -> None:
    code, out, _ = _invoke(sales_file, "route", "--all-unassigned", "--dry-run")
    assert code == 0 and "dry run: nothing written" in out
    assert "2/2 assigned" in out and "capacity violations 0" in out
    code, out, _ = _invoke(sales_file, "route", "--all-unassigned", "--json")
    assert code == 0
    answer = json.loads(out)
    assert sorted(answer["offered"]) == ["L1", "L2"]
    assert answer["result"]["metrics"]["warm_owner_rate"] == 1.0
    code, out, _ = _invoke(sales_file, "route", "--all-unassigned")
    assert code == 0 and "no new leads to route" in out
    code, _, err = _invoke(sales_file, "route", "--lead", "L1")
    assert code == 2 and "lead L1 is offered: only new leads are routed" in err


def test_route_needs_one_selector(sales_file: GraphSettings) -> None:
    for args in ((), ("--lead", "L1", "--all-unassigned")):
        code, _, err = _invoke(sales_file, "route", *args)
        assert code == 2 and "give either --lead ID or --all-unassigned" in err


def test_simulate_compares_policies_side_by_side(sales_file: GraphSettings, tmp_path: Path) -> None:
    warmest = tmp_path / "warmest.toml"  # no fairness cap: ann, the warmest, gets both leads
    warmest.write_text("[rules]\nmax_share_over_mean = 0\n", "utf-8")
    assert _invoke(sales_file, "route", "--all-unassigned", "--policy", str(warmest))[0] == 0
    policy = tmp_path / "rr.toml"
    policy.write_text('mode = "round_robin"\n[rules]\nprefer_account_owner = false\n', "utf-8")
    code, out, _ = _invoke(sales_file, "simulate", "--policy", str(policy), "--json")
    assert code == 0
    answer = json.loads(out)
    assert answer["leads"] == 2
    assert answer["actual"]["leads_per_rep"] == {rid("ann"): 2}
    assert sorted(answer["simulated"]["leads_per_rep"].values()) == [1, 1]
    assert answer["actual"]["warm_owner_rate"] == 1.0
    code, out, _ = _invoke(sales_file, "simulate", "--policy", str(policy))
    assert code == 0 and "Gini of leads per rep" in out
    code, _, err = _invoke(sales_file, "simulate", "--policy", str(policy), "--since", "yesterday")
    assert code == 2 and "--since 'yesterday' is not a date" in err
    code, out, _ = _invoke(sales_file, "simulate", "--policy", str(policy), "--since", "2099-01-01")
    assert code == 0 and "0 routed leads" in out


def test_simulate_frontier_runs_from_round_robin_to_the_unconstrained_optimum(
    sales_file: GraphSettings,
) -> None:
    assert _invoke(sales_file, "route", "--all-unassigned")[0] == 0
    code, out, _ = _invoke(sales_file, "simulate", "--frontier", "--json")
    assert code == 0
    answer = json.loads(out)
    assert answer["leads"] == 2 and answer["policy_share"] == 1.0
    settings = [p["setting"] for p in answer["points"]]
    assert settings[0] == "round robin" and settings[-1] == "unconstrained"
    assert "max share 1" in settings
    best = answer["points"][-1]["metrics"]
    assert best["score_kept"] == 1.0 and best["leads_per_rep"] == {rid("ann"): 2}
    assert all(p["metrics"]["capacity_violations"] == 0 for p in answer["points"])
    code, out, _ = _invoke(sales_file, "simulate", "--frontier", COLUMNS="160")
    text = " ".join(out.split())
    assert code == 0 and "fairness frontier" in text and "max_share_over_mean 1)" in text
    assert "round robin" in text and "max share 1 (policy)" in text and "unconstrained" in text
    assert "score kept" in text and "one-hop owner" in text
    code, _, err = _invoke(sales_file, "simulate")
    assert code == 2 and "give --policy FILE (the policy to try), or --frontier" in err
