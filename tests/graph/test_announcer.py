"""The announcer's thread (graph/store/announcer.py): announcements that wait while one is
being sent go together in the next, in one order of kinds, with the moved leads by id up to
MOVES_NAMED; closing sends what waits. The store's side, on a real Neo4j, is in
tests/routing/test_ranking_cache.py."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import pytest

from graph.store.announcer import Announcer
from graph.store.caches import ALL_LEADS, GRAPH, LEADS, MOVES_NAMED, REPS


class Wire:
    """What was sent, in order; the first send waits until ``release`` (so that others wait)."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.first_started = threading.Event()
        self.release = threading.Event()

    def send(self, announcement: Mapping[str, Any]) -> None:
        if not self.sent:
            self.first_started.set()
            assert self.release.wait(10)
        self.sent.append(dict(announcement))


def test_announcements_that_wait_are_sent_together_in_one_order() -> None:
    wire = Wire()
    announcer = Announcer(wire.send)
    try:
        announcer.add([LEADS], ["L1"])
        assert wire.first_started.wait(10)  # the first is being sent: the next ones wait
        announcer.add([REPS, LEADS], ["L3"])
        announcer.add([GRAPH], [])
        announcer.add([LEADS], ["L2", "L3"])
        wire.release.set()
        assert announcer.flush()
        assert wire.sent == [
            {"kinds": [LEADS], "lead_ids": ["L1"]},
            {"kinds": [*sorted([REPS, GRAPH]), LEADS], "lead_ids": ["L2", "L3"]},
        ]
        assert announcer.sent == 2
    finally:
        announcer.close()


def test_every_lead_is_announced_when_one_write_said_so_or_too_many_moved() -> None:
    wire = Wire()
    wire.release.set()
    announcer = Announcer(wire.send)
    try:
        announcer.add([LEADS], ["L1", ALL_LEADS])
        assert announcer.flush()
        many = [f"L{n}" for n in range(MOVES_NAMED + 1)]
        announcer.add([LEADS], many)
        assert announcer.flush()
        announcer.add([GRAPH], [])  # no lead moved: only the kind
        assert announcer.flush()
    finally:
        announcer.close()
    assert wire.sent == [
        {"kinds": [LEADS], "lead_ids": [ALL_LEADS]},
        {"kinds": [LEADS], "lead_ids": [ALL_LEADS]},
        {"kinds": [GRAPH], "lead_ids": []},
    ]


def test_closing_sends_what_waits_and_later_announcements_go_at_once() -> None:
    wire = Wire()
    announcer = Announcer(wire.send)
    announcer.add([LEADS], ["L1"])
    assert wire.first_started.wait(10)
    announcer.add([LEADS], ["L2"])  # waits behind the first
    closing = threading.Thread(target=announcer.close)
    closing.start()
    wire.release.set()
    closing.join(10)
    assert not closing.is_alive()
    assert wire.sent == [
        {"kinds": [LEADS], "lead_ids": ["L1"]},
        {"kinds": [LEADS], "lead_ids": ["L2"]},
    ]
    announcer.add([REPS], [])  # after close: sent in the caller's thread
    assert wire.sent[-1] == {"kinds": [REPS], "lead_ids": []}
    assert announcer.flush()


def test_a_failed_send_is_logged_and_does_not_stop_the_announcer(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sent: list[Mapping[str, Any]] = []

    def flaky(announcement: Mapping[str, Any]) -> None:
        if not sent:
            sent.append({})
            raise RuntimeError("the graph went away")
        sent.append(announcement)

    announcer = Announcer(flaky)
    try:
        announcer.add([LEADS], ["L1"])
        assert announcer.flush()
        announcer.add([LEADS], ["L2"])
        assert announcer.flush()
    finally:
        announcer.close()
    assert sent[1:] == [{"kinds": [LEADS], "lead_ids": ["L2"]}]
    assert "an announcement to the other processes failed" in caplog.text
