"""The API over real HTTP and WebSocket: 50 concurrent claims against uvicorn, subscription
delivery, store calls per page (no N+1) and webhook retries against a local HTTP server."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from api.app import ApiSettings, create_app, run_background_once
from api.webhook import deliver_due
from graph.backends import open_store
from graph.settings import GraphSettings
from graph.store import GraphStore
from routing.policy import load_policy
from routing.reach import reach_cache
from tests.api.apiworld import (
    Api,
    Clock,
    build_world,
    lead_events,
    post_graphql,
    running_api,
    uvicorn_thread,
    wait_ready,
)
from tests.faults import held_by_another_thread
from tests.routing.world import NOW, rid

CLAIM = """mutation($id: ID!) { claimLead(leadId: $id) {
  __typename ... on Problem { code } } }"""


@pytest.fixture
def fifty(graph_settings: GraphSettings) -> tuple[GraphSettings, dict[str, str]]:
    return graph_settings, build_world(graph_settings, reps=50, leads=1)


def test_fifty_concurrent_claims_one_winner(
    fifty: tuple[GraphSettings, dict[str, str]], tmp_path: Path
) -> None:
    settings, tokens = fifty
    policy_file = tmp_path / "everyone.toml"
    policy_file.write_text('mode = "first_available"\n', "utf-8")
    policy = load_policy(policy_file)
    app = create_app(
        lambda: open_store(settings),
        clock=Clock(),
        policy=policy,
        settings=ApiSettings(sweep_seconds=0),
    )
    with uvicorn_thread(app) as port:
        routed = post_graphql(
            port,
            tokens["manager"],
            'mutation { routeLead(leadId: "L1") { __typename ... on Routed { offeredTo { id } } } }',
            {},
        )
        assert len(routed["data"]["routeLead"]["offeredTo"]) == 54  # every eligible rep
        claimers = [f"r{n:02d}" for n in range(50)]
        with ThreadPoolExecutor(max_workers=50) as pool:
            answers = list(
                pool.map(lambda who: post_graphql(port, tokens[who], CLAIM, {"id": "L1"}), claimers)
            )
        outcomes = Counter(
            a["data"]["claimLead"]["__typename"]
            if a["data"]["claimLead"]["__typename"] == "Claimed"
            else a["data"]["claimLead"]["code"]
            for a in answers
        )
        assert outcomes == Counter({"Claimed": 1, "ALREADY_CLAIMED": 49})
        winner = claimers[[a["data"]["claimLead"]["__typename"] for a in answers].index("Claimed")]
        events = post_graphql(
            port,
            tokens["admin"],
            '{ lead(id: "L1") { ... on Lead { status owner { id } } } events(leadId: "L1", first: 200) { nodes { kind repId } } }',
            {},
        )
        assert events["data"]["lead"] == {"status": "claimed", "owner": {"id": rid(winner)}}
        claims = [e for e in events["data"]["events"]["nodes"] if e["kind"] == "claimed"]
        assert claims == [{"kind": "claimed", "repId": rid(winner)}]


@pytest.fixture
def api(graph_settings: GraphSettings) -> Iterator[Api]:
    tokens = build_world(graph_settings, leads=60)
    with running_api(graph_settings, tokens) as running:
        yield running


def test_a_page_of_fifty_leads_with_rankings_costs_a_few_store_calls(api: Api) -> None:
    """After the start-up warm-up has read the open leads' reach, a page of rankings reads
    none: the reach comes from the ranking cache."""
    warm = wait_ready(api.client)["rankings_warm"]
    assert (warm["done"], warm["of"]) == (60, 60)
    calls: Counter[str] = Counter()
    store = api.store
    cache = reach_cache(store)
    hits = cache.hits
    for name in (
        "lead",
        "lead_reach",
        "rep_activity",
        "account_owners",
        "events_of_leads",
        "leads_with_status",
        "committees",
        "events",
    ):
        original = getattr(store, name)

        def counted(*args: Any, _name: str = name, _original: Any = original, **kwargs: Any) -> Any:
            calls[_name] += 1
            return _original(*args, **kwargs)

        setattr(store, name, counted)
    page = api.data(
        "admin",
        "{ leads(first: 50) { nodes { id rankedReps(limit: 3) { ... on Ranking { ranked { rep { id } score } } } } } }",
    )["leads"]["nodes"]
    assert len(page) == 50 and all(len(n["rankedReps"]["ranked"]) == 3 for n in page)
    assert calls["lead_reach"] == 0 and cache.hits == hits + 50
    assert calls["rep_activity"] == 1 and calls["account_owners"] == 1
    assert calls["events_of_leads"] == 1 and calls["leads_with_status"] == 1
    assert calls["committees"] == 1
    assert calls["lead"] == 0 and calls["events"] == 0, calls


def test_subscription_delivers_offers_and_claims_live(api: Api) -> None:
    with lead_events(api, "ann") as ws:
        api.data("manager", 'mutation { routeLead(leadId: "L1") { __typename } }')
        first = ws.receive_json()
        assert first["type"] == "next"
        assert first["payload"]["data"]["leadEvents"] == {
            "kind": "offered",
            "leadId": "L1",
            "repId": rid("ann"),
        }
        api.data("ann", CLAIM, {"id": "L1"})
        second = ws.receive_json()
        assert second["payload"]["data"]["leadEvents"] == {
            "kind": "claimed",
            "leadId": "L1",
            "repId": rid("ann"),
        }


def test_a_change_reads_its_events_back_only_while_someone_subscribes(api: Api) -> None:
    """What a claim wrote is read back to publish it only while a subscription is open in
    this process: one read of the lead's events more than the same claim with none open."""
    reads: list[str] = []
    events = api.store.events

    def counted(*args: Any, **kwargs: Any) -> Any:
        found = events(*args, **kwargs)  # NeedsGraph in a claim tried in place: not a read
        reads.append(str(kwargs.get("lead_id")))
        return found

    api.store.events = counted  # type: ignore[method-assign]
    for lead_id in ("L1", "L2"):
        api.data("manager", f'mutation {{ routeLead(leadId: "{lead_id}") {{ __typename }} }}')
    reads.clear()
    api.data("ann", CLAIM, {"id": "L1"})
    alone = reads.count("L1")
    with lead_events(api, "ann") as ws:
        api.data("ann", CLAIM, {"id": "L2"})
        assert ws.receive_json()["payload"]["data"]["leadEvents"] == {
            "kind": "claimed",
            "leadId": "L2",
            "repId": rid("ann"),
        }
    assert reads.count("L2") == alone + 1


def test_subscription_needs_a_token(api: Api) -> None:
    from starlette.websockets import WebSocketDisconnect

    for payload in ({}, {"Authorization": "Bearer wp_wrong"}):
        with api.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            ws.send_json({"type": "connection_init", "payload": payload})
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
            assert closed.value.code == 4403


class _Marketing(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []
    fail_next = 0

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if _Marketing.fail_next > 0:
            _Marketing.fail_next -= 1
            self.send_response(503)
            self.end_headers()
            return
        _Marketing.received.append(body)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_webhook_retries_with_backoff_and_loses_nothing(api: Api) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Marketing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/leads/returned"
    _Marketing.received.clear()
    _Marketing.fail_next = 2
    store: GraphStore = api.store
    try:
        api.data("manager", 'mutation { routeLead(leadId: "L1") { __typename } }')
        api.data(
            "ann", 'mutation { rejectLead(leadId: "L1", reason: "competitor") { __typename } }'
        )
        first = deliver_due(store, url, now=NOW)
        assert (first.delivered, first.failed) == (0, 1)
        assert deliver_due(store, url, now=NOW + timedelta(seconds=5)).failed == 0  # not due yet
        second = deliver_due(store, url, now=NOW + timedelta(seconds=11))
        assert (second.delivered, second.failed) == (0, 1)
        assert deliver_due(store, url, now=NOW + timedelta(seconds=25)).delivered == 0
        third = deliver_due(store, url, now=NOW + timedelta(seconds=32))
        assert third.delivered == 1
        assert deliver_due(store, url, now=NOW + timedelta(hours=2)).delivered == 0  # once only
        assert [(m["lead_id"], m["reason"]) for m in _Marketing.received] == [("L1", "competitor")]
        services = api.client.app.state.services  # type: ignore[attr-defined]
        run_background_once(services, ApiSettings(sweep_seconds=0, webhook_url=url))
        assert len(_Marketing.received) == 1
    finally:
        server.shutdown()
        server.server_close()


def test_the_server_sweeps_on_its_own(graph_settings: GraphSettings) -> None:
    """The sweeper started by the app's lifespan breaches an overdue claim within its interval."""
    tokens = build_world(graph_settings, leads=1)
    clock = Clock()
    app = create_app(
        lambda: open_store(graph_settings),
        clock=clock,
        policy=load_policy(),
        settings=ApiSettings(sweep_seconds=0.2),
    )
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        api = Api(client=client, clock=clock, tokens=tokens, store=app.state.store)
        api.data("manager", 'mutation { routeLead(leadId: "L1") { __typename } }')
        api.data("ann", CLAIM, {"id": "L1"})
        clock.advance(hours=25)
        deadline = time.monotonic() + 10
        kinds: list[str] = []
        while time.monotonic() < deadline and "sla_breach" not in kinds:
            time.sleep(0.2)
            nodes = api.data("admin", '{ events(leadId: "L1") { nodes { kind } } }')["events"][
                "nodes"
            ]
            kinds = [n["kind"] for n in nodes]
        assert "sla_breach" in kinds


def test_each_outbox_lease_is_taken_at_its_own_time(graph_settings: GraphSettings) -> None:
    """A slow endpoint: the second lease of a round is taken at the clock's time, not the
    round's start, so its lease and backoff are not already stale when taken."""
    tokens = build_world(graph_settings, leads=12)
    with running_api(graph_settings, tokens) as api:
        for n in range(1, 13):
            api.data("manager", 'mutation { routeLead(leadId: "L%d") { __typename } }' % n)
            api.data(
                "ann", 'mutation { rejectLead(leadId: "L%d", reason: "no") { __typename } }' % n
            )
        ticks = iter(NOW + timedelta(minutes=3 * k) for k in range(1, 100))

        def refuse(url: str, body: bytes) -> None:
            raise OSError("connection refused")

        round_ = deliver_due(
            api.store, "http://marketing.invalid/", now=NOW, send=refuse, clock=lambda: next(ticks)
        )
        assert round_.failed == 12
        due = api.store.lease_outbox(
            NOW + timedelta(seconds=15), worker="check", until=NOW + timedelta(hours=1), limit=50
        )
        assert len(due) == 10  # the first lease's ten; the last two were tried 3 minutes later


def test_a_claim_of_a_kept_lead_is_checked_in_place_and_moved_in_a_worker_thread(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the store that writes alone a claim whose lead and offers are kept is checked on
    the event loop, and only its move (with the events published) goes to a worker thread,
    where it waits for the write lock if another thread holds it, while the loop answers
    other requests. On Neo4j every claim is made in a worker thread."""
    from api.graphql import mutations
    from graph.ladybug_store import WRITE_LOCK

    steps: list[str] = []
    off = mutations.off

    async def counted(function: Any, *args: Any, **kwargs: Any) -> Any:
        steps.append(getattr(function, "__name__", "?"))
        return await off(function, *args, **kwargs)

    monkeypatch.setattr(mutations, "off", counted)
    for lead_id in ("L1", "L2"):
        api.data("manager", f'mutation {{ routeLead(leadId: "{lead_id}") {{ __typename }} }}')
    store = api.store
    kept = store.leads_with_status(("offered",), keep=True)  # as the start-up's warm-up keeps
    if store.writes_alone:
        store.events_of_leads([lead.id for lead in kept], keep=True)
    owners = {lead.id: lead.owner_rep_id for lead in kept}
    for lead_id in owners:  # a ranking reads what a claim's standing needs (the workloads)
        api.data("manager", '{ rankedReps(leadId: "%s") { __typename } }' % lead_id)

    def claim(lead_id: str) -> None:
        rep = next(name for name in api.tokens if rid(name) == owners[lead_id])
        assert api.data(rep, CLAIM, {"id": lead_id})["claimLead"]["__typename"] == "Claimed"

    steps.clear()
    claim("L1")
    assert steps == (["moved"] if store.writes_alone else ["asked_and_moved"])
    where = "event_loop" if store.writes_alone else "worker_thread"
    assert f'warmpath_claims_run_total{{where="{where}"}} 1.0' in api.client.get("/metrics").text
    if not store.writes_alone:
        return
    steps.clear()
    with held_by_another_thread(WRITE_LOCK, for_seconds=0.3):
        claim("L2")  # checked on the loop; the move waits for the lock in a worker thread
    assert steps == ["moved"]
    assert 'warmpath_claims_run_total{where="event_loop"} 2.0' in api.client.get("/metrics").text
    assert {lead.id for lead in store.leads_with_status(("claimed",))} >= {"L1", "L2"}
