"""The authorization matrix, generated from the schema: every query and mutation field x every
caller, through the real ASGI app on both backends. A field without a rule here fails the test.

Callers: admin; the manager of the rep's team (EMEA); the manager of another team (NA); the rep
(ann, EMEA); another rep (dan, NA); an intake token (a web form: it only submits leads); no token. The object of every request is the rep's: their
lead, their network, their record. Outcomes: ``ok``; ``hidden`` (answered, but the rep's object is
not in it); a Problem or error code (``FORBIDDEN``, ``NOT_ELIGIBLE``...); ``401``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from graphql import build_schema

from api.graphql import schema
from graph.settings import GraphSettings
from tests.api.apiworld import Api, build_world, running_api
from tests.routing.world import rid

CALLERS = ("admin", "manager", "na_manager", "ann", "dan", "intake", None)
ANN = rid("ann")
Check = Callable[[Any], bool]


@dataclass(frozen=True)
class Rule:
    query: str  # with {lead} where the request names the lead prepared for it
    expect: dict[str | None, str]
    state: str = "new"  # what the lead must be before the request: new, offered, claimed, contacted
    # or asked (claimed, and ann asked dan for an introduction)
    visible: Check | None = None  # for answers that list things: is the rep's object in it?
    isolated: bool = False  # changes more than its lead: run in a world of its own
    variables: dict[str, Any] = field(default_factory=dict)


def everyone(outcome: str = "ok") -> dict[str | None, str]:
    return {
        "admin": outcome,
        "manager": outcome,
        "na_manager": outcome,
        "ann": outcome,
        "dan": outcome,
        "intake": "FORBIDDEN",  # an intake token only submits leads
        None: "401",
    }


def only(
    allowed: tuple[str, ...], denied: str = "FORBIDDEN", **special: str
) -> dict[str | None, str]:
    expect = {who: ("ok" if who in allowed else denied) for who in CALLERS if who is not None}
    expect.update(special)
    return {**expect, None: "401"}


TEAM_AND_REP = only(("admin", "manager", "ann"))
TEAM = only(("admin", "manager"))
SEES_ANN = {
    "admin": "ok",
    "manager": "ok",
    "na_manager": "hidden",
    "ann": "ok",
    "dan": "hidden",
    "intake": "FORBIDDEN",
    None: "401",
}
PROBLEM = "__typename ... on Problem { code }"

QUERIES: dict[str, Rule] = {
    "me": Rule("{ me { role } }", everyone()),
    "lead": Rule('{ lead(id: "{lead}") { %s } }' % PROBLEM, TEAM_AND_REP, state="claimed"),
    "leads": Rule(
        "{ leads(first: 200) { nodes { id } } }",
        SEES_ANN,
        state="claimed",
        visible=lambda d: "L1" in [n["id"] for n in d["nodes"]],
    ),
    "rankedReps": Rule(
        '{ rankedReps(leadId: "{lead}") { %s } }' % PROBLEM, TEAM_AND_REP, state="claimed"
    ),
    # whoever may see the lead (and so its ranking's evidence) may see its connections
    "connections": Rule(
        '{ connections(leadId: "{lead}") { %s } }' % PROBLEM, TEAM_AND_REP, state="claimed"
    ),
    "rep": Rule('{ rep(id: "%s") { %s } }' % (ANN, PROBLEM), TEAM_AND_REP),
    "reps": Rule("{ reps { id } }", SEES_ANN, visible=lambda d: ANN in [r["id"] for r in d]),
    "connectionPaths": Rule(
        '{ connectionPaths(repId: "%s", personKey: "p:dana") { %s } }' % (ANN, PROBLEM),
        TEAM_AND_REP,
    ),
    "mutualConnections": Rule(
        '{ mutualConnections(a: "p:ann", b: "p:dana") { %s } }' % PROBLEM, TEAM_AND_REP
    ),
    "events": Rule('{ events(leadId: "{lead}") { nodes { id } } }', TEAM_AND_REP, state="claimed"),
    "leaderboard": Rule(
        "{ leaderboard { rep { id } networkSize } }",
        SEES_ANN,
        # others see the rep's standing, never the size of their network
        visible=lambda d: any(r["rep"]["id"] == ANN and r["networkSize"] is not None for r in d),
    ),
    "returnedLeads": Rule("{ returnedLeads { id } }", only(("admin", "manager", "na_manager"))),
    "people": Rule('{ people(search: "dana") { id } }', only(("admin", "manager", "na_manager"))),
    "fairness": Rule(
        "{ fairness { leads perRep { rep { id } } } }", only(("admin", "manager", "na_manager"))
    ),
    "policy": Rule("{ policy { version } }", everyone()),
    "quotas": Rule(
        "{ quotas { __typename ... on Quotas { reps { rep { id } } } %s } }" % PROBLEM,
        SEES_ANN,
        visible=lambda d: ANN in [r["rep"]["id"] for r in d["reps"]],
    ),
    "agenda": Rule(
        '{ agenda(repId: "%s") { __typename ... on Agenda { items { lead { id } } } %s } }'
        % (ANN, PROBLEM),
        TEAM_AND_REP,
        state="claimed",
    ),
    # a candidate policy's replay: managers see their team's part of it
    "whatIf": Rule(
        '{ whatIf(policyToml: "") { __typename %s } }' % PROBLEM,
        only(("admin", "manager", "na_manager")),
    ),
    "policyVersions": Rule(
        "{ policyVersions { version } }", only(("admin", "manager", "na_manager"))
    ),
    # the explorer: a rep their own network only; a manager not another team's rep
    "neighbours": Rule(
        '{ neighbours(kind: REP, id: "%s") { __typename %s } }' % (ANN, PROBLEM), TEAM_AND_REP
    ),
    "graphPaths": Rule(
        '{ graphPaths(fromKind: REP, fromId: "%s", toKind: PERSON, toId: "p:dana") '
        "{ __typename %s } }" % (ANN, PROBLEM),
        TEAM,
    ),
    "auditLog": Rule(
        '{ auditLog(filter: {repId: "%s"}) { __typename ... on EventConnection '
        "{ nodes { repId } } %s } }" % (ANN, PROBLEM),
        TEAM,
        visible=lambda d: ANN in [e["repId"] for e in d["nodes"]],
    ),
}

CHANGE = "{ %s }" % PROBLEM
SUBMITTED = "{ __typename ... on LeadRefused { problems { code } } ... on Problem { code } }"
NEW_LEAD = '{company: {name: "Initech"}, decisionMakers: [{name: "Pat Lee"}]}'
MUTATIONS: dict[str, Rule] = {
    "submitLead": Rule(
        "mutation { submitLead(input: %s) %s }" % (NEW_LEAD, SUBMITTED),
        only(("admin", "intake")),
        visible=lambda d: d["__typename"] == "LeadSubmitted",
    ),
    "submitLeads": Rule(
        "mutation { submitLeads(inputs: [%s]) %s }" % (NEW_LEAD, SUBMITTED),
        only(("admin", "intake")),
        visible=lambda d: [r["__typename"] for r in d] == ["LeadSubmitted"],
    ),
    "routeLead": Rule(
        'mutation { routeLead(leadId: "{lead}") %s }' % CHANGE,
        only(("admin", "manager", "na_manager")),  # a new lead belongs to no team yet
    ),
    "routeLeads": Rule(
        "mutation { routeLeads %s }" % CHANGE,
        only(("admin", "manager", "na_manager")),
        isolated=True,
    ),
    "claimLead": Rule(
        'mutation { claimLead(leadId: "{lead}") %s }' % CHANGE,
        only(("ann",), dan="NOT_ELIGIBLE"),  # offered to ann, not to dan
        state="offered",
    ),
    "rejectLead": Rule(
        'mutation { rejectLead(leadId: "{lead}", reason: "no budget") %s }' % CHANGE,
        # a rep returns a claimed lead only after its cadence; a manager's return approves it
        only(("admin", "manager"), ann="INVALID_STATE"),
        state="claimed",
    ),
    "recordTouch": Rule(
        'mutation { recordTouch(leadId: "{lead}", channel: CALL) %s }' % CHANGE,
        only(("ann",)),
        state="claimed",
    ),
    "nurtureLead": Rule(
        'mutation { nurtureLead(leadId: "{lead}", nextTouchAt: "2026-12-01T09:00:00Z", '
        'reason: "budget in Q1") %s }' % CHANGE,
        TEAM_AND_REP,
        state="contacted",
    ),
    "releaseLead": Rule(
        'mutation { releaseLead(leadId: "{lead}", reason: "on leave") %s }' % CHANGE,
        TEAM_AND_REP,
        state="claimed",
    ),
    "recordContact": Rule(
        'mutation { recordContact(leadId: "{lead}", channel: "phone") %s }' % CHANGE,
        only(("ann",)),
        state="claimed",
    ),
    "recordOutcome": Rule(
        'mutation { recordOutcome(leadId: "{lead}", outcome: WON) %s }' % CHANGE,
        only(("ann",)),
        state="contacted",
    ),
    "assignLead": Rule(
        'mutation { assignLead(leadId: "{lead}", repId: "%s", reason: "knows the CFO") %s }'
        % (ANN, CHANGE),
        TEAM,
    ),
    "forgetNetwork": Rule(
        'mutation { forgetNetwork(repId: "%s") %s }' % (ANN, CHANGE),
        only(("admin",)),
        isolated=True,
    ),
    "forgetPerson": Rule(
        'mutation { forgetPerson(key: "p:mia") %s }' % CHANGE, only(("admin",)), isolated=True
    ),
    "recordIntroduction": Rule(
        'mutation { recordIntroduction(leadId: "{lead}", toPersonKey: "p:dana") %s }' % CHANGE,
        only(("dan",)),  # ann, the owner, asked dan for it
        state="asked",
    ),
    "requestIntro": Rule(
        'mutation { requestIntro(leadId: "{lead}", viaPersonKey: "p:mia") %s }' % CHANGE,
        only(("ann",)),
        state="claimed",
    ),
    "applyPolicy": Rule(
        'mutation { applyPolicy(policyToml: "") %s }' % CHANGE, only(("admin",)), isolated=True
    ),
    "revertPolicy": Rule(
        'mutation { revertPolicy(version: "0123456789ab") %s }' % CHANGE,
        only((), admin="NOT_FOUND"),
    ),
}


def fields(kind: str) -> set[str]:
    parsed = build_schema(schema.as_str())
    root = parsed.query_type if kind == "query" else parsed.mutation_type
    assert root is not None
    return set(root.fields)


def test_every_field_has_a_rule() -> None:
    assert fields("query") == set(QUERIES), "give each new query field a rule in QUERIES"
    assert fields("mutation") == set(MUTATIONS), "give each new mutation a rule in MUTATIONS"
    for rules in (QUERIES, MUTATIONS):
        for name, rule in rules.items():
            assert set(rule.expect) == set(CALLERS), name


def outcome(api: Api, who: str | None, name: str, rule: Rule, lead: str) -> str:
    headers = {"Authorization": f"Bearer {api.tokens[who]}"} if who else {}
    response = api.client.post(
        "/graphql", json={"query": rule.query.replace("{lead}", lead)}, headers=headers
    )
    if response.status_code == 401:
        return "401"
    assert response.status_code == 200, response.text
    body = response.json()
    if body.get("errors"):
        codes = {e.get("extensions", {}).get("code") for e in body["errors"]}
        assert len(codes) == 1 and None not in codes, body["errors"]
        return str(codes.pop())
    answer = body["data"][name]
    if isinstance(answer, dict) and answer.get("__typename") == "Problem":
        return str(answer["code"])
    if rule.visible is not None and not rule.visible(answer):
        return "hidden"
    return "ok"


def prepare(api: Api, lead: str, state: str) -> None:
    if state == "new":
        return
    api.data("admin", 'mutation { routeLead(leadId: "%s") { __typename } }' % lead)
    if state == "offered":
        return
    assert api.data("ann", 'mutation { claimLead(leadId: "%s") { __typename } }' % lead) == {
        "claimLead": {"__typename": "Claimed"}
    }
    if state == "contacted":
        api.data(
            "ann",
            'mutation { recordContact(leadId: "%s", channel: "phone") { __typename } }' % lead,
        )
    if state == "asked":
        api.data(
            "ann",
            'mutation { requestIntro(leadId: "%s", viaPersonKey: "p:dan") { __typename } }' % lead,
        )


def snapshot(api: Api, lead: str) -> tuple[object, ...]:
    found = api.store.lead(lead)
    return (found.status, found.owner_rep_id, len(api.store.events(lead_id=lead)))


@pytest.fixture
def world(graph_settings: GraphSettings) -> Iterator[Api]:
    tokens = build_world(graph_settings, leads=len(CALLERS) + 1)
    with running_api(graph_settings, tokens) as api:
        yield api


def test_queries(world: Api) -> None:
    prepare(world, "L1", "claimed")
    seen = {
        (name, who): outcome(world, who, name, rule, "L1")
        for name, rule in QUERIES.items()
        for who in CALLERS
    }
    expected = {(name, who): rule.expect[who] for name, rule in QUERIES.items() for who in CALLERS}
    wrong = {key: (seen[key], expected[key]) for key in seen if seen[key] != expected[key]}
    assert not wrong, f"(field, caller): (got, expected) {wrong}"


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_mutations(world: Api, name: str) -> None:
    """Each caller acts on a lead of their own, prepared to the same state; a refused call
    changes nothing."""
    rule = MUTATIONS[name]
    callers = [who for who in CALLERS if not rule.isolated or rule.expect[who] != "ok"]
    wrong = {}
    for n, who in enumerate(callers, start=1):
        lead = f"L{n}"
        prepare(world, lead, rule.state)
        before = snapshot(world, lead)
        got = outcome(world, who, name, rule, lead)
        if got != rule.expect[who]:
            wrong[who] = (got, rule.expect[who])
        if got != "ok":
            assert snapshot(world, lead) == before, (name, who)
    allowed = [who for who in CALLERS if rule.isolated and rule.expect[who] == "ok"]
    for who in allowed[:1]:  # a change of the whole world: once, last
        got = outcome(world, who, name, rule, "L1")
        if got != "ok":
            wrong[who] = (got, "ok")
    assert not wrong, f"caller: (got, expected) {wrong}"
