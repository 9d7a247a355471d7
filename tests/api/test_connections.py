"""Connected leads through the ASGI app, on both backends: a lead's links to our customers' and
other open leads' buyers, its influence, the ranking's references, signal and consistency
option, the reject rule and the word-travels events.

The world: L1 at Acme (Dana, economic buyer; Erin, champion) is ann's. Ana, champion at the
customer Globex (C1, won by bob), knows Dana; Carl at the customer Initech (C2, won by cat)
knows Mia, who knows Erin; Olga, buyer of Umbrella's open lead O1 (dan's), knows Erin; Lena,
buyer of Hooli's L2 (ann's), knows Olga. Nina (Wayne's new N1) knows Oscar, O1's influencer.
Zed (Stark's O2, cat's) and Dana are both known by
ann, a rep: a path through a rep is no connection.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from benchmarks.connections import mark_won
from graph.backends import open_store
from graph.settings import GraphSettings
from graph.store import GraphStore
from routing.policy import Policy, load_policy
from tests.api.apiworld import Api, add_users, lead_events, running_api
from tests.factories import make_tie
from tests.routing.world import World, only, pid, rid

LINK = """member { name } memberRole buyer { name } buyerRole lead { id status companyName }
          kind hops path { name } ownerRep { id email }"""
INFLUENCE = "score customers openBuyers customerPoints openPoints"
CONNECTIONS = """query($id: ID!, $first: Int!) { connections(leadId: $id, first: $first) {
    __typename ... on Connections { totalCount nodes { %s } influence { %s } }
    ... on Problem { code message } } }""" % (LINK, INFLUENCE)
RANKED = """query($id: ID!) { rankedReps(leadId: $id, limit: 5) { ... on Ranking { ranked {
    rep { id } note signals { name value weight contribution }
    evidence { references { person { name } role customerLead { id companyName }
                            ownerRep { id } knows { name } hops } } } } } }"""
REJECT = """mutation($id: ID!) { rejectLead(leadId: $id, reason: "no budget") {
    __typename ... on LeadChanged { lead { status } } ... on Problem { code message } } }"""


def won(store: GraphStore, lead_id: str) -> None:
    mark_won(store, [lead_id])


def build(settings: GraphSettings) -> dict[str, str]:
    store = open_store(settings)
    try:
        world = World(store)
        for company in ("acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne"):
            world.company(company)
        world.rep("ann", team="EMEA")
        world.rep("bob", team="EMEA")
        world.rep("cat", team="EMEA")
        world.rep("dan", region="NA", timezone="America/New_York", team="NA")
        world.lead("L1", ("dana", "economic_buyer"), ("erin", "champion"), company="acme")
        world.lead("L2", ("lena", "economic_buyer"), company="hooli")
        world.lead("C1", ("ana", "champion"), company="globex")
        world.lead("C2", ("carl", "economic_buyer"), company="initech")
        world.lead("O1", ("olga", "economic_buyer"), ("oscar", "influencer"), company="umbrella")
        world.lead("O2", ("zed", "economic_buyer"), company="stark")
        world.lead("N1", ("nina", "economic_buyer"), company="wayne")
        world.knows("ana", "dana")
        world.knows("carl", "mia", "erin")
        world.knows("olga", "erin")
        world.knows("lena", "olga")
        world.knows("nina", "oscar")
        world.knows("dana", "ann", "zed")  # through a rep: no connection
        world.knows("ann", "nina")
        for lead, rep in (("L1", "ann"), ("L2", "ann"), ("O1", "dan"), ("O2", "cat")):
            world.give(lead, rep)
        for lead, rep in (("C1", "bob"), ("C2", "cat")):
            world.give(lead, rep)
            won(store, lead)
        return add_users(
            store,
            ("admin", "admin", None, None),
            ("manager", "manager", None, "EMEA"),
            ("na_manager", "manager", None, "NA"),
            ("ann", "rep", "ann@seller.example", None),
            ("dan", "rep", "dan@seller.example", None),
        )
    finally:
        store.close()


@pytest.fixture
def tokens(graph_settings: GraphSettings) -> dict[str, str]:
    return build(graph_settings)


def api_with(
    settings: GraphSettings, tokens: dict[str, str], policy: Policy | None = None
) -> AbstractContextManager[Api]:
    return running_api(settings, tokens, policy=policy)


@pytest.fixture
def api(graph_settings: GraphSettings, tokens: dict[str, str]) -> Iterator[Api]:
    with api_with(graph_settings, tokens) as running:
        yield running


def connections(api: Api, who: str, lead: str, first: int = 10) -> dict[str, Any]:
    found: dict[str, Any] = api.data(who, CONNECTIONS, {"id": lead, "first": first})["connections"]
    return found


def test_connections_name_customers_and_open_buyers_with_path_and_owner(api: Api) -> None:
    found = connections(api, "admin", "L1")
    assert found["__typename"] == "Connections"
    assert found["totalCount"] == 4
    assert [
        (n["lead"]["id"], n["kind"], n["hops"], n["member"]["name"], n["buyer"]["name"])
        for n in found["nodes"]
    ] == [
        ("C1", "CUSTOMER", 1, "Dana", "Ana"),
        ("O1", "OPEN", 1, "Erin", "Olga"),
        ("C2", "CUSTOMER", 2, "Erin", "Carl"),
        ("L2", "OPEN", 2, "Erin", "Lena"),
    ]
    by_lead = {n["lead"]["id"]: n for n in found["nodes"]}
    assert by_lead["C2"]["path"] == [{"name": "Mia"}]
    assert by_lead["L2"]["path"] == [{"name": "Olga"}]
    assert by_lead["C1"]["path"] == [] and by_lead["C1"]["buyerRole"] == "champion"
    assert by_lead["C1"]["lead"] == {"id": "C1", "status": "won", "companyName": "Globex"}
    owners = {lead: n["ownerRep"]["id"] for lead, n in by_lead.items()}
    assert owners == {"C1": rid("bob"), "O1": rid("dan"), "C2": rid("cat"), "L2": rid("ann")}
    # influence = 2 x (Globex at 1 hop + Initech at 2: half) + (Olga at 1 hop + Lena at 2: half)
    assert found["influence"] == {
        "score": 4.5,
        "customers": 2,
        "openBuyers": 2,
        "customerPoints": 3.0,
        "openPoints": 1.5,
    }
    capped = connections(api, "admin", "L1", first=2)
    assert capped["totalCount"] == 4 and len(capped["nodes"]) == 2
    # Zed sits two hops from Dana only through ann, a rep: no connection
    assert connections(api, "admin", "O2")["totalCount"] == 0
    lead = api.data(
        "admin",
        '{ lead(id: "L1") { ... on Lead { influence { ... on Influence '
        "{ score } } connections(first: 1) { ... on Connections { totalCount } } } } }",
    )
    assert lead["lead"] == {"influence": {"score": 4.5}, "connections": {"totalCount": 4}}


def test_who_sees_connections(api: Api) -> None:
    mine = connections(api, "ann", "L1")
    assert mine["totalCount"] == 4
    # dan is another team's rep: ann sees his card, not his profile
    o1 = next(n for n in mine["nodes"] if n["lead"]["id"] == "O1")
    assert o1["ownerRep"] == {"id": rid("dan"), "email": ""}
    assert connections(api, "manager", "L1")["totalCount"] == 4
    for who in ("dan", "na_manager"):
        assert connections(api, who, "L1")["code"] == "FORBIDDEN"
    bad = connections(api, "admin", "L1", first=0)
    assert bad["code"] == "INVALID_ARGUMENT" and "`first`" in bad["message"]


def test_a_new_tie_and_a_won_lead_show_in_the_next_answer(api: Api) -> None:
    assert connections(api, "admin", "O2")["influence"]["score"] == 0
    api.store.merge_ties([make_tie(pid("zed"), pid("ana"))])
    after = connections(api, "admin", "O2")
    assert [(n["lead"]["id"], n["kind"], n["hops"]) for n in after["nodes"]] == [
        ("C1", "CUSTOMER", 1),
        ("L1", "OPEN", 2),  # Ana knows Dana
    ]
    assert after["influence"]["score"] == 2.5
    won(api.store, "O1")
    kinds = {n["lead"]["id"]: n["kind"] for n in connections(api, "admin", "L1")["nodes"]}
    assert kinds["O1"] == "CUSTOMER"


def test_references_name_the_customer_owner_as_introducer(api: Api) -> None:
    ranked = api.data("admin", RANKED, {"id": "L1"})["rankedReps"]["ranked"]
    assert ranked
    for item in ranked:
        assert item["evidence"]["references"] == [
            {
                "person": {"name": "Ana"},
                "role": "champion",
                "customerLead": {"id": "C1", "companyName": "Globex"},
                "ownerRep": {"id": rid("bob")},
                "knows": {"name": "Dana"},
                "hops": 1,
            }
        ]
        influence = next(s for s in item["signals"] if s["name"] == "influence")
        assert influence["weight"] == 0 and influence["contribution"] == 0


def test_influence_as_a_ranking_signal(
    graph_settings: GraphSettings, tokens: dict[str, str], tmp_path: Path
) -> None:
    # N1: Nina knows Oscar (dan's open lead): influence 1; every rep closes 25%: track record 1
    with api_with(graph_settings, tokens, only(tmp_path, "influence")) as api:
        ranked = api.data("admin", RANKED, {"id": "N1"})["rankedReps"]["ranked"]
    signal = next(s for s in ranked[0]["signals"] if s["name"] == "influence")
    assert signal == {"name": "influence", "value": 0.25, "weight": 1.0, "contribution": 0.25}


def test_consistency_prefers_the_owner_of_a_connected_open_lead(
    graph_settings: GraphSettings, tokens: dict[str, str], tmp_path: Path
) -> None:
    with api_with(graph_settings, tokens) as api:
        warmest = api.data("admin", RANKED, {"id": "N1"})["rankedReps"]["ranked"][0]
    assert warmest["rep"]["id"] == rid("ann")  # ann knows Nina
    path = tmp_path / "consistent.toml"
    path.write_text("[connections]\nprefer_connected_owner = true\n", encoding="utf-8")
    with api_with(graph_settings, tokens, load_policy(path)) as api:
        first = api.data("admin", RANKED, {"id": "N1"})["rankedReps"]["ranked"][0]
    assert first["rep"]["id"] == rid("dan")  # holds O1, whose buyer Oscar knows Nina
    assert first["note"] == "holds a connected open lead: preferred by the policy"


def _events(api: Api, who: str, lead: str) -> list[dict[str, Any]]:
    query = '{ events(leadId: "%s") { nodes { kind repId reason detail } } }' % lead
    nodes: list[dict[str, Any]] = api.data(who, query)["events"]["nodes"]
    return nodes


def test_an_influential_lead_goes_back_only_with_a_manager_and_word_travels(api: Api) -> None:
    with lead_events(api, "dan") as ws:
        events_before = len(api.store.events(lead_id="L1"))
        refused = api.data("ann", REJECT, {"id": "L1"})["rejectLead"]
        assert refused["code"] == "FORBIDDEN"
        assert "influence 4.5" in refused["message"] and "manager" in refused["message"]
        assert api.store.lead("L1").status == "claimed"
        assert len(api.store.events(lead_id="L1")) == events_before
        assert api.data("manager", REJECT, {"id": "L1"})["rejectLead"] == {
            "__typename": "LeadChanged",
            "lead": {"status": "returned"},
        }
        told = ws.receive_json()
        assert told["payload"]["data"]["leadEvents"] == {
            "kind": "word_travels",
            "leadId": "O1",
            "repId": rid("dan"),
        }
    (event,) = [e for e in _events(api, "dan", "O1") if e["kind"] == "word_travels"]
    assert event["repId"] == rid("dan")
    assert "was returned to marketing" in event["reason"] and "Olga" in event["reason"]
    assert json.loads(event["detail"])["from_lead"] == "L1"


def test_word_travels_when_a_connected_deal_is_lost(api: Api) -> None:
    lost = api.data(
        "ann",
        'mutation { recordOutcome(leadId: "L2", outcome: LOST) { __typename } }',
    )
    assert lost == {"recordOutcome": {"__typename": "LeadChanged"}}
    (event,) = [e for e in _events(api, "dan", "O1") if e["kind"] == "word_travels"]
    detail = json.loads(event["detail"])
    assert (detail["from_lead"], detail["outcome"], detail["hops"]) == ("L2", "lost", 1)
    assert event["reason"] == (
        "Deal L2 at Hooli was lost: its economic_buyer Lena knows your economic_buyer Olga"
    )
    # ann holds L1 (Lena is two hops from Erin): she is told too; a won lead tells nobody
    assert [e["kind"] for e in _events(api, "ann", "L1")].count("word_travels") == 1
