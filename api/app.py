"""The FastAPI application: one graph store per process, opened in the lifespan; GraphQL at
/graphql; the SLA sweeper and the webhook outbox run as a background task."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.requests import HTTPConnection
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from api import webhook
from api.auth import authenticate
from api.graphql import Context, Services, schema
from graph.backends import open_store
from graph.errors import ConfigError, StoreError, StoreUnavailable, WarmpathError
from graph.store import GraphStore
from routing.lifecycle import sweep_sla
from routing.policy import Policy, current_policy

log = logging.getLogger(__name__)
WEB_DIR = Path(__file__).resolve().parent / "web"
StoreFactory = Callable[[], GraphStore]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ApiSettings:
    development: bool = False
    sweep_seconds: float = 60.0
    webhook_url: str | None = None

    @classmethod
    def from_env(cls) -> ApiSettings:
        env = os.environ.get("WARMPATH_ENV", "production").strip().lower()
        if env not in ("production", "development"):
            raise ConfigError(f"WARMPATH_ENV={env!r}: use production or development")
        raw = os.environ.get("WARMPATH_SLA_SWEEP_SECONDS", "60").strip()
        try:
            seconds = float(raw)
        except ValueError:
            raise ConfigError(
                f"WARMPATH_SLA_SWEEP_SECONDS={raw!r} is not a number of seconds (0 turns it off)"
            ) from None
        if seconds < 0:
            raise ConfigError("WARMPATH_SLA_SWEEP_SECONDS must be 0 (off) or more")
        url = os.environ.get("WARMPATH_MARKETING_WEBHOOK", "").strip() or None
        if url is not None and not url.startswith(("http://", "https://")):
            raise ConfigError(f"WARMPATH_MARKETING_WEBHOOK={url!r} is not an http(s) URL")
        return cls(development=env == "development", sweep_seconds=seconds, webhook_url=url)


def _newest(services: Services, lead_id: str) -> str:
    return max((e.id for e in services.store.events(lead_id=lead_id)), default="")


def run_background_once(services: Services, settings: ApiSettings) -> None:
    """One round of the background work: the SLA sweep, then the webhook outbox."""
    now = services.clock()
    before = {
        lead_id: _newest(services, lead_id) for lead_id, _ in services.store.overdue_leads(now)
    }
    result = sweep_sla(services.store, policy=services.policy, now=now)
    for lead_id, _ in result.breaches:
        seen = before.get(lead_id, "")
        services.broker.publish_threadsafe(
            e for e in services.store.events(lead_id=lead_id) if e.id > seen
        )
    if result.breaches:
        log.info("SLA sweep: %s", result.summary())
    if settings.webhook_url:
        webhook.deliver_due(services.store, settings.webhook_url, now=now)


class _Router(GraphQLRouter[Context, None]):
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

    async def sweeper(services: Services, stop: asyncio.Event) -> None:
        while True:
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=config.sweep_seconds)
            if stop.is_set():
                return
            try:
                await asyncio.to_thread(run_background_once, services, config)
            except WarmpathError as exc:
                log.warning("background round failed: %s", exc)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = store_factory()
        services = Services(store=store, policy=chosen_policy, clock=clock)
        services.broker.bind(asyncio.get_running_loop())
        app.state.store = store
        app.state.services = services
        stop = asyncio.Event()
        # background work runs in worker threads, which cannot be cancelled: shutdown waits
        # for them to finish before closing the store (closing under a running query crashes)
        tasks = [asyncio.create_task(asyncio.to_thread(store.warm_up))]
        if config.sweep_seconds > 0:
            tasks.append(asyncio.create_task(sweeper(services, stop)))
        try:
            yield
        finally:
            stop.set()
            for task in tasks:
                with suppress(WarmpathError):
                    await task
            store.close()

    app = FastAPI(title="warmpath", lifespan=lifespan)

    async def get_context(connection: HTTPConnection) -> Context:
        services: Services = connection.app.state.services
        if connection.scope["type"] == "websocket":
            return Context(services, None)  # the subscription signs in with connection_init
        user = await asyncio.to_thread(
            authenticate, services.store, connection.headers.get("authorization")
        )
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
        return JSONResponse(status_code=400, content={"error": exc.code, "message": str(exc)})

    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def manager_page() -> FileResponse:
        return FileResponse(WEB_DIR / "index.html", media_type="text/html")

    @app.get("/healthz")
    def healthz(request: Request) -> dict[str, Any]:
        store: GraphStore = request.app.state.store
        counts = store.counts()
        return {
            "status": "ok",
            "backend": store.backend,
            "people": counts.people,
            "reps": counts.reps,
            "companies": counts.companies,
            "leads": counts.leads,
            "ties": counts.ties,
        }

    return app
