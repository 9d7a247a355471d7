"""The FastAPI application: one graph store per process, opened in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from graph.backends import open_store
from graph.errors import WarmpathError
from graph.store import GraphStore

StoreFactory = Callable[[], GraphStore]


def create_app(store_factory: StoreFactory = open_store) -> FastAPI:
    """Build the app; ``store_factory`` opens the graph at start-up; it is closed at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = store_factory()
        app.state.store = store
        try:
            yield
        finally:
            store.close()

    app = FastAPI(title="warmpath", lifespan=lifespan)

    @app.exception_handler(WarmpathError)
    async def expected_failure(request: Request, exc: WarmpathError) -> JSONResponse:
        return JSONResponse(status_code=400, content={"error": exc.code, "message": str(exc)})

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
