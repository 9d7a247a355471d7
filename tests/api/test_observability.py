"""What operators see, through the real ASGI app (httpx) and a real `warmpath serve`: /metrics
moving with claims, problems, breaches and the outbox; /healthz and /readyz; X-Request-ID on
every response; log lines as JSON carrying the request id."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.app import ApiSettings, create_app
from api.observability import (
    STALE_SWEEPS,
    UVICORN_LOGGERS,
    Metrics,
    configure_logging,
    current_request_id,
)
from graph.backends import open_store
from graph.errors import ConfigError
from graph.neo4j_launcher import free_port
from graph.settings import GraphSettings
from graph.store import GraphStore
from routing.policy import load_policy
from tests.api.apiworld import Api, Clock, build_world, running_api, wait_ready
from tests.conftest import graph_env
from tests.routing.world import rid

ROUTE = "mutation Route($id: ID!) { routeLead(leadId: $id) { __typename } }"
CLAIM = """mutation Claim($id: ID!) { claimLead(leadId: $id) {
  __typename ... on Problem { code } } }"""
REJECT = """mutation Reject($id: ID!) { rejectLead(leadId: $id, reason: "no budget this year") {
  __typename } }"""

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: TestClient) -> Samples:
    """Every sample of /metrics, parsed as Prometheus parses it."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


@pytest.fixture
def world(graph_settings: GraphSettings) -> tuple[GraphSettings, dict[str, str]]:
    return graph_settings, build_world(graph_settings)


@pytest.fixture
def api(world: tuple[GraphSettings, dict[str, str]]) -> Iterator[Api]:
    with running_api(*world) as running:
        yield running


def test_metrics_move_with_claims_problems_operations_and_the_outbox(api: Api) -> None:
    before = scrape(api.client)
    assert value(before, "warmpath_claims_total", outcome="won") == 0
    assert value(before, "warmpath_outbox_backlog") == 0
    assert value(before, "warmpath_outbox_oldest_age_seconds") == 0

    assert api.data("manager", ROUTE, {"id": "L1"})["routeLead"]["__typename"] == "Routed"
    assert api.data("ann", CLAIM, {"id": "L1"})["claimLead"]["__typename"] == "Claimed"
    assert api.data("bob", CLAIM, {"id": "L1"})["claimLead"]["code"] == "ALREADY_CLAIMED"
    assert api.data("manager", ROUTE, {"id": "L2"})["routeLead"]["__typename"] == "Routed"
    assert api.data("dan", CLAIM, {"id": "L2"})["claimLead"]["code"] == "NOT_ELIGIBLE"
    assert api.data("ann", REJECT, {"id": "L2"})["rejectLead"]["__typename"] == "LeadChanged"
    assert api.data("ann", "{ me { role } }")["me"] == {"role": "rep"}  # no operation name
    api.clock.advance(seconds=90)  # the returned lead's message waits, undelivered

    after = scrape(api.client)
    assert value(after, "warmpath_claims_total", outcome="won") == 1
    assert value(after, "warmpath_claims_total", outcome="lost") == 1
    assert value(after, "warmpath_claims_total", outcome="refused") == 1
    in_place = value(after, "warmpath_claims_run_total", where="event_loop")
    in_threads = value(after, "warmpath_claims_run_total", where="worker_thread")
    assert in_place is not None and in_threads is not None and in_place + in_threads == 3
    if not api.store.writes_alone:
        assert in_threads == 3  # Neo4j: every claim in a worker thread
    assert value(after, "warmpath_graphql_problems_total", code="ALREADY_CLAIMED") == 1
    assert value(after, "warmpath_graphql_problems_total", code="NOT_ELIGIBLE") == 1
    operations = "warmpath_graphql_operation_duration_seconds_count"
    assert value(after, operations, operation="Claim") == 3
    assert value(after, operations, operation="Route") == 2
    assert value(after, operations, operation="Reject") == 1
    assert value(after, operations, operation="anonymous") == 1
    assert value(after, "warmpath_outbox_backlog") == 1
    assert value(after, "warmpath_outbox_oldest_age_seconds") == 90
    queries = "warmpath_graph_query_duration_seconds_count"
    assert (value(after, queries, query="move_lead") or 0) >= 2  # the claim and the reject
    assert (value(after, queries, query="outbox_backlog") or 0) >= 1  # the first scrape's
    assert (value(after, "warmpath_graph_query_duration_seconds_sum", query="move_lead") or 0) > 0
    age = value(after, "warmpath_rep_network_age_seconds")
    assert age is not None and age > 0


def test_the_sweeper_counts_its_breaches_and_rounds(
    world: tuple[GraphSettings, dict[str, str]],
) -> None:
    with running_api(*world, sweep_seconds=0.2) as api:
        api.data("manager", ROUTE, {"id": "L1"})
        api.data("ann", CLAIM, {"id": "L1"})
        api.clock.advance(hours=25)  # past ann's contact deadline: the next round breaches
        deadline = time.monotonic() + 60
        samples = scrape(api.client)
        while value(samples, "warmpath_sla_breaches_total") != 1 or not value(
            samples, "warmpath_background_rounds_total", result="ok"
        ):  # the breach is counted during its round, the round once it is over
            assert time.monotonic() < deadline, "the sweeper recorded no breach"
            time.sleep(0.1)
            samples = scrape(api.client)
        assert value(samples, "warmpath_background_rounds_total", result="failed") == 0
        assert value(samples, "warmpath_sla_sweep_age_seconds") is not None
        events = api.data("admin", '{ events(leadId: "L1") { nodes { kind repId } } }')
        assert {"kind": "sla_breach", "repId": rid("ann")} in events["events"]["nodes"]
        assert wait_ready(api.client)["checks"]["sweeper"] == "ok"


def test_healthz_is_cheap_and_readyz_checks_the_store_and_the_rep_network(
    api: Api, backend: str
) -> None:
    ready = wait_ready(api.client)
    warm = ready.pop("rankings_warm")
    assert (warm["done"], warm["of"]) == (4, 4)  # the open leads' reach, by this worker
    assert ready == {
        "status": "ready",
        "failed": [],
        "checks": {"store": "ok", "rep_network": "ok", "sweeper": "off"},
        "backend": backend,
        "people": 6,
        "reps": 4,
        "companies": 1,
        "leads": 4,
        "ties": 3,
    }
    api.store.merge_reps([])  # drops the rep network until the next question: still ready
    assert api.client.get("/readyz").status_code == 200

    api.store.close()  # the database is gone: not ready, and the answer names no internals
    response = api.client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready" and body["failed"] == ["store"]
    assert body["checks"]["store"] == "the graph database did not answer"
    for internal in ("lbdb", "bolt", "neo4j:", "127.0.0.1", "Ladybug", "Neo4j", "Traceback"):
        assert internal not in response.text
    health = api.client.get("/healthz")  # alive all the same: no database call
    assert health.status_code == 200 and health.json() == {"status": "ok", "backend": backend}
    samples = scrape(api.client)  # the scrape goes on without the backlog
    assert value(samples, "warmpath_outbox_backlog") is None
    assert value(samples, "warmpath_claims_total", outcome="won") == 0


def test_readyz_waits_for_the_rep_network(graph_settings: GraphSettings) -> None:
    held: list[GraphStore] = []

    def slow_warm_up() -> GraphStore:  # the start-up warm-up waits until the test lets it
        store = open_store(graph_settings)
        store._rep_side_lock.acquire()  # type: ignore[attr-defined]
        held.append(store)
        return store

    app = create_app(
        slow_warm_up, clock=Clock(), policy=load_policy(), settings=ApiSettings(sweep_seconds=0)
    )
    with TestClient(app) as client:
        lock = held[0]._rep_side_lock  # type: ignore[attr-defined]
        try:
            response = client.get("/readyz")
            assert response.status_code == 503
            assert response.json()["failed"] == ["rep_network"]
            assert response.json()["checks"]["rep_network"] == "the rep network is not read yet"
            assert "warmpath_rep_network_age_seconds" not in client.get("/metrics").text
        finally:
            lock.release()  # shutdown waits for the warm-up
        assert wait_ready(client)["checks"]["rep_network"] == "ok"


def test_readyz_fails_when_the_sweeper_has_not_run_for_three_intervals(
    world: tuple[GraphSettings, dict[str, str]],
) -> None:
    with running_api(*world, sweep_seconds=600) as api:
        assert wait_ready(api.client)["checks"]["sweeper"] == "ok"
        metrics: Metrics = api.client.app.state.metrics  # type: ignore[attr-defined]
        metrics.started -= STALE_SWEEPS * 600 + 1  # as if the app started half an hour ago
        response = api.client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["failed"] == ["sweeper"]
        assert "no SLA sweep round finished" in response.json()["checks"]["sweeper"]
        metrics.round_finished(0)
        assert api.client.get("/readyz").status_code == 200


def test_the_sweeper_is_late_after_three_of_its_pauses() -> None:
    metrics = Metrics(sweep_seconds=60)
    metrics.started = 8095.688735698  # a clock reading whose sum with 180 is not exact
    start = metrics.started
    assert metrics.sweeper_problem(now=start + 180) is None
    assert metrics.sweeper_problem(now=start + 181) == (
        "no SLA sweep round finished for 181 s (it runs every 60 s): see the server log"
    )
    metrics.round_finished(1, next_in=240)  # a failed round: the sweeper backs off
    last = metrics.last_sweep
    assert last is not None
    assert metrics.sweeper_problem(now=last + 720) is None
    assert metrics.sweeper_problem(now=last + 721) is not None
    metrics.round_finished(0, next_in=60)  # back to its interval
    assert metrics.sweeper_problem(now=metrics.started + 10**6) is not None
    assert metrics.sweeper_problem(now=time.monotonic() + 100) is None
    assert Metrics(sweep_seconds=0).sweeper_problem(now=start + 10**6) is None  # off
    quick = Metrics(sweep_seconds=1)  # a short interval: a minute's grace all the same
    assert quick.sweeper_problem(now=quick.started + 60) is None
    assert quick.sweeper_problem(now=quick.started + 61) is not None


def test_every_response_carries_a_request_id(api: Api) -> None:
    offered = api.client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.1"})
    assert offered.headers["x-request-id"] == "lb-7f3a.1"
    unfit = api.client.get("/healthz", headers={"X-Request-ID": "two words\t<script>"})
    assert unfit.headers["x-request-id"] not in ("", "two words\t<script>")
    ids = set()
    for response in (
        api.client.get("/metrics"),
        api.client.get("/readyz"),
        api.client.get("/no-such-page"),
        api.client.post("/graphql", json={"query": "{ me { role } }"}),  # 401
        api.client.post(
            "/graphql",
            json={"query": "{ me { role } }"},
            headers={"Authorization": f"Bearer {api.tokens['admin']}"},
        ),
    ):
        assert len(response.headers["x-request-id"]) == 32
        ids.add(response.headers["x-request-id"])
    assert len(ids) == 5


def test_an_unexpected_error_carries_the_id_of_its_request(api: Api) -> None:
    def broken() -> None:
        raise RuntimeError("disk /srv/secret full")

    api.client.app.add_api_route("/broken", broken)  # type: ignore[attr-defined]
    client = TestClient(api.client.app, raise_server_exceptions=False)
    response = client.get("/broken", headers={"X-Request-ID": "req-500"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "req-500"
    assert response.json()["requestId"] == "req-500"
    assert "secret" not in response.text


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """configure_logging changes the root logger and uvicorn's: put them back afterwards."""
    loggers = [logging.getLogger(name) for name in ("", *UVICORN_LOGGERS)]
    saved = [(list(x.handlers), x.level, x.propagate) for x in loggers]
    yield
    for logger, (handlers, level, propagate) in zip(loggers, saved, strict=True):
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate


def test_json_log_lines_carry_the_request_id(api: Api, restore_logging: None) -> None:
    stream = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stderr", stream)
        configure_logging("json")
    wait_ready(api.client)  # the start-up warm-up is done: nothing runs on the store
    api.store.close()  # /readyz logs why it is not ready, while serving the request
    response = api.client.get("/readyz", headers={"X-Request-ID": "probe-42"})
    assert response.status_code == 503
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    mine = [line for line in lines if line.get("request_id") == "probe-42"]
    assert mine and mine[0]["level"] == "WARNING"
    assert mine[0]["logger"] == "api.observability"
    assert mine[0]["message"].startswith("readyz: the graph database did not answer")
    assert mine[0]["time"].endswith("+00:00")
    logging.getLogger("warmpath.test").info("outside any request")
    outside = json.loads(stream.getvalue().splitlines()[-1])
    assert outside["message"] == "outside any request" and "request_id" not in outside
    assert current_request_id() is None


def test_text_log_lines_carry_the_request_id_and_a_bad_format_is_refused(
    api: Api, restore_logging: None
) -> None:
    stream = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stderr", stream)
        configure_logging("text")
    wait_ready(api.client)
    api.store.close()
    api.client.get("/readyz", headers={"X-Request-ID": "probe-43"})
    line = next(x for x in stream.getvalue().splitlines() if "readyz:" in x)
    stamp, rest = line.split(" ", 1)
    assert stamp.endswith("Z") and datetime.fromisoformat(stamp).tzinfo == UTC
    assert rest.startswith("WARNING api.observability [probe-43] readyz: the graph database")
    with pytest.raises(ConfigError, match="WARMPATH_LOG_FORMAT='yaml': use text or json"):
        configure_logging("yaml")


def test_a_line_logged_after_the_configured_stderr_closed_goes_to_the_stderr_of_the_moment(
    restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """`warmpath serve` run in-process (a test's CliRunner) configures logging on a stderr that
    closes when the command returns; a thread of a later server logging then must not fail
    ("--- Logging error ---: I/O operation on closed file", seen in CI after
    tests/api/test_neo4j_faults.py)."""
    gone = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stderr", gone)
        configure_logging("text")
    gone.close()
    done = threading.Event()

    def warm_up() -> None:
        logging.getLogger("api.app").info("reach of %d open leads read", 6)
        done.set()

    threading.Thread(target=warm_up).start()
    assert done.wait(10)
    err = capsys.readouterr().err
    assert "Logging error" not in err
    assert "INFO api.app [-] reach of 6 open leads read" in err


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_warmpath_serve_logs_json_lines_and_serves_the_operations_endpoints(
    world: tuple[GraphSettings, dict[str, str]], tmp_path: Path
) -> None:
    settings, tokens = world
    port = free_port()
    env = {
        **os.environ,
        **graph_env(settings),
        "WARMPATH_LOG_FORMAT": "json",
        "WARMPATH_SLA_SWEEP_SECONDS": "0.5",
    }
    log_file = tmp_path / "serve.log"
    with log_file.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, log_file.read_text()
            try:
                status, _, body = _get(base + "/readyz")
            except OSError:
                status, body = 0, b""
            if status == 200:
                break
            assert time.monotonic() < deadline, f"not ready: {body!r} {log_file.read_text()}"
            time.sleep(0.2)
        assert json.loads(body)["checks"] == {"store": "ok", "rep_network": "ok", "sweeper": "ok"}
        status, headers, _ = _get(base + "/healthz")
        assert status == 200 and headers["x-request-id"]
        request = urllib.request.Request(
            base + "/graphql",
            data=json.dumps({"query": "query Me { me { role } }"}).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {tokens['admin']}",
                "X-Request-ID": "serve-check-1",
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert json.loads(response.read()) == {"data": {"me": {"role": "admin"}}}
            assert response.headers["x-request-id"] == "serve-check-1"
        status, _, text = _get(base + "/metrics")
        samples = {
            (s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text.decode())
            for s in family.samples
        }
        count = "warmpath_graphql_operation_duration_seconds_count"
        assert samples[(count, frozenset({("operation", "Me")}))] == 1
    finally:
        server.terminate()
        server.wait(timeout=60)
    lines = [json.loads(line) for line in log_file.read_text().splitlines() if line.strip()]
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    access = [line for line in lines if line.get("request_id") == "serve-check-1"]
    assert [(a["logger"], a["method"], a["path"], a["status"]) for a in access] == [
        ("uvicorn.access", "POST", "/graphql", 200)
    ]
    started = [line for line in lines if "startup complete" in line["message"]]
    assert started and "request_id" not in started[0]
