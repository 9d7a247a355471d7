"""The GraphQL surface's one error boundary, through the real ASGI app on both backends: domain
failures are Problems, anything else is "Unexpected error." with the request id, and no database
text, file path or stack trace ever reaches a client, whatever the input."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import ApiSettings, create_app
from graph.backends import open_store
from graph.errors import ConfigError, StoreError
from graph.settings import GraphSettings
from graph.store import GraphStore
from routing.policy import load_policy
from tests.api.apiworld import Api, Clock, build_world, running_api
from tests.faults import FaultyStore
from tests.routing.world import rid

INTERNAL = ("lbdb", "/srv", "Traceback", "neo4j.", "LadybugDB", "MATCH (", 'File "')


def assert_clean(text: str, sent: str = "") -> None:
    """No internal text in an answer (a caller's own words echoed back excepted)."""
    for word in INTERNAL:
        assert word in sent or word not in text, f"{word!r} reached the client: {text[:300]}"


@pytest.fixture
def api(graph_settings: GraphSettings) -> Iterator[Api]:
    tokens = build_world(graph_settings)
    with running_api(graph_settings, tokens) as running:
        yield running


@pytest.fixture
def failing(graph_settings: GraphSettings) -> Iterator[tuple[TestClient, dict[str, str], Any]]:
    tokens = build_world(graph_settings)
    holder: dict[str, FaultyStore] = {}

    def factory() -> GraphStore:
        holder["store"] = FaultyStore(open_store(graph_settings), {})
        return holder["store"]  # type: ignore[return-value]

    app = create_app(
        factory, clock=Clock(), policy=load_policy(), settings=ApiSettings(sweep_seconds=0)
    )
    with TestClient(app) as client:
        yield client, tokens, holder["store"]


def post(client: TestClient, token: str, query: str, variables: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    return client.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}"},
    )


LEAD = '{ lead(id: "L1") { __typename ... on Lead { id } ... on Problem { code message } } }'
LEADS = "{ leads { totalCount } }"


def test_database_failures_are_masked_with_the_request_id(failing: Any) -> None:
    client, tokens, store = failing
    refused = StoreError("LadybugDB refused the query: MATCH (l:Lead) /srv/warmpath/prod.lbdb")
    store.failures["lead"] = refused  # a Problem-returning field
    store.failures["leads_with_status"] = refused  # a field that raises
    store.failures["people_named"] = refused  # not an empty list: a failure
    for query in (LEAD, LEADS, '{ people(search: "dana") { id } }'):
        response = post(client, tokens["admin"], query)
        assert response.status_code == 200
        assert_clean(response.text)
        (error,) = response.json()["errors"]
        assert error["message"] == "Unexpected error."
        assert error["extensions"]["code"] == "INTERNAL"
        assert error["extensions"]["requestId"] == response.headers["x-request-id"]


def test_failures_that_are_not_the_callers_are_masked_not_invalid_argument(failing: Any) -> None:
    client, tokens, store = failing
    store.failures["lead"] = ConfigError("WARMPATH_POLICY=/etc/warmpath/p.toml does not exist")
    response = post(client, tokens["admin"], LEAD)
    assert "INVALID_ARGUMENT" not in response.text and "/etc/warmpath" not in response.text
    assert response.json()["errors"][0]["message"] == "Unexpected error."
    store.failures["lead"] = RuntimeError("bug at /srv/app/graph/store.py line 12")
    response = post(client, tokens["admin"], LEAD)
    assert_clean(response.text)
    assert "/srv/app" not in response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL"


def test_a_caller_gets_its_own_request_id_back(failing: Any) -> None:
    client, tokens, store = failing
    store.failures["lead"] = StoreError("refused /srv/x.lbdb")
    response = client.post(
        "/graphql",
        json={"query": LEAD},
        headers={"Authorization": f"Bearer {tokens['admin']}", "X-Request-ID": "trace-42"},
    )
    assert response.headers["x-request-id"] == "trace-42"
    assert response.json()["errors"][0]["extensions"]["requestId"] == "trace-42"


def test_a_failing_sign_in_is_503_without_internals(failing: Any) -> None:
    client, tokens, store = failing
    store.failures["user_by_token_hash"] = StoreError("refused /srv/x.lbdb")
    response = post(client, tokens["admin"], "{ me { role } }")
    assert response.status_code == 503
    assert_clean(response.text)


def test_naive_times_are_problems_that_say_how_to_fix_them(api: Api) -> None:
    api.data("manager", 'mutation { routeLead(leadId: "L1") { __typename } }')
    api.data("ann", 'mutation { claimLead(leadId: "L1") { __typename } }')
    contact = """mutation($at: DateTime) { recordContact(leadId: "L1", channel: "phone", at: $at) {
      __typename ... on Problem { code message } ... on LeadChanged { lead { status } } } }"""
    naive = api.data("ann", contact, {"at": "2026-11-22T11:00:00"})["recordContact"]
    assert naive == {
        "__typename": "Problem",
        "code": "INVALID_ARGUMENT",
        "message": "`at` needs a time zone, e.g. 2026-11-22T11:00:00Z",
    }
    assert api.store.lead("L1").status == "claimed"  # nothing changed
    aware = api.data("ann", contact, {"at": "2026-11-22T11:00:00Z"})["recordContact"]
    assert aware["lead"]["status"] == "contacted"

    body = api.gql("manager", '{ returnedLeads(since: "2026-11-22T11:00:00") { id } }')
    assert body["errors"][0]["message"] == "`since` needs a time zone, e.g. 2026-11-22T11:00:00Z"
    assert body["errors"][0]["extensions"]["code"] == "INVALID_ARGUMENT"
    assert api.data("manager", '{ returnedLeads(since: "2026-11-22T11:00:00+01:00") { id } }')


def test_bodies_that_are_not_json_are_400(api: Api) -> None:
    headers = {"Authorization": f"Bearer {api.tokens['admin']}", "Content-Type": "application/json"}
    not_utf8 = b'{"query": "{ me { role } }", "x": "\xff\xfe"}'
    deep = (
        '{"query": "{ me { role } }", "variables": ' + '{"a":' * 100_000 + "1" + "}" * 100_000 + "}"
    )
    for body in (not_utf8, deep.encode(), b"{", b"\x00\x01", b"5", b'"x"', b"null"):
        response = api.client.post("/graphql", content=body, headers=headers)
        assert response.status_code == 400, response.text
        assert_clean(response.text)


def test_unbounded_arguments_are_bounded(api: Api) -> None:
    paths = """query($limit: Int!, $hops: Int!) { connectionPaths(repId: "%s", personKey: "p:dana",
      limit: $limit, maxHops: $hops) { ... on Problem { code message } ... on Paths { rep { id } } } }"""
    found = api.data("ann", paths % rid("ann"), {"limit": 100_000, "hops": 3})["connectionPaths"]
    assert found == {
        "code": "INVALID_ARGUMENT",
        "message": "limit must be between 1 and 20 (got 100000)",
    }
    found = api.data("ann", paths % rid("ann"), {"limit": 5, "hops": 9})["connectionPaths"]
    assert found["code"] == "INVALID_ARGUMENT" and "max_hops" in found["message"]

    api.data("manager", 'mutation { routeLead(leadId: "L1") { __typename } }')
    before = len(api.store.events(lead_id="L1"))
    intro = """mutation($note: String!) { requestIntro(leadId: "L1", viaPersonKey: "p:mia",
      note: $note) { __typename ... on Problem { code message } } }"""
    long_note = api.data("bob", intro, {"note": "x" * 1_000_000})["requestIntro"]
    assert long_note == {
        "__typename": "Problem",
        "code": "INVALID_ARGUMENT",
        "message": "the note is longer than 1,000 characters",
    }
    assert len(api.store.events(lead_id="L1")) == before

    huge_key = "p:" + "x" * 1_000_000
    response = api.client.post(
        "/graphql",
        json={"query": paths % rid("ann"), "variables": {"limit": 5, "hops": 3}}
        | {"query": (paths % rid("ann")).replace('"p:dana"', json.dumps(huge_key))},
        headers={"Authorization": f"Bearer {api.tokens['ann']}"},
    )
    assert len(response.content) < 2000  # the key is not echoed back
    problem = response.json()["data"]["connectionPaths"]
    assert problem == {
        "code": "INVALID_ARGUMENT",
        "message": "the person key is longer than 500 characters",
    }


def cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def test_forged_cursors_are_errors(api: Api) -> None:
    page = api.data("admin", "{ leads(first: 2) { pageInfo { endCursor } nodes { id } } }")
    good_leads = page["leads"]["pageInfo"]["endCursor"]
    api.data("manager", 'mutation { routeLead(leadId: "L1") { __typename } }')
    api.data("manager", 'mutation { routeLead(leadId: "L2") { __typename } }')
    events = "query($lead: ID!, $after: String) { events(leadId: $lead, first: 1, after: $after) { pageInfo { endCursor } nodes { id } } }"
    good_events = api.data("admin", events, {"lead": "L1"})["events"]["pageInfo"]["endCursor"]
    second = api.data("admin", events, {"lead": "L1", "after": good_events})["events"]
    assert len(second["nodes"]) == 1  # a cursor the API gave out works

    leads = "query($after: String) { leads(first: 2, after: $after) { nodes { id } } }"
    forged = [
        cursor("L1"),  # the old format: a bare lead id
        cursor("MATCH (n) RETURN n"),
        cursor("c1|lead|MATCH (n) DETACH DELETE n"),
        cursor("c1|lead|L0"),  # well-formed, names no lead
        cursor("c1|event|lead L1|2026-11-22T12:00:00+00:00|x"),  # another kind
        good_events,  # an events cursor used for leads
        "not base64 at all!",
        "A" * 10_000,
    ]
    for value in forged:
        body = api.gql("admin", leads, {"after": value})
        assert body["data"] is None, value
        assert "not a cursor this API gave out" in body["errors"][0]["message"]
        assert body["errors"][0]["extensions"]["code"] == "INVALID_ARGUMENT"
    for value in (good_leads, cursor("c1|event|lead L1|2026-01-01T00:00:00+00:00|nope")):
        body = api.gql("admin", events, {"lead": "L1", "after": value})
        assert "not a cursor this API gave out" in body["errors"][0]["message"], value
    body = api.gql("admin", events, {"lead": "L2", "after": good_events})  # another lead's
    assert "not a cursor this API gave out" in body["errors"][0]["message"]
    assert len(api.data("admin", leads, {"after": good_leads})["leads"]["nodes"]) == 2


def test_a_rep_cannot_read_another_reps_paths_by_any_key(api: Api) -> None:
    paths = 'query($rep: ID!) { connectionPaths(repId: $rep, personKey: "p:dana") { ... on Paths { paths { hops } } ... on Problem { code } } }'
    for key in (rid("bob"), "bob@seller.example", " BOB@seller.example ", "p:bob"):
        found = api.data("ann", paths, {"rep": key})["connectionPaths"]
        assert found == {"code": "FORBIDDEN"}, key
    assert api.data("ann", paths, {"rep": "ann@seller.example"})["connectionPaths"] == {
        "paths": [{"hops": 1}]
    }
    assert api.data("manager", paths, {"rep": "p:bob"})["connectionPaths"] == {
        "paths": [{"hops": 2}]
    }
    assert api.data("na_manager", paths, {"rep": "bob@seller.example"})["connectionPaths"] == {
        "code": "FORBIDDEN"
    }


def test_a_manager_cannot_take_another_teams_lead(api: Api) -> None:
    assign = """mutation($lead: ID!, $rep: ID!) { assignLead(leadId: $lead, repId: $rep,
      reason: "she knows them") { __typename ... on Problem { code } } }"""
    assert api.data("admin", assign, {"lead": "L3", "rep": rid("dan")})["assignLead"] == {
        "__typename": "LeadChanged"
    }
    taken = api.data("manager", assign, {"lead": "L3", "rep": rid("cat")})["assignLead"]
    assert taken == {"__typename": "Problem", "code": "FORBIDDEN"}
    assert api.store.lead("L3").owner_rep_id == rid("dan")
    kinds = [e.kind for e in api.store.events(lead_id="L3")]
    assert kinds.count("assigned") == 1
    # their own team's and unassigned leads stay theirs to give
    assert api.data("manager", assign, {"lead": "L4", "rep": rid("cat")})["assignLead"] == {
        "__typename": "LeadChanged"
    }


def test_a_rep_sees_where_they_stand_but_not_others_networks(api: Api) -> None:
    api.data("manager", 'mutation { routeLead(leadId: "L1") { __typename } }')
    api.data("bob", 'mutation { claimLead(leadId: "L1") { __typename } }')
    board = "{ leaderboard { rep { id } networkSize warmReach claims won } }"
    rows = {r["rep"]["id"]: r for r in api.data("ann", board)["leaderboard"]}
    assert set(rows) == {rid(k) for k in ("ann", "bob", "cat", "dan")}
    assert rows[rid("ann")]["networkSize"] == 1 and rows[rid("ann")]["warmReach"] == 0
    for other in ("bob", "cat", "dan"):
        assert rows[rid(other)]["networkSize"] is None and rows[rid(other)]["warmReach"] is None
    assert rows[rid("bob")]["claims"] == 1
    ordered = [r["rep"]["id"] for r in api.data("ann", board)["leaderboard"]]
    assert ordered[0] == rid("bob")  # by claims here, never by the hidden figures
    team = {r["rep"]["id"]: r for r in api.data("manager", board)["leaderboard"]}
    assert set(team) == {rid(k) for k in ("ann", "bob", "cat")}
    assert team[rid("bob")]["networkSize"] == 1 and team[rid("bob")]["warmReach"] == 0


def test_a_reps_view_of_a_lead_holds_nothing_of_other_reps(api: Api) -> None:
    """cat, bob and ann are offered L1: cat sees neither bob's intro request (it names his
    contact) nor the others' offers and scores, nor the owner's private profile."""
    api.data("manager", 'mutation { routeLead(leadId: "L1") { __typename } }')
    intro = 'mutation { requestIntro(leadId: "L1", viaPersonKey: "p:mia", note: "my old roommate") { __typename } }'
    assert api.data("bob", intro)["requestIntro"] == {"__typename": "IntroRequested"}
    events = '{ events(leadId: "L1") { totalCount nodes { kind repId reason detail } } }'
    seen = api.data("cat", events)["events"]
    assert {e["repId"] for e in seen["nodes"]} <= {None, rid("cat")}
    assert "roommate" not in str(seen) and "p:mia" not in str(seen)
    assert seen["totalCount"] == len(seen["nodes"])
    everything = api.data("admin", events)["events"]["nodes"]
    assert any(e["kind"] == "intro_requested" for e in everything)  # it is there for the admin

    owner = api.data(
        "cat", '{ lead(id: "L1") { ... on Lead { owner { id name email capacity outUntil } } } }'
    )
    assert owner["lead"]["owner"] == {
        "id": rid("ann"),
        "name": "Ann",
        "email": "",
        "capacity": None,
        "outUntil": None,
    }
    board = api.data("dan", "{ leaderboard { rep { id email capacity } } }")["leaderboard"]
    for row in board:
        if row["rep"]["id"] != rid("dan"):
            assert row["rep"]["email"] == "" and row["rep"]["capacity"] is None
    routed = api.data(
        "na_manager",
        'mutation { routeLead(leadId: "L2") { ... on Routed { offeredTo { id email } } } }',
    )["routeLead"]["offeredTo"]
    assert routed and all(r["email"] == "" for r in routed)  # EMEA reps, to NA's manager


def test_no_answer_tells_a_rep_whether_someone_elses_key_or_lead_exists(api: Api) -> None:
    for key in ("rep:nobody@seller.example", rid("bob")):
        rep = api.data("ann", '{ rep(id: "%s") { ... on Problem { code } } }' % key)["rep"]
        assert rep == {"code": "FORBIDDEN"}, key
    paths = 'query($rep: ID!) { connectionPaths(repId: $rep, personKey: "p:dana") { ... on Problem { code } } }'
    for key in ("nobody@seller.example", "bob@seller.example"):
        assert api.data("ann", paths, {"rep": key})["connectionPaths"] == {"code": "FORBIDDEN"}
    assert api.data("admin", paths, {"rep": "nobody@seller.example"})["connectionPaths"] == {
        "code": "NOT_FOUND"
    }
    api.data(
        "admin",
        'mutation { assignLead(leadId: "L3", repId: "%s", reason: "x") { __typename } }'
        % rid("dan"),
    )
    leads = "query($after: String) { leads(after: $after) { nodes { id } } }"
    for lead in ("L3", "L9"):  # dan's lead, and no lead at all: the same answer
        body = api.gql("ann", leads, {"after": cursor("c1|lead|%s" % lead)})
        assert "not a cursor this API gave out" in body["errors"][0]["message"], lead
