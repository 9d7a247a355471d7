"""The FastAPI application: one graph store per process, opened in the lifespan; GraphQL at
/graphql; the SLA sweeper and the webhook outbox run as a background task."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from api import webhook
from api.audit import router as audit_router
from api.auth import authenticate, kept_user
from api.backup import router as backup_router
from api.graphql import CLIENT_CODES, Context, Services, schema
from api.imports import imports_router
from api.observability import (
    Metrics,
    RequestIdFastAPI,
    configure_logging,
    current_request_id,
    operations,
)
from graph.backends import open_store
from graph.errors import StoreError, StoreUnavailable, WarmpathError
from graph.settings import WarmpathSettings
from graph.store import GraphStore
from routing import activity
from routing.connections import lead_links
from routing.policy import Policy, current_policy
from routing.reach import reach_cache
from routing.roster import OWNER_STATUSES
from routing.sla import sweep_sla

log = logging.getLogger(__name__)
WEB_DIR = Path(__file__).resolve().parent / "web"
StoreFactory = Callable[[], GraphStore]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ApiSettings:
    """What the app needs of the settings (graph.settings.WarmpathSettings, read and checked
    there); tests build it directly."""

    development: bool = False
    sweep_seconds: float = 60.0
    webhook_url: str | None = None
    import_max_bytes: int = 256 * 1024**2

    @classmethod
    def from_settings(cls, settings: WarmpathSettings) -> ApiSettings:
        return cls(
            development=settings.development,
            sweep_seconds=settings.sla_sweep_seconds,
            webhook_url=settings.marketing_webhook,
            import_max_bytes=settings.import_max_mb * 1024**2,
        )

    @classmethod
    def from_env(cls) -> ApiSettings:
        return cls.from_settings(WarmpathSettings.from_env())


# after a failed round the background work waits twice as long as the last time, up to this
# (or the sweep interval, when that is longer), so a database that is down is not hammered
MAX_BACKGROUND_PAUSE_SECONDS = 300.0


def background_pause(interval: float, failed_rounds: int) -> float:
    """Seconds before the next background round: the interval, doubled for each failed round
    in a row, at most MAX_BACKGROUND_PAUSE_SECONDS (or the interval)."""
    doubled = interval * (1 << min(failed_rounds, 16))
    return min(doubled, max(interval, MAX_BACKGROUND_PAUSE_SECONDS))


def _sweep(services: Services, now: datetime, metrics: Metrics | None) -> None:
    seen = activity.watermark(now)  # the sweep's events sort after it
    result = sweep_sla(services.store, policy=services.policy, now=now)
    if metrics is not None:
        metrics.breaches.inc(len(result.breaches))
    if result.breaches:  # one read of the breached leads' logs, not one per lead
        history = services.store.events_of_leads([lead_id for lead_id, _ in result.breaches])
        services.broker.publish_threadsafe(
            e for events in history.values() for e in events if e.id > seen
        )
    if result.breaches:
        log.info("SLA sweep: %s", result.summary())


def _log_failure(what: str, exc: Exception) -> None:
    if isinstance(exc, WarmpathError):  # written for a person: the message says it all
        log.warning("%s failed: %s", what, exc)
    else:
        log.error("%s failed", what, exc_info=exc)


WARM_STATUSES = ("new", "offered", "claimed", "contacted")


GC_THRESHOLDS = (20_000, 20, 100)
"""The cyclic garbage collector's thresholds once the start-up's reads are frozen
(``warm_rankings``): a collection of the youngest objects every 20,000 allocations, not 700, and
a full one after 100 of the middle generation's, not 10. A request leaves about 140 objects in
reference cycles (graphql-core's, Starlette's and FastAPI's, mostly), which the youngest
collections free; with Python's defaults (700, 10, 10) everything the caches made since
start-up was walked again every four seconds or so: under ``make load`` at the full scale, 17 full
collections of 323 ms each in the 78 s of the floor and the load, 8.3 s of collections in all;
with these, none and 2.8 s."""


def warm_rankings(store: GraphStore, metrics: Metrics, stop: asyncio.Event) -> None:
    """Read the reach of every open lead into the ranking cache (routing/reach.py), their
    activity streams and where the leads each is connected to stand (the references in its
    evidence), in batches, reporting progress in /readyz; stops early at shutdown. Where the
    store is the only writer of its graph, the leads' views and streams are kept as they are
    read, so a ranking or a claim of an open lead finds the lead, its history and who owns
    its company's account in memory (until a write drops them)."""
    leads = store.leads_with_status(WARM_STATUSES, keep=True)
    store.keep_company_owners(OWNER_STATUSES, sorted({lead.company.id for lead in leads}))
    metrics.rankings_warm = (0, len(leads))
    started = time.monotonic()
    before = 0
    for done in reach_cache(store).warm(store, leads):
        batch = leads[before:done]
        if store.keeps_bulk_reads:
            store.events_of_leads([lead.id for lead in batch], keep=True)
        lead_links(store, batch)
        before = done
        metrics.rankings_warm = (done, len(leads))
        if stop.is_set():
            return
    log.info("reach of %d open leads read in %.1f s", len(leads), time.monotonic() - started)
    # what was read at start-up lives as long as the process: the garbage collector need not
    # walk it again on every full collection
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def run_background_once(
    services: Services, settings: ApiSettings, metrics: Metrics | None = None
) -> int:
    """One round of the background work: the SLA sweep, then the webhook outbox. Each part
    runs even when the other fails; a failure, whatever it is, is logged (with its traceback
    when unforeseen) and never reaches a client. Returns how many parts failed. Breaches are
    counted in ``metrics`` (the app's /metrics) when given."""
    now = services.clock()
    failed = 0
    try:
        _sweep(services, now, metrics)
    except Exception as exc:
        failed += 1
        _log_failure("SLA sweep (the next round tries again)", exc)
    if settings.webhook_url:
        try:
            webhook.deliver_due(services.store, settings.webhook_url, now=now, clock=services.clock)
        except Exception as exc:
            failed += 1
            _log_failure("webhook outbox delivery (the next round tries again)", exc)
    return failed


class ServerTiming:
    """``Server-Timing: app;dur=<ms>`` on every HTTP response: the server's own work on the
    request, from its start to its response's first byte (what a client's wall time holds
    besides the network and its own parsing)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def send_timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                took = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
                headers = [*message.get("headers", []), (b"server-timing", took.encode())]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_timed)


class _Router(GraphQLRouter[Context, None]):
    def decode_json(self, data: str | bytes) -> object:
        """A body that is not UTF-8, or nests too deep for the parser, is answered like any
        other JSON that does not parse: 400, "Unable to parse request body as JSON"."""
        try:
            parsed = json.loads(data)
        except (UnicodeDecodeError, RecursionError):
            raise json.JSONDecodeError("not UTF-8 JSON of a usable depth", "", 0) from None
        if not isinstance(parsed, (dict, list)):  # 5, "x", null: no request in it
            raise json.JSONDecodeError("not a JSON object", "", 0)
        return parsed

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """A WebSocket signs in with connection_init: {"Authorization": "Bearer <token>"}."""
        params = getattr(context, "connection_params", None) or {}
        header = (
            params.get("Authorization") or params.get("authorization")
            if isinstance(params, dict)
            else None
        )
        user = await asyncio.to_thread(
            authenticate, context.store, header if isinstance(header, str) else None
        )
        if user is None:
            raise ConnectionRejectionError(
                {"message": 'sign in: send {"Authorization": "Bearer <token>"} in connection_init'}
            )
        context.user = user
        return cast(UnsetType, UNSET)


def create_app(
    store_factory: StoreFactory = open_store,
    *,
    clock: Clock = utc_now,
    policy: Policy | None = None,
    settings: ApiSettings | None = None,
) -> FastAPI:
    """Build the app; ``store_factory`` opens the graph at start-up; it is closed at shutdown."""
    config = settings or ApiSettings.from_env()
    chosen_policy = policy or current_policy()
    metrics = Metrics(sweep_seconds=config.sweep_seconds)

    async def sweeper(services: Services, stop: asyncio.Event) -> None:
        """Runs until shutdown whatever a round raises; backs off while rounds fail."""
        failed_rounds = 0
        while True:
            pause = background_pause(config.sweep_seconds, failed_rounds)
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=pause)
            if stop.is_set():
                return
            try:
                failed = await asyncio.to_thread(run_background_once, services, config, metrics)
            except Exception as exc:  # run_background_once logs its own; this is a last guard
                _log_failure("background round (the next one tries again)", exc)
                failed = 1
            failed_rounds = failed_rounds + 1 if failed else 0
            metrics.round_finished(
                failed, next_in=background_pause(config.sweep_seconds, failed_rounds)
            )

    async def warm_up(store: GraphStore, stop: asyncio.Event) -> None:
        """Load the rep network, then the reach of every open lead (rankings asked later cost
        a lookup); a failure (the database blinking at start-up) is logged and
        retried with backoff until it succeeds or shutdown starts, so /readyz comes good."""
        failures = 0
        while not stop.is_set():
            try:
                await asyncio.to_thread(store.warm_up)
                await asyncio.to_thread(warm_rankings, store, metrics, stop)
                return
            except Exception as exc:
                failures += 1
                _log_failure("loading the rep network and the open leads' reach (retrying)", exc)
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=min(60.0, 2.0 ** min(failures, 6)))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = store_factory()
        # where other processes write too (Neo4j), a claim answers without waiting for its
        # announcement to them: graph/store/announcer.py
        store.announce_in_background()
        # and reads the workloads and the rep directory again before they expire, so that
        # requests seldom wait for those reads: graph/store/caches.py READ_AHEAD
        store.read_ahead()
        services = Services(store=store, policy=chosen_policy, clock=clock)
        services.broker.bind(asyncio.get_running_loop())
        app.state.store = store
        app.state.services = services
        metrics.bind(store, clock)
        stop = asyncio.Event()
        # background work runs in worker threads, which cannot be cancelled: shutdown waits
        # for them to finish before closing the store (closing under a running query crashes)
        tasks = [asyncio.create_task(warm_up(store, stop))]
        if config.sweep_seconds > 0:
            tasks.append(asyncio.create_task(sweeper(services, stop)))
        try:
            yield
        finally:
            stop.set()
            try:
                for task in tasks:
                    try:
                        await task
                    except Exception as exc:
                        _log_failure("background task (at shutdown)", exc)
            finally:
                store.close()

    app = RequestIdFastAPI(title="warmpath", lifespan=lifespan)  # X-Request-ID on everything
    app.state.metrics = metrics
    app.add_middleware(ServerTiming)  # Server-Timing: app;dur=<ms> (make pages reads it)
    app.include_router(operations)  # /healthz, /readyz, /metrics
    app.include_router(backup_router)  # POST /admin/backup (embedded database, admins)
    app.include_router(audit_router)  # GET /audit.csv (the audit log, managers and admins)
    app.include_router(imports_router(config.import_max_bytes))  # POST/GET /imports (uploads)

    async def get_context(connection: HTTPConnection) -> Context:
        services: Services = connection.app.state.services
        if connection.scope["type"] == "websocket":
            return Context(services, None)  # the subscription signs in with connection_init
        header = connection.headers.get("authorization")
        user = kept_user(services.store, header)  # a known token: no worker thread
        if user is None:
            user = await asyncio.to_thread(authenticate, services.store, header)
        if user is None:
            raise HTTPException(
                status_code=401,
                detail="missing or unknown bearer token: send Authorization: Bearer <token>",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return Context(services, user)

    graphql_app: GraphQLRouter[Context, None] = _Router(
        schema,
        context_getter=get_context,
        graphql_ide="graphiql" if config.development else None,
        subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
    )
    app.include_router(graphql_app, prefix="/graphql")

    @app.exception_handler(WarmpathError)
    async def expected_failure(request: Request, exc: WarmpathError) -> JSONResponse:
        if isinstance(exc, (StoreError, StoreUnavailable)):  # internals: logged, not shown
            log.warning("database failure on %s: %s", request.url.path, exc)
            return JSONResponse(
                status_code=503,
                content={
                    "error": "UNAVAILABLE",
                    "message": "The graph database did not answer: try again shortly.",
                },
            )
        if exc.code in CLIENT_CODES:
            return JSONResponse(status_code=400, content={"error": exc.code, "message": str(exc)})
        return await unexpected_failure(request, exc)

    @app.exception_handler(Exception)
    async def unexpected_failure(request: Request, exc: Exception) -> JSONResponse:
        """Anything else: logged with the request id, answered without a word of internals."""
        request_id = current_request_id() or "-"
        log.error("unexpected error on %s (request %s)", request.url.path, request_id, exc_info=exc)
        return JSONResponse(
            status_code=500,
            content={"error": "INTERNAL", "message": "Unexpected error.", "requestId": request_id},
        )

    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def manager_page() -> FileResponse:
        return FileResponse(WEB_DIR / "index.html", media_type="text/html")

    return app


def app_from_env() -> FastAPI:
    """The app of one worker of ``warmpath serve --workers N``: every setting and the policy
    from the environment (checked by ``serve`` before the workers start)."""
    settings = WarmpathSettings.from_env()
    policy = current_policy(settings)
    configure_logging(settings.log_format)
    return create_app(
        lambda: open_store(settings.graph),
        policy=policy,
        settings=ApiSettings.from_settings(settings),
    )
