"""Deliver outbox messages (leads returned to marketing) to WARMPATH_MARKETING_WEBHOOK.

Each message is POSTed as JSON. A failure is logged and retried later with exponential
backoff (10 s, 20 s, 40 s ... at most an hour apart); a message stays in the outbox until it is
delivered, so nothing is lost when marketing's endpoint is down.
"""

from __future__ import annotations

import http.client
import logging
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from graph.store import GraphStore

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=1)
LEASE = timedelta(minutes=2)
LEASE_SIZE = 10
MAX_LEASES = 100  # at most 1,000 messages a round; the rest wait for the next one

Send = Callable[[str, bytes], None]


def post_json(url: str, body: bytes) -> None:
    """POST a JSON body; raises on a network error or a non-2xx answer."""
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        if not 200 <= response.status < 300:
            raise urllib.error.HTTPError(url, response.status, "not 2xx", response.headers, None)


@dataclass(frozen=True)
class Delivery:
    delivered: int
    failed: int


def _describe(exc: Exception) -> str:
    """One line for the log and the outbox: an answer without a status line (a dropped
    connection, a protocol error) says little by itself."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def backoff(attempts: int) -> timedelta:
    return min(MAX_BACKOFF, timedelta(seconds=10 * 2 ** max(attempts - 1, 0)))


def deliver_due(
    store: GraphStore,
    url: str,
    *,
    now: datetime,
    send: Send = post_json,
    clock: Callable[[], datetime] | None = None,
) -> Delivery:
    """Try every message whose next attempt is due; safe to run often, concurrently with the
    API and in every API process: messages are leased in the database a few at a time before
    they are sent (LEASE_SIZE POSTs of at most 10 s each fit in LEASE), so of several processes
    one sends each, and an attempt is recorded only while its sender still holds the lease.
    With ``clock``, each lease is taken (and its attempts recorded) at the clock's time, not at
    ``now``: a slow endpoint cannot make a later lease expire before it is taken."""
    delivered = failed = 0
    worker = uuid.uuid4().hex
    due_by = now  # messages due when the round started: a failure is not retried this round
    for batch in range(MAX_LEASES):
        if clock is not None and batch > 0:
            now = clock()
        leased = store.lease_outbox(due_by, worker=worker, until=now + LEASE, limit=LEASE_SIZE)
        if not leased:
            break
        for message in leased:
            attempts = message.attempts + 1
            try:
                send(url, message.payload.encode("utf-8"))
            except Exception as exc:  # any failure of the endpoint is a failed attempt
                failed += 1
                expected = isinstance(exc, (OSError, ValueError, http.client.HTTPException))
                log.warning(
                    "webhook delivery of %s failed (attempt %d): %s",
                    message.id,
                    attempts,
                    _describe(exc),
                    exc_info=not expected,  # a traceback only for the unforeseen
                )
                store.mark_outbox(
                    message.id,
                    attempts=attempts,
                    next_at=now + backoff(attempts),
                    error=_describe(exc)[:500],
                    delivered_at=None,
                    worker=worker,
                )
                continue
            delivered += 1
            store.mark_outbox(
                message.id,
                attempts=attempts,
                next_at=None,
                error=None,
                delivered_at=now,
                worker=worker,
            )
    return Delivery(delivered=delivered, failed=failed)
