"""Announcements to the other processes, sent by a thread of their own (caches.py ``LEADS``).

Where several processes write one graph (Neo4j: the API's workers), a write that committed is
announced so that the others drop what they keep of it: one more write transaction, on the
counter node that every announcement locks. Made by the writer after its commit, it lengthened
every claim by that transaction, and the claims of all workers queued for that one lock. The
API's server sends them from this thread instead: a claim answers once its own transaction has
committed, and the announcements made while one is being sent go together in the next (the
kinds written, and the moved leads by id, ``MOVES_NAMED`` to an announcement; it waits
``GATHER_SECONDS`` for more before each send). So another worker learns of a write after its
next poll (``CHANGES_POLL``) that follows the send: about as late as before, plus the
announcements waiting ahead of it. A send that fails is tried
again (every lead then, since some of its moves may be lost), with a growing pause, until it
goes through or the announcer closes; the claims judge a refusal on the graph meanwhile
(routing/lifecycle.py), and what is kept has its TTLs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Mapping
from typing import Any

from graph.store.caches import ALL_LEADS, LEADS, MOVES_NAMED, NOTED

logger = logging.getLogger(__name__)

CLOSE_SECONDS = 30.0
"""How long ``close`` waits for the last announcements (longer than a Neo4j round trip's
retries: RETRY_SECONDS, 10 s)."""
GATHER_SECONDS = 0.1
"""How long the thread waits, once something is to be announced, for more to send with it:
each announcement is a write transaction on the one counter node that every worker's
announcements lock (under claims on Neo4j, one for nearly every claim: 26 a second, 35 ms
each). The other workers read announcements at most every CHANGES_POLL (1 s) anyway."""
RETRY_PAUSES = (0.5, 1.0, 2.0, 5.0)
"""The pauses before each new try of a failed send (the last one repeats)."""

Send = Callable[[Mapping[str, Any]], bool]
"""Sends one ``{"kinds", "lead_ids"}`` announcement; False (or an exception) when it failed."""


class Announcer:
    """Sends announcements with ``send``, one at a time, merging those that wait."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self._changed = threading.Condition()
        self._kinds: set[str] = set()
        self._leads: set[str] = set()
        self._every_lead = False
        self._waiting = False
        self._sending = False
        self._closed = False
        self.sent = 0
        """Announcements sent (each may carry several writes)."""
        self.failed = 0
        """Sends that failed (each is tried again)."""
        self._thread = threading.Thread(target=self._run, name="warmpath-announcer", daemon=True)
        self._thread.start()

    def add(self, kinds: Collection[str], lead_ids: Collection[str]) -> None:
        """Announce these kinds and these moved leads (ALL_LEADS: every lead) soon; at once,
        in the caller's thread, once the announcer is closed (or its thread is gone)."""
        with self._changed:
            if not self._closed and self._thread.is_alive():
                self._merge(kinds, lead_ids, every_lead=False)
                self._changed.notify_all()
                return
        for announcement in announcements(kinds, lead_ids):
            self._try(announcement)

    def _merge(self, kinds: Collection[str], lead_ids: Collection[str], every_lead: bool) -> None:
        self._kinds.update(kinds)
        if every_lead or ALL_LEADS in lead_ids:
            self._every_lead = True
        else:
            self._leads.update(lead_ids)
        self._waiting = True

    def _try(self, announcement: Mapping[str, Any]) -> bool:
        try:
            done = self._send(announcement)
        except Exception:
            logger.exception("an announcement to the other processes failed")
            done = False
        with self._changed:
            if done:
                self.sent += 1
            else:
                self.failed += 1
        return done

    def _run(self) -> None:
        failures = 0
        while True:
            with self._changed:
                if failures:  # a pause before the next try, cut short by close
                    pause = RETRY_PAUSES[min(failures, len(RETRY_PAUSES)) - 1]
                    self._changed.wait_for(lambda: self._closed, timeout=pause)
                while not self._waiting and not self._closed:
                    self._changed.wait()
                if not self._closed:  # more may come meanwhile (cut short by close)
                    self._changed.wait_for(lambda: self._closed, timeout=GATHER_SECONDS)
                if not self._waiting:  # closed, and nothing left
                    return
                if self._closed and failures >= len(RETRY_PAUSES):
                    self._waiting = False
                    self._changed.notify_all()
                    logger.warning(
                        "the last announcements to the other processes could not be sent: "
                        "they drop what they keep of those writes when its TTL ends"
                    )
                    return
                kinds, leads, every = self._kinds, self._leads, self._every_lead
                self._kinds, self._leads, self._every_lead = set(), set(), False
                self._waiting, self._sending = False, True
            sent = False
            try:
                sent = all(
                    self._try(a) for a in announcements(kinds, {ALL_LEADS} if every else leads)
                )
            finally:
                with self._changed:
                    if not sent:  # again, naming every lead: some of its moves may be lost
                        self._merge(kinds, (), every_lead=True)
                    self._sending = False
                    self._changed.notify_all()
            failures = 0 if sent else failures + 1

    def flush(self, timeout: float = CLOSE_SECONDS) -> bool:
        """Wait until what was added before has been sent; False when that took over
        ``timeout`` (a failed send waits to be tried again meanwhile)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._waiting or self._sending:
                left = deadline - time.monotonic()
                if left <= 0 or not self._thread.is_alive():
                    return False
                self._changed.wait(left)
        return True

    def close(self) -> None:
        """Send what waits, then stop the thread (later announcements are sent at once)."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._thread.join(CLOSE_SECONDS)
        if self._thread.is_alive():
            logger.warning(
                "announcements to the other processes were still being sent after %.0f s; "
                "closing without them",
                CLOSE_SECONDS,
            )


def announcements(kinds: Collection[str], lead_ids: Collection[str]) -> list[dict[str, Any]]:
    """What to send, at once or from the announcer's thread: the kinds in one order for every
    process (the counters are locked in it, the moved leads' last), the moved leads by id in
    announcements of MOVES_NAMED leads, each lead's id with the notes of its moves (caches.py
    ``NOTED``: their order within one announcement is not known, so they go together; every
    lead, ALL_LEADS, only when a write said so or a send failed), the kinds with the first."""
    shared = sorted(set(kinds) - {LEADS})
    if ALL_LEADS in lead_ids:
        return [{"kinds": [*shared, LEADS], "lead_ids": [ALL_LEADS]}]
    by_lead: dict[str, list[str]] = {}
    for entry in sorted(set(lead_ids)):
        by_lead.setdefault(entry.split(NOTED, 1)[0], []).append(entry)
    if not by_lead:
        return [{"kinds": shared, "lead_ids": []}] if shared else []
    leads = list(by_lead.values())
    chunks = [
        [entry for lead in leads[start : start + MOVES_NAMED] for entry in lead]
        for start in range(0, len(leads), MOVES_NAMED)
    ]
    return [
        {"kinds": [*(shared if first == 0 else []), LEADS], "lead_ids": chunk}
        for first, chunk in enumerate(chunks)
    ]
