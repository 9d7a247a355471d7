"""Rankings kept between questions: a ranking asked twice costs a lookup, and whatever changes
it (a tie, the committee, a rep's workload, a transaction that fails) shows in the next one."""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from graph.backends import open_store
from graph.errors import NotFound, StoreUnavailable
from graph.model import (
    DecisionMaker,
    Event,
    Lead,
    LeadState,
    LeadView,
    OwnedLead,
    RepActivities,
    User,
)
from graph.settings import GraphSettings
from graph.store import GraphStore, caches
from routing import roster
from routing.accounts import account_owners, owners_of
from routing.errors import NotEligible
from routing.lifecycle import claim_lead, record_contact, route_lead
from routing.policy import load_policy
from routing.ranking import rank_lead
from routing.reach import reach_cache
from routing.roster import (
    ASSIGNMENT_EVENTS,
    BREACH_EVENT,
    OPEN_STATUSES,
    OWNER_STATUSES,
    Roster,
    at_capacity,
)
from tests.routing.world import NOW, World, pid, rid


@pytest.fixture
def world(store: GraphStore) -> World:
    w = World(store)
    w.company("acme")
    w.rep("ann", capacity=2)
    w.rep("bob")
    w.knows("ann", "dana")
    w.knows("bob", "mia", "erin")
    w.lead("L1", ("dana", "economic_buyer"))
    w.lead("L2", ("erin", "champion"))
    return w


def _hops(store: GraphStore, lead_id: str, rep: str) -> int | None:
    ranking = rank_lead(store, lead_id, policy=load_policy(), now=NOW)
    item = next(i for i in ranking.ranked if i.rep.id == rid(rep))
    assert item.evidence is not None
    return item.evidence.committee[0].hops


def _activity(store: GraphStore) -> dict[str, tuple[int, object]]:
    found = store.rep_activity(
        open_statuses=OPEN_STATUSES,
        assignment_kinds=ASSIGNMENT_EVENTS,
        breach_kinds=(BREACH_EVENT,),
        breaches_since=NOW - timedelta(days=90),
    )
    return {rep: (a.open_leads, a.last_assigned_at) for rep, a in found.items()}


def test_a_ranking_asked_twice_reads_the_graph_once(world: World, store: GraphStore) -> None:
    cache = reach_cache(store)
    first = rank_lead(store, "L1", policy=load_policy(), now=NOW)
    misses, hits = cache.misses, cache.hits
    again = rank_lead(store, "L1", policy=load_policy(), now=NOW)
    assert (cache.misses, cache.hits) == (misses, hits + 1)
    assert [(i.rep.id, i.score) for i in again.ranked] == [
        (i.rep.id, i.score) for i in first.ranked
    ]
    assert [i.evidence for i in again.ranked] == [i.evidence for i in first.ranked]
    for before, after in zip(first.ranked, again.ranked, strict=True):  # paths built once
        assert before.evidence is not None and after.evidence is not None
        assert after.evidence.committee is before.evidence.committee


def test_a_new_tie_shows_in_the_next_ranking(world: World, store: GraphStore) -> None:
    assert _hops(store, "L2", "ann") is None
    world.knows("ann", "erin")
    assert _hops(store, "L2", "ann") == 1


def test_a_changed_committee_shows_in_the_next_ranking(world: World, store: GraphStore) -> None:
    assert _hops(store, "L2", "ann") is None
    store.merge_decision_makers([DecisionMaker(lead_id="L2", person_id=pid("dana"), role="cfo")])
    ranking = rank_lead(store, "L2", policy=load_policy(), now=NOW)
    ann = next(i for i in ranking.ranked if i.rep.id == rid("ann"))
    assert ann.evidence is not None
    assert {m.member.id: m.hops for m in ann.evidence.committee}[pid("dana")] == 1


def test_a_claim_updates_the_workload_in_memory_as_a_fresh_read_would(
    world: World, store: GraphStore
) -> None:
    policy = load_policy()
    route_lead(store, "L1", policy=policy, now=NOW, actor="test")
    before = _activity(store)  # kept in memory from here
    later = NOW + timedelta(minutes=5)
    claim_lead(store, "L1", rid("ann"), policy=policy, now=later, actor="test")
    kept = _activity(store)
    store.caches.forget()  # what the graph says, read again
    assert kept == _activity(store)
    assert before[rid("ann")] == (1, NOW) and kept[rid("ann")] == (1, later)
    ranking = rank_lead(store, "L2", policy=policy, now=NOW)
    assert next(i for i in ranking.ranked if i.rep.id == rid("ann")).open_leads == 1


def test_the_workload_in_memory_follows_moves_into_and_out_of_the_open_statuses(
    world: World, store: GraphStore
) -> None:
    """A new lead given to a rep and a held lead won: the workload kept in memory changes as
    a fresh read does (the move's "before" is the lead's state before it, on both backends)."""
    assert _activity(store).get(rid("bob"), (0, None))[0] == 0  # kept from here
    world.give("L2", "bob", at=NOW)  # new -> claimed
    kept = _activity(store)
    assert kept[rid("bob")][0] == 1
    lead = store.lead("L2")
    won = LeadState(
        status="won",
        owner_rep_id=rid("bob"),
        claimed_at=NOW,
        contact_due_at=None,
        contacted_at=NOW,
        outcome="won",
        value=lead.value,
    )
    event = Event(id="won-L2", at=NOW, kind="won", actor="test", lead_id="L2", rep_id=rid("bob"))
    assert store.move_lead("L2", from_statuses=("claimed",), to=won, event=event)
    kept = _activity(store)
    store.caches.forget()
    assert kept == _activity(store) and kept[rid("bob")][0] == 0


def test_the_roster_after_a_move_is_the_roster_built_afresh(
    world: World, store: GraphStore
) -> None:
    """The workload arrays after a claim are patched for the reps it moved (the arrays of the
    activity before are copied): the same as when every rep's are worked out again."""
    policy = load_policy()
    reps = list(reach_cache(store).reaches(store, [store.lead("L2")], explain=False)["L2"].rep_ids)

    def workload() -> tuple[list[int], list[float], list[object], list[object]]:
        r = Roster.load(store, reps, policy, NOW)
        return r.open_leads.tolist(), r.last_assigned.tolist(), r.last_assigned_at, r.boxed_until

    route_lead(store, "L1", policy=policy, now=NOW, actor="test")
    before = workload()
    later = NOW + timedelta(minutes=5)
    claim_lead(store, "L1", rid("ann"), policy=policy, now=later, actor="test")
    assert workload()[2][reps.index(rid("ann"))] == later
    world.give("L2", "bob", at=later)  # new -> claimed: one more open lead
    patched = workload()
    if store.writes_alone:  # worked out from the activity before for the reps the move named
        now, earlier = roster._DYNAMIC[0].activity, roster._DYNAMIC[1].activity
        assert isinstance(now, RepActivities) and now.changed_since(earlier) == {rid("bob")}
    roster._DYNAMIC.clear()  # what a first question builds: every rep's
    assert patched == workload()
    bob = reps.index(rid("bob"))
    assert (before[0][bob], patched[0][bob], patched[2][bob]) == (0, 1, later)


LEAD_READS = {
    "lead_by_id",
    "lead_with_committee",
    "lead_committee",
    "lead_with_committee_and_events",
}
STREAM_READS = {"lead_events", "lead_with_committee_and_events"}
"""A lead's stream is read alone, or with the lead (where every read is a round trip)."""


def _fresh(store: GraphStore, lead_id: str) -> tuple[object, list[Event]]:
    """A lead and its stream as the graph has them now (nothing kept)."""
    store.caches.forget()
    return store.lead(lead_id), store.events(lead_id=lead_id)


def test_the_open_leads_read_by_the_warm_up_are_kept_until_a_write_drops_them(
    world: World, store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the server's warm-up reads of every open lead (views with their committees, their
    streams in one read: ``keep``) is kept where the store is the only writer of its graph
    (LadybugDB): a claim or a ranking of one of them reads neither the lead nor its events
    again, and a claim keeps the lead and its events as it left them. On Neo4j, where every
    worker announces the leads it writes, they are kept too (a claim there reads its lead again
    under its lock). The same reads without ``keep`` keep nothing."""
    monkeypatch.setattr("graph.store.events.POINT_QUERY_LEADS", 1)  # two leads: one scan
    world.knows("bob", "omar")
    world.lead("L3", ("omar", "cfo"), ("erin", "champion"))  # two decision-makers
    policy = load_policy()
    route_lead(store, "L1", policy=policy, now=NOW, actor="test")
    fresh = {lead_id: _fresh(store, lead_id) for lead_id in ("L1", "L2", "L3")}
    read: list[str] = []
    monkeypatch.setattr(store, "query_observer", lambda name, _: read.append(name))
    statuses = (*OPEN_STATUSES, "new")
    store.leads_with_status(statuses)
    store.events_of_leads(["L1", "L2", "L3"])
    read.clear()
    assert {i: (store.lead(i), store.events(lead_id=i)) for i in fresh} == fresh
    assert STREAM_READS & set(read) and LEAD_READS & set(read)  # without keep: read again
    store.caches.forget()
    views = {lead.id: lead for lead in store.leads_with_status(statuses, keep=True)}
    streams = store.events_of_leads(["L1", "L2", "L3"], keep=True)
    assert {i: (views[i], streams[i]) for i in fresh} == fresh  # what lead() and events() give
    read.clear()
    assert {i: (store.lead(i), store.events(lead_id=i)) for i in fresh} == fresh
    if not store.keeps_bulk_reads:
        assert STREAM_READS & set(read) and LEAD_READS & set(read)
        return
    assert not (LEAD_READS | {"lead_events"}) & set(read)
    if not store.writes_alone:  # Neo4j: a claim reads its lead again under its lock
        return
    claim_lead(store, "L1", rid("ann"), policy=policy, now=NOW, actor="test")
    # its checks found the lead and its offers in memory, and so did the re-check of the
    # offers inside the write (before the move: the transaction has the graph to itself)
    assert not (LEAD_READS | {"lead_events"}) & set(read)
    read.clear()
    assert (store.lead("L1").status, store.lead("L1").owner_rep_id) == ("claimed", rid("ann"))
    offers = [e.kind for e in fresh["L1"][1]]
    assert [e.kind for e in store.events(lead_id="L1")] == [*offers, "claimed"]
    assert store.lead("L2") == views["L2"] and store.lead("L3") == views["L3"]
    assert not (LEAD_READS | {"lead_events"}) & set(read)  # L1 kept as the claim left it
    kept = (store.lead("L1"), store.events(lead_id="L1"))
    assert kept == _fresh(store, "L1")  # which is how the graph has it


def test_a_companys_account_owners_are_kept_until_one_of_its_leads_moves(
    world: World, store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every ranking and claim asks who owns the lead's company: read once, kept; a claim of
    one of its leads shows in the next answer, a claim at another company keeps it, and the
    move of a lead whose company is not known drops every company's."""
    monkeypatch.setattr(caches, "LEAD_TTL", 600.0)  # Neo4j: not expired within the test
    world.company("globex")
    world.lead("L3", ("dana", "champion"), company="globex")
    policy = load_policy()
    for lead_id in ("L1", "L3"):
        route_lead(store, lead_id, policy=policy, now=NOW, actor="test")
    read: list[str] = []
    monkeypatch.setattr(store, "query_observer", lambda name, _: read.append(name))
    assert account_owners(store, OWNER_STATUSES, "c:acme") == {}
    assert account_owners(store, OWNER_STATUSES, "c:acme") == {}
    assert read.count("company_owners") == 1
    globex_rep = store.lead("L3").owner_rep_id
    assert globex_rep is not None
    claim_lead(store, "L3", globex_rep, policy=policy, now=NOW, actor="test")
    read.clear()
    assert account_owners(store, OWNER_STATUSES, "c:acme") == {}
    assert "company_owners" not in read  # kept: the lead that moved is globex's
    assert account_owners(store, OWNER_STATUSES, "c:globex") == {"c:globex": globex_rep}
    acme_rep = store.lead("L1").owner_rep_id
    assert acme_rep is not None
    claim_lead(store, "L1", acme_rep, policy=policy, now=NOW, actor="test")
    read.clear()
    assert account_owners(store, OWNER_STATUSES, "c:acme") == {"c:acme": acme_rep}
    assert account_owners(store, OWNER_STATUSES, "c:globex") == {"c:globex": globex_rep}
    # acme's followed the claim (store.caches.keeps_moves), globex's kept
    assert read.count("company_owners") == 0
    store.caches.forget_lead("L-unknown")  # no view kept: its company is not known
    read.clear()
    assert account_owners(store, OWNER_STATUSES, "c:globex") == {"c:globex": globex_rep}
    assert read.count("company_owners") == 1


def test_the_warm_up_keeps_every_open_leads_account_owners_on_the_only_writer(
    world: World, store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's warm-up reads every company's owned leads in one scan and keeps those of
    the open leads' companies (a company nobody owns: kept as nobody); rankings and claims then
    ask memory. Only where the store is the only writer of its graph; elsewhere nothing."""
    world.company("globex")
    world.lead("L3", ("dana", "champion"), company="globex")
    world.give("L2", "bob", at=NOW)  # acme is bob's account
    fresh = {c: account_owners(store, OWNER_STATUSES, c) for c in ("c:acme", "c:globex")}
    assert fresh == {"c:acme": {"c:acme": rid("bob")}, "c:globex": {}}
    store.caches.forget()
    read: list[str] = []
    monkeypatch.setattr(store, "query_observer", lambda name, _: read.append(name))
    store.keep_company_owners(OWNER_STATUSES, ["c:acme", "c:globex"])
    read.clear()
    kept = {c: account_owners(store, OWNER_STATUSES, c) for c in ("c:acme", "c:globex")}
    assert kept == fresh
    assert read.count("company_owners") == (0 if store.keeps_bulk_reads else 2)


def test_a_reps_held_leads_counted_from_memory_are_what_the_graph_holds(
    world: World, store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The claim's capacity check (``lock_rep``) on the only writer of a graph (LadybugDB)
    counts from the workload kept in memory instead of scanning the lead table: the same
    counts as the graph's, for every rep and lead left out, before and after moves."""
    world.lead("L3", ("dana", "champion"))
    policy = load_policy()
    route_lead(store, "L1", policy=policy, now=NOW, actor="test")
    world.give("L2", "ann", at=NOW)
    read: list[str] = []
    monkeypatch.setattr(store, "query_observer", lambda name, _: read.append(name))

    def counts() -> dict[tuple[str, str], int]:
        _activity(store)
        for lead_id in ("L1", "L2", "L3"):
            store.lead(lead_id)
        read.clear()
        return {
            (rep, besides): store.run_atomic(
                lambda r=rep, b=besides: store.lock_rep(rid(r), OPEN_STATUSES, besides=b)
            )
            for rep in ("ann", "bob")
            for besides in ("", "L1", "L2", "L3")
        }

    for step in range(2):
        kept = counts()
        assert ("lock_rep" in read) != store.writes_alone
        store.caches.forget()  # the graph's count
        monkeypatch.setattr(store.caches, "held", lambda statuses, rep_id: None)
        assert counts() == kept and "lock_rep" in read
        monkeypatch.undo()
        monkeypatch.setattr(store, "query_observer", lambda name, _: read.append(name))
        if step == 0:
            offered_to = store.lead("L1").owner_rep_id
            assert offered_to is not None
            claim_lead(store, "L1", offered_to, policy=policy, now=NOW, actor="test")
            world.give("L3", "bob", at=NOW)
    assert kept[("ann", "")] == 1 + (store.lead("L1").owner_rep_id == rid("ann"))
    assert kept[("ann", "L2")] == kept[("ann", "")] - 1
    with pytest.raises(NotFound):
        store.run_atomic(lambda: store.lock_rep("r:nobody", OPEN_STATUSES))


def test_a_lead_moved_while_the_warm_up_reads_is_not_kept_as_it_was(
    world: World, store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lead moved after the warm-up read it, before the views are kept, is not kept as the
    read saw it: the next question reads it again."""
    done: list[str] = []

    def observe(name: str, _: float) -> None:
        if name == "leads_with_status" and not done:
            done.append(name)
            world.give("L1", "bob", at=NOW)

    store.caches.forget()
    monkeypatch.setattr(store, "query_observer", observe)
    store.leads_with_status((*OPEN_STATUSES, "new"), keep=True)
    assert done
    after = store.lead("L1")
    assert (after.status, after.owner_rep_id) == ("claimed", rid("bob"))


def test_a_lead_read_whole_or_in_two_reads_is_the_same_lead(
    world: World, store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both dialects' lead_with_committee (one read, what Neo4j asks) give the lead that
    lead_by_id and lead_committee give (what LadybugDB asks), with or without decision-makers."""
    world.lead("L3")
    found = {}
    for whole in (False, True):
        monkeypatch.setattr(store, "reads_lead_whole", whole)
        store.caches.forget()
        found[whole] = {lead_id: store.lead(lead_id) for lead_id in ("L1", "L2", "L3")}
        with pytest.raises(NotFound):
            store.lead("L404")
    assert found[True] == found[False]
    assert [m.person.id for m in found[True]["L1"].committee] == [pid("dana")]
    assert found[True]["L3"].committee == ()


def test_a_failed_claim_transaction_leaves_the_workload_as_the_graph_has_it(
    world: World, store: GraphStore
) -> None:
    policy = load_policy()
    route_lead(store, "L1", policy=policy, now=NOW, actor="test")
    before = _activity(store)

    def move_then_fail() -> None:
        world.give("L1", "bob", at=NOW)
        raise RuntimeError("the unit fails after the move")

    kept = (store.lead("L1"), store.events(lead_id="L1"))
    with pytest.raises(RuntimeError):
        store.run_atomic(move_then_fail)
    assert _activity(store) == before
    assert store.lead("L1").status == "offered"
    assert (store.lead("L1"), store.events(lead_id="L1")) == kept == _fresh(store, "L1")


def test_two_leads_of_one_company_moved_together_leave_its_owners_as_the_graph_has_them(
    world: World, store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A unit that moves two leads of one company: each move alone would add its lead to the
    company's owners kept before it, so neither is kept; they are read again, and right."""
    monkeypatch.setattr(caches, "LEAD_TTL", 600.0)  # Neo4j: not expired within the test
    for lead_id in ("L1", "L2"):
        store.lead(lead_id)  # the views kept: the company of each is known
    assert store.account_owners(OWNER_STATUSES, "c:acme") == []

    def both() -> None:
        for lead_id, rep in (("L1", "ann"), ("L2", "bob")):
            store.move_lead(
                lead_id,
                from_statuses=("new",),
                to=LeadState(status="claimed", owner_rep_id=rid(rep), claimed_at=NOW),
                event=Event(
                    id=f"given-{lead_id}", at=NOW, kind="assigned", actor="test", lead_id=lead_id
                ),
            )

    store.run_atomic(both)
    kept = sorted(store.account_owners(OWNER_STATUSES, "c:acme"), key=lambda o: o.rep_id)
    store.caches.forget()
    fresh = sorted(store.account_owners(OWNER_STATUSES, "c:acme"), key=lambda o: o.rep_id)
    # claimed at the same time: the greater rep id owns the account (routing/accounts.py)
    assert kept == fresh and [o.rep_id for o in fresh] == [rid("bob")]


def test_a_claim_keeps_what_it_moved_as_the_graph_has_it(
    world: World, store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A claim (a transaction that only moves its lead) leaves the lead's view, its stream and
    its company's account owners in memory as the move made them, where the store writes
    alone and where every process announces its moves (Neo4j). A transaction that writes more
    than moves (an offer to two reps: the move and another event) leaves them to be read
    again."""
    monkeypatch.setattr(caches, "LEAD_TTL", 600.0)  # Neo4j: not expired within the test
    two = dataclasses.replace(load_policy(), offer_top_n=2)
    read: list[str] = []
    monkeypatch.setattr(store, "query_observer", lambda name, _: read.append(name))
    moved_reads = LEAD_READS | {"lead_events", "company_owners"}

    def seen(lead_id: str) -> tuple[LeadView, list[Event], list[OwnedLead]]:
        return (
            store.lead(lead_id),
            store.events(lead_id=lead_id),
            store.account_owners(OWNER_STATUSES, "c:acme"),
        )

    seen("L1")
    read.clear()
    route_lead(store, "L1", policy=two, now=NOW, actor="test")  # the move and one more offer
    during = list(read)  # where every read is a round trip, it reads the lead once committed
    read.clear()
    offered = seen("L1")
    assert "company_owners" in read  # not followed: read again
    assert "lead_events" in read or "lead_with_committee_and_events" in during
    owner = store.lead("L1").owner_rep_id
    assert owner is not None and [e.kind for e in offered[1]] == ["offered", "offered"]
    paris = NOW.astimezone(timezone(timedelta(hours=1)))  # kept as the graph keeps it: UTC
    claim_lead(store, "L1", owner, policy=load_policy(), now=paris, actor="test")
    read.clear()
    claimed = seen("L1")
    assert store.caches.keeps_moves
    assert not moved_reads & set(read)  # followed in memory
    assert claimed == (*_fresh(store, "L1"), store.account_owners(OWNER_STATUSES, "c:acme"))
    assert account_owners(store, OWNER_STATUSES, "c:acme") == {"c:acme": owner}
    assert [e.kind for e in claimed[1]] == ["offered", "offered", "claimed"]


def test_a_rep_whose_capacity_filled_meanwhile_cannot_claim(
    world: World, store: GraphStore
) -> None:
    """ann (capacity 2) is offered L1, then given two other leads: the claim's own check of
    her rules refuses it, without ranking every rep."""
    policy = load_policy()
    route_lead(store, "L1", policy=policy, now=NOW, actor="test")
    world.lead("L3", ("dana", "champion"))
    world.lead("L4", ("dana", "champion"))
    world.give("L3", "ann", at=NOW)
    world.give("L4", "ann", at=NOW)
    with pytest.raises(NotEligible, match="at capacity 2/2"):
        claim_lead(store, "L1", rid("ann"), policy=policy, now=NOW, actor="test")
    assert store.lead("L1").status == "offered"


@pytest.mark.parametrize("write", ["move", "event"])
def test_a_read_made_while_another_thread_writes_is_not_kept(
    world: World, store: GraphStore, write: str
) -> None:
    """Another thread reads the lead while a transaction that moves it (or appends an event to
    its stream) is open: what it read (the state before the commit) is not what the next
    question gets after the commit."""
    route_lead(store, "L1", policy=load_policy(), now=NOW, actor="test")
    assert store.lead("L1").status == "offered"  # kept
    moved, release = threading.Event(), threading.Event()

    def unit() -> None:
        if write == "move":
            world.give("L1", "bob", at=NOW)
        else:
            world.event("word_travels", "bob", at=NOW, lead_id="L1")
        moved.set()
        release.wait(30)

    writer = threading.Thread(target=lambda: store.run_atomic(unit))
    writer.start()
    assert moved.wait(30)
    reader = threading.Thread(target=lambda: (store.lead("L1"), store.events(lead_id="L1")))
    reader.start()
    reader.join(2)  # a backend whose reads wait for the writer: read after the commit
    release.set()
    writer.join(30)
    reader.join(30)
    if write == "move":
        after = store.lead("L1")
        assert (after.status, after.owner_rep_id) == ("claimed", rid("bob"))
    else:
        assert "word_travels" in [e.kind for e in store.events(lead_id="L1")]


@pytest.mark.parametrize(("moved", "read_again"), [("L2", False), ("L1", True)])
def test_a_stream_read_while_a_lead_moves_is_kept_unless_that_lead_moved(
    world: World, store: GraphStore, monkeypatch: pytest.MonkeyPatch, moved: str, read_again: bool
) -> None:
    """What was read about one lead is kept unless that lead was dropped while it was read:
    under a stream of claims nearly every read overlaps some other lead's move."""
    store.caches.forget()
    reads: list[str] = []

    def observe(name: str, _: float) -> None:
        reads.append(name)
        if name == "lead_events" and reads.count(name) == 1:  # read, not yet kept
            world.give(moved, "bob", at=NOW)

    monkeypatch.setattr(store, "query_observer", observe)
    first = store.events(lead_id="L1")
    reads.clear()
    again = store.events(lead_id="L1")
    assert ("lead_events" in reads) == read_again
    assert [e.kind for e in again] == [e.kind for e in first] + (["assigned"] if read_again else [])


@pytest.mark.parametrize(("moved", "read_again"), [("L3", False), ("L2", True)])
def test_a_companys_owners_read_while_a_lead_moves_are_kept_unless_one_of_its_leads_moved(
    world: World, store: GraphStore, monkeypatch: pytest.MonkeyPatch, moved: str, read_again: bool
) -> None:
    world.company("globex")
    world.lead("L3", company="globex")
    world.give("L1", "ann", at=NOW)
    store.lead(moved)  # its company is known: its move drops that company's owners only
    reads: list[str] = []

    def observe(name: str, _: float) -> None:
        reads.append(name)
        if name == "company_owners" and reads.count(name) == 1:
            world.give(moved, "bob", at=NOW)

    monkeypatch.setattr(store, "query_observer", observe)
    first = store.account_owners(OWNER_STATUSES, company_id="c:acme")
    reads.clear()
    again = store.account_owners(OWNER_STATUSES, company_id="c:acme")
    assert ("company_owners" in reads) == read_again
    assert owners_of(first) == {"c:acme": rid("ann")}
    # bob's claim of L2 at the same time as ann's of L1: the greater rep id owns acme
    assert owners_of(again) == {"c:acme": rid("bob") if read_again else rid("ann")}


def test_a_read_made_inside_a_write_transaction_is_not_kept(
    world: World, store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It may see the transaction's own writes, which a rollback undoes."""
    store.caches.forget()
    reads: list[str] = []
    monkeypatch.setattr(store, "query_observer", lambda name, _: reads.append(name))
    store.run_atomic(lambda: store.events(lead_id="L1"))
    store.events(lead_id="L1")
    assert reads.count("lead_events") == 2
    store.events(lead_id="L1")
    assert reads.count("lead_events") == 2


@pytest.mark.parametrize(
    ("shared", "meanwhile", "read_again"),
    [
        (False, "move", True),  # the only writer: claims count a rep's leads from it
        (True, "move", False),  # other processes write: up to ACTIVITY_TTL behind anyway
        (False, "event", True),
        (True, "event", True),
    ],
)
def test_the_workload_read_while_this_process_writes(
    world: World,
    store: GraphStore,
    monkeypatch: pytest.MonkeyPatch,
    shared: bool,
    meanwhile: str,
    read_again: bool,
) -> None:
    """The workload read while one of this process's moves ran is read again where the store
    is the only writer of its graph (exact: claims count from it) and kept where others write
    (what it keeps is up to ACTIVITY_TTL behind theirs, and claims count in the graph there);
    a write of events meanwhile makes it be read again either way."""
    monkeypatch.setattr(store.caches, "single_writer", not shared)
    store.caches.forget()
    reads: list[str] = []

    def observe(name: str, _: float) -> None:
        reads.append(name)
        if name == "rep_events_since" and reads.count(name) == 1:  # the last of its reads
            if meanwhile == "move":
                world.give("L2", "bob", at=NOW)
            else:
                world.event(BREACH_EVENT, "bob", at=NOW)

    monkeypatch.setattr(store, "query_observer", observe)
    _activity(store)
    reads.clear()
    _activity(store)
    assert ("open_leads_per_rep" in reads) == read_again


@pytest.mark.parametrize(
    ("kind", "query"), [(caches.ACTIVITY, "open_leads_per_rep"), (caches.REPS, "all_reps")]
)
def test_requests_that_find_a_projection_expired_wait_for_one_read(
    world: World, store: GraphStore, monkeypatch: pytest.MonkeyPatch, kind: str, query: str
) -> None:
    """Once the workloads (three scans) or the rep directory kept have expired (or were
    dropped), the requests that ask meanwhile wait for one read and use what it kept."""

    def asked() -> object:
        if kind == caches.ACTIVITY:
            return _activity(store)
        return dict(store.rep_profiles())

    expected = asked()
    store.caches.forget(frozenset({kind}))
    reads: list[str] = []
    started = threading.Barrier(4)

    def observe(name: str, _: float) -> None:
        reads.append(name)
        if name == query:
            time.sleep(0.3)  # the others ask while this read is still going on

    monkeypatch.setattr(store, "query_observer", observe)
    found: list[object] = []

    def ask() -> None:
        started.wait(10)
        found.append(asked())

    askers = [threading.Thread(target=ask) for _ in range(4)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join(30)
    assert found == [expected] * 4
    assert reads.count(query) == 1


def _asked(store: GraphStore, kind: str) -> object:
    return _activity(store) if kind == caches.ACTIVITY else dict(store.rep_profiles())


def _loaded_at(store: GraphStore, kind: str) -> float:
    kept = store.caches._activity if kind == caches.ACTIVITY else store.caches._directory
    assert kept is not None
    return kept.loaded_at


@pytest.mark.parametrize("shared", [True, False])
@pytest.mark.parametrize(
    ("kind", "query"), [(caches.ACTIVITY, "open_leads_per_rep"), (caches.REPS, "all_reps")]
)
def test_the_server_reads_a_projection_again_before_it_expires(
    world: World,
    store: GraphStore,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    query: str,
    shared: bool,
) -> None:
    """With ``read_ahead`` (the API's server), the workloads or the rep directory kept past
    READ_AHEAD of their TTL (0 here: at once) are served as kept while one read of them runs
    in a thread of its own; a request meanwhile starts no second one, and what that read
    finds is kept. Where this process is the only writer nothing expires: nothing is read."""
    monkeypatch.setattr(store.caches, "single_writer", not shared)
    monkeypatch.setattr(caches, "READ_AHEAD", 0.0)
    store.read_ahead()
    expected = _asked(store, kind)
    before = _loaded_at(store, kind)
    readers: list[threading.Thread] = []
    running, release = threading.Event(), threading.Event()

    def observe(name: str, _: float) -> None:
        if name == query:
            readers.append(threading.current_thread())
            running.set()
            release.wait(30)  # held up until both requests below were answered

    monkeypatch.setattr(store, "query_observer", observe)
    assert _asked(store, kind) == expected
    if shared:
        assert running.wait(30)
    assert _asked(store, kind) == expected
    release.set()
    ahead = store._ahead.get(query)
    if not shared:
        assert (readers, ahead) == ([], None)
        return
    assert ahead is not None
    ahead.join(30)
    assert readers == [ahead] and ahead is not threading.current_thread()
    assert _loaded_at(store, kind) > before
    monkeypatch.setattr(caches, "READ_AHEAD", 1.0)
    assert _asked(store, kind) == expected
    assert store._ahead.get(query) is ahead  # fresh again: no other read started


@pytest.mark.parametrize(
    ("kind", "query"), [(caches.ACTIVITY, "open_leads_per_rep"), (caches.REPS, "all_reps")]
)
def test_a_read_ahead_that_fails_leaves_what_is_kept_and_the_next_one_tries_again(
    world: World, store: GraphStore, monkeypatch: pytest.MonkeyPatch, kind: str, query: str
) -> None:
    """A read ahead that fails (the database gone a moment) is logged; what is kept is served
    until it expires, and the next request past READ_AHEAD starts another read."""
    monkeypatch.setattr(store.caches, "single_writer", False)
    monkeypatch.setattr(caches, "READ_AHEAD", 0.0)
    store.read_ahead()
    expected = _asked(store, kind)
    tries: list[str] = []

    def observe(name: str, _: float) -> None:
        if name == query:
            tries.append(name)
            if len(tries) == 1:
                raise StoreUnavailable("the graph database is not reachable")

    monkeypatch.setattr(store, "query_observer", observe)
    for attempt in (1, 2):
        assert _asked(store, kind) == expected
        ahead = store._ahead.get(query)
        assert ahead is not None
        ahead.join(30)
        assert len(tries) == attempt


@pytest.mark.parametrize("backend", ["neo4j"])
def test_another_workers_write_shows_within_the_poll(
    world: World, store: GraphStore, graph_settings: GraphSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two stores on one Neo4j graph, as two API workers: a tie and a committee change written
    through one show in the other's next ranking once it reads the announcements (at most every
    CHANGES_POLL seconds; 0 here), although the rep network and the reach are kept for an hour.
    Only Neo4j has other writers: a LadybugDB file is locked by the one process that writes it."""
    monkeypatch.setattr(caches, "CHANGES_POLL", 0.0)
    assert _hops(store, "L2", "ann") is None  # kept by this worker from here
    other = open_store(graph_settings)
    try:
        World(other).knows("ann", "erin")
        assert _hops(store, "L2", "ann") == 1
        other.merge_decision_makers(
            [DecisionMaker(lead_id="L2", person_id=pid("dana"), role="cfo")]
        )
        ranking = rank_lead(store, "L2", policy=load_policy(), now=NOW)
        ann = next(i for i in ranking.ranked if i.rep.id == rid("ann"))
        assert ann.evidence is not None
        assert {m.member.id: m.hops for m in ann.evidence.committee}[pid("dana")] == 1
    finally:
        other.close()


def test_a_user_kept_outlives_user_ttl_where_user_writes_are_known(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A token's user is kept past USER_TTL (0 here) where every user write is known: the
    only writer of a LadybugDB file, or Neo4j, where other processes announce theirs
    (ANNOUNCED_USER_TTL is the backstop)."""
    monkeypatch.setattr(caches, "USER_TTL", 0.0)
    user = User(id="u-ann", name="Ann", role="rep", rep_id=rid("ann"))
    store.create_user(user, "hash-ann", at=NOW)
    reads: list[str] = []
    monkeypatch.setattr(store, "query_observer", lambda name, _: reads.append(name))
    assert store.user_by_token_hash("hash-ann") == user
    time.sleep(0.01)
    assert store.user_by_token_hash("hash-ann") == user
    assert reads.count("user_by_token_hash") == 1


def test_a_user_read_while_users_were_dropped_is_not_kept(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A user write (here, or announced by another process) while a token's user was being
    read drops users: what that read found is not kept (an erased user would otherwise be
    signed in from memory until ANNOUNCED_USER_TTL)."""
    user = User(id="u-ann", name="Ann", role="rep", rep_id=rid("ann"))
    store.create_user(user, "hash-ann", at=NOW)
    reads: list[str] = []

    def observe(name: str, _: float) -> None:
        reads.append(name)
        if name == "user_by_token_hash" and reads.count(name) == 1:
            store.caches.forget(frozenset({caches.USERS}))

    monkeypatch.setattr(store, "query_observer", observe)
    assert store.user_by_token_hash("hash-ann") == user
    assert store.user_by_token_hash("hash-ann") == user
    assert store.user_by_token_hash("hash-ann") == user
    assert reads.count("user_by_token_hash") == 2


@pytest.mark.parametrize("backend", ["neo4j"])
def test_another_workers_user_write_drops_the_users_kept(
    store: GraphStore, graph_settings: GraphSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Worker B creates a user: worker A, which keeps Ann's token, reads it again once it has
    read the announcements (CHANGES_POLL; 0 here). A token is told from memory on the event
    loop (``kept_user``) only when no poll is due: else the request signs in through
    ``user_by_token_hash``, which reads the announcements first."""
    monkeypatch.setattr(caches, "CHANGES_POLL", 0.0)
    user = User(id="u-ann", name="Ann", role="rep", rep_id=rid("ann"))
    store.create_user(user, "hash-ann", at=NOW)
    assert store.user_by_token_hash("hash-ann") == user
    assert store.kept_user("hash-ann") is None  # a poll is always due here
    reads: list[str] = []
    monkeypatch.setattr(store, "query_observer", lambda name, _: reads.append(name))
    assert store.user_by_token_hash("hash-ann") == user
    assert reads == ["read_changes"]
    other = open_store(graph_settings)
    try:
        other.create_user(User(id="u-bob", name="Bob", role="admin"), "hash-bob", at=NOW)
        assert other.flush_announcements()
    finally:
        other.close()
    reads.clear()
    assert store.user_by_token_hash("hash-ann") == user
    assert reads == ["read_changes", "user_by_token_hash"]
    monkeypatch.setattr(caches, "CHANGES_POLL", 3600.0)
    assert store.kept_user("hash-ann") == user


@pytest.mark.parametrize("backend", ["neo4j"])
def test_another_workers_claim_drops_that_lead_only(
    world: World, store: GraphStore, graph_settings: GraphSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Worker B claims L1: worker A's next read of L1, of its stream and of its company's owners
    shows the claim once A reads the announcements (CHANGES_POLL; 0 here), while L2, which A
    keeps too, is not read again: B announced the lead it moved, by id. Kept leads outlive
    LEAD_TTL (0 here) where every worker announces its moves."""
    monkeypatch.setattr(caches, "CHANGES_POLL", 0.0)
    monkeypatch.setattr(caches, "LEAD_TTL", 0.0)
    policy = load_policy()
    route_lead(store, "L1", policy=policy, now=NOW, actor="test")
    kept = {i: (store.lead(i), store.events(lead_id=i)) for i in ("L1", "L2")}
    assert account_owners(store, OWNER_STATUSES, "c:acme") == {}
    owner = kept["L1"][0].owner_rep_id
    assert owner is not None
    other = open_store(graph_settings)
    try:
        claim_lead(other, "L1", owner, policy=policy, now=NOW, actor="test")
        read: list[str] = []
        monkeypatch.setattr(store, "query_observer", lambda name, _: read.append(name))
        assert (store.lead("L2"), store.events(lead_id="L2")) == kept["L2"]
        assert "read_changes" in read and not (LEAD_READS | {"lead_events"}) & set(read)
        after = store.lead("L1")
        assert (after.status, after.owner_rep_id) == ("claimed", owner)
        assert [e.kind for e in store.events(lead_id="L1")] == [
            *(e.kind for e in kept["L1"][1]),
            "claimed",
        ]
        assert account_owners(store, OWNER_STATUSES, "c:acme") == {"c:acme": owner}
        read.clear()  # an event of L2 written by B (not a move): every kept lead is dropped
        World(other).event("note", "bob", at=NOW, lead_id="L2")
        assert [e.kind for e in store.events(lead_id="L2")][-1] == "note"
        assert store.lead("L1") == after
        assert STREAM_READS & set(read) and LEAD_READS & set(read)
    finally:
        other.close()


def test_a_lead_read_whole_with_its_stream_is_kept_as_the_two_reads_give_them(
    world: World, store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where every read is a round trip (``reads_lead_whole``: Neo4j; set here on LadybugDB
    too), a lead whose stream is not kept either is read with its stream in one query; both
    are kept as the separate reads give them, with a stream of several events, of none, and
    a lead without a committee. A lead whose stream is kept is read without it."""
    route_lead(store, "L1", policy=load_policy(), now=NOW, actor="test")
    world.event("note", "bob", at=NOW - timedelta(hours=1), lead_id="L1")
    world.lead("L3")
    separately = {}
    monkeypatch.setattr(store, "reads_lead_whole", False)
    for lead_id in ("L1", "L2", "L3"):
        store.caches.forget_lead(lead_id)
        separately[lead_id] = (store.lead(lead_id), store.events(lead_id=lead_id))
    assert len(separately["L1"][1]) >= 2 and separately["L2"][1] == []
    assert separately["L3"][0].committee == ()
    monkeypatch.setattr(store, "reads_lead_whole", True)
    read: list[str] = []
    monkeypatch.setattr(store, "query_observer", lambda name, _: read.append(name))
    for lead_id in ("L1", "L2", "L3"):
        store.caches.forget_lead(lead_id)
        read.clear()
        assert (store.lead(lead_id), store.events(lead_id=lead_id)) == separately[lead_id]
        assert [name for name in read if name != "read_changes"] == [
            "lead_with_committee_and_events"
        ]
    store.caches.forget_lead("L1")
    store.events(lead_id="L1")  # the stream kept, not the lead
    read.clear()
    assert store.lead("L1") == separately["L1"][0]
    assert [name for name in read if name != "read_changes"] == ["lead_with_committee"]
    with store.atomic():  # in a write transaction nothing read is kept: the lead alone
        store.caches.forget_lead("L2")
        read.clear()
        assert store.lead("L2") == separately["L2"][0]
        assert [name for name in read if name != "read_changes"] == ["lead_with_committee"]


@pytest.mark.parametrize("backend", ["neo4j"])
def test_another_workers_claim_is_followed_in_the_company_owners_kept(
    world: World, store: GraphStore, graph_settings: GraphSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Worker B's claim of L1 is announced with a note of the move: worker A, which keeps
    Acme's owners, adds the claim to them instead of reading them again, and answers as the
    graph does (the claim made after A read the owners: CLOCK_MARGIN, 0 here, is tested in
    tests/graph/test_caches.py). B's contact of L1 moves it from an owner status (to another):
    A reads Acme's owners again."""
    monkeypatch.setattr(caches, "CHANGES_POLL", 0.0)
    monkeypatch.setattr(caches, "CLOCK_MARGIN", 0.0)
    policy = load_policy()
    route_lead(store, "L1", policy=policy, now=NOW, actor="test")
    owner = store.lead("L1").owner_rep_id
    assert owner is not None
    assert account_owners(store, OWNER_STATUSES, "c:acme") == {}
    other = open_store(graph_settings)
    try:
        claim_lead(other, "L1", owner, policy=policy, now=datetime.now(UTC), actor="test")
        read: list[str] = []
        monkeypatch.setattr(store, "query_observer", lambda name, _: read.append(name))
        assert account_owners(store, OWNER_STATUSES, "c:acme") == {"c:acme": owner}
        assert "read_changes" in read and "company_owners" not in read
        kept = store.account_owners(OWNER_STATUSES, "c:acme")
        graph = other.account_owners(OWNER_STATUSES, "c:acme")
        assert [(o.rep_id, o.claimed_at) for o in kept] == [(o.rep_id, o.claimed_at) for o in graph]
        assert [o.rep_id for o in graph] == [owner]
        record_contact(other, "L1", owner, channel="call", at=NOW, now=NOW, actor="test")
        read.clear()
        assert account_owners(store, OWNER_STATUSES, "c:acme") == {"c:acme": owner}
        assert "company_owners" in read
    finally:
        other.close()


@pytest.mark.parametrize("backend", ["neo4j"])
def test_a_claim_announced_from_the_announcers_thread_shows_in_the_other_worker(
    world: World, store: GraphStore, graph_settings: GraphSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Worker B sends its announcements from a thread of their own (as the API's server
    does): its claim's transaction is the claim's only write in the claiming thread, the
    announcement of L1 follows from the announcer's thread, and worker A, once B has sent it,
    shows the claim and still keeps L2 (named by id). What waits when B closes is sent."""
    monkeypatch.setattr(caches, "CHANGES_POLL", 0.0)
    policy = load_policy()
    route_lead(store, "L1", policy=policy, now=NOW, actor="test")
    kept_l2 = store.lead("L2")
    owner = store.lead("L1").owner_rep_id
    assert owner is not None
    other = open_store(graph_settings)
    other.announce_in_background()
    ran: list[tuple[str, str]] = []
    monkeypatch.setattr(
        other,
        "query_observer",
        lambda name, _: ran.append((name, threading.current_thread().name)),
    )
    try:
        claim_lead(other, "L1", owner, policy=policy, now=NOW, actor="test")
        assert other.flush_announcements()
        here = threading.current_thread().name
        assert ("move_claimed", here) in ran
        assert [where for name, where in ran if name == "announce_changes"] == [
            "warmpath-announcer"
        ]
        read: list[str] = []
        monkeypatch.setattr(store, "query_observer", lambda name, _: read.append(name))
        assert store.lead("L2") == kept_l2
        assert "read_changes" in read and not LEAD_READS & set(read)
        after = store.lead("L1")
        assert (after.status, after.owner_rep_id) == ("claimed", owner)
        World(other).give("L2", "bob", at=NOW)  # announced as B closes, if not before
    finally:
        other.close()
    assert store.lead("L2").owner_rep_id == rid("bob")


@pytest.mark.parametrize("backend", ["neo4j"])
def test_announcements_missed_between_two_polls_drop_every_kept_lead(
    world: World, store: GraphStore, graph_settings: GraphSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The graph keeps the last LEADS_ANNOUNCED announcements of moved leads (1 here): worker B
    moves L1, then L2; worker A, which polls after both, cannot know every lead that moved,
    so it reads L3 (moved by nobody) again too. So does a worker's first poll, for what it
    kept before it."""
    monkeypatch.setattr(caches, "CHANGES_POLL", 0.0)
    monkeypatch.setattr(caches, "LEADS_ANNOUNCED", 1)
    world.lead("L3", ("dana", "champion"))
    views = {i: store.lead(i) for i in ("L1", "L2", "L3")}
    other = open_store(graph_settings)
    try:
        World(other).give("L1", "bob", at=NOW)
        World(other).give("L2", "ann", at=NOW)
        read: list[str] = []
        monkeypatch.setattr(store, "query_observer", lambda name, _: read.append(name))
        assert store.lead("L3") == views["L3"]
        assert LEAD_READS & set(read)  # read again
        assert (store.lead("L1").owner_rep_id, store.lead("L2").owner_rep_id) == (
            rid("bob"),
            rid("ann"),
        )
        fresh = open_store(graph_settings)  # a worker whose first poll comes after it kept
        try:
            fresh.caches.keep_lead(views["L1"], fresh.caches.lead_changes())
            assert fresh.caches.lead("L1") == views["L1"]  # as it was before bob's claim
            assert fresh.lead("L1").owner_rep_id == rid("bob")
        finally:
            fresh.close()
    finally:
        other.close()


@pytest.mark.parametrize("backend", ["neo4j"])
def test_a_workers_own_move_keeps_its_other_leads_after_the_poll(
    world: World, store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """This worker's move is announced; reading its own announcement back drops nothing more
    (L2 stays kept) and the moved lead is read as the graph has it."""
    monkeypatch.setattr(caches, "CHANGES_POLL", 0.0)
    views = {i: store.lead(i) for i in ("L1", "L2")}
    world.give("L1", "bob", at=NOW)
    read: list[str] = []
    monkeypatch.setattr(store, "query_observer", lambda name, _: read.append(name))
    assert store.lead("L2") == views["L2"]
    assert "read_changes" in read and not LEAD_READS & set(read)
    assert store.lead("L1").owner_rep_id == rid("bob")


@pytest.mark.parametrize("backend", ["neo4j"])
def test_a_claim_right_after_another_workers_offer_is_judged_on_the_graph(
    world: World, store: GraphStore, graph_settings: GraphSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Worker A keeps L1 as new; worker B offers it; the claim of the rep offered it, through A
    before A reads the announcements again (CHANGES_POLL an hour here), succeeds: what A keeps
    would refuse it, so the refusal is judged on the graph, under the lead's lock."""
    assert store.lead("L1").status == "new"  # kept by A (after its first read of them)
    monkeypatch.setattr(caches, "CHANGES_POLL", 3600.0)
    policy = load_policy()
    other = open_store(graph_settings)
    try:
        offer = route_lead(other, "L1", policy=policy, now=NOW, actor="test")
        rep = offer.reps[0]
        assert store.lead("L1").status == "new"  # A has not read B's announcement
        claimed = claim_lead(store, "L1", rep, policy=policy, now=NOW, actor="test")
        assert (claimed.status, claimed.owner_rep_id) == ("claimed", rep)
    finally:
        other.close()


@pytest.mark.parametrize("backend", ["neo4j"])
def test_concurrent_announcements_get_distinct_numbers(
    store: GraphStore, graph_settings: GraphSettings
) -> None:
    """Two workers announcing moves at the same moment never get the same number (a reader
    keyed by number would lose one of them), and the graph keeps each announcement."""
    other = open_store(graph_settings)
    numbers: list[int] = []
    lock = threading.Lock()

    def announce(worker: GraphStore, n: int) -> None:
        params = {"kinds": ["leads"], "lead_ids": [f"L{n}"], "kept": 1000}
        rows = worker._run_write("announce_changes", params)
        with lock:
            numbers.append(int(rows[0]["seq"]))

    try:
        threads = [
            threading.Thread(target=announce, args=(worker, n))
            for n, worker in enumerate([store, other] * 12)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert len(numbers) == 24 and len(set(numbers)) == 24
        rows = store._run_read("read_changes", {"leads_seen": -1})
        recent = next(row["recent"] for row in rows if row["kind"] == "leads")
        assert sorted(int(entry.split("\n")[0]) for entry in recent)[-24:] == sorted(numbers)
    finally:
        other.close()


@pytest.mark.parametrize("backend", ["neo4j"])
def test_a_workers_own_write_is_not_read_again_after_the_poll(
    world: World, store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """This worker's write is announced; reading the announcement back does not drop what the
    write already dropped and the next ranking read again (nobody else wrote meanwhile)."""
    monkeypatch.setattr(caches, "CHANGES_POLL", 0.0)
    cache = reach_cache(store)
    world.knows("ann", "erin")
    assert _hops(store, "L2", "ann") == 1
    misses = cache.misses
    assert _hops(store, "L2", "ann") == 1
    assert cache.misses == misses


@pytest.mark.parametrize("backend", ["neo4j"])
def test_two_workers_claims_by_one_rep_are_counted_one_after_the_other(
    world: World, store: GraphStore, graph_settings: GraphSettings
) -> None:
    """cy (capacity 1) is offered L3 and L4 (bob is their owner). Worker A's claim of L3 is
    inside its transaction, past its capacity check; worker B's claim of L4 (its workload in
    memory says 0) waits for A's rep lock, then counts L3 and is refused. Without the lock both
    claims would pass, and cy would hold 2 of 1."""
    world.rep("cy", capacity=1)
    for lead_id in ("L3", "L4"):
        world.lead(lead_id, ("dana", "champion"))
        offer = Event(id=f"offer-{lead_id}", at=NOW, kind="offered", actor="test")
        store.offer_leads([dataclasses.replace(offer, lead_id=lead_id, rep_id=rid("bob"))])
        world.event("offered", "cy", at=NOW, lead_id=lead_id)
    policy = load_policy()
    other = open_store(graph_settings)  # worker B, with its rep network and workloads in memory
    rank_lead(other, "L4", policy=policy, now=NOW)
    inside, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def claim_in_a() -> None:
        def unit() -> None:
            assert at_capacity(store, rid("cy"), "L3") is None
            world.give("L3", "cy", at=NOW)
            inside.set()
            release.wait(30)

        store.run_atomic(unit)

    def claim_in_b() -> None:
        try:
            claim_lead(other, "L4", rid("cy"), policy=policy, now=NOW, actor="test")
            outcome["b"] = "claimed"
        except NotEligible as exc:
            outcome["b"] = str(exc)

    a = threading.Thread(target=claim_in_a)
    b = threading.Thread(target=claim_in_b)
    try:
        a.start()
        assert inside.wait(30)
        assert other.lead("L3").owner_rep_id == rid("bob")  # B sees nothing of A's claim yet
        b.start()
        b.join(2)
        assert b.is_alive()  # past its own checks (cy holds 0 in its memory), waiting for A's lock
        release.set()
        a.join(30)
        b.join(30)
    finally:
        release.set()
        other.close()
    assert outcome["b"] == "you cannot claim lead L4: at capacity 1/1"
    assert store.lead("L3").owner_rep_id == rid("cy")
    assert store.lead("L4").owner_rep_id != rid("cy")


@pytest.mark.parametrize("backend", ["neo4j"])
def test_a_claim_keeps_the_value_another_worker_updated_meanwhile(
    world: World, store: GraphStore, graph_settings: GraphSettings
) -> None:
    """Worker B keeps L5's view (value 1,000); worker A's intake updates the value to 2,500;
    B's claim, made from its kept view, moves the lead without writing the old value back."""
    world.lead("L5", ("dana", "champion"), value=1000.0)
    offer = Event(id="offer-L5", at=NOW, kind="offered", actor="test", lead_id="L5")
    store.offer_leads([dataclasses.replace(offer, rep_id=rid("ann"))])
    other = open_store(graph_settings)  # worker B
    try:
        assert other.lead("L5").value == 1000.0  # kept by B
        store.update_lead_details(
            Lead(id="L5", company_id="c:acme", title="Deal L5", grade="warm", value=2500.0)
        )
        claim_lead(other, "L5", rid("ann"), policy=load_policy(), now=NOW, actor="test")
    finally:
        other.close()
    claimed = store.lead("L5")
    assert (claimed.status, claimed.owner_rep_id, claimed.value) == ("claimed", rid("ann"), 2500.0)
