"""The routing policy file: documented defaults, precise errors, a version per content."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from routing.policy import PolicyError, load_policy


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_load_and_have_a_stable_version() -> None:
    policy = load_policy()
    assert policy.mode == "proximity"
    assert (
        policy.role_weights["economic_buyer"]
        > policy.role_weights["champion"]
        > policy.role_weights["influencer"]
    )
    assert policy.sla_hours == {"hot": 1.0, "warm": 24.0, "cold": 72.0}
    assert policy.version == load_policy().version and len(policy.version) == 12


def test_a_file_overrides_only_what_it_names(tmp_path: Path) -> None:
    policy = load_policy(_write(tmp_path, 'mode = "round_robin"\n[sla_hours]\nhot = 0.5\n'))
    assert (policy.mode, policy.sla_hours["hot"], policy.sla_hours["warm"]) == (
        "round_robin",
        0.5,
        24.0,
    )
    assert policy.version != load_policy().version
    comments_only = load_policy(_write(tmp_path, "# nothing but a comment\n"))
    assert comments_only.version == load_policy().version


def test_every_mistake_is_named_with_its_key(tmp_path: Path) -> None:
    text = (
        'mode = "nearest"\ncolour = "red"\n'
        '[weights]\nwarmth = "high"\nluck = 1\n'
        "[rules]\noffer_top_n = 0\npenalty_days = 1.5\nprefer_account_owner = 1\n"
        "[hop_warmth]\none = 0.1\ntwo = 0.5\n"
    )
    with pytest.raises(PolicyError) as caught:
        load_policy(_write(tmp_path, text))
    message = str(caught.value)
    for expected in [
        "colour: unknown key",
        "weights.warmth: must be a number >= 0 (got 'high')",
        "weights.luck: unknown key (allowed: warmth, coverage",
        "rules.penalty_days: must be a whole number (got 1.5)",
        "rules.prefer_account_owner: must be true or false (got 1)",
        "mode: 'nearest' is not one of proximity, round_robin, least_busy, first_available",
        "rules.offer_top_n: must be at least 1",
        "hop_warmth: a shorter path must not be colder",
    ]:
        assert expected in message
    assert message.startswith(f"{tmp_path / 'policy.toml'}: ")


def test_unreadable_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="not valid TOML"):
        load_policy(_write(tmp_path, "mode = \n"))
    with pytest.raises(PolicyError, match="no such file"):
        load_policy(tmp_path / "missing.toml")
    with pytest.raises(PolicyError, match="weights: at least one weight must be above 0"):
        load_policy(
            _write(tmp_path, "[weights]\n" + "\n".join(f"{k} = 0" for k in load_policy().weights))
        )


def test_cli_policy_check_and_show(tmp_path: Path) -> None:
    runner = CliRunner()
    good = _write(tmp_path, 'mode = "least_busy"\n')
    result = runner.invoke(app, ["policy", "check", str(good)])
    assert result.exit_code == 0
    assert (
        result.stdout.strip()
        == f"{good} is valid: mode least_busy, version {load_policy(good).version}"
    )
    bad = tmp_path / "bad.toml"
    bad.write_text('mode = "fastest"\n', encoding="utf-8")
    result = runner.invoke(app, ["policy", "check", str(bad)])
    assert result.exit_code == 2
    assert "mode: 'fastest' is not one of" in result.stderr
    shown = json.loads(runner.invoke(app, ["policy", "show"]).stdout)
    assert shown["version"] == load_policy().version and shown["hop_warmth"]["1"] == 1.0


def test_cadences_have_commented_defaults_and_bad_values_are_named(tmp_path: Path) -> None:
    policy = load_policy()
    assert policy.cadence_touches == {"hot": 6, "warm": 8, "cold": 12}
    assert policy.cadence_days == {"hot": 10.0, "warm": 30.0, "cold": 90.0}
    bad = _write(
        tmp_path,
        "[cadence_touches]\nhot = 0\nwarm = 2.5\ncold = -1\n[cadence_days]\nhot = 0\n"
        "[rules]\nnurture_max_days = 0\n",
    )
    result = CliRunner().invoke(app, ["policy", "check", str(bad)])
    assert result.exit_code == 2
    for expected in [
        "cadence_touches.warm: must be a whole number (got 2.5)",
        "cadence_touches.cold: must be a number >= 0 (got -1)",
        "cadence_touches.hot: at least 1 touch (the contact)",
        "cadence_days.hot: must be more than 0 days",
        "rules.nurture_max_days: must be at least 1",
    ]:
        assert expected in result.stderr
