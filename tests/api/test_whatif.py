"""What-if and the policy's versions through the ASGI app, on both backends: a candidate that
changes an owner says why, a refused policy lists each bad value, an admin applies a policy
(the next ranking uses it, the audit log records it) and goes back to an earlier one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from graph.backends import open_store
from graph.settings import GraphSettings
from routing.policy import policy_from_text
from routing.ranking import SIGNALS
from tests.api.apiworld import Api, add_users, running_api
from tests.routing.world import NOW, World, rid


def policy_text(signal: str) -> str:
    """A policy scoring on one signal alone, with no fairness cap."""
    weights = "\n".join(f"{s} = {1.0 if s == signal else 0.0}" for s in SIGNALS)
    return f"[rules]\nmax_share_over_mean = 0\n\n[weights]\n{weights}\n"


WARMTH, LOAD = policy_text("warmth"), policy_text("load")
WHAT_IF = """query($toml: String!, $days: Int!) {
  whatIf(policyToml: $toml, days: $days) {
    __typename
    ... on WhatIf {
      leads changedCount candidateVersion
      current { policyVersion gini warmOwnerRate leadsPerRep { rep { id } count } }
      candidate { policyVersion gini leadsPerRep { rep { id } count } }
      actual { policyVersion }
      changes { lead { id } before { id } after { id } reason }
    }
    ... on PolicyRefused { problems { code message } }
    ... on Problem { code message }
  }
}"""
APPLY = """mutation($toml: String!) { applyPolicy(policyToml: $toml) {
  __typename
  ... on PolicyApplied { version { version inForce appliedBy source toml } }
  ... on PolicyRefused { problems { code message } }
  ... on Problem { code message }
} }"""
REVERT = """mutation($version: String!) { revertPolicy(version: $version) {
  __typename
  ... on PolicyApplied { version { version inForce source } }
  ... on Problem { code message }
} }"""
VERSIONS = "{ policyVersions { version inForce appliedBy } }"


@pytest.fixture
def api(graph_settings: GraphSettings) -> Iterator[Api]:
    """ann (EMEA) knows dana, the buyer of L1 at Acme, and holds 3 leads (of 4) at Initech;
    bob (EMEA) reaches dana through mia and holds nothing; dan (NA) holds 2 of 4. Under WARMTH ann gets L1,
    under LOAD bob does."""
    store = open_store(graph_settings)
    try:
        world = World(store)
        world.company("acme")
        world.rep("ann", team="EMEA", capacity=4)
        world.rep("bob", team="EMEA")
        world.rep("dan", team="NA", region="NA", capacity=4)
        world.knows("ann", "dana")
        world.knows("bob", "mia", "dana")
        world.company("initech")
        world.lead("L1", ("dana", "economic_buyer"))
        old = NOW - timedelta(days=60)
        for n, owner in enumerate(("ann", "ann", "ann", "dan", "dan")):
            world.lead(f"H{n}", ("pat", "champion"), company="initech", created_at=old)
            world.give(f"H{n}", owner, at=old)
        tokens = add_users(
            store,
            ("admin", "admin", None, None),
            ("manager", "manager", None, "EMEA"),
            ("na_manager", "manager", None, "NA"),
            ("ann", "rep", "ann@seller.example", None),
        )
    finally:
        store.close()
    with running_api(graph_settings, tokens, policy=policy_from_text(WARMTH)) as api:
        routed = api.data("admin", 'mutation { routeLead(leadId: "L1") { __typename } }')
        assert routed == {"routeLead": {"__typename": "Routed"}}
        yield api


def test_a_candidate_that_changes_an_owner_says_why(api: Api) -> None:
    found = api.data("manager", WHAT_IF, {"toml": LOAD, "days": 30})["whatIf"]
    assert found["__typename"] == "WhatIf"
    assert found["leads"] == 1 and found["changedCount"] == 1
    assert found["candidateVersion"] == policy_from_text(LOAD).version
    assert found["current"]["policyVersion"] == policy_from_text(WARMTH).version
    assert found["current"]["leadsPerRep"] == [{"rep": {"id": rid("ann")}, "count": 1}]
    assert found["candidate"]["leadsPerRep"] == [{"rep": {"id": rid("bob")}, "count": 1}]
    assert found["current"]["warmOwnerRate"] == 1.0
    (change,) = found["changes"]
    assert change["lead"] == {"id": "L1"}
    assert (change["before"], change["after"]) == ({"id": rid("ann")}, {"id": rid("bob")})
    assert change["reason"] == "load weight 0 -> 1: Ann is at 3/4, Bob at 0/20"
    # another team's manager sees neither the change nor the EMEA reps' rows
    other = api.data("na_manager", WHAT_IF, {"toml": LOAD, "days": 30})["whatIf"]
    assert other["changedCount"] == 0 and other["changes"] == []
    assert other["current"]["leadsPerRep"] == [] and other["leads"] == 1


def test_a_refused_policy_lists_each_bad_value_and_bad_arguments_are_problems(api: Api) -> None:
    bad = 'mode = "fastest"\n[weights]\nload = -1\n'
    found = api.data("admin", WHAT_IF, {"toml": bad, "days": 30})["whatIf"]
    assert found["__typename"] == "PolicyRefused"
    assert found["problems"] == [
        {
            "code": "INVALID_ARGUMENT",
            "message": "policyToml: weights.load: must be a number >= 0 (got -1)",
        },
        {
            "code": "INVALID_ARGUMENT",
            "message": "policyToml: mode: 'fastest' is not one of "
            "proximity, round_robin, least_busy, first_available",
        },
    ]
    not_toml = api.data("admin", WHAT_IF, {"toml": "mode = ", "days": 30})["whatIf"]
    assert [p["message"][:28] for p in not_toml["problems"]] == ["policyToml: not valid TOML ("]
    days = api.data("admin", WHAT_IF, {"toml": LOAD, "days": 0})["whatIf"]
    assert days == {
        "__typename": "Problem",
        "code": "INVALID_ARGUMENT",
        "message": "days must be between 1 and 365 (got 0)",
    }
    rep = api.data("ann", WHAT_IF, {"toml": LOAD, "days": 30})["whatIf"]
    assert (rep["__typename"], rep["code"]) == ("Problem", "FORBIDDEN")


def test_apply_then_revert_a_policy(api: Api) -> None:
    load_version = policy_from_text(LOAD).version
    warmth_version = policy_from_text(WARMTH).version
    assert api.data("admin", VERSIONS) == {"policyVersions": []}

    # refused: nothing written
    refused = api.data("admin", APPLY, {"toml": "[weights]\nwarmth = -2\n"})["applyPolicy"]
    assert refused["__typename"] == "PolicyRefused" and len(refused["problems"]) == 1
    denied = api.data("manager", APPLY, {"toml": LOAD})["applyPolicy"]
    assert (denied["__typename"], denied["code"]) == ("Problem", "FORBIDDEN")
    assert api.data("admin", VERSIONS) == {"policyVersions": []}

    applied = api.data("admin", APPLY, {"toml": LOAD})["applyPolicy"]
    assert applied["__typename"] == "PolicyApplied"
    version = applied["version"]
    assert (version["version"], version["inForce"], version["toml"]) == (load_version, True, LOAD)
    assert version["appliedBy"].startswith("admin:") and version["source"] == "api"

    # in force at once: the policy shown and the next ranking (bob, the least loaded, first)
    assert api.data("ann", "{ policy { version } }") == {"policy": {"version": load_version}}
    ranking = api.data(
        "admin",
        '{ rankedReps(leadId: "L1") { ... on Ranking { policyVersion ranked { rep { id } } } } }',
    )["rankedReps"]
    assert ranking["policyVersion"] == load_version
    assert ranking["ranked"][0]["rep"]["id"] == rid("bob")

    # the audit log records who applied which version
    events = api.data(
        "admin",
        '{ auditLog(filter: {kind: "policy_applied"}) { ... on EventConnection '
        "{ totalCount nodes { kind actor detail reason } } } }",
    )["auditLog"]
    assert events["totalCount"] == 1
    assert events["nodes"][0]["actor"].startswith("admin:")
    assert load_version in events["nodes"][0]["detail"]

    api.clock.advance(minutes=1)
    assert api.data("admin", APPLY, {"toml": WARMTH})["applyPolicy"]["__typename"] == (
        "PolicyApplied"
    )
    api.clock.advance(minutes=1)
    back = api.data("admin", REVERT, {"version": load_version})["revertPolicy"]
    assert back["version"] == {
        "version": load_version,
        "inForce": True,
        "source": f"revert to {load_version}",
    }
    listed = api.data("manager", VERSIONS)["policyVersions"]
    assert [(v["version"], v["inForce"]) for v in listed] == [
        (load_version, True),
        (warmth_version, False),
    ]
    assert api.data("ann", "{ policy { version } }") == {"policy": {"version": load_version}}
    count = api.data(
        "manager",
        '{ auditLog(filter: {kind: "policy_applied"}) { ... on EventConnection { totalCount } } }',
    )
    assert count == {"auditLog": {"totalCount": 3}}

    unknown = api.data("admin", REVERT, {"version": "nope"})["revertPolicy"]
    assert (unknown["__typename"], unknown["code"]) == ("Problem", "NOT_FOUND")
    denied_versions = api.gql("ann", VERSIONS)
    assert denied_versions["errors"][0]["extensions"]["code"] == "FORBIDDEN"
