"""The manager page's pages through the real app on both backends: every response says what
the server spent on it (Server-Timing, through the ASGI app and through uvicorn), and what the
lead queue and the team page keep between requests (api/graphql/context.py, routing/
kept_reports.py) is read again after a write: the next page shows the claim."""

from __future__ import annotations

import re
import urllib.request
from typing import Any

from fastapi.testclient import TestClient

from api.app import ApiSettings, create_app
from graph.backends import open_store
from graph.settings import GraphSettings
from routing.policy import load_policy
from tests.api.apiworld import Api, Clock, build_world, running_api, uvicorn_thread
from tests.routing.world import rid

SERVER_TIMING = re.compile(r"^app;dur=\d+\.\d{2}$")
ME = '{"query": "{ me { id } }"}'
QUEUE = """{ new: leads(filter: {status: "new"}, first: 1) { totalCount }
  claimed: leads(filter: {status: "claimed"}, first: 1) { totalCount }
  page: leads(first: 10) { nodes { id status owner { id } } } }"""
TEAM = """{ leaderboard(period: MONTH) { rep { id } claims }
  fairness(days: 30) { assigned perRep { rep { id } leads } }
  quotas { __typename ... on Quotas { reps { rep { id } progress { goals { name count } } } }
    ... on Problem { code message } } }"""
ROUTE = """mutation($id: ID!) { routeLead(leadId: $id) {
  __typename ... on Problem { code message } } }"""
CLAIM = """mutation($id: ID!) { claimLead(leadId: $id) {
  __typename ... on Problem { code message } } }"""


def test_every_response_carries_the_servers_time_through_asgi_and_uvicorn(
    graph_settings: GraphSettings,
) -> None:
    tokens = build_world(graph_settings)

    def app() -> Any:
        return create_app(
            lambda: open_store(graph_settings),
            clock=Clock(),
            policy=load_policy(),
            settings=ApiSettings(sweep_seconds=0),
        )

    with TestClient(app()) as client:
        response = client.post(
            "/graphql",
            content=ME,
            headers={
                "Authorization": f"Bearer {tokens['admin']}",
                "Content-Type": "application/json",
            },
        )
        assert response.status_code == 200 and "errors" not in response.json()
        assert SERVER_TIMING.match(response.headers["server-timing"])
        refused = client.post("/graphql", content=ME, headers={"Content-Type": "application/json"})
        assert refused.status_code == 401
        assert SERVER_TIMING.match(refused.headers["server-timing"])
    with uvicorn_thread(app()) as port:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/graphql",
            data=ME.encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {tokens['admin']}",
            },
        )
        with urllib.request.urlopen(request, timeout=60) as answered:
            assert answered.status == 200
            assert SERVER_TIMING.match(answered.headers["Server-Timing"])


def _claims(team: dict[str, Any], rep_id: str) -> int:
    return next(row["claims"] for row in team["leaderboard"] if row["rep"]["id"] == rep_id)


def _warm_claims(team: dict[str, Any], rep_id: str) -> int:
    row = next(r for r in team["quotas"]["reps"] if r["rep"]["id"] == rep_id)
    return next(g["count"] for g in row["progress"]["goals"] if g["name"] == "WARM_CLAIMS")


def _fairness_leads(team: dict[str, Any], rep_id: str) -> int:
    return next((r["leads"] for r in team["fairness"]["perRep"] if r["rep"]["id"] == rep_id), 0)


def test_the_lead_queue_and_the_team_page_show_a_claim_at_once(
    graph_settings: GraphSettings,
) -> None:
    tokens = build_world(graph_settings)
    with running_api(graph_settings, tokens) as api:
        ann = rid("ann")
        queue, team = _pages(api), api.data("manager", TEAM)
        assert (queue["new"]["totalCount"], queue["claimed"]["totalCount"]) == (4, 0)
        assert _pages(api) == queue and api.data("manager", TEAM) == team  # asked again
        assert (_claims(team, ann), _warm_claims(team, ann), _fairness_leads(team, ann)) == (
            0,
            0,
            0,
        )

        assert api.data("manager", ROUTE, {"id": "L1"})["routeLead"]["__typename"] != "Problem"
        assert api.data("ann", CLAIM, {"id": "L1"})["claimLead"]["__typename"] == "Claimed"

        queue, team = _pages(api), api.data("manager", TEAM)
        assert (queue["new"]["totalCount"], queue["claimed"]["totalCount"]) == (3, 1)
        first = queue["page"]["nodes"][0]
        assert (first["id"], first["status"], first["owner"]["id"]) == ("L1", "claimed", ann)
        assert (_claims(team, ann), _warm_claims(team, ann), _fairness_leads(team, ann)) == (
            1,
            1,
            1,
        )


def _pages(api: Api) -> dict[str, Any]:
    return api.data("admin", QUEUE)  # type: ignore[no-any-return]
