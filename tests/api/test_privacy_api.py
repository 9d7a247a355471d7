"""forgetNetwork and forgetPerson through the real ASGI app: admins only, typed problems, the
ranking that changes at once, and audit events that hold none of the erased data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from graph.settings import GraphSettings
from tests.api.apiworld import Api, build_world, running_api
from tests.routing.world import pid, rid

FORGET_NETWORK = """mutation($rep: ID!) { forgetNetwork(repId: $rep) {
  __typename ... on NetworkForgotten { repId tiesRemoved tiesKept peopleRemoved
    employmentsRemoved studiesRemoved consentCleared }
  ... on Problem { code message } } }"""
FORGET_PERSON = """mutation($key: String!) { forgetPerson(key: $key) {
  __typename ... on PersonErased { tiesRemoved employmentsRemoved studiesRemoved
    decisionMakerLinksRemoved openLeads eventsScrubbed tombstones }
  ... on Problem { code message } } }"""
RANKED = '{ rankedReps(leadId: "L1") { ... on Ranking { ranked { rep { id } } } } }'
PATHS = """query($rep: ID!, $key: String!) { connectionPaths(repId: $rep, personKey: $key) {
  ... on Paths { paths { nodes { id } } } ... on Problem { code } } }"""


@pytest.fixture
def api(graph_settings: GraphSettings) -> Iterator[Api]:
    tokens = build_world(graph_settings)
    with running_api(graph_settings, tokens) as running:
        yield running


def _top(api: Api) -> str:
    ranked: list[dict[str, Any]] = api.data("admin", RANKED)["rankedReps"]["ranked"]
    return str(ranked[0]["rep"]["id"])


def _paths(api: Api, rep: str, person: str) -> int:
    found = api.data("admin", PATHS, {"rep": rep, "key": person})["connectionPaths"]
    return len(found["paths"])


def test_only_admins_may_forget_and_others_change_nothing(api: Api) -> None:
    for who in ("manager", "ann", "bob"):
        assert api.data(who, FORGET_NETWORK, {"rep": rid("ann")})["forgetNetwork"] == {
            "__typename": "Problem",
            "code": "FORBIDDEN",
            "message": "only admins can withdraw a network or erase a person",
        }
        assert api.data(who, FORGET_PERSON, {"key": pid("mia")})["forgetPerson"]["code"] == (
            "FORBIDDEN"
        )
    assert _top(api) == rid("ann")
    assert _paths(api, rid("ann"), pid("dana")) == 1
    assert _paths(api, rid("bob"), pid("dana")) == 1  # via Mia, who is still there
    events = api.data("admin", '{ events(repId: "%s") { nodes { kind } } }' % rid("ann"))
    assert events["events"]["nodes"] == []


def test_forget_network_as_admin_changes_the_ranking_at_once(api: Api) -> None:
    assert _top(api) == rid("ann")  # Ann knows Dana, the economic buyer
    result = api.data("admin", FORGET_NETWORK, {"rep": rid("ann")})["forgetNetwork"]
    assert result == {
        "__typename": "NetworkForgotten",
        "repId": rid("ann"),
        "tiesRemoved": 1,
        "tiesKept": 0,
        "peopleRemoved": 0,  # Dana stays: a decision-maker, and Mia knows her
        "employmentsRemoved": 0,
        "studiesRemoved": 0,
        "consentCleared": False,
    }
    assert _top(api) == rid("bob")  # Bob, two hops away, is now the warmest
    assert _paths(api, rid("ann"), pid("dana")) == 0
    events = api.data(
        "admin", '{ events(repId: "%s") { nodes { kind actor detail } } }' % rid("ann")
    )["events"]["nodes"]
    assert [(e["kind"], e["actor"]) for e in events] == [
        ("network_forgotten", "admin:" + _admin(api))
    ]
    assert "dana" not in events[0]["detail"].lower()


def _admin(api: Api) -> str:
    return str(api.data("admin", "{ me { id } }")["me"]["id"])


def test_forget_person_as_admin_and_its_problems(api: Api) -> None:
    assert (
        api.data("admin", FORGET_PERSON, {"key": "nobody@acme.example"})["forgetPerson"]["code"]
        == "NOT_FOUND"
    )
    refused = api.data("admin", FORGET_PERSON, {"key": pid("ann")})["forgetPerson"]
    assert refused["code"] == "INVALID_STATE"
    assert "forget-network ann@seller.example" in refused["message"]
    assert (
        api.data("admin", FORGET_NETWORK, {"rep": "ghost@seller.example"})["forgetNetwork"]["code"]
        == "NOT_FOUND"
    )

    erased = api.data("admin", FORGET_PERSON, {"key": pid("mia")})["forgetPerson"]
    assert erased == {
        "__typename": "PersonErased",
        "tiesRemoved": 2,
        "employmentsRemoved": 0,
        "studiesRemoved": 0,
        "decisionMakerLinksRemoved": 0,
        "openLeads": 0,
        "eventsScrubbed": 0,
        "tombstones": 1,
    }
    assert _paths(api, rid("bob"), pid("dana")) == 0  # the path went through Mia
    assert _top(api) == rid("ann")
    (audit,) = [e for e in api.store.events_mentioning(["tombstones"])]
    assert audit.kind == "person_erased" and audit.actor == "admin:" + _admin(api)
    assert "mia" not in (audit.detail or "").lower()
