"""Lead intake through the real ASGI app, on both backends: submitLead and submitLeads create
leads, match accounts and people, update an open lead of the same buyer, replay an idempotency
key (after a restart too), refuse every bad field by its path writing nothing, and offer a lead
on arrival when the policy says so."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from cli import app as cli_app
from graph.keys import person_id_from_fingerprint
from graph.model import Company, Person
from graph.settings import GraphSettings
from routing.policy import load_policy
from tests.api.apiworld import Api, build_world, running_api
from tests.conftest import graph_env
from tests.routing.world import rid

RESULT = """__typename
... on LeadSubmitted { outcome firstOutcome accountMatch knownDecisionMakers
  lead { id status grade value source title company { id name }
         committee { role person { id name } } } }
... on LeadRefused { problems { code message } }
... on Problem { code message }"""
SUBMIT = "mutation($input: LeadInput!) { submitLead(input: $input) { %s } }" % RESULT
SUBMIT_MANY = "mutation($inputs: [LeadInput!]!) { submitLeads(inputs: $inputs) { %s } }" % RESULT


@pytest.fixture
def api(graph_settings: GraphSettings) -> Iterator[Api]:
    tokens = build_world(graph_settings)
    with running_api(graph_settings, tokens) as running:
        yield running


def submit(api: Api, lead: dict[str, Any], who: str = "intake") -> dict[str, Any]:
    answer: dict[str, Any] = api.data(who, SUBMIT, {"input": lead})["submitLead"]
    return answer


def initech(**changes: Any) -> dict[str, Any]:
    lead = {
        "company": {"name": "Initech LLC", "domain": "initech.example"},
        "decisionMakers": [
            {"name": "Pat Lee", "title": "CFO", "email": "pat@initech.example", "role": "CFO"}
        ],
        "grade": "hot",
        "value": 40000,
        "source": "web form",
    }
    lead["decisionMakers"][0]["role"] = "economic buyer"
    return {**lead, **changes}


def test_a_new_lead_is_created_with_its_company_and_buyers(api: Api) -> None:
    before = api.store.counts()
    done = submit(api, initech())
    assert done["__typename"] == "LeadSubmitted", done
    assert (done["outcome"], done["firstOutcome"]) == ("CREATED", "CREATED")
    assert (done["accountMatch"], done["knownDecisionMakers"]) == ("NONE", 0)
    lead = done["lead"]
    assert (lead["status"], lead["grade"], lead["value"], lead["source"]) == (
        "new",
        "hot",
        40000.0,
        "web form",
    )
    assert lead["company"] == {"id": "c:initech", "name": "Initech LLC"}
    assert lead["title"] == "Initech LLC lead"
    assert lead["committee"] == [
        {"role": "economic_buyer", "person": {"id": "em:pat@initech.example", "name": "Pat Lee"}}
    ]
    after = api.store.counts()
    assert (after.leads, after.companies) == (before.leads + 1, before.companies + 1)
    # the admin sees it like any lead, with its submission in its activity stream
    shown = api.data("admin", '{ events(leadId: "%s") { nodes { kind actor } } }' % lead["id"])
    assert [e["kind"] for e in shown["events"]["nodes"]] == ["submitted"]
    assert shown["events"]["nodes"][0]["actor"].startswith("intake:")


def test_the_same_buyer_at_the_same_company_updates_the_open_lead(api: Api) -> None:
    first = submit(api, initech())
    # the same person (by email, any case), the company by another spelling of its name
    again = initech(
        company={"name": "INITECH, L.L.C."},
        decisionMakers=[{"name": "Pat Lee", "email": "PAT@initech.example"}],
        value=55000,
        grade=None,
    )
    second = submit(api, again)
    assert (second["outcome"], second["accountMatch"]) == ("UPDATED", "NAME")
    assert second["lead"]["id"] == first["lead"]["id"]
    # the fields given replace the stored ones; the others are kept
    assert (second["lead"]["value"], second["lead"]["grade"]) == (55000.0, "hot")
    leads = api.data("admin", '{ leads(filter: {companyId: "c:initech"}) { totalCount } }')
    assert leads["leads"]["totalCount"] == 1
    # the world's leads L1..L4 at Acme all have Dana: the oldest open one is updated
    api.store.merge_people([Person(id="p:dana", name="Dana", email="dana@acme.example")])
    dana = {"name": "Dana", "email": "dana@acme.example"}
    acme = submit(api, {"company": {"name": "ACME Inc."}, "decisionMakers": [dana]})
    assert (acme["outcome"], acme["lead"]["id"]) == ("UPDATED", "L1")
    assert acme["knownDecisionMakers"] == 1


def test_a_closed_lead_is_not_updated(api: Api) -> None:
    first = submit(api, initech())
    api.data("admin", 'mutation { routeLead(leadId: "%s") { __typename } }' % first["lead"]["id"])
    returned = api.data(
        "admin",
        'mutation { rejectLead(leadId: "%s", reason: "no budget") { __typename } }'
        % first["lead"]["id"],
    )
    assert returned["rejectLead"]["__typename"] == "LeadChanged"
    second = submit(api, initech())
    assert second["outcome"] == "CREATED" and second["lead"]["id"] != first["lead"]["id"]


def test_the_same_idempotency_key_replays_the_first_result(
    graph_settings: GraphSettings,
) -> None:
    tokens = build_world(graph_settings)
    lead = initech(idempotencyKey="form-4711")
    with running_api(graph_settings, tokens) as api:
        first = submit(api, lead)
        events = len(api.store.events(lead_id=first["lead"]["id"]))
        again = submit(api, {**lead, "value": 1, "grade": "cold"})
        assert (again["outcome"], again["firstOutcome"]) == ("REPLAYED", "CREATED")
        assert again["lead"] == first["lead"]  # nothing written: not the new value nor grade
        assert len(api.store.events(lead_id=first["lead"]["id"])) == events
    # the key is kept in the graph: a restarted server (or another worker) replays it too
    with running_api(graph_settings, tokens) as api:
        replayed = submit(api, lead, who="admin")
        assert replayed["outcome"] == "REPLAYED"
        assert replayed["lead"]["id"] == first["lead"]["id"]
        # a batch replays per input; a new key in it creates
        many = api.data(
            "intake",
            SUBMIT_MANY,
            {"inputs": [lead, initech(idempotencyKey="form-4712", company={"name": "Hooli"})]},
        )["submitLeads"]
        assert [r["outcome"] for r in many] == ["REPLAYED", "CREATED"]


def test_accounts_match_by_domain_then_normalised_name(api: Api) -> None:
    api.store.merge_companies(
        [
            Company(id="c:7", name="U.S. Bank", domain="usbank.example"),
            Company(id="c:globex", name="Globex", domain="globex.example"),
        ]
    )
    by_domain = submit(
        api,
        initech(company={"name": "Globex Holdings", "domain": "https://WWW.Globex.example/about"}),
    )
    assert (by_domain["accountMatch"], by_domain["lead"]["company"]["id"]) == ("DOMAIN", "c:globex")
    # a company whose id is not made from its name (the demo's): found by its normalised name
    by_name = submit(api, initech(company={"name": "US Bank Inc."}))
    assert (by_name["accountMatch"], by_name["lead"]["company"]) == (
        "NAME",
        {"id": "c:7", "name": "U.S. Bank"},
    )
    new = submit(api, initech(company={"domain": "umbrella.example"}))
    assert (new["accountMatch"], new["lead"]["company"]["name"]) == ("NONE", "umbrella.example")


def test_decision_makers_match_known_people_by_url_email_then_name_and_company(api: Api) -> None:
    api.store.merge_companies([Company(id="c:globex", name="Globex", domain="globex.example")])
    known_by_name = person_id_from_fingerprint("Gil Moss", "Globex Inc.")
    people = api.store.counts().people
    api.store.merge_people(
        [
            Person(
                id="li:erin-park",
                name="Erin Park",
                linkedin_url="https://www.linkedin.com/in/erin-park",
            ),
            Person(id="x:finn", name="Finn Ward", email="finn@globex.example"),
            Person(id=known_by_name, name="Gil Moss"),
        ]
    )
    done = submit(
        api,
        {
            "company": {"domain": "globex.example"},
            "decisionMakers": [
                {"name": "Erin P.", "linkedinUrl": "uk.linkedin.com/in/Erin-Park/?trk=x"},
                {"name": "F. Ward", "email": " Finn@Globex.example "},
                {"name": "gil  MOSS", "role": "champion"},
                {"name": "New Person", "email": "new@globex.example"},
            ],
        },
    )
    assert done["knownDecisionMakers"] == 3
    ids = {m["person"]["id"] for m in done["lead"]["committee"]}
    assert ids == {"li:erin-park", "x:finn", known_by_name, "em:new@globex.example"}
    assert api.store.counts().people == people + 3 + 1  # the 3 known, 1 new


def test_every_bad_field_is_its_own_problem_and_a_bad_batch_writes_nothing(api: Api) -> None:
    before = (api.store.counts(), len(api.store.events(lead_id="L1")))
    good = initech(idempotencyKey="batch-1")
    bad = {
        "company": {"name": "Globex", "domain": "not a domain"},
        "decisionMakers": [
            {
                "name": "Ann Other",
                "email": "ann(at)globex",
                "linkedinUrl": "https://example.org/in/ann",
                "role": "boss",
            },
            {"title": "x" * 201},
        ],
        "grade": "scorching",
        "score": -1,
        "value": -5,
        "idempotencyKey": "k" * 201,
    }
    empty = {"company": {"name": " "}, "decisionMakers": []}
    answers = api.data("intake", SUBMIT_MANY, {"inputs": [good, bad, empty]})["submitLeads"]
    assert [a["__typename"] for a in answers] == ["LeadRefused"] * 3
    messages = [[p["message"] for p in a["problems"]] for a in answers]
    assert {p["code"] for a in answers for p in a["problems"]} == {"INVALID_ARGUMENT"}
    assert messages[0] == [
        "inputs[0]: not written: nothing of this batch is written while inputs[1], inputs[2] "
        "has bad fields"
    ]
    paths = [m.split(":")[0] for m in messages[1]]
    assert paths == [
        "inputs[1].company.domain",
        "inputs[1].decisionMakers[0].linkedinUrl",
        "inputs[1].decisionMakers[0].email",
        "inputs[1].decisionMakers[0].role",
        "inputs[1].decisionMakers[1].name",
        "inputs[1].decisionMakers[1].title",
        "inputs[1].grade",
        "inputs[1].score",
        "inputs[1].value",
        "inputs[1].idempotencyKey",
    ]
    assert "'boss' is not one of economic_buyer, champion" in messages[1][3]
    assert [m.split(":")[0] for m in messages[2]] == [
        "inputs[2].company",
        "inputs[2].decisionMakers",
    ]
    assert (api.store.counts(), len(api.store.events(lead_id="L1"))) == before
    # the good lead's key was not used up: sent alone, it is created
    assert submit(api, good)["outcome"] == "CREATED"
    # one lead: the same checks, paths from "input"
    refused = submit(api, {"decisionMakers": [{"name": "Pat", "email": "nope"}]})
    assert [p["message"].split(":")[0] for p in refused["problems"]] == [
        "input.company",
        "input.decisionMakers[0].email",
    ]
    too_many = api.data("intake", SUBMIT_MANY, {"inputs": [good] * 101})["submitLeads"]
    assert too_many[0]["problems"][0]["message"] == "inputs: at most 100 leads per call (got 101)"


def test_the_intake_role_submits_and_sees_nothing_else(
    api: Api, graph_settings: GraphSettings
) -> None:
    body = api.gql("intake", "{ me { role } }")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "only submit leads" in body["errors"][0]["message"]
    shown = api.data("intake", '{ lead(id: "L1") { __typename ... on Problem { code } } }')
    assert shown["lead"] == {"__typename": "Problem", "code": "FORBIDDEN"}
    # a rep or a manager may not submit
    for who in ("ann", "manager"):
        refused = submit(api, initech(), who=who)
        assert (refused["__typename"], refused["code"]) == ("Problem", "FORBIDDEN")
    assert submit(api, initech())["__typename"] == "LeadSubmitted"


def test_users_add_role_intake_prints_a_token(graph_settings: GraphSettings) -> None:
    build_world(graph_settings)
    result = CliRunner().invoke(
        cli_app,
        ["users", "add", "--role", "intake", "--name", "web form"],
        env=graph_env(graph_settings),
    )
    assert result.exit_code == 0, result.output
    assert "created intake web form" in result.output and "token" in result.output


def test_route_on_arrival_offers_a_hot_lead(graph_settings: GraphSettings) -> None:
    tokens = build_world(graph_settings)
    policy = dataclasses.replace(load_policy(), route_on_arrival=True)
    with running_api(graph_settings, tokens, policy=policy) as api:
        # Dana (whom ann knows) buys at a new company: routed as it arrives, ann first
        api.store.merge_people([Person(id="p:dana", name="Dana", email="dana@hooli.example")])
        dana = {"name": "Dana", "email": "dana@hooli.example", "role": "economic_buyer"}
        done = submit(api, {"company": {"name": "Hooli"}, "decisionMakers": [dana], "grade": "hot"})
        assert done["lead"]["status"] == "offered", done
        lead = api.data(
            "admin", '{ lead(id: "%s") { ... on Lead { owner { id } } } }' % done["lead"]["id"]
        )
        assert lead["lead"]["owner"]["id"] == rid("ann")
        kinds = [e.kind for e in api.store.events(lead_id=done["lead"]["id"])]
        assert kinds[0] == "submitted" and "offered" in kinds


def test_a_profile_url_with_a_bracket_in_its_host_is_a_bad_field(api: Api) -> None:
    """``urlsplit`` raises on an unbalanced '[' or ']' in a host ("Invalid IPv6 URL"): the
    field is refused, with its path, like any URL that is not a LinkedIn profile."""
    people = api.store.counts().people
    dm = {
        "name": "Ann Other",
        "linkedinUrl": "https://www.linkedin.com]/in/ann",
        "role": "champion",
    }
    answer = submit(api, initech(decisionMakers=[dm]))
    assert answer["__typename"] == "LeadRefused"
    assert [p["message"] for p in answer["problems"]] == [
        "input.decisionMakers[0].linkedinUrl: 'https://www.linkedin.com]/in/ann' is not a "
        "LinkedIn profile URL"
    ]
    assert api.store.counts().people == people
