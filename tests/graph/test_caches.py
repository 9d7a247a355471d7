"""What a store keeps in memory when its maps are full (graph/store/caches.py): the entry kept
longest ago makes room, the others stay."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from graph.model import ACTIVITY_TRAIL, Company, LeadView, RepActivities, RepActivity
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


def _moved(kept: StoreCaches, *lead_ids: str) -> None:
    for lead_id in lead_ids:
        kept.lead_moved(
            caches.LeadMove(
                lead_id=lead_id,
                before_status="offered",
                before_owner=None,
                after_status="claimed",
                after_owner="rep:ann",
                event_kind="claimed",
                event_rep="rep:ann",
                at=datetime(2026, 12, 1, tzinfo=UTC),
            )
        )


def test_a_workers_moves_are_announced_by_id_or_as_every_lead() -> None:
    """The leads a thread moved are announced once (a Neo4j worker's, ``announces_leads``):
    by id; as every lead when it moved more than MOVES_NAMED, when an id holds the
    announcement's separator, or when the write also wrote leads or events otherwise."""
    kept = StoreCaches()
    kept.announces_leads = True
    _moved(kept, "L2", "L1", "L2")
    assert kept.announcement(frozenset()) == ["L1", "L2"]
    assert kept.announcement(frozenset()) == []  # announced once
    _moved(kept, *(f"L{n}" for n in range(caches.MOVES_NAMED + 1)))
    assert kept.announcement(frozenset()) == [caches.ALL_LEADS]
    _moved(kept, "odd\nid")
    assert kept.announcement(frozenset()) == [caches.ALL_LEADS]
    _moved(kept, "L1")
    assert kept.announcement(frozenset({caches.ACTIVITY})) == [caches.ALL_LEADS]
    quiet = StoreCaches()  # a LadybugDB store: its file has no other writer
    _moved(quiet, "L1")
    assert quiet.announcement(frozenset({caches.ACTIVITY})) == []


@pytest.mark.parametrize(
    ("recent", "dropped"),
    [
        (["4\nL1", "5\nL2\nL3"], {"L1", "L2", "L3"}),  # announcements 4 and 5: those leads
        (["5\nL2"], {"L0", "L1", "L2", "L3", "L4"}),  # 4 missed: every kept lead
        (["4\nL1", "5\n*"], {"L0", "L1", "L2", "L3", "L4"}),  # a write of every lead
    ],
)
def test_another_workers_announcements_drop_the_leads_they_name(
    recent: list[str], dropped: set[str]
) -> None:
    kept = StoreCaches()
    kept.announces_leads = True
    kept.changes_seen({"leads": 3})  # the first read: nothing kept before it
    assert kept.leads_seen() == 3
    views = {lead_id: _view(lead_id) for lead_id in ("L0", "L1", "L2", "L3", "L4")}
    kept.keep_leads(list(views.values()), kept.lead_changes())
    kept.changes_seen({"leads": 5}, recent)
    assert {i for i in views if kept.lead(i) is None} == dropped
    assert kept.leads_seen() == 5


def _view(lead_id: str) -> LeadView:
    return LeadView(
        id=lead_id,
        title=lead_id,
        status="offered",
        grade="warm",
        company=Company(id="c:acme", name="Acme"),
    )


def test_a_failed_announcement_makes_the_next_name_every_lead() -> None:
    kept = StoreCaches()
    kept.announces_leads = True
    _moved(kept, "L1")
    assert kept.announcement(frozenset()) == ["L1"]  # sent, and then refused by the graph
    kept.unannounced()
    _moved(kept, "L2")
    assert kept.announcement(frozenset()) == [caches.ALL_LEADS]
    _moved(kept, "L3")
    assert kept.announcement(frozenset()) == ["L3"]


def test_a_workers_own_announcement_is_not_read_back_as_anothers() -> None:
    kept = StoreCaches()
    kept.announces_leads = True
    kept.changes_seen({"leads": 3})
    kept.keep_leads([_view("L1"), _view("L2")], kept.lead_changes())
    kept.announced({"leads": 4})  # this worker's own, next in line
    assert kept.leads_seen() == 4
    kept.changes_seen({"leads": 4}, [])
    assert kept.lead("L1") is not None and kept.lead("L2") is not None
    kept.announced({"leads": 6})  # another worker's came in between: read at the next poll
    assert kept.leads_seen() == 4
    kept.changes_seen({"leads": 6}, ["5\nL2", "6\nL1"])
    assert kept.lead("L1") is None and kept.lead("L2") is None


def test_a_moved_activity_names_the_reps_changed_since_each_of_the_last_it_was_made_from() -> None:
    """What a roster worked out from an earlier activity needs updating for those reps only;
    past ACTIVITY_TRAIL moves, or for an activity it was not made from, nothing is named."""
    first = RepActivities({"r0": RepActivity(open_leads=1), "r9": RepActivity(open_leads=9)})
    chain = [first]
    for n in range(ACTIVITY_TRAIL + 1):
        chain.append(chain[-1].moved({f"r{n % 3}": RepActivity(open_leads=10 + n)}))
    last = chain[-1]
    assert last.changed_since(chain[-2]) == {"r2"}  # the last move: n = 8
    assert last.changed_since(chain[-3]) == {"r1", "r2"}
    assert last.changed_since(chain[1]) == {"r0", "r1", "r2"}  # eight moves ago
    assert last.changed_since(chain[0]) is None  # nine: not named any more
    assert last.changed_since(RepActivities(last)) is None  # equal, but not one it was made from
    assert first == {"r0": RepActivity(open_leads=1), "r9": RepActivity(open_leads=9)}
    assert last["r9"] is first["r9"] and last["r2"] == RepActivity(open_leads=18)


def test_the_oldest_breach_kept_follows_the_moves_that_add_breaches() -> None:
    """A breach moved in after the oldest one was worked out is counted: a later question with
    a window that leaves the older ones out gets the rep's breaches without them."""
    kept = StoreCaches()
    kept.single_writer = True
    key = (("claimed", "contacted"), ("offered", "claimed"), ("sla_breached",))
    day = datetime(2026, 11, 1, tzinfo=UTC)
    ann = RepActivity(open_leads=1, breaches=(day.replace(day=10),))
    kept.keep_activity(key, day, {"rep:ann": ann}, kept.activity_changes())
    assert kept.activity(key, day) == {"rep:ann": ann}  # works out the oldest breach: Nov 10
    for at, rep, before in (
        (day.replace(day=5), "rep:bob", "offered"),
        (day.replace(day=20), "rep:ann", "claimed"),
    ):
        kept.lead_moved(
            caches.LeadMove(
                lead_id="L1",
                before_status=before,
                before_owner=rep,
                after_status="new",
                after_owner=None,
                event_kind="sla_breached",
                event_rep=rep,
                at=at,
            )
        )
    since_the_7th = kept.activity(key, day.replace(day=7))  # bob's breach of the 5th left out
    assert since_the_7th == {
        "rep:ann": RepActivity(open_leads=0, breaches=(day.replace(day=10), day.replace(day=20))),
        "rep:bob": RepActivity(),
    }
    everything = kept.activity(key, day)
    assert everything is not None and everything["rep:bob"].breaches == (day.replace(day=5),)
