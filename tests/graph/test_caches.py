"""What a store keeps in memory when its maps are full (graph/store/caches.py): the entry kept
longest ago makes room, the others stay."""

from __future__ import annotations

import pytest

from graph.store import caches
from graph.store.caches import StoreCaches


def test_a_full_map_drops_the_entry_kept_longest_ago(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(caches, "LEADS_KEPT", 3)
    kept = StoreCaches()
    kept.single_writer = True
    for lead_id in ("L0", "L1", "L2", "L3"):
        kept.keep_stream(lead_id, [], kept.lead_changes())
    assert [kept.stream(i) for i in ("L0", "L1", "L2", "L3")] == [None, [], [], []]
    kept.keep_stream("L1", [], kept.lead_changes())  # kept again: the newest now
    kept.keep_stream("L4", [], kept.lead_changes())
    assert [kept.stream(i) for i in ("L1", "L2", "L3", "L4")] == [[], None, [], []]


def test_a_full_answer_map_keeps_every_answer_but_the_oldest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(caches, "ANSWERS_KEPT", 2)
    kept = StoreCaches()
    kept.single_writer = True
    for key in ("agenda:ann", "agenda:bob", "agenda:cat"):
        kept.keep_answer(key, key.upper(), kept.lead_changes())
    assert [kept.answer(k) for k in ("agenda:ann", "agenda:bob", "agenda:cat")] == [
        None,
        "AGENDA:BOB",
        "AGENDA:CAT",
    ]
