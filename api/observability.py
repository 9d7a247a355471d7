"""What operators see: a request id for every HTTP request (in the response's X-Request-ID
header, in every log line written while the request is served, and in masked errors), log lines
as JSON or text, Prometheus metrics at /metrics, and /healthz (alive) and /readyz (can serve)."""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from graph.errors import ConfigError, WarmpathError
from graph.store import GraphStore

REQUEST_ID_HEADER = "x-request-id"
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._-]{1,64}")
_request_id: ContextVar[str | None] = ContextVar("warmpath_request_id", default=None)
log = logging.getLogger(__name__)
T = TypeVar("T")


def current_request_id() -> str | None:
    """The id of the request being served (worker threads started with asyncio.to_thread
    inherit it), or None outside a request."""
    return _request_id.get()


def new_request_id(offered: str | None = None) -> str:
    """A caller's own X-Request-ID if it is short and plain, else a fresh one."""
    if offered and _ACCEPTABLE.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Give every HTTP request and WebSocket an id, echoed in X-Request-ID."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        offered = None
        for name, value in scope.get("headers", []):
            if name.decode("latin-1").lower() == REQUEST_ID_HEADER:
                offered = value.decode("latin-1")
                break
        request_id = new_request_id(offered)
        token = _request_id.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _request_id.reset(token)


class RequestIdFastAPI(FastAPI):
    """FastAPI with RequestIdMiddleware outside everything, Starlette's ServerErrorMiddleware
    included: the 500 its ``Exception`` handler answers carries the X-Request-ID header too,
    and the handler sees ``current_request_id()`` (``add_middleware`` would put it inside)."""

    def build_middleware_stack(self) -> ASGIApp:
        return RequestIdMiddleware(super().build_middleware_stack())


# --- logs ---------------------------------------------------------------------------------------

LOG_FORMATS = ("text", "json")
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")
_ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")


class _RequestIdFilter(logging.Filter):
    """Stamp each record with the id of the request it was written for ("-": none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True


class JsonLines(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request_id (when in a request),
    exception (when one is logged); uvicorn's access lines also carry their fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", "-")
        if request_id != "-":
            entry["request_id"] = request_id
        access = record.args if record.name == "uvicorn.access" else None
        if isinstance(access, tuple) and len(access) == len(_ACCESS_FIELDS):
            entry.update(zip(_ACCESS_FIELDS, access, strict=True))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class _WarmpathHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler configure_logging installs (and replaces when called again). It writes to
    the standard error it was configured with; once that stream is closed (a command run
    in-process, whose captured stderr closes when it returns, while the server's threads still
    log), to the standard error of the moment instead of failing every line."""

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(self.stream, "closed", False):
            self.acquire()
            try:
                self.stream = sys.stderr
            finally:
                self.release()
        super().emit(record)


def configure_logging(fmt: str) -> None:
    """Send every log line (warmpath's and uvicorn's, access lines included) to stderr, as JSON
    lines (``json``) or as text (``text``), each with the request id when there is one."""
    if fmt not in LOG_FORMATS:
        raise ConfigError(f"WARMPATH_LOG_FORMAT={fmt!r}: use text or json")
    handler = _WarmpathHandler(sys.stderr)
    handler.addFilter(_RequestIdFilter())
    if fmt == "json":
        handler.setFormatter(JsonLines())
    else:
        text = logging.Formatter(
            "%(asctime)s.%(msecs)03dZ %(levelname)s %(name)s [%(request_id)s] %(message)s",
            datefmt="%Y-%m-%dT%H:%M:%S",
        )
        text.converter = time.gmtime  # UTC, as every timestamp of warmpath
        handler.setFormatter(text)
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _WarmpathHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for name in UVICORN_LOGGERS:  # uvicorn's own handlers would write its lines a second way
        uvicorn_log = logging.getLogger(name)
        uvicorn_log.handlers.clear()
        uvicorn_log.propagate = True


# --- metrics ------------------------------------------------------------------------------------

QUERY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
OPERATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
MAX_OPERATION_NAMES = 100
"""Operation names are chosen by clients: past this many, new ones are counted as "other"."""
STALE_SWEEPS = 3
"""/readyz fails when no SLA sweep round finished within this many sweep intervals (or, after
failed rounds, this many of the longer pauses the sweeper then takes), and at least
STALE_SWEEP_FLOOR_SECONDS."""
STALE_SWEEP_FLOOR_SECONDS = 60.0
"""A short interval and one slow round (a slow webhook) are no reason to stop serving."""
CLAIM_OUTCOMES = ("won", "lost", "refused")
CLAIMS_RUN = ("event_loop", "worker_thread")
_GRAPHQL_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")


@dataclass
class _Bound:
    store: GraphStore
    clock: Callable[[], datetime]


class Metrics:
    """The Prometheus metrics of one app (its own registry: apps in one process do not mix)."""

    def __init__(self, *, sweep_seconds: float) -> None:
        self.registry = CollectorRegistry()
        self.sweep_seconds = sweep_seconds
        self.started = time.monotonic()
        self.last_sweep: float | None = None
        self.next_sweep_in = sweep_seconds
        self._bound: _Bound | None = None
        self.rankings_warm: tuple[int, int] | None = None
        """The start-up warm-up of the open leads' reach: (leads done, leads)."""
        self.instance = uuid.uuid4().hex[:12]
        """Names this process in /readyz: behind one port, each worker warms up on its own."""
        self._operation_names: set[str] = set()
        self._names_lock = threading.Lock()
        self.operations = Histogram(
            "warmpath_graphql_operation_duration_seconds",
            "Time to answer a GraphQL query or mutation, by operation name.",
            ["operation"],
            buckets=OPERATION_BUCKETS,
            registry=self.registry,
        )
        self.problems = Counter(
            "warmpath_graphql_problems",
            "Problems (expected failures) returned by GraphQL fields, by code.",
            ["code"],
            registry=self.registry,
        )
        self.claims = Counter(
            "warmpath_claims",
            "claimLead results: won (Claimed), lost (ALREADY_CLAIMED), refused (other Problems).",
            ["outcome"],
            registry=self.registry,
        )
        for outcome in CLAIM_OUTCOMES:
            self.claims.labels(outcome)
        self.claims_run = Counter(
            "warmpath_claims_run",
            "claimLead steps by where their checks ran: event_loop (in place: LadybugDB, all "
            "they read kept; the move then in a worker thread) or worker_thread.",
            ["where"],
            registry=self.registry,
        )
        for where in CLAIMS_RUN:
            self.claims_run.labels(where)
        self.breaches = Counter(
            "warmpath_sla_breaches",
            "Claims breached by this process's SLA sweeper (contact deadline passed).",
            registry=self.registry,
        )
        self.rounds = Counter(
            "warmpath_background_rounds",
            "Background rounds (SLA sweep, then webhook outbox) this process finished, by "
            "result (failed: a part raised; the server log says why).",
            ["result"],
            registry=self.registry,
        )
        for result in ("ok", "failed"):
            self.rounds.labels(result)
        self.queries = Histogram(
            "warmpath_graph_query_duration_seconds",
            "Time to run a named graph query, by name (cypher/<dialect>/*.cypher).",
            ["query"],
            buckets=QUERY_BUCKETS,
            registry=self.registry,
        )
        self._query_children: dict[str, Histogram] = {}
        self.registry.register(_ScrapeTimeGauges(self))

    def bind(self, store: GraphStore, clock: Callable[[], datetime]) -> None:
        """At start-up: watch the app's store (its query times; the outbox and the rep network
        at scrape time); the sweeper's first round is due from now."""
        self._bound = _Bound(store, clock)
        store.query_observer = self.observe_query
        self.started = time.monotonic()

    def observe_query(self, name: str, seconds: float) -> None:
        child = self._query_children.get(name)
        if child is None:  # names come from the query catalog: a fixed set
            child = self._query_children.setdefault(name, self.queries.labels(name))
        child.observe(seconds)

    def observe_operation(self, name: str | None, seconds: float) -> None:
        self.operations.labels(self._operation_label(name)).observe(seconds)

    def _operation_label(self, name: str | None) -> str:
        if not name:
            return "anonymous"
        if not _GRAPHQL_NAME.fullmatch(name):
            return "other"
        with self._names_lock:
            if name not in self._operation_names:
                if len(self._operation_names) >= MAX_OPERATION_NAMES:
                    return "other"
                self._operation_names.add(name)
        return name

    def round_finished(self, failed_parts: int, *, next_in: float | None = None) -> None:
        """The sweeper finished a background round (even a failed one: it is alive) and waits
        ``next_in`` seconds before the next (longer than its interval after failures)."""
        self.rounds.labels("failed" if failed_parts else "ok").inc()
        self.last_sweep = time.monotonic()
        self.next_sweep_in = self.sweep_seconds if next_in is None else next_in

    def sweeper_problem(self, now: float | None = None) -> str | None:
        """Why the SLA sweeper looks stuck, or None (also when it is off)."""
        if self.sweep_seconds <= 0:
            return None
        now = time.monotonic() if now is None else now
        # to the millisecond: a difference of two clock readings is not exact in binary
        since = round(now - (self.last_sweep if self.last_sweep is not None else self.started), 3)
        allowed = STALE_SWEEPS * max(self.sweep_seconds, self.next_sweep_in)
        if since <= max(allowed, STALE_SWEEP_FLOOR_SECONDS):
            return None
        return (
            f"no SLA sweep round finished for {since:.0f} s (it runs every "
            f"{self.sweep_seconds:g} s): see the server log"
        )

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def scrape_time_gauges(self) -> Iterator[Metric]:
        """What is read when Prometheus asks: the outbox backlog (one query) and ages."""
        bound = self._bound
        if bound is None:
            return
        try:
            backlog = bound.store.outbox_backlog()
        except Exception as exc:  # the scrape goes on without it; /readyz says why
            _log_store_failure("metrics: the outbox backlog was not read", exc)
        else:
            oldest = 0.0
            if backlog.oldest_at is not None:
                oldest = max(0.0, (bound.clock() - backlog.oldest_at).total_seconds())
            yield GaugeMetricFamily(
                "warmpath_outbox_backlog",
                "Webhook messages not delivered yet (all processes).",
                value=backlog.undelivered,
            )
            yield GaugeMetricFamily(
                "warmpath_outbox_oldest_age_seconds",
                "Age of the oldest undelivered webhook message (0: none).",
                value=oldest,
            )
        age = bound.store.rep_network_age()
        if age is not None:  # absent until the start-up warm-up has read it
            yield GaugeMetricFamily(
                "warmpath_rep_network_age_seconds",
                "Seconds since the in-memory rep network was last read from the graph.",
                value=age,
            )
        if self.sweep_seconds > 0:
            last = self.last_sweep if self.last_sweep is not None else self.started
            yield GaugeMetricFamily(
                "warmpath_sla_sweep_age_seconds",
                "Seconds since this process's last background round finished (or it started).",
                value=time.monotonic() - last,
            )


class _ScrapeTimeGauges(Collector):
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterable[Metric]:
        return self.metrics.scrape_time_gauges()


# --- GraphQL ------------------------------------------------------------------------------------

_metrics_in_use: ContextVar[Metrics | None] = ContextVar("warmpath_metrics", default=None)


def _metrics_of(context: Any) -> Metrics | None:
    request = getattr(context, "request", None)
    state = getattr(getattr(request, "app", None), "state", None)
    metrics = getattr(state, "metrics", None)
    return metrics if isinstance(metrics, Metrics) else None


class GraphQLMetrics(SchemaExtension):
    """Time each query and mutation by operation name ("anonymous" without one); while it
    runs, problem_returned and claim_decided count into the app's metrics."""

    def on_operation(self) -> Iterator[None]:
        metrics = _metrics_of(self.execution_context.context)
        if metrics is not None:
            _metrics_in_use.set(metrics)  # the request's own context: gone with the request
        started = time.perf_counter()
        yield
        if metrics is not None and not self._is_subscription():  # subscriptions last long
            metrics.observe_operation(
                self.execution_context.operation_name, time.perf_counter() - started
            )

    def _is_subscription(self) -> bool:
        try:
            return self.execution_context.operation_type is OperationType.SUBSCRIPTION
        except RuntimeError:  # no document (it did not parse) or no such operation
            return False


def problem_returned(code: str) -> None:
    """A GraphQL field returns a Problem with this code."""
    metrics = _metrics_in_use.get()
    if metrics is not None:
        metrics.problems.labels(code).inc()


def claim_decided(result: T) -> T:
    """Count a claimLead result (Claimed, or a Problem with its code) and return it."""
    metrics = _metrics_in_use.get()
    if metrics is not None:
        code = getattr(getattr(result, "code", None), "value", None)
        outcome = "won" if code is None else "lost" if code == "ALREADY_CLAIMED" else "refused"
        metrics.claims.labels(outcome).inc()
    return result


def claim_ran(where: str) -> None:
    """Count where a claim's step ran (``CLAIMS_RUN``)."""
    metrics = _metrics_in_use.get()
    if metrics is not None:
        metrics.claims_run.labels(where).inc()


def _log_store_failure(what: str, exc: Exception) -> None:
    if isinstance(exc, WarmpathError):  # written for a person: the message says it all
        log.warning("%s: %s", what, exc)
    else:
        log.error(what, exc_info=exc)


# --- endpoints ----------------------------------------------------------------------------------

operations = APIRouter(include_in_schema=False)


@operations.get("/healthz")
def healthz(request: Request) -> dict[str, str]:
    """Alive: the process answers HTTP (no database call)."""
    store: GraphStore = request.app.state.store
    return {"status": "ok", "backend": store.backend}


@operations.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """Ready to serve: the store answers (with what the graph holds), the rep network has been
    read (the start-up warm-up is done), and the SLA sweeper finished a round lately (unless it
    is off). Else 503, naming the checks that failed, in words that name no internals."""
    store: GraphStore = request.app.state.store
    metrics: Metrics = request.app.state.metrics
    checks: dict[str, str] = {}
    body: dict[str, Any] = {"backend": store.backend}
    try:
        counts = store.counts()
    except Exception as exc:  # whatever it is, the store is not answering: not ready
        _log_store_failure("readyz: the graph database did not answer", exc)
        checks["store"] = "the graph database did not answer"
    else:
        checks["store"] = "ok"
        body.update(
            people=counts.people,
            reps=counts.reps,
            companies=counts.companies,
            leads=counts.leads,
            ties=counts.ties,
        )
    loaded = store.rep_network_age() is not None
    checks["rep_network"] = "ok" if loaded else "the rep network is not read yet"
    if metrics.rankings_warm is not None:  # informative: rankings are served meanwhile
        body["rankings_warm"] = {
            "done": metrics.rankings_warm[0],
            "of": metrics.rankings_warm[1],
            "instance": metrics.instance,
        }
    sweeper = metrics.sweeper_problem()
    checks["sweeper"] = "off" if metrics.sweep_seconds <= 0 else sweeper or "ok"
    failed = [name for name, state in checks.items() if state not in ("ok", "off")]
    status = {"status": "not ready" if failed else "ready", "failed": failed, "checks": checks}
    return JSONResponse(status_code=503 if failed else 200, content={**status, **body})


@operations.get("/metrics")
def metrics_text(request: Request) -> Response:
    """Prometheus text format (scraping reads the outbox backlog from the graph)."""
    metrics: Metrics = request.app.state.metrics
    return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
