"""Production's shape on Neo4j: two API processes (real uvicorn, `warmpath serve`) on one
server. Claims split across both give one winner; the SLA sweeper and the webhook outbox run
in both, yet each breach is recorded once and each message delivered once.

LadybugDB is one process by design (the file is locked by the process that writes it, tested in
tests/graph/test_ladybug_store.py), so this runs on the session's Neo4j server only."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from graph.backends import open_store
from graph.neo4j_launcher import free_port
from graph.settings import Neo4jSettings
from tests.api.apiworld import build_world, post_graphql
from tests.conftest import _neo4j_settings, graph_env, wipe_neo4j
from tests.routing.world import rid

CLAIM = """mutation($id: ID!) { claimLead(leadId: $id) {
  __typename ... on Problem { code } } }"""


class _Marketing(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with _Marketing.lock:
            _Marketing.received.append(body)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def neo4j_settings() -> Neo4jSettings:
    settings = _neo4j_settings()
    wipe_neo4j(settings)
    return settings


@pytest.fixture
def marketing() -> Iterator[str]:
    _Marketing.received.clear()
    server = HTTPServer(("127.0.0.1", 0), _Marketing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/returned"
    server.shutdown()
    server.server_close()


def _serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _wait_healthy(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"the API on port {port} did not start: {log.read_text()}")


def test_two_api_processes_on_one_neo4j(
    neo4j_settings: Neo4jSettings, marketing: str, tmp_path: Path
) -> None:
    tokens = build_world(neo4j_settings, reps=50, leads=7)
    policy = tmp_path / "everyone.toml"
    policy.write_text('mode = "first_available"\n', "utf-8")
    env = {
        **os.environ,
        **graph_env(neo4j_settings),
        "WARMPATH_POLICY": str(policy),
        "WARMPATH_SLA_SWEEP_SECONDS": "0.3",
        "WARMPATH_MARKETING_WEBHOOK": marketing,
    }
    ports = [free_port(), free_port()]
    logs = [tmp_path / "api-1.log", tmp_path / "api-2.log"]
    processes = [_serve(env, port, log) for port, log in zip(ports, logs, strict=True)]
    try:
        for port, process, log in zip(ports, processes, logs, strict=True):
            _wait_healthy(port, process, log)
        for lead in ("L1", "L2", "L3", "L4", "L5", "L6", "L7"):
            routed = post_graphql(
                ports[0],
                tokens["manager"],
                "mutation($id: ID!) { routeLead(leadId: $id) { __typename } }",
                {"id": lead},
            )
            assert routed["data"]["routeLead"]["__typename"] == "Routed", routed

        # 50 claims of L1, alternating between the two processes: one winner
        claimers = [f"r{n:02d}" for n in range(50)]
        with ThreadPoolExecutor(max_workers=50) as pool:
            answers = list(
                pool.map(
                    lambda n: post_graphql(ports[n % 2], tokens[claimers[n]], CLAIM, {"id": "L1"}),
                    range(50),
                )
            )
        outcomes = Counter(
            a["data"]["claimLead"].get("code") or a["data"]["claimLead"]["__typename"]
            for a in answers
        )
        assert outcomes == Counter({"Claimed": 1, "ALREADY_CLAIMED": 49})

        # three claims whose deadline passes: both sweepers see them, each breach is recorded once
        store = open_store(neo4j_settings)
        try:
            for lead, who in (("L2", "r01"), ("L3", "r02"), ("L4", "r03")):
                claimed = post_graphql(ports[1], tokens[who], CLAIM, {"id": lead})
                assert claimed["data"]["claimLead"]["__typename"] == "Claimed", claimed
            past = datetime.now(UTC) - timedelta(hours=1)
            for lead in ("L2", "L3", "L4"):
                view = store.lead(lead)
                assert view.contact_due_at is not None
            _set_deadlines(neo4j_settings, ["L2", "L3", "L4"], past)
            # and three leads returned to marketing: both processes deliver the outbox
            for lead, who in (("L5", "r04"), ("L6", "r05"), ("L7", "r06")):
                rejected = post_graphql(
                    ports[0],
                    tokens[who],
                    'mutation($id: ID!) { rejectLead(leadId: $id, reason: "not a fit") '
                    "{ __typename } }",
                    {"id": lead},
                )
                assert rejected["data"]["rejectLead"]["__typename"] == "LeadChanged", rejected
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                breaches = {
                    lead: [e for e in store.events(lead_id=lead) if e.kind == "sla_breach"]
                    for lead in ("L2", "L3", "L4")
                }
                if all(breaches.values()) and len(_Marketing.received) >= 3:
                    break
                time.sleep(0.3)
            time.sleep(2)  # several more rounds of both sweepers and both outbox workers
            breaches = {
                lead: [e.rep_id for e in store.events(lead_id=lead) if e.kind == "sla_breach"]
                for lead in ("L2", "L3", "L4")
            }
            assert breaches == {"L2": [rid("r01")], "L3": [rid("r02")], "L4": [rid("r03")]}
            assert sorted(m["lead_id"] for m in _Marketing.received) == ["L5", "L6", "L7"]
            assert store.due_outbox(datetime.now(UTC) + timedelta(days=1)) == []
        finally:
            store.close()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def _set_deadlines(settings: Neo4jSettings, leads: list[str], at: datetime) -> None:
    import neo4j

    with neo4j.GraphDatabase.driver(settings.uri, auth=(settings.user, settings.password)) as d:
        d.execute_query(
            "MATCH (l:Lead) WHERE l.id IN $ids SET l.contact_due_at = $at",
            {"ids": leads, "at": at},
            database_=settings.database,
        )


def test_serve_with_two_workers_behind_one_port(
    neo4j_settings: Neo4jSettings, tmp_path: Path
) -> None:
    """`warmpath serve --workers 2`: two uvicorn worker processes share the port; claims sent
    to it from many clients land on both and still give one winner per lead."""
    tokens = build_world(neo4j_settings, reps=20, leads=2)
    policy = tmp_path / "everyone.toml"
    policy.write_text('mode = "first_available"\n', "utf-8")
    env = {
        **os.environ,
        **graph_env(neo4j_settings),
        "WARMPATH_POLICY": str(policy),
        "WARMPATH_SLA_SWEEP_SECONDS": "0",
    }
    port, log = free_port(), tmp_path / "api.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_healthy(port, process, log)
        for lead in ("L1", "L2"):
            routed = post_graphql(
                port,
                tokens["manager"],
                "mutation($id: ID!) { routeLead(leadId: $id) { __typename } }",
                {"id": lead},
            )
            assert routed["data"]["routeLead"]["__typename"] == "Routed", routed
        claimers = [f"r{n:02d}" for n in range(20)]
        with ThreadPoolExecutor(max_workers=20) as pool:
            answers = list(
                pool.map(
                    lambda n: post_graphql(port, tokens[claimers[n]], CLAIM, {"id": "L1"}),
                    range(20),
                )
            )
        outcomes = Counter(
            a["data"]["claimLead"].get("code") or a["data"]["claimLead"]["__typename"]
            for a in answers
        )
        assert outcomes == Counter({"Claimed": 1, "ALREADY_CLAIMED": 19})
        started = set(re.findall(r"Started server process \[(\d+)\]", log.read_text()))
        assert len(started) == 2, log.read_text()
    finally:
        process.terminate()
        process.wait(timeout=30)
