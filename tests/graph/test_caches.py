"""What a store keeps in memory (graph/store/caches.py): what drops it (its own writes, other
workers' announcements, a rollback), and the entry kept longest ago making room in a full map."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from graph.model import (
    ACTIVITY_TRAIL,
    Company,
    Event,
    LeadState,
    LeadView,
    OwnedLead,
    RepActivities,
    RepActivity,
)
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


def _moved(
    kept: StoreCaches,
    *lead_ids: str,
    as_claimed: bool = False,
    at: datetime = datetime(2026, 12, 1, 9, tzinfo=UTC),
) -> None:
    """Ann claims the leads (at ``at``); ``as_claimed``: with the new state and event, as a
    claim's move tells the caches (what a store that keeps moves keeps of it)."""
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
                at=at,
                state=LeadState(status="claimed", owner_rep_id="rep:ann", claimed_at=at)
                if as_claimed
                else None,
                event=Event(id="e1", at=at, kind="claimed", actor="rep:ann", lead_id=lead_id)
                if as_claimed
                else None,
            )
        )


def test_a_workers_moves_are_announced_by_id_or_as_every_lead() -> None:
    """The leads a thread moved are announced once (a Neo4j worker's, ``announces_leads``):
    by id; as every lead when it moved more than MOVES_NAMED, when an id holds the
    announcement's separator, or when the write also wrote leads or events otherwise."""
    kept = StoreCaches()
    kept.announces_leads = True
    _moved(kept, "L2", "L1", "L2")
    noted = caches.NOTED.join(("offered", "", "claimed", "rep:ann", ""))
    assert kept.announcement(frozenset()) == [  # each id followed by its move's note
        "L1",
        f"L1{caches.NOTED}{noted}",
        "L2",
        f"L2{caches.NOTED}{noted}",
    ]
    assert kept.announcement(frozenset()) == []  # announced once
    _moved(kept, *(f"L{n}" for n in range(caches.MOVES_NAMED + 1)))
    assert kept.announcement(frozenset()) == [caches.ALL_LEADS]
    _moved(kept, "odd\nid")
    assert kept.announcement(frozenset()) == [caches.ALL_LEADS]
    _moved(kept, f"odd{caches.NOTED}id")
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


OWNED = ("claimed", "contacted")
MADE = "<made>"
"""Stands for when the claim was made, a moment after the owners were read (CLOCK_MARGIN)."""


def _note(lead_id: str, *fields: str) -> str:
    return caches.NOTED.join((lead_id, *fields))


CLAIM = ("offered", "rep:ann", "claimed", "rep:ann", MADE)


def _after_the_read() -> datetime:
    return datetime.now(UTC) + timedelta(seconds=caches.CLOCK_MARGIN + 1)


@pytest.mark.parametrize(
    ("announced", "owners"),
    [
        # a claim noted after its lead's id: bob's claim stays, ann's is added
        (["L1", _note("L1", *CLAIM)], ["rep:bob", "rep:ann"]),
        # a move that neither leaves nor enters an owner status: the owners stay as they were
        (["L1", _note("L1", "new", "", "offered", "rep:ann", "")], ["rep:bob"]),
        # a note without its id: nothing (the id came in another announcement, which drops)
        ([_note("L1", *CLAIM)], ["rep:bob"]),
        # what follows is read again
        (["L1"], None),  # no note (a worker of an older version)
        (["L1", _note("L1", "claimed", "rep:bob", "contacted", "rep:bob", "")], None),
        (["L1", _note("L1", *CLAIM), _note("L1", *CLAIM[:4], "2026-12-01T10:00:00+00:00")], None),
        (["L1", _note("L1", *CLAIM[:4])], None),  # a field short
        (["L1", _note("L1", *CLAIM[:4], "yesterday")], None),
        (["L1", _note("L1", *CLAIM[:4], "2026-12-01T09:00:00")], None),  # no time zone
        (["L1", _note("L1", "offered", "rep:ann", "claimed", "rep:ann", "")], None),  # no time
        (["L1", _note("L1", *CLAIM[:4], "2026-01-01T09:00:00+00:00")], None),  # before the read
        (["L1", _note("L1", "offered", "", "claimed", "rep:ann\x1fx", MADE)], None),  # a NOTED
    ],
)
def test_another_workers_noted_claim_is_followed_in_the_company_owners_kept(
    announced: list[str], owners: list[str] | None
) -> None:
    """A claim announced with its note (the lead's status and owner before and after, when it
    was claimed) is added to its company's owners kept from a read made before the claim,
    instead of dropping them; the lead's view is dropped all the same. Anything less (no note,
    a note on its own, two notes of one lead, a note that does not parse, a claim made before
    the read, a lead that left an owner status) drops them."""
    kept = StoreCaches()
    kept.announces_leads = True
    kept.changes_seen({"leads": 3})
    kept.keep_leads([_view("L1"), _view("L2")], kept.lead_changes())
    bob = OwnedLead("c:acme", "rep:bob", datetime(2026, 11, 30, tzinfo=UTC))
    kept.keep_owners(OWNED, {"c:acme": [bob]}, kept.lead_changes())
    made = _after_the_read()
    sent = [entry.replace(MADE, made.isoformat()) for entry in announced]
    kept.changes_seen({"leads": 4}, ["\n".join(("4", *sent))])
    found = kept.owners("c:acme", OWNED)
    assert (None if found is None else [o.rep_id for o in found]) == owners
    if owners is not None and "rep:ann" in owners:
        assert found is not None and found[-1].claimed_at == made
    assert kept.lead("L2") is not None
    assert kept.lead("L1") is None or announced == [_note("L1", *CLAIM)]


def test_a_claims_note_is_not_followed_in_owners_read_after_a_later_move_of_its_lead() -> None:
    """Announcements are numbered as they are sent, not as their moves committed: worker B
    releases L1 after A claimed it, and B's announcement comes first. The owners read again
    after B's drop were read after A's claim (and hold none of it): A's note that comes next
    is not followed there. The same note is followed in owners read before the claim."""
    claimed = datetime.now(UTC)
    kept = StoreCaches()
    kept.announces_leads = True
    kept.changes_seen({"leads": 3})
    kept.keep_leads([_view("L1"), _view("L2")], kept.lead_changes())
    kept.keep_owners(OWNED, {"c:acme": []}, kept.lead_changes())
    kept.changes_seen({"leads": 4}, ["4\nL1"])  # B's release of L1: dropped
    kept.keep_owners(OWNED, {"c:acme": []}, kept.lead_changes())  # read again: nobody's
    a_note = _note("L1", *CLAIM[:4], claimed.isoformat())
    kept.changes_seen({"leads": 5}, ["\n".join(("5", "L1", a_note))])
    assert kept.owners("c:acme", OWNED) is None  # read again
    kept.keep_owners(OWNED, {"c:acme": []}, kept.lead_changes())
    later = _note("L2", *CLAIM[:4], _after_the_read().isoformat())
    kept.changes_seen({"leads": 6}, ["\n".join(("6", "L2", later))])
    found = kept.owners("c:acme", OWNED)
    assert found is not None and [o.rep_id for o in found] == ["rep:ann"]


def test_a_workers_own_claim_keeps_its_companys_owners_as_old_as_their_read() -> None:
    """Ann's claim of L1 here keeps Acme's owners as the claim left them, as old as the read
    they came from (10 s here): bob's claim of L2 on another worker, made 5 s ago, after that
    read but before ann's commit, is followed in them."""
    kept = StoreCaches()
    kept.announces_leads = True
    kept.changes_seen({"leads": 3})
    kept.keep_leads([_view("L1"), _view("L2")], kept.lead_changes())
    kept.keep_owners(OWNED, {"c:acme": []}, kept.lead_changes())
    owned, at = kept._owners[("c:acme", OWNED)]
    kept._owners[("c:acme", OWNED)] = (owned, at - 10)  # read 10 s ago
    kept.began()
    _moved(kept, "L1", as_claimed=True, at=datetime.now(UTC))
    kept.ended()
    bobs = (datetime.now(UTC) - timedelta(seconds=5)).isoformat()
    note = _note("L2", "offered", "rep:bob", "claimed", "rep:bob", bobs)
    kept.changes_seen({"leads": 4}, ["\n".join(("4", "L2", note))])
    found = kept.owners("c:acme", OWNED)
    assert found is not None and [o.rep_id for o in found] == ["rep:ann", "rep:bob"]


def test_two_moves_of_one_lead_announced_together_are_not_followed() -> None:
    """A claim and then another move of the same lead, announced together (in one
    transaction, or merged by the announcer), carry two notes: the other worker drops."""
    writer = StoreCaches()
    writer.announces_leads = True
    at = datetime(2026, 12, 1, 9, tzinfo=UTC)
    for before, after in (("offered", "claimed"), ("claimed", "returned")):
        writer.lead_moved(
            caches.LeadMove(
                lead_id="L1",
                before_status=before,
                before_owner="rep:ann",
                after_status=after,
                after_owner="rep:ann" if after == "claimed" else None,
                event_kind=after,
                event_rep="rep:ann",
                at=at,
                state=LeadState(status=after, owner_rep_id="rep:ann", claimed_at=at),
            )
        )
    announced = writer.announcement(frozenset())
    assert len(announced) == 3
    assert caches._notes(announced) == {}


def test_a_claim_announced_by_one_worker_is_followed_by_another() -> None:
    """What one worker's claim announces (ids and notes, as the announcer sends them), another
    follows in the owners it keeps; a read of those owners that spanned it is not kept."""
    writer, reader = StoreCaches(), StoreCaches()
    for kept in (writer, reader):
        kept.announces_leads = True
        kept.changes_seen({"leads": 3})
        kept.keep_leads([_view("L1")], kept.lead_changes())
        kept.keep_owners(OWNED, {"c:acme": []}, kept.lead_changes())
    now = _after_the_read()
    _moved(writer, "L1", as_claimed=True, at=now)
    announced = writer.announcement(frozenset())
    assert announced[0] == "L1" and len(announced) == 2
    reading = reader.lead_changes()  # a read of the owners, begun before the poll
    reader.changes_seen({"leads": 4}, ["\n".join(("4", *announced))])
    reader.keep_owners(OWNED, {"c:acme": []}, reading)  # what it found: not kept
    found = reader.owners("c:acme", OWNED)
    assert found is not None and [(o.rep_id, o.claimed_at) for o in found] == [("rep:ann", now)]


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
    noted = caches.NOTED.join(("offered", "", "claimed", "rep:ann", ""))
    _moved(kept, "L1")
    sent = ["L1", f"L1{caches.NOTED}{noted}"]
    assert kept.announcement(frozenset()) == sent  # sent, and then refused by the graph
    kept.unannounced()
    _moved(kept, "L2")
    assert kept.announcement(frozenset()) == [caches.ALL_LEADS]
    _moved(kept, "L3")
    assert kept.announcement(frozenset()) == ["L3", f"L3{caches.NOTED}{noted}"]


def test_the_moves_of_a_transaction_that_rolled_back_are_announced_without_their_notes() -> None:
    """A claim refused after its move (or a transaction that failed) may or may not have
    moved its lead: the next announcement names it, for a drop, but without the note of a
    move that another process would follow."""
    kept = StoreCaches()
    kept.announces_leads = True
    kept.began()
    _moved(kept, "L1", as_claimed=True)
    kept.rolled_back()
    kept.ended()
    kept.began()
    _moved(kept, "L2", as_claimed=True)
    kept.ended()
    announced = kept.announcement(frozenset())
    assert [e for e in announced if caches.NOTED not in e] == ["L1", "L2"]
    assert [e.split(caches.NOTED)[0] for e in announced if caches.NOTED in e] == ["L2"]


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


def test_a_poll_read_before_this_workers_own_announcement_drops_nothing() -> None:
    """The counters read while this worker's announcer sends its own announcement may be
    behind what ``announced`` has moved to since: no news, not a graph replaced (each such
    read dropped every lead kept, every few seconds under claims). A counter behind what was
    known when the read began still is."""
    kept = StoreCaches()
    kept.announces_leads = True
    kept.changes_seen({"leads": 3, "reps": 7})
    kept.keep_leads([_view("L1"), _view("L2")], kept.lead_changes())
    before = kept.counters_seen()
    kept.announced({"leads": 4})  # its own, sent while the read below ran
    kept.changes_seen({"leads": 3, "reps": 7}, [], before)
    assert kept.lead("L1") is not None and kept.lead("L2") is not None
    assert kept.leads_seen() == 4
    generation = kept.generation(caches.REPS)
    kept.changes_seen({"leads": 5, "reps": 7}, ["4\nL9", "5\nL2"], kept.counters_seen())
    assert kept.lead("L1") is not None and kept.lead("L2") is None
    assert kept.generation(caches.REPS) == generation  # reps unchanged: the network stays
    kept.keep_leads([_view("L2")], kept.lead_changes())
    kept.changes_seen({"leads": 1, "reps": 7}, [], kept.counters_seen())  # the graph replaced
    assert kept.lead("L1") is None and kept.lead("L2") is None and kept.leads_seen() == 1


def test_where_others_write_an_activity_read_while_a_write_of_events_is_open_is_dropped_after() -> (
    None
):
    """Another thread's read of the activity during this process's open transaction is kept
    where other processes write (it read what was committed), and dropped when the
    transaction that wrote events ends."""
    kept = StoreCaches()
    key = (("claimed",), ("claimed",), ("sla_breach",))
    since = datetime(2026, 9, 1, tzinfo=UTC)
    kept.began()
    kept.written("append_events")

    def read() -> None:
        kept.keep_activity(
            key, since, {"r:ann": RepActivity(open_leads=1)}, kept.activity_changes()
        )

    reader = threading.Thread(target=read)
    reader.start()
    reader.join()
    assert kept.activity(key, since) is not None
    kept.ended()
    assert kept.activity(key, since) is None


def test_a_transaction_that_wrote_nothing_drops_nothing_when_it_rolls_back() -> None:
    """A claim refused inside its transaction (where every claim is one: Neo4j) keeps every
    lead and the activity; one that moved a lead drops that lead and the activity."""
    kept = StoreCaches()
    key = (("claimed",), ("claimed",), ("sla_breach",))
    since = datetime(2026, 9, 1, tzinfo=UTC)
    kept.keep_leads([_view("L1"), _view("L2")], kept.lead_changes())
    kept.keep_activity(key, since, {}, kept.activity_changes())
    kept.began()
    kept.rolled_back()
    kept.ended()
    assert kept.lead("L1") is not None and kept.activity(key, since) is not None
    kept.began()
    _moved(kept, "L1")
    kept.rolled_back()
    kept.ended()
    assert kept.lead("L1") is None and kept.lead("L2") is not None
    assert kept.activity(key, since) is None


@pytest.mark.parametrize("announced_meanwhile", [False, True])
def test_a_claim_is_kept_as_it_moved_unless_another_worker_moved_the_lead_meanwhile(
    announced_meanwhile: bool,
) -> None:
    """Where every worker announces its moves, a claim's transaction leaves its lead (view,
    stream, its company's owners) as it moved it; a move of that lead by another worker,
    announced before the claim's commit, is not undone by it."""
    kept = StoreCaches()
    kept.announces_leads = True
    kept.changes_seen({"leads": 3})
    kept.keep_leads([_view("L1"), _view("L2")], kept.lead_changes())
    kept.keep_stream("L1", [], kept.lead_changes())
    kept.keep_owners(("claimed",), {"c:acme": []}, kept.lead_changes())
    kept.began()
    _moved(kept, "L1", as_claimed=True)
    if announced_meanwhile:
        kept.changes_seen({"leads": 4}, ["4\nL1"], kept.counters_seen())
    kept.ended()
    view, stream = kept.lead("L1"), kept.stream("L1")
    owners = kept.owners("c:acme", ("claimed",))
    if announced_meanwhile:
        assert view is None and stream is None and owners is None
    else:
        assert view is not None and (view.status, view.owner_rep_id) == ("claimed", "rep:ann")
        assert [e.kind for e in stream or ()] == ["claimed"]
        assert owners is not None and [o.rep_id for o in owners] == ["rep:ann"]
    assert kept.lead("L2") is not None


def test_a_move_whose_following_fails_is_dropped_by_the_rollback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The move's statement ran (and, on the only writer, committed): if following it in
    memory fails, the rollback still drops the lead and the activity."""
    kept = StoreCaches()
    kept.single_writer = True
    key = (("claimed",), ("claimed",), ("sla_breach",))
    since = datetime(2026, 9, 1, tzinfo=UTC)
    kept.keep_leads([_view("L1"), _view("L2")], kept.lead_changes())
    kept.keep_activity(key, since, {}, kept.activity_changes())

    def broken(move: caches.LeadMove) -> None:
        raise ValueError("cannot compare naive and aware datetimes")

    monkeypatch.setattr(kept, "_after", broken)
    kept.began()
    with pytest.raises(ValueError):
        _moved(kept, "L1", as_claimed=True)
    kept.rolled_back()
    kept.ended()
    assert kept.lead("L1") is None and kept.lead("L2") is not None
    assert kept.activity(key, since) is None
