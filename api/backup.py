"""Backups through the running server: ``POST /admin/backup`` (admins only) streams a snapshot of
the embedded database, taken in the server's process under its write lock (graph.backup);
``from_server`` is the command line's side of it."""

from __future__ import annotations

import http.client
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from api.auth import authenticate
from api.import_client import server_message
from graph.backup import (
    CHUNK,
    NEO4J_BACKUP,
    BackupFailed,
    Snapshot,
    TableCounts,
    open_snapshot,
    save_stream,
)
from graph.errors import InvalidArgument, StoreUnavailable
from graph.store import GraphStore

log = logging.getLogger(__name__)
COUNTS_HEADER = "X-Warmpath-Counts"
TIMEOUT_SECONDS = 600.0
"""The server waits for running queries before its checkpoint: allow for long ones."""

router = APIRouter()


def _problem(status: int, error: str, message: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": error, "message": message})


@router.post("/admin/backup", include_in_schema=False)
def take_backup(request: Request) -> Response:
    """A consistent copy of the embedded database file, with its rows per label and type in
    the X-Warmpath-Counts header. Writes wait during the copy; reads go on."""
    store: GraphStore = request.app.state.store
    user = authenticate(store, request.headers.get("authorization"))
    if user is None:
        return _problem(
            401, "UNAUTHENTICATED", "missing or unknown token: send an admin's bearer token"
        )
    if user.role != "admin":
        return _problem(403, "FORBIDDEN", "only admins can take backups: use an admin's token")
    if store.backend != "ladybug":
        return _problem(409, "NOT_EMBEDDED", NEO4J_BACKUP)
    try:
        reader, size, counts = open_snapshot(store)
    except BackupFailed as exc:  # the server's own disk: its paths stay in its log
        log.warning("backup failed: %s", exc)
        return _problem(507, "BACKUP_FAILED", "the server could not copy the database: see its log")
    log.info("backup taken: %s bytes", size)
    return StreamingResponse(
        _chunks(reader),
        media_type="application/octet-stream",
        headers={"Content-Length": str(size), COUNTS_HEADER: json.dumps(counts.as_json())},
    )


def _chunks(reader: BinaryIO) -> Iterator[bytes]:
    with reader:
        while chunk := reader.read(CHUNK):
            yield chunk


def from_server(url: str, token: str | None) -> Snapshot:
    """A snapshot the server at ``url`` takes and sends (needs an admin's token)."""
    endpoint = url.rstrip("/") + "/admin/backup"

    def take(partial: Path) -> TableCounts:
        if not url.startswith(("http://", "https://")):
            raise InvalidArgument(
                f"--server {url!r} is not an http(s) URL, e.g. http://127.0.0.1:8000"
            )
        if not token:
            raise InvalidArgument(
                "backing up through the server needs an admin's token in WARMPATH_TOKEN "
                "(warmpath users add --role admin prints one)"
            )
        request = urllib.request.Request(
            endpoint, method="POST", headers={"Authorization": f"Bearer {token}"}
        )
        try:
            response = urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS)
        except urllib.error.HTTPError as exc:
            message = server_message(exc)
            if exc.code in (401, 403):
                raise InvalidArgument(f"the server refused the token: {message}") from None
            if exc.code == 409:
                raise InvalidArgument(message) from None
            raise BackupFailed(
                f"the server could not take the backup (HTTP {exc.code}): {message}"
            ) from None
        except OSError as exc:
            reason = getattr(exc, "reason", exc)
            raise StoreUnavailable(
                f"cannot reach {url} ({reason}): is warmpath serve running there?"
            ) from None
        with response:
            try:
                counts = TableCounts.from_json(json.loads(response.headers[COUNTS_HEADER]))
                size = int(response.headers["Content-Length"])
            except (TypeError, ValueError):
                raise BackupFailed(f"{url} did not answer like a warmpath server") from None
            save_stream(_received(response, url), partial, size)
        return counts

    return take


def _received(response: BinaryIO, url: str) -> Iterator[bytes]:
    while True:
        try:
            chunk = response.read(CHUNK)
        except (OSError, http.client.HTTPException):
            raise BackupFailed(
                f"the connection to {url} broke during the copy: try again"
            ) from None
        if not chunk:
            return
        yield chunk
