"""Social-selling quotas through the real ASGI app on both backends: counts per goal in a week
(new connections, introductions asked and made, warm claims and wins), milestones, streaks over
several weeks, team totals, who sees what, the leaderboard's attainment, recordIntroduction's
rules, and bad input that writes nothing; `warmpath policy check` of bad goals."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli import app
from graph.settings import GraphSettings
from routing.policy import load_policy
from tests.api.apiworld import Api, build_world, running_api
from tests.conftest import graph_env
from tests.factories import make_person, make_tie
from tests.routing.world import NOW, pid, rid

# NOW is Sunday 2026-11-22 12:00 UTC: its week runs from Monday 2026-11-16
WEEK = NOW - timedelta(days=6, hours=12)
POLICY = """
[quotas]
period = "week"
new_connections = 2
introductions_requested = 1
introductions_made = 0
warm_claims = 1
warm_wins = 1
[quotas.teams.NA]
new_connections = 0
introductions_requested = 0
introductions_made = 1
warm_claims = 0
warm_wins = 0
"""
QUOTAS = """query($period: String, $at: DateTime, $first: Int) {
  quotas(period: $period, at: $at, first: $first) {
  __typename ... on Quotas { period startsAt endsAt repCount
    reps { rep { id } progress { attainment met milestone streak
           goals { name count goal attained met milestone streak } } }
    teams { team reps progress { attainment met streak goals { name count goal } } } }
  ... on Problem { code message } } }"""
INTRODUCE = """mutation($id: ID!, $to: String!) { recordIntroduction(leadId: $id, toPersonKey: $to) {
  __typename ... on IntroductionRecorded { event { kind } } ... on Problem { code message } } }"""


@pytest.fixture
def api(graph_settings: GraphSettings, tmp_path: Path) -> Iterator[Api]:
    policy_file = tmp_path / "quotas.toml"
    policy_file.write_text(POLICY, encoding="utf-8")
    tokens = build_world(graph_settings, leads=4)
    with running_api(graph_settings, tokens, policy=load_policy(policy_file)) as running:
        yield running


def connect(api: Api, *days: date) -> None:
    """ann connects with a new person on each day (a LinkedIn export's Connected On)."""
    people = [
        make_person(id=pid(f"new{d.isoformat()}{n}"), name=f"New {n}") for n, d in enumerate(days)
    ]
    api.store.merge_people(people)
    api.store.merge_ties(
        [make_tie(pid("ann"), p.id, since=d) for p, d in zip(people, days, strict=True)]
    )


def ok(api: Api, who: str, mutation: str) -> None:
    answer = api.data(who, "mutation { %s { __typename ... on Problem { message } } }" % mutation)
    (result,) = answer.values()
    assert result["__typename"] != "Problem", result


def sell(api: Api, lead: str, *, win: bool) -> None:
    """ann claims a lead (she knows its buyer: warm) and asks dan for an introduction, which
    dan makes; with ``win`` she closes it won."""
    ok(api, "admin", 'routeLead(leadId: "%s")' % lead)
    ok(api, "ann", 'claimLead(leadId: "%s")' % lead)
    ok(api, "ann", 'requestIntro(leadId: "%s", viaPersonKey: "p:dan")' % lead)
    ok(api, "ann", 'requestIntro(leadId: "%s", viaPersonKey: "p:dan")' % lead)  # once a week
    answer = api.data("dan", INTRODUCE, {"id": lead, "to": "p:dana"})["recordIntroduction"]
    assert answer == {"__typename": "IntroductionRecorded", "event": {"kind": "intro_made"}}
    if win:
        ok(api, "ann", 'recordContact(leadId: "%s", channel: "phone")' % lead)
        ok(api, "ann", 'recordOutcome(leadId: "%s", outcome: WON)' % lead)


@pytest.fixture
def season(api: Api) -> Api:
    """Two weeks of every goal met by ann (and dan's introductions), then this week so far:
    one new connection of two, a warm claim and an introduction asked, no win yet."""
    for weeks_ago, lead in ((2, "L1"), (1, "L2")):
        monday = (WEEK - timedelta(weeks=weeks_ago)).date()
        connect(api, monday, monday + timedelta(days=3))
        api.clock.now = WEEK - timedelta(weeks=weeks_ago) + timedelta(days=1)
        sell(api, lead, win=True)
    connect(api, WEEK.date() + timedelta(days=1))
    # a Facebook friend this week whom ann has known on LinkedIn for years: not a new connection
    api.store.merge_people([make_person(id=pid("old"), name="Old Friend")])
    api.store.merge_ties(
        [
            make_tie(pid("ann"), pid("old"), since=date(2020, 1, 6)),
            make_tie(pid("old"), pid("ann"), source="facebook", since=WEEK.date()),
        ]
    )
    api.clock.now = WEEK + timedelta(days=2)
    sell(api, "L3", win=False)
    api.clock.now = NOW
    return api


def quotas(api: Api, who: str, **variables: Any) -> dict[str, Any]:
    found: dict[str, Any] = api.data(who, QUOTAS, variables)["quotas"]
    return found


def rep_row(board: dict[str, Any], key: str) -> dict[str, Any]:
    (row,) = [r for r in board["reps"] if r["rep"]["id"] == rid(key)]
    return {"rep": row["rep"], **row["progress"]}


def goals(row: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    return {
        g["name"]: (g["count"], g["goal"], g["attained"], g["milestone"], g["streak"])
        for g in row["goals"]
    }


def test_a_reps_week_counts_each_goal_with_milestones_and_streaks(season: Api) -> None:
    board = quotas(season, "ann")
    assert board["__typename"] == "Quotas" and board["period"] == "week"
    assert board["startsAt"].startswith("2026-11-16T00:00:00") and board["teams"] == []
    ann = rep_row(board, "ann")
    assert goals(ann) == {
        # (count, goal, attained, milestone, streak)
        "NEW_CONNECTIONS": (1, 2, 0.5, 0.5, 2),
        "INTRODUCTIONS_REQUESTED": (1, 1, 1.0, 1.0, 3),
        "WARM_CLAIMS": (1, 1, 1.0, 1.0, 3),
        "WARM_WINS": (0, 1, 0.0, None, 2),
    }
    assert ann["attainment"] == 0.625 and ann["met"] is False and ann["milestone"] is None
    assert ann["streak"] == 2  # the two weeks before were met; this one is still running

    last_week = quotas(season, "ann", at=(WEEK - timedelta(days=3)).isoformat())
    ann = rep_row(last_week, "ann")
    assert last_week["startsAt"].startswith("2026-11-09")
    assert ann["met"] is True and ann["milestone"] == 1.0 and ann["streak"] == 2
    assert ann["attainment"] == 1.0

    month = rep_row(quotas(season, "ann", period="month"), "ann")
    # weekly goals scaled to a month (30 / 7 days, rounded up); three warm claims this month
    assert goals(month)["WARM_CLAIMS"][:2] == (3, 5) and goals(month)["NEW_CONNECTIONS"][:2] == (
        5,
        9,
    )


def test_team_totals_and_who_sees_what(season: Api) -> None:
    admin = quotas(season, "admin")
    assert {r["rep"]["id"] for r in admin["reps"]} == {rid(k) for k in ("ann", "bob", "cat", "dan")}
    teams = {t["team"]: {"reps": t["reps"], **t["progress"]} for t in admin["teams"]}
    assert set(teams) == {"EMEA", "NA"}
    emea = teams["EMEA"]
    assert emea["reps"] == 3
    assert {g["name"]: (g["count"], g["goal"]) for g in emea["goals"]} == {
        "NEW_CONNECTIONS": (1, 6),
        "INTRODUCTIONS_REQUESTED": (1, 3),
        "WARM_CLAIMS": (1, 3),
        "WARM_WINS": (0, 3),
    }
    # dan's team has its own goals: introductions made, one a week, met three weeks running
    dan = rep_row(admin, "dan")
    assert goals(dan) == {"INTRODUCTIONS_MADE": (1, 1, 1.0, 1.0, 3)}
    assert dan["met"] is True and dan["streak"] == 3 and teams["NA"]["streak"] == 3

    manager = quotas(season, "manager")
    assert {r["rep"]["id"] for r in manager["reps"]} == {rid(k) for k in ("ann", "bob", "cat")}
    assert [t["team"] for t in manager["teams"]] == ["EMEA"]
    na_manager = quotas(season, "na_manager")
    assert [r["rep"]["id"] for r in na_manager["reps"]] == [rid("dan")]
    assert [t["team"] for t in na_manager["teams"]] == ["NA"]
    assert [r["rep"]["id"] for r in quotas(season, "dan")["reps"]] == [rid("dan")]

    assert quotas(season, "intake")["code"] == "FORBIDDEN"


def test_the_first_reps_only_with_the_teams_whole(season: Api) -> None:
    """A page shows some reps: it asks for those, and learns how many there are."""
    every = quotas(season, "admin")
    assert every["repCount"] == 4 and len(every["reps"]) == 4
    first = quotas(season, "admin", first=2)
    assert first["repCount"] == 4
    assert first["reps"] == every["reps"][:2]  # by name, the same rows
    assert first["teams"] == every["teams"]  # the team totals count every rep
    assert quotas(season, "admin", first=10)["reps"] == every["reps"]
    manager = quotas(season, "manager", first=1)
    assert manager["repCount"] == 3 and len(manager["reps"]) == 1


def test_the_leaderboard_shows_attainment_to_whom_may_see_it(season: Api) -> None:
    query = "{ leaderboard(period: WEEK) { rep { id } quotaAttainment } }"
    mine = {r["rep"]["id"]: r["quotaAttainment"] for r in season.data("ann", query)["leaderboard"]}
    assert mine[rid("ann")] == 0.625 and mine[rid("dan")] is None
    every = {
        r["rep"]["id"]: r["quotaAttainment"] for r in season.data("admin", query)["leaderboard"]
    }
    assert every[rid("ann")] == 0.625 and every[rid("dan")] == 1.0 and every[rid("cat")] == 0.0


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"period": "fortnight"}, "`period`"),
        ({"at": (NOW + timedelta(days=1)).isoformat()}, "`at`"),
        ({"at": "2026-11-20T09:00:00"}, "`at`"),  # no time zone
        ({"first": 0}, "first must be at least 1 (got 0)"),
        ({"first": -5}, "first must be at least 1 (got -5)"),
    ],
)
def test_bad_arguments_are_named(api: Api, variables: dict[str, Any], field: str) -> None:
    answer = quotas(api, "admin", **variables)
    assert answer["__typename"] == "Problem" and answer["code"] == "INVALID_ARGUMENT"
    assert field in answer["message"]


def test_an_introduction_is_recorded_once_by_the_colleague_asked(api: Api) -> None:
    ok(api, "admin", 'routeLead(leadId: "L1")')
    ok(api, "ann", 'claimLead(leadId: "L1")')

    def introduce(who: str, to: str = "p:dana", lead: str = "L1") -> dict[str, Any]:
        answer: dict[str, Any] = api.data(who, INTRODUCE, {"id": lead, "to": to})[
            "recordIntroduction"
        ]
        return answer

    before = len(api.store.events(lead_id="L1"))
    assert introduce("dan")["code"] == "FORBIDDEN"  # not asked yet
    assert introduce("dan", lead="L404")["code"] == "FORBIDDEN"  # no lead: the same answer
    ok(api, "ann", 'requestIntro(leadId: "L1", viaPersonKey: "p:dan")')
    assert introduce("bob")["code"] == "FORBIDDEN"  # asked of dan, not bob
    assert introduce("ann")["code"] == "FORBIDDEN"  # the owner introduces no one to herself
    refused = introduce("dan", to="p:mia")
    assert refused["code"] == "INVALID_ARGUMENT" and "`toPersonKey`" in refused["message"]
    assert introduce("dan", to="p:nobody")["code"] == "INVALID_ARGUMENT"
    assert len(api.store.events(lead_id="L1")) == before + 1  # only the request
    assert introduce("dan")["__typename"] == "IntroductionRecorded"
    assert introduce("dan")["code"] == "INVALID_STATE"  # once
    events = api.data("ann", '{ events(leadId: "L1") { nodes { kind actor } } }')["events"]
    assert {"kind": "intro_made", "actor": f"rep:{rid('dan')}"} in events["nodes"]


def test_policy_check_lists_each_bad_goal_on_its_own_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[quotas]\nperiod = "fortnight"\nnew_connections = -1\nwarm_wins = 1.5\n'
        "milestones = [1.0, 0.5]\nhugs = 3\n"
        '[quotas.teams."EMEA Enterprise"]\nwarm_claims = "two"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["policy", "check", str(bad)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"error: {bad}: quotas.period: 'fortnight' is not one of week, month, quarter",
        f"error: {bad}: quotas.new_connections: must be between 0 and 10000 (got -1)",
        f"error: {bad}: quotas.warm_wins: must be a whole number of times (got 1.5)",
        f"error: {bad}: quotas.hugs: unknown key (allowed: period, new_connections, "
        "introductions_requested, introductions_made, warm_claims, warm_wins, milestones, teams)",
        f"error: {bad}: quotas.milestones: must rise, each once (got [1.0, 0.5])",
        f'error: {bad}: quotas.teams."EMEA Enterprise".warm_claims: must be a whole number of '
        "times (got 'two')",
    ]
    good = tmp_path / "good.toml"
    good.write_text('[quotas.teams."EMEA Enterprise"]\nnew_connections = 15\n', encoding="utf-8")
    policy = load_policy(good)
    assert policy.quotas.goals_for("EMEA Enterprise")["new_connections"] == 15
    assert policy.quotas.goals_for("EMEA Enterprise")["warm_wins"] == 1
    assert policy.quotas.goals_for("NA") == policy.quotas.goals


def test_cli_quotas(season: Api, graph_settings: GraphSettings, tmp_path: Path) -> None:
    env = graph_env(graph_settings)
    policy = str(tmp_path / "quotas.toml")
    at = NOW.isoformat()
    runner = CliRunner()
    shown = runner.invoke(
        app,
        ["quotas", "--rep", "ann@seller.example", "--at", at, "--policy", policy, "--json"],
        env=env,
    )
    assert shown.exit_code == 0, shown.output
    board = json.loads(shown.stdout)
    assert board["period"] == "week" and board["teams"] == []
    [ann] = board["reps"]
    assert (ann["rep_id"], ann["attainment"], ann["streak"]) == (rid("ann"), 0.625, 2)
    assert ann["goals"]["new_connections"] == {"count": 1, "goal": 2, "attained": 0.5, "streak": 2}
    table = runner.invoke(app, ["quotas", "--at", at, "--policy", policy], env=env)
    assert table.exit_code == 0 and "EMEA" in table.stdout and "Ann" in table.stdout
    wrong = runner.invoke(app, ["quotas", "--period", "fortnight"], env=env)
    assert wrong.exit_code == 2 and "`period` must be one of week, month, quarter" in wrong.stderr
