"""Announcements to the other processes, sent by a thread of their own (caches.py ``LEADS``).

Where several processes write one graph (Neo4j: the API's workers), a write that committed is
announced so that the others drop what they keep of it: one more write transaction, on the
counter node that every announcement locks. Made by the writer after its commit, it lengthened
every claim by that transaction, and the claims of all workers queued for that one lock. The
API's server sends them from this thread instead: a claim answers once its own transaction has
committed, and the announcements made while one is being sent go together in the next (the
kinds written, and the moved leads by id, up to ``MOVES_NAMED``, else every lead). The other
workers read announcements at most every ``CHANGES_POLL`` seconds anyway, and judge a refusal
on the graph (routing/lifecycle.py), so what they keep is at most that much later than before.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Mapping
from typing import Any

from graph.store.caches import ALL_LEADS, LEADS, MOVES_NAMED

logger = logging.getLogger(__name__)

CLOSE_SECONDS = 10.0
"""How long ``close`` waits for the last announcement to be sent."""


class Announcer:
    """Sends ``{"kinds", "lead_ids"}`` announcements with ``send``, one at a time, merging
    those that wait."""

    def __init__(self, send: Callable[[Mapping[str, Any]], None]) -> None:
        self._send = send
        self._changed = threading.Condition()
        self._kinds: set[str] = set()
        self._leads: set[str] = set()
        self._every_lead = False
        self._waiting = False
        self._sending = False
        self._closed = False
        self.sent = 0
        """How many announcements were sent (each may carry several writes)."""
        self._thread = threading.Thread(target=self._run, name="warmpath-announcer", daemon=True)
        self._thread.start()

    def add(self, kinds: Collection[str], lead_ids: Collection[str]) -> None:
        """Announce these kinds and these moved leads (ALL_LEADS: every lead) soon; sent
        now when the announcer is closed."""
        with self._changed:
            if not self._closed:
                self._merge(kinds, lead_ids)
                self._changed.notify_all()
                return
        self._send(self._announcement(set(kinds), set(lead_ids), ALL_LEADS in lead_ids))

    def _merge(self, kinds: Collection[str], lead_ids: Collection[str]) -> None:
        self._kinds.update(kind for kind in kinds if kind != LEADS)
        if ALL_LEADS in lead_ids:
            self._every_lead = True
        else:
            self._leads.update(lead_ids)
        self._waiting = True

    @staticmethod
    def _announcement(kinds: set[str], leads: set[str], every_lead: bool) -> dict[str, Any]:
        """The kinds in one order for every announcer (the counters are locked in it), the
        moved leads last."""
        named = [ALL_LEADS] if every_lead or len(leads) > MOVES_NAMED else sorted(leads)
        shared = sorted(kinds - {LEADS}) + ([LEADS] if named else [])
        return {"kinds": shared, "lead_ids": named}

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._waiting and not self._closed:
                    self._changed.wait()
                if not self._waiting:  # closed, and nothing left
                    return
                kinds, leads, every = self._kinds, self._leads, self._every_lead
                self._kinds, self._leads, self._every_lead = set(), set(), False
                self._waiting, self._sending = False, True
            try:
                self._send(self._announcement(kinds, leads, every))
            except Exception:  # the thread must go on: the caller's send logs what it can
                logger.exception("an announcement to the other processes failed")
            finally:
                with self._changed:
                    self._sending = False
                    self.sent += 1
                    self._changed.notify_all()

    def flush(self, timeout: float = CLOSE_SECONDS) -> bool:
        """Wait until what was added before has been sent; False if it took over ``timeout``."""
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
