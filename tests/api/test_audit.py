"""The audit log through the ASGI app and as a CSV download over real HTTP, on both backends:
filters, newest-first cursor paging, what managers see, and every refusal."""

from __future__ import annotations

import csv
import io
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from api.app import ApiSettings, create_app
from graph.backends import open_store
from graph.settings import GraphSettings
from graph.store import GraphStore
from routing.policy import load_policy
from tests.api.apiworld import (
    Api,
    Clock,
    build_world,
    post_graphql,
    running_api,
    uvicorn_thread,
)
from tests.routing.world import rid

AUDIT = """query($filter: AuditFilter, $first: Int!, $after: String) {
  auditLog(filter: $filter, first: $first, after: $after) {
    __typename
    ... on EventConnection {
      totalCount nodes { at kind actor leadId repId } pageInfo { hasNextPage endCursor }
    }
    ... on Problem { code message }
  }
}"""


def history(api: Api | Remote) -> None:
    """L1 offered to ann and bob, claimed by ann and contacted; L2 assigned to dan (NA)."""
    api.data("admin", 'mutation { routeLead(leadId: "L1") { __typename } }')
    api.clock.advance(minutes=5)
    api.data("ann", 'mutation { claimLead(leadId: "L1") { __typename } }')
    api.clock.advance(minutes=5)
    api.data("ann", 'mutation { recordContact(leadId: "L1", channel: "phone") { __typename } }')
    api.clock.advance(minutes=5)
    api.data(
        "admin",
        'mutation { assignLead(leadId: "L2", repId: "%s", reason: "=NA deal") { __typename } }'
        % rid("dan"),
    )


@pytest.fixture
def api(graph_settings: GraphSettings) -> Iterator[Api]:
    tokens = build_world(graph_settings)
    with running_api(graph_settings, tokens) as api:
        history(api)
        yield api


def search(api: Api, who: str, first: int = 50, after: Any = None, **filter: Any) -> Any:
    variables = {"filter": filter or None, "first": first, "after": after}
    return api.data(who, AUDIT, variables)["auditLog"]


def test_search_filters_and_pages_newest_first(api: Api) -> None:
    everything = search(api, "admin")
    times = [e["at"] for e in everything["nodes"]]
    assert times == sorted(times, reverse=True) and everything["totalCount"] == len(times)
    # the whole log is counted without a filter; a filter that keeps everything counts the same
    later = search(api, "admin", **{"from": "1970-01-01T00:00:01Z"})
    assert later["totalCount"] == everything["totalCount"]
    kinds = [e["kind"] for e in everything["nodes"]]
    assert kinds[0] == "assigned" and "claimed" in kinds and "offered" in kinds
    # one at a time, the same events in the same order
    seen, after = [], None
    while True:
        page = search(api, "admin", first=1, after=after)
        assert page["totalCount"] == everything["totalCount"]
        seen += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == everything["nodes"]
    claimed = search(api, "admin", kind="claimed")
    assert [(e["kind"], e["repId"], e["leadId"]) for e in claimed["nodes"]] == [
        ("claimed", rid("ann"), "L1")
    ]
    assert search(api, "admin", actor="admin", leadId="L2")["totalCount"] == 1
    assert search(api, "admin", repId=rid("dan"))["nodes"][0]["kind"] == "assigned"
    first_at = times[-1]
    assert search(api, "admin", to=first_at)["totalCount"] == 0  # `to` is exclusive
    assert search(api, "admin", **{"from": times[0]})["totalCount"] == times.count(times[0])


def test_managers_see_their_team_and_refusals(api: Api) -> None:
    mine = search(api, "manager")
    assert rid("dan") not in {e["repId"] for e in mine["nodes"]}
    assert {"L1"} == {e["leadId"] for e in mine["nodes"]}
    theirs = search(api, "na_manager")
    assert {e["leadId"] for e in theirs["nodes"]} == {"L2"}
    # what they may see is counted, not the whole log
    assert mine["totalCount"] == len(mine["nodes"]) < search(api, "admin")["totalCount"]
    assert theirs["totalCount"] == len(theirs["nodes"])
    for who, filter, code, words in (
        ("na_manager", {"repId": rid("ann")}, "FORBIDDEN", "you cannot see this rep"),
        ("ann", {}, "FORBIDDEN", "only managers and admins"),
        ("admin", {"kind": "bogus"}, "INVALID_ARGUMENT", "kind: no events of kind 'bogus'"),
        (
            "admin",
            {"from": "2026-11-22T00:00:00Z", "to": "2026-11-01T00:00:00Z"},
            "INVALID_ARGUMENT",
            "to must be after from",
        ),
    ):
        refused = search(api, who, **filter)
        assert (refused["code"], refused["message"][: len(words)]) == (code, words), who
    forged = search(api, "admin", after="bm90IGEgY3Vyc29y")
    assert forged["code"] == "INVALID_ARGUMENT"
    too_many = search(api, "admin", first=201)
    assert too_many["message"] == "first must be between 1 and 200 (got 201)"


def _lower(headers: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in headers.items()}


def _get(port: int, query: str, token: str | None) -> tuple[int, dict[str, str], str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(f"http://127.0.0.1:{port}/audit.csv{query}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, _lower(response.headers), response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, _lower(exc.headers), exc.read().decode("utf-8")


def test_csv_download_over_http(graph_settings: GraphSettings) -> None:
    tokens = build_world(graph_settings)
    holder: dict[str, GraphStore] = {}

    def factory() -> GraphStore:
        holder["store"] = open_store(graph_settings)
        return holder["store"]

    clock = Clock()
    app = create_app(
        factory, clock=clock, policy=load_policy(), settings=ApiSettings(sweep_seconds=0)
    )
    with uvicorn_thread(app) as port:
        history(Remote(port, tokens, clock))
        status, headers, body = _get(port, "?kind=assigned", tokens["admin"])
        assert status == 200, body
        assert headers["content-disposition"] == 'attachment; filename="audit.csv"'
        assert headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(body)))
        assert rows[0] == ["at", "kind", "lead_id", "rep_id", "actor", "reason", "detail"]
        assert [(r[1], r[2], r[3], r[5]) for r in rows[1:]] == [
            ("assigned", "L2", rid("dan"), "'=NA deal")  # a formula is written as text
        ]
        status, _, body = _get(port, "", tokens["manager"])
        listed = list(csv.reader(io.StringIO(body)))[1:]
        assert status == 200 and listed and {r[2] for r in listed} == {"L1"}
        assert _get(port, "", None)[0] == 401
        for who in ("ann", "intake"):
            assert _get(port, "", tokens[who])[0] == 403, who
        status, _, body = _get(port, "?from=yesterday", tokens["admin"])
        assert status == 400
        assert json.loads(body)["error"] == "INVALID_ARGUMENT"
        assert json.loads(body)["message"].startswith("from: not an ISO 8601 time")
        assert _get(port, "?kind=bogus", tokens["admin"])[0] == 400


@dataclass
class Remote:
    """The history's requests sent over real HTTP to a server on a port."""

    port: int
    tokens: dict[str, str]
    clock: Clock

    def data(self, who: str, query: str, variables: dict[str, Any] | None = None) -> Any:
        body = post_graphql(self.port, self.tokens[who], query, variables or {})
        assert "errors" not in body, body
        return body["data"]
