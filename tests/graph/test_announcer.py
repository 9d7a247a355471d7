"""The announcer's thread (graph/store/announcer.py): announcements that wait while one is
being sent go together in the next, in one order of kinds, with the moved leads by id
(MOVES_NAMED to an announcement); a failed send is tried again naming every lead; closing
sends what waits. The store's side, on a real Neo4j, is in tests/routing/test_ranking_cache.py."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

import pytest

from graph.store import announcer as announcer_module
from graph.store.announcer import Announcer, announcements
from graph.store.caches import ALL_LEADS, GRAPH, LEADS, MOVES_NAMED, NOTED, REPS


class Wire:
    """What was sent, in order; the first send waits until ``release`` (so that others wait);
    the sends numbered in ``failing`` fail (counted from 0, failed ones included)."""

    def __init__(self, *, failing: tuple[int, ...] = (), raising: bool = False) -> None:
        self.sent: list[dict[str, Any]] = []
        self.tries = 0
        self.failing, self.raising = failing, raising
        self.first_started = threading.Event()
        self.release = threading.Event()

    def send(self, announcement: Mapping[str, Any]) -> bool:
        number, self.tries = self.tries, self.tries + 1
        if number == 0:
            self.first_started.set()
            assert self.release.wait(10)
        if number in self.failing:
            if self.raising:
                raise RuntimeError("the graph went away")
            return False
        self.sent.append(dict(announcement))
        return True


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
        assert (announcer.sent, announcer.failed) == (2, 0)
    finally:
        announcer.close()


def test_announcements_added_close_together_go_in_one_send(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The thread waits GATHER_SECONDS for more before it sends: each send is a write
    transaction on the counter node that every worker's announcements lock."""
    monkeypatch.setattr(announcer_module, "GATHER_SECONDS", 1.0)
    wire = Wire()
    wire.release.set()
    announcer = Announcer(wire.send)
    try:
        announcer.add([LEADS], ["L1"])
        time.sleep(0.05)  # without the wait, L1 would be on its way alone by now
        announcer.add([LEADS], ["L2"])
        assert announcer.flush()
        assert wire.sent == [{"kinds": [LEADS], "lead_ids": ["L1", "L2"]}]
    finally:
        announcer.close()


def test_many_moved_leads_go_by_id_in_several_announcements() -> None:
    wire = Wire()
    wire.release.set()
    announcer = Announcer(wire.send)
    try:
        announcer.add([LEADS], ["L1", ALL_LEADS])  # a write that said every lead
        assert announcer.flush()
        many = sorted(f"L{n:03d}" for n in range(MOVES_NAMED + 1))
        announcer.add([GRAPH, LEADS], many)
        assert announcer.flush()
        announcer.add([REPS], [])  # no lead moved: only the kind
        assert announcer.flush()
    finally:
        announcer.close()
    assert wire.sent == [
        {"kinds": [LEADS], "lead_ids": [ALL_LEADS]},
        {"kinds": [GRAPH, LEADS], "lead_ids": many[:MOVES_NAMED]},
        {"kinds": [LEADS], "lead_ids": many[MOVES_NAMED:]},
        {"kinds": [REPS], "lead_ids": []},
    ]


def test_a_leads_notes_go_in_the_announcement_that_names_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Announcements are cut every MOVES_NAMED leads (2 here), each lead's id with the notes
    of its moves (caches.py NOTED): notes of one lead in two announcements would be followed
    one without the other."""
    monkeypatch.setattr(announcer_module, "MOVES_NAMED", 2)
    note = NOTED.join(("", "offered", "rep:ann", "claimed", "rep:ann", ""))
    entries = ["L1", "L2", f"L2{note}", f"L2{note}x", "L3", f"L3{note}", "L10"]
    sent = announcements([LEADS], entries)
    assert [a["lead_ids"] for a in sent] == [
        ["L1", "L10"],
        ["L2", f"L2{note}", f"L2{note}x", "L3", f"L3{note}"],
    ]


@pytest.mark.parametrize("raising", [False, True])
def test_a_failed_send_is_tried_again_naming_every_lead(
    raising: bool, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The first send fails (refused, or an exception); the announcer goes on, and its next
    try names every lead, since the moves it named may be lost."""
    monkeypatch.setattr(announcer_module, "RETRY_PAUSES", (0.01,))
    wire = Wire(failing=(0,), raising=raising)
    wire.release.set()
    announcer = Announcer(wire.send)
    try:
        announcer.add([REPS, LEADS], ["L1"])
        assert announcer.flush()
        announcer.add([LEADS], ["L2"])
        assert announcer.flush()
    finally:
        announcer.close()
    assert wire.sent == [
        {"kinds": [REPS, LEADS], "lead_ids": [ALL_LEADS]},
        {"kinds": [LEADS], "lead_ids": ["L2"]},
    ]
    assert (announcer.sent, announcer.failed) == (2, 1)
    assert ("an announcement to the other processes failed" in caplog.text) == raising


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


def test_closing_gives_up_a_send_that_keeps_failing(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(announcer_module, "RETRY_PAUSES", (0.01, 0.01))
    wire = Wire(failing=tuple(range(100)))
    wire.release.set()
    announcer = Announcer(wire.send)
    announcer.add([LEADS], ["L1"])
    announcer.close()
    assert wire.sent == [] and 2 <= announcer.failed < 100
    assert "could not be sent" in caplog.text
