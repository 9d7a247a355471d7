"""Imports through the running server: ``POST /imports/{kind}`` takes one export file as the
request body and imports it in the server's process (the one writer of an embedded database, so
there is no second writer and no checkpoint on a cold close); ``GET /imports/{job}`` reports its
progress and, at the end, the summary line and the invalid rows.

The same importer functions as ``warmpath import`` run in one worker thread, one import at a time
(a second upload while one runs gets 409). Each file is one transaction, as on the command line:
a failure leaves the graph as it was. The writes go through the store's write path, so the
server's caches (the rep network, the rep directory) drop what the import changed. Admins import
every kind; a rep imports only their own network exports, and their upload records their consent.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import tempfile
import threading
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from api.auth import authenticate
from graph.errors import (
    ConfigError,
    NotFound,
    QueryCatalogError,
    StoreError,
    StoreUnavailable,
    WarmpathError,
)
from graph.model import User
from graph.store import GraphStore
from importers import crm, facebook, linkedin
from importers.consent import ConsentGiven
from importers.plan import ImportReport, Progress

log = logging.getLogger(__name__)
KEPT_JOBS = 50
"""Finished jobs the server remembers (for their GET), newest first."""
CHUNK = 1 << 20


@dataclass(frozen=True)
class Options:
    """What an upload asks for besides its file (query parameters)."""

    rep: str | None
    prune: bool
    dry_run: bool
    consent: ConsentGiven | None


Importer = Callable[[GraphStore, Path, Options, Progress], ImportReport]


@dataclass(frozen=True)
class Kind:
    """One kind of upload: the importer ``warmpath import <name>`` runs, and whether it is a
    rep's own network export (needs ``rep``; a rep may upload their own)."""

    name: str
    own_export: bool
    run: Importer


def _own(importer: Callable[..., ImportReport]) -> Importer:
    """A rep's own export (positions, education, facebook): the importer's keyword options."""

    def run(store: GraphStore, path: Path, options: Options, progress: Progress) -> ImportReport:
        return importer(
            store,
            options.rep or "",
            path,
            dry_run=options.dry_run,
            progress=progress,
            consent=options.consent,
        )

    return run


def _linkedin(store: GraphStore, path: Path, options: Options, progress: Progress) -> ImportReport:
    return linkedin.import_linkedin(
        store,
        options.rep or "",
        path,
        prune=options.prune,
        dry_run=options.dry_run,
        progress=progress,
        consent=options.consent,
    )


KINDS = {
    kind.name: kind
    for kind in (
        Kind("linkedin", True, _linkedin),
        Kind("positions", True, _own(linkedin.import_positions)),
        Kind("education", True, _own(linkedin.import_education)),
        Kind("facebook", True, _own(facebook.import_facebook)),
        Kind(
            "reps",
            False,
            lambda s, path, o, p: crm.import_reps(s, path, dry_run=o.dry_run, progress=p),
        ),
        Kind(
            "leads",
            False,
            lambda s, path, o, p: crm.import_leads(s, path, dry_run=o.dry_run, progress=p),
        ),
        Kind(
            "relationships",
            False,
            lambda s, path, o, p: crm.import_relationships(s, path, dry_run=o.dry_run, progress=p),
        ),
    )
}


@dataclass
class ImportJob:
    """One upload being imported, or imported: what ``GET /imports/{id}`` answers."""

    id: str
    kind: str
    file: str
    user_id: str
    started_at: datetime
    state: str = "running"
    phase: str = "reading"
    rows_done: int = 0
    rows_total: int | None = None
    report: ImportReport | None = None
    error: dict[str, str] | None = None
    finished_at: datetime | None = None

    def progress(self, label: str, done: int, total: int) -> None:
        self.phase, self.rows_done, self.rows_total = label, done, total

    def as_json(self) -> dict[str, Any]:
        report = self.report
        return {
            "jobId": self.id,
            "kind": self.kind,
            "file": self.file,
            "state": self.state,
            "phase": self.phase,
            "rowsDone": self.rows_done,
            "rowsTotal": self.rows_total,
            "summary": None if report is None else report.summary(),
            "invalid": [] if report is None else report.invalid_lines(),
            "exitCode": None if report is None else report.exit_code,
            "report": None if report is None else report.as_json(),
            "error": self.error,
            "startedAt": self.started_at.isoformat(),
            "finishedAt": None if self.finished_at is None else self.finished_at.isoformat(),
        }


@dataclass
class ImportJobs:
    """The server's imports: at most one running, the last KEPT_JOBS remembered."""

    worker: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="warmpath-import")
    )
    jobs: OrderedDict[str, ImportJob] = field(default_factory=OrderedDict)
    running: ImportJob | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reserve(self, job: ImportJob) -> ImportJob | None:
        """Make ``job`` the running one; the job already running instead, if any."""
        with self.lock:
            if self.running is not None:
                return self.running
            self.running = job
            self.jobs[job.id] = job
            while len(self.jobs) > KEPT_JOBS:
                self.jobs.popitem(last=False)
            return None

    def release(
        self, job: ImportJob, *, outcome: str | None = None, at: datetime | None = None
    ) -> None:
        """Free the slot. ``outcome`` (done or failed) is published in the same step, so a
        client that sees the job finished may upload the next file at once."""
        with self.lock:
            if outcome is not None:
                job.state = outcome
            if at is not None:
                job.finished_at = at
            if self.running is job:
                self.running = None
            if job.state == "running":  # never started (the upload failed): forget it
                self.jobs.pop(job.id, None)


def _problem(status: int, error: str, message: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": error, "message": message})


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "").lower() in ("1", "true", "yes")


def _file_name(raw: str | None, kind: str) -> str:
    """The uploaded file's own name, as the summary line shows it (no folders, no odd marks)."""
    name = re.sub(r"[^\w.@+-]", "_", (raw or "").replace("\\", "/").rsplit("/", 1)[-1])[:120]
    return name.strip("._") or f"{kind}-upload"


def _refusal(
    store: GraphStore, user: User | None, kind: Kind, rep: str | None
) -> JSONResponse | None:
    """Why ``user`` may not upload this, or None. A rep is refused another rep's export the
    same way whether or not that rep exists (no oracle)."""
    if user is None:
        return _problem(401, "UNAUTHENTICATED", "missing or unknown token: send a bearer token")
    if kind.own_export and not rep:
        return _problem(
            400, "INVALID_ARGUMENT", f"rep: a {kind.name} export needs ?rep=<the rep's email>"
        )
    if user.role == "admin":
        return None
    if user.role == "rep" and kind.own_export:
        try:
            if store.resolve_rep(rep or "").id == user.rep_id:
                return None
        except NotFound:
            pass
        return _problem(403, "FORBIDDEN", "a rep can upload only their own exports (rep=you)")
    return _problem(
        403, "FORBIDDEN", "only admins import this; a rep may upload their own network exports"
    )


def _consent(user: User, request: Request, now: datetime) -> ConsentGiven | None:
    if user.role == "rep":  # the rep's own upload is their consent
        return ConsentGiven(by=f"upload by rep {user.name}", at=now)
    if _flag(request, "consent"):
        return ConsentGiven(by=f"upload by admin {user.name} (consent=true)", at=now)
    return None


def _failure(exc: Exception, job: ImportJob, folder: Path) -> dict[str, str]:
    """What a failed import tells its client: the message of a mistake it can fix (without the
    server's folders), never the database's or an unforeseen error's words."""
    if isinstance(exc, (StoreError, StoreUnavailable)):
        log.warning("import job %s: database failure: %s", job.id, exc)
        return {
            "code": "UNAVAILABLE",
            "message": "The graph database did not answer; nothing was imported: try again.",
        }
    if isinstance(exc, WarmpathError) and not isinstance(exc, (ConfigError, QueryCatalogError)):
        message = str(exc).replace(f"{folder}/", "").replace(str(folder), "upload")
        return {"code": exc.code, "message": message}
    log.error("import job %s failed", job.id, exc_info=exc)
    return {
        "code": "INTERNAL",
        "message": f"Unexpected error; nothing was imported (job {job.id} in the server's log).",
    }


def _run(
    jobs: ImportJobs,
    job: ImportJob,
    kind: Kind,
    store: GraphStore,
    folder: Path,
    options: Options,
    clock: Callable[[], datetime],
) -> None:
    outcome = None
    try:
        job.report = kind.run(store, folder / job.file, options, job.progress)
        outcome = "done"
        log.info("import job %s: %s", job.id, job.report.summary())
    except Exception as exc:
        job.error = _failure(exc, job, folder)
        outcome = "failed"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        jobs.release(job, outcome=outcome, at=clock())


async def _receive(request: Request, target: Path, limit: int) -> bool:
    """Write the request body to ``target``; False as soon as it passes ``limit`` bytes."""
    size = 0
    with target.open("wb") as out:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                return False
            await asyncio.to_thread(out.write, chunk)
    return True


def imports_router(max_bytes: int) -> APIRouter:
    """The import endpoints, taking uploads of at most ``max_bytes``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        jobs = ImportJobs()
        app.state.imports = jobs
        try:
            yield
        finally:  # before the store closes: a running import finishes (or fails) first
            await asyncio.to_thread(jobs.worker.shutdown, True)

    router = APIRouter(lifespan=lifespan)

    @router.post("/imports/{kind}", include_in_schema=False)
    async def upload(kind: str, request: Request) -> JSONResponse:
        """Import the body (one export file) as ``warmpath import <kind>`` would: 202 and the
        job to follow with GET /imports/{jobId}."""
        services = request.app.state.services
        store: GraphStore = services.store
        user = await asyncio.to_thread(authenticate, store, request.headers.get("authorization"))
        chosen = KINDS.get(kind)
        if chosen is None:
            if user is None:
                return _problem(401, "UNAUTHENTICATED", "missing or unknown token")
            return _problem(
                404, "NOT_FOUND", f"no import kind {kind!r}: use one of {', '.join(KINDS)}"
            )
        rep = request.query_params.get("rep") or None
        if rep is None and user is not None and user.role == "rep" and chosen.own_export:
            rep = user.rep_id  # a rep uploads their own export
        refusal = await asyncio.to_thread(_refusal, store, user, chosen, rep)
        if refusal is not None or user is None:
            return refusal or _problem(401, "UNAUTHENTICATED", "missing or unknown token")
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            return _too_large(max_bytes)
        jobs: ImportJobs = request.app.state.imports
        job = ImportJob(
            id=uuid.uuid4().hex,
            kind=chosen.name,
            file=_file_name(request.query_params.get("filename"), chosen.name),
            user_id=user.id,
            started_at=services.clock(),
        )
        busy = jobs.reserve(job)
        if busy is not None:
            return _problem(
                409,
                "IMPORT_RUNNING",
                f"the server is importing {busy.file} (job {busy.id}): one import at a time; "
                "upload again when it is done",
            )
        folder = Path(tempfile.mkdtemp(prefix="warmpath-upload-"))
        try:
            complete = await _receive(request, folder / job.file, max_bytes)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            jobs.release(job)
            raise
        if not complete:
            shutil.rmtree(folder, ignore_errors=True)
            jobs.release(job)
            return _too_large(max_bytes)
        options = Options(
            rep=rep,
            prune=_flag(request, "prune"),
            dry_run=_flag(request, "dryRun"),
            consent=_consent(user, request, services.clock()),
        )
        jobs.worker.submit(_run, jobs, job, chosen, store, folder, options, services.clock)
        return JSONResponse(
            status_code=202,
            content=job.as_json(),
            headers={"Location": f"/imports/{job.id}"},
        )

    @router.get("/imports/{job_id}", include_in_schema=False)
    async def follow(job_id: str, request: Request) -> JSONResponse:
        """The job's state: running (with the rows written so far), done or failed."""
        store: GraphStore = request.app.state.store
        user = await asyncio.to_thread(authenticate, store, request.headers.get("authorization"))
        if user is None:
            return _problem(401, "UNAUTHENTICATED", "missing or unknown token: send a bearer token")
        jobs: ImportJobs = request.app.state.imports
        job = jobs.jobs.get(job_id)
        if job is None or (user.role != "admin" and job.user_id != user.id):
            return _problem(404, "NOT_FOUND", f"no import job {job_id[:40]!r} of yours")
        return JSONResponse(content=job.as_json())

    return router


def _too_large(limit: int) -> JSONResponse:
    return _problem(
        413,
        "TOO_LARGE",
        f"the upload is larger than this server takes ({limit // 1024**2} MB, "
        "WARMPATH_IMPORT_MAX_MB): split it, or import it with warmpath import on the server",
    )
