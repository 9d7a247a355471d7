"""A sales world behind the real ASGI app, with users of every role and a clock the test moves.

Reps ann, bob and cat (team EMEA) and dan (team NA); an intake token (a web form). ann knows dana (economic buyer of every
lead); bob knows mia who knows dana; cat and dan know nobody. Leads L1..L4 at Acme are new.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import uvicorn
from fastapi.testclient import TestClient

from api.app import ApiSettings, create_app
from api.auth import add_user
from graph.backends import open_store
from graph.neo4j_launcher import free_port
from graph.settings import GraphSettings
from graph.store import GraphStore
from routing.policy import Policy, load_policy
from tests.routing.world import NOW, World


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Api:
    client: TestClient
    clock: Clock
    tokens: dict[str, str]
    store: GraphStore
    calls: dict[str, int] = field(default_factory=dict)

    def gql(self, who: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {self.tokens[who]}"},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def data(self, who: str, query: str, variables: dict[str, Any] | None = None) -> Any:
        body = self.gql(who, query, variables)
        assert "errors" not in body, body["errors"]
        return body["data"]


User = tuple[str, str, str | None, str | None]
"""(name, role, rep email, team)."""


def add_users(store: GraphStore, *users: User) -> dict[str, str]:
    """Create these users; their tokens by name."""
    tokens = {}
    for who, role, rep, team in users:
        _, tokens[who] = add_user(store, role=role, name=who, now=NOW, rep_key=rep, team=team)
    return tokens


def build_world(settings: GraphSettings, *, leads: int = 4, reps: int = 0) -> dict[str, str]:
    store = open_store(settings)
    try:
        world = World(store)
        world.company("acme")
        world.rep("ann", team="EMEA")
        world.rep("bob", team="EMEA")
        world.rep("cat", team="EMEA")
        world.rep("dan", region="NA", timezone="America/New_York", team="NA")
        for n in range(reps):
            world.rep(f"r{n:02d}", team="EMEA", capacity=100)
        world.knows("ann", "dana")
        world.knows("bob", "mia", "dana")
        for n in range(1, leads + 1):
            world.lead(f"L{n}", ("dana", "economic_buyer"))
        return add_users(
            store,
            ("admin", "admin", None, None),
            ("manager", "manager", None, "EMEA"),
            ("na_manager", "manager", None, "NA"),
            ("ann", "rep", "ann@seller.example", None),
            ("bob", "rep", "bob@seller.example", None),
            ("cat", "rep", "cat@seller.example", None),
            ("dan", "rep", "dan@seller.example", None),
            ("intake", "intake", None, None),
            *((f"r{n:02d}", "rep", f"r{n:02d}@seller.example", None) for n in range(reps)),
        )
    finally:
        store.close()


@contextmanager
def running_api(
    settings: GraphSettings,
    tokens: dict[str, str],
    *,
    policy: Policy | None = None,
    sweep_seconds: float = 0,
) -> Iterator[Api]:
    clock = Clock()
    holder: dict[str, GraphStore] = {}

    def factory() -> GraphStore:
        holder["store"] = open_store(settings)
        return holder["store"]

    app = create_app(
        factory,
        clock=clock,
        policy=policy or load_policy(),
        settings=ApiSettings(sweep_seconds=sweep_seconds),
    )
    with TestClient(app) as client:
        yield Api(client=client, clock=clock, tokens=tokens, store=holder["store"])


@contextmanager
def lead_events(api: Api, who: str) -> Iterator[Any]:
    """A ``leadEvents`` subscription of ``who`` over the app's WebSocket, open once the broker
    has it: read its messages with ``receive_json``."""
    with api.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json(
            {"type": "connection_init", "payload": {"Authorization": f"Bearer {api.tokens[who]}"}}
        )
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": "subscription { leadEvents { kind leadId repId } }"},
            }
        )
        broker = api.client.app.state.services.broker  # type: ignore[attr-defined]
        deadline = time.monotonic() + 10
        while broker.subscribers < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert broker.subscribers == 1
        yield ws
        ws.send_json({"id": "1", "type": "complete"})


def wait_ready(client: TestClient) -> dict[str, Any]:
    """Poll /readyz as a load balancer does until the app is ready (the rep network is read
    at start-up, in the background) and has read the open leads' reach (so that nothing runs
    in the background any more); its body."""
    deadline = time.monotonic() + 60
    while True:
        response = client.get("/readyz")
        warm = response.json().get("rankings_warm") if response.status_code == 200 else None
        if (warm and warm["done"] == warm["of"]) or time.monotonic() > deadline:
            assert response.status_code == 200 and warm, response.text
            body: dict[str, Any] = response.json()
            return body
        time.sleep(0.05)


@contextmanager
def uvicorn_thread(app: Any) -> Iterator[int]:
    """Serve ``app`` with a real uvicorn on a free port in a thread of this process."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started, "uvicorn did not start"
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=60)


def post_graphql(port: int, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """One GraphQL request over real HTTP to a server on 127.0.0.1:port."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        body: dict[str, Any] = json.loads(response.read())
        return body
