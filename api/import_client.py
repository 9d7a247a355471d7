"""The command line's side of imports through the server (``warmpath import <kind> --server
URL``): upload the file to ``POST /imports/{kind}``, follow ``GET /imports/{job}`` until it is
done, feeding the same progress callback as a local import, and hand back what the server
reported. A refusal or a failed job becomes the warmpath error a local import would raise, so
the command prints the same line and exits with the same code."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph.errors import (
    ConfigError,
    ConsentMissing,
    InvalidArgument,
    NotFound,
    StoreError,
    StoreUnavailable,
    UnusableInput,
    WarmpathError,
)
from importers.source import read_bytes

if TYPE_CHECKING:  # not loaded by ``warmpath import --server`` (cli/__init__.py: main)
    from importers.plan import ImportReport, Progress

POLL_SECONDS = 0.1
TIMEOUT_SECONDS = 120.0
"""For one HTTP request (an upload of a large file included), not for the whole import."""
_ERRORS: dict[str, type[WarmpathError]] = {
    cls.code: cls
    for cls in (
        InvalidArgument,
        NotFound,
        UnusableInput,
        ConsentMissing,
        ConfigError,
        StoreUnavailable,
        StoreError,
    )
}


@dataclass(frozen=True)
class ImportOutcome:
    """What a finished import reports, whether it ran here or in the server: its summary line,
    its invalid rows as ``file:line: reason``, its exit code and its JSON summary."""

    summary: str
    invalid: list[str]
    exit_code: int
    report: dict[str, Any]

    @classmethod
    def of(cls, report: ImportReport) -> ImportOutcome:
        return cls(report.summary(), report.invalid_lines(), report.exit_code, report.as_json())


def import_through_server(
    url: str,
    token: str | None,
    kind: str,
    path: Path,
    *,
    rep: str | None = None,
    prune: bool = False,
    dry_run: bool = False,
    consent: bool = False,
    progress: Progress | None = None,
) -> ImportOutcome:
    """Import ``path`` as ``kind`` through the server at ``url``; waits until it is done."""
    if not url.startswith(("http://", "https://")):
        raise InvalidArgument(f"--server {url!r} is not an http(s) URL, e.g. http://127.0.0.1:8000")
    if not token:
        raise InvalidArgument(
            "importing through the server needs a token in WARMPATH_TOKEN or --token (an "
            "admin's, or a rep's for their own exports; warmpath users add prints one)"
        )
    body = read_bytes(path)  # the same one-line errors as a local import for a missing file
    query = {
        "filename": path.name,
        "rep": rep,
        "prune": prune,
        "dryRun": dry_run,
        "consent": consent,
    }
    params = urllib.parse.urlencode({k: _param(v) for k, v in query.items() if v})
    base = url.rstrip("/")
    job = _call(
        urllib.request.Request(
            f"{base}/imports/{urllib.parse.quote(kind)}?{params}",
            data=body,
            method="POST",
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/octet-stream",
            },
        ),
        url,
    )
    follow = f"{base}/imports/{urllib.parse.quote(str(job.get('jobId', '')))}"
    while job.get("state") == "running":
        if progress is not None and job.get("rowsTotal"):
            progress(str(job.get("phase")), int(job["rowsDone"]), int(job["rowsTotal"]))
        time.sleep(POLL_SECONDS)
        job = _call(
            urllib.request.Request(follow, headers={"Authorization": f"Bearer {token}"}), url
        )
    if job.get("state") == "done":
        return ImportOutcome(
            summary=str(job["summary"]),
            invalid=[str(line) for line in job["invalid"]],
            exit_code=int(job["exitCode"]),
            report=dict(job["report"]),
        )
    error = job.get("error") or {}
    raise _ERRORS.get(str(error.get("code")), StoreError)(
        str(error.get("message") or f"{url} did not answer like a warmpath server")
    )


def _param(value: object) -> str:
    return "true" if value is True else str(value)


def _call(request: urllib.request.Request, url: str) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            body = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        message = server_message(exc)
        if exc.code in (401, 403):
            raise InvalidArgument(f"the server refused the token: {message}") from None
        if exc.code == 413:
            raise UnusableInput(message) from None
        if exc.code in (400, 404, 409):
            raise InvalidArgument(message) from None
        raise StoreError(f"the server could not import (HTTP {exc.code}): {message}") from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise StoreUnavailable(
            f"cannot reach {url} ({reason}): is warmpath serve running there?"
        ) from None
    if not isinstance(body, dict) or "state" not in body:
        raise StoreError(f"{url} did not answer like a warmpath server")
    return body


def server_message(error: urllib.error.HTTPError) -> str:
    """The message of a warmpath server's error answer (its JSON `message`), else the reason."""
    try:
        body = json.loads(error.read() or b"{}")
    except ValueError:
        body = {}
    message = body.get("message") if isinstance(body, dict) else None
    return str(message or error.reason)
