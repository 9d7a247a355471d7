"""Nurture through the real ASGI app on both backends: touches (the first is the contact), the
agenda and who sees it, the nurture status and its date, returning a lead before its cadence is
done, cadence compliance in the leaderboard, and bad input that writes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

from api.app import ApiSettings, run_background_once
from cli import app
from graph.settings import GraphSettings
from tests.api.apiworld import Api, build_world, running_api
from tests.conftest import graph_env
from tests.routing.world import NOW, rid

WARM_INTERVAL = timedelta(days=30 / 7)  # the default warm cadence: 8 touches in 30 days
CADENCE = "cadence { touchesPlanned touchesDone touchesLeft nextTouchAt }"
TOUCH = (
    """mutation($id: ID!, $channel: TouchChannel!, $at: DateTime, $note: String! = "") {
  recordTouch(leadId: $id, channel: $channel, at: $at, note: $note) {
    __typename ... on TouchRecorded { lead { status contactedAt nextTouchAt } %s }
    ... on Problem { code message } } }"""
    % CADENCE
)
NURTURE = """mutation($id: ID!, $at: DateTime!, $reason: String!) {
  nurtureLead(leadId: $id, nextTouchAt: $at, reason: $reason) {
    __typename ... on LeadChanged { lead { status nextTouchAt owner { id } } }
    ... on Problem { code message } } }"""
REJECT = """mutation($id: ID!) { rejectLead(leadId: $id, reason: "no budget") {
  __typename ... on LeadChanged { lead { status } } ... on Problem { code message } } }"""
AGENDA = """query($rep: ID, $days: Int! = 1) { agenda(repId: $rep, days: $days) {
  __typename ... on Agenda { overdue items { lead { id } rep { id } kind touchNumber dueAt
  overdue } } ... on Problem { code message } } }"""


@pytest.fixture
def api(graph_settings: GraphSettings) -> Iterator[Api]:
    tokens = build_world(graph_settings)
    with running_api(graph_settings, tokens) as running:
        yield running


def claimed(api: Api, lead: str, who: str = "ann") -> None:
    api.data("manager", 'mutation { routeLead(leadId: "%s") { __typename } }' % lead)
    got = api.data(who, 'mutation { claimLead(leadId: "%s") { __typename } }' % lead)
    assert got == {"claimLead": {"__typename": "Claimed"}}


def touch(api: Api, lead: str, who: str = "ann", **variables: Any) -> dict[str, Any]:
    answer: dict[str, Any] = api.data(who, TOUCH, {"id": lead, "channel": "CALL", **variables})[
        "recordTouch"
    ]
    return answer


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def agenda(api: Api, who: str, rep: str | None = None, days: int = 1) -> dict[str, Any]:
    answer: dict[str, Any] = api.data(who, AGENDA, {"rep": rep, "days": days})["agenda"]
    return answer


def snapshot(api: Api, lead: str) -> tuple[object, ...]:
    found = api.store.lead(lead)
    return (found.status, found.contact_due_at, len(api.store.events(lead_id=lead)))


def test_the_first_touch_is_the_contact_and_touches_are_events(api: Api) -> None:
    claimed(api, "L1")
    first = touch(api, "L1", note="left a voicemail")
    assert first["__typename"] == "TouchRecorded", first
    assert first["lead"]["status"] == "contacted"
    assert when(first["lead"]["contactedAt"]) == NOW
    cadence = first["cadence"]
    assert (cadence["touchesPlanned"], cadence["touchesDone"], cadence["touchesLeft"]) == (8, 1, 7)
    assert when(cadence["nextTouchAt"]) == NOW + WARM_INTERVAL
    api.clock.advance(days=1)
    second = touch(api, "L1", channel="LINKEDIN")
    assert second["lead"]["status"] == "contacted"
    assert second["cadence"]["touchesDone"] == 2
    assert when(second["cadence"]["nextTouchAt"]) == NOW + 2 * WARM_INTERVAL
    # the SLA is met: past the deadline, the sweep breaches nothing
    api.clock.advance(hours=25)
    run_background_once(api.client.app.state.services, ApiSettings(sweep_seconds=0))  # type: ignore[attr-defined]
    nodes = api.data("admin", '{ events(leadId: "L1") { nodes { kind reason detail } } }')[
        "events"
    ]["nodes"]
    kinds = [n["kind"] for n in nodes]
    assert "sla_breach" not in kinds and kinds[-2:] == ["touched", "touched"]
    assert nodes[-2]["reason"] == "left a voicemail"
    assert json.loads(nodes[-1]["detail"])["channel"] == "linkedin"


def test_record_contact_still_works_and_counts_as_the_first_touch(api: Api) -> None:
    claimed(api, "L1")
    contact = 'mutation { recordContact(leadId: "L1", channel: "phone") { __typename } }'
    assert api.data("ann", contact)["recordContact"]["__typename"] == "LeadChanged"
    assert touch(api, "L1")["cadence"]["touchesDone"] == 2


def test_agenda_is_ordered_by_urgency_and_visible_to_the_rep_and_their_manager(api: Api) -> None:
    claimed(api, "L1")  # ann: the contact is due in 24 hours (SLA)
    claimed(api, "L2")
    touch(api, "L2")  # ann: the next touch is due in 4.3 days
    claimed(api, "L3", who="bob")
    touch(api, "L3", who="bob")
    api.clock.advance(days=2)  # L1's contact is overdue

    mine = agenda(api, "ann", days=7)
    assert [(i["lead"]["id"], i["kind"], i["overdue"]) for i in mine["items"]] == [
        ("L1", "CONTACT", True),
        ("L2", "TOUCH", False),
    ]
    assert mine["overdue"] == 1 and mine["items"][1]["touchNumber"] == 2
    assert when(mine["items"][1]["dueAt"]) == NOW + WARM_INTERVAL
    # within a day: the overdue contact only (an SLA clock is always listed)
    assert [i["lead"]["id"] for i in agenda(api, "ann")["items"]] == ["L1"]
    team = agenda(api, "manager", days=7)
    assert [(i["lead"]["id"], i["rep"]["id"]) for i in team["items"]] == [
        ("L1", rid("ann")),
        ("L2", rid("ann")),  # due at the same time as L3: by lead id
        ("L3", rid("bob")),
    ]
    assert [i["lead"]["id"] for i in agenda(api, "manager", rid("bob"), 7)["items"]] == ["L3"]
    assert [i["lead"]["id"] for i in agenda(api, "admin", days=7)["items"]] == ["L1", "L2", "L3"]
    # another rep, another team's manager: not theirs to see
    assert agenda(api, "bob", rid("ann"))["code"] == "FORBIDDEN"
    assert agenda(api, "na_manager", rid("ann"))["code"] == "FORBIDDEN"
    assert agenda(api, "dan", days=7)["items"] == []
    assert agenda(api, "ann", days=91)["code"] == "INVALID_ARGUMENT"


def test_the_agenda_follows_the_clock_and_every_touch(api: Api) -> None:
    """What the agenda is made of is kept between asks: its window still moves with the
    clock, and a touch (a write) shows at the next ask."""
    claimed(api, "L2")
    touch(api, "L2")  # the next touch is due in 4.3 days
    assert agenda(api, "ann")["items"] == []
    api.clock.advance(days=5)
    [due] = agenda(api, "ann")["items"]
    assert (due["lead"]["id"], due["touchNumber"], due["overdue"]) == ("L2", 2, True)
    touch(api, "L2")
    [after] = agenda(api, "ann", days=7)["items"]
    assert (after["touchNumber"], after["overdue"]) == (3, False)
    assert when(after["dueAt"]) == NOW + 2 * WARM_INTERVAL  # the cadence runs from the contact


def test_nurture_keeps_the_lead_with_its_rep_until_its_date(api: Api) -> None:
    claimed(api, "L1")
    date = (NOW + timedelta(days=10)).isoformat()
    early = api.data("ann", NURTURE, {"id": "L1", "at": date, "reason": "budget in Q1"})
    assert early["nurtureLead"]["code"] == "INVALID_STATE"  # not contacted yet
    touch(api, "L1")
    parked = api.data("ann", NURTURE, {"id": "L1", "at": date, "reason": "budget in Q1"})
    lead = parked["nurtureLead"]["lead"]
    assert (lead["status"], lead["owner"]) == ("nurture", {"id": rid("ann")})
    assert when(lead["nextTouchAt"]) == NOW + timedelta(days=10)
    listed = api.data("manager", '{ leads(filter: {status: "nurture"}) { nodes { id } } }')
    assert listed["leads"]["nodes"] == [{"id": "L1"}]
    assert agenda(api, "ann", days=7)["items"] == []  # not before its date
    api.clock.advance(days=10, hours=1)
    [item] = agenda(api, "ann")["items"]
    assert (item["lead"]["id"], item["kind"], item["overdue"]) == ("L1", "NURTURE", True)
    assert when(item["dueAt"]) == NOW + timedelta(days=10)
    resumed = touch(api, "L1", channel="MEETING")
    assert (resumed["lead"]["status"], resumed["lead"]["nextTouchAt"]) == ("contacted", None)
    assert when(resumed["lead"]["contactedAt"]) == NOW  # the first contact stays
    assert resumed["cadence"]["touchesDone"] == 2
    assert when(resumed["cadence"]["nextTouchAt"]) == api.clock.now + WARM_INTERVAL


def test_a_rep_returns_a_lead_only_after_its_cadence_unless_a_manager_does(api: Api) -> None:
    claimed(api, "L1")
    touch(api, "L1")
    before = snapshot(api, "L1")
    refused = api.data("ann", REJECT, {"id": "L1"})["rejectLead"]
    assert refused == {
        "__typename": "Problem",
        "code": "INVALID_STATE",
        "message": "lead L1 has 7 of 8 touches left in its cadence: keep nurturing it, or ask "
        "a manager to return it (a manager's rejectLead needs no cadence)",
    }
    assert snapshot(api, "L1") == before
    approved = api.data("manager", REJECT, {"id": "L1"})["rejectLead"]
    assert approved["lead"]["status"] == "returned"
    [returned] = [e for e in api.store.events(lead_id="L1") if e.kind == "returned"]
    assert json.loads(returned.detail or "{}") == {"approved_by": "manager:" + _user_id(api)}

    claimed(api, "L2")
    for _ in range(8):
        touch(api, "L2")
        api.clock.advance(days=4)
    done = api.data("ann", REJECT, {"id": "L2"})["rejectLead"]
    assert done["lead"]["status"] == "returned"


def _user_id(api: Api) -> str:
    return str(api.data("manager", "{ me { id } }")["me"]["id"])


def test_cadence_compliance_in_the_leaderboard(api: Api) -> None:
    board = (
        "{ leaderboard(period: WEEK) { rep { id } touchesDue touchesOnTime cadenceCompliance } }"
    )
    claimed(api, "L1")
    touch(api, "L1")  # touch 1 on time
    api.clock.advance(days=5)  # touch 2 (due after 4.3 days) missed
    rows = {r["rep"]["id"]: r for r in api.data("manager", board)["leaderboard"]}
    assert rows[rid("ann")] == {
        "rep": {"id": rid("ann")},
        "touchesDue": 2,
        "touchesOnTime": 1,
        "cadenceCompliance": 0.5,
    }
    assert rows[rid("bob")]["cadenceCompliance"] is None  # nothing fell due
    touch(api, "L1")  # touch 2, late
    api.clock.advance(days=4)  # touch 3 (due after 8.6 days) missed; touch 1 is out of the week
    again = {r["rep"]["id"]: r for r in api.data("ann", board)["leaderboard"]}[rid("ann")]
    assert (again["touchesDue"], again["touchesOnTime"], again["cadenceCompliance"]) == (2, 0, 0.0)


@pytest.mark.parametrize(
    ("variables", "code", "words"),
    [
        ({"at": "2026-11-22T11:00:00"}, "INVALID_ARGUMENT", "`at` needs a time zone"),
        ({"at": "2026-11-23T12:00:00Z"}, "INVALID_ARGUMENT", "`at` is in the future"),
        ({"at": "2026-11-20T12:00:00Z"}, "INVALID_ARGUMENT", "`at` is before lead L1 was claimed"),
        ({"note": "x" * 1001}, "INVALID_ARGUMENT", "`note` is longer than 1,000 characters"),
        ({"id": "L99"}, "NOT_FOUND", "no lead with id 'L99'"),
    ],
)
def test_bad_touches_are_problems_and_write_nothing(
    api: Api, variables: dict[str, Any], code: str, words: str
) -> None:
    claimed(api, "L1")
    before = snapshot(api, "L1")
    answer = api.data("ann", TOUCH, {"id": "L1", "channel": "CALL", **variables})["recordTouch"]
    assert answer["code"] == code and words in answer["message"], answer
    assert snapshot(api, "L1") == before


def test_an_unknown_channel_or_a_bad_nurture_date_writes_nothing(api: Api) -> None:
    claimed(api, "L1")
    touch(api, "L1")
    before = snapshot(api, "L1")
    body = api.gql("ann", TOUCH, {"id": "L1", "channel": "FAX"})
    assert "TouchChannel" in body["errors"][0]["message"] and body.get("data") is None
    for at, words in (
        ("2026-12-01T09:00:00", "`nextTouchAt` needs a time zone"),
        ("2026-11-21T09:00:00Z", "`nextTouchAt` must be in the future"),
        ("2027-11-21T09:00:00Z", "`nextTouchAt` is more than 180 days ahead"),
    ):
        answer = api.data("ann", NURTURE, {"id": "L1", "at": at, "reason": "later"})
        assert answer["nurtureLead"]["code"] == "INVALID_ARGUMENT", answer
        assert words in answer["nurtureLead"]["message"]
    blank = api.data("ann", NURTURE, {"id": "L1", "at": "2026-12-01T09:00:00Z", "reason": " "})
    assert blank["nurtureLead"]["message"] == "`reason` is required"
    assert snapshot(api, "L1") == before


def test_cli_agenda_lists_a_reps_clocks(graph_settings: GraphSettings) -> None:
    tokens = build_world(graph_settings)
    with running_api(graph_settings, tokens) as api:
        claimed(api, "L1")  # its contact deadline, the day after NOW: overdue by now
    runner = CliRunner()
    env = graph_env(graph_settings)
    shown = runner.invoke(app, ["agenda", "--rep", "ann@seller.example", "--json"], env=env)
    assert shown.exit_code == 0, shown.output
    [item] = json.loads(shown.stdout)
    assert (item["lead_id"], item["kind"], item["touch"], item["touches"]) == (
        "L1",
        "contact",
        1,
        8,
    )
    assert when(item["due_at"]) == NOW + timedelta(hours=24)
    table = runner.invoke(app, ["agenda", "--rep", "ann@seller.example"], env=env)
    assert table.exit_code == 0 and table.stdout.strip().endswith("1 due, 1 overdue")
    wrong = runner.invoke(app, ["agenda", "--rep", "ann@seller.example", "--days", "91"], env=env)
    assert wrong.exit_code == 2 and "`days` must be between 0 and 90" in wrong.stderr
