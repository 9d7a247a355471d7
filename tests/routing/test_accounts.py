"""The account-owner rule: the rep of the company's most recently claimed lead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from graph.model import Event, Lead, LeadState, OwnedLead
from graph.store import GraphStore
from routing.accounts import owners_of
from routing.roster import OWNER_STATUSES
from tests.routing.world import NOW, World, rid


def at(day: int) -> datetime:
    return datetime(2026, 11, day, tzinfo=UTC)


def test_the_latest_claim_owns_the_account_and_unclaimed_leads_count_from_creation() -> None:
    owned = [
        OwnedLead(company_id="c:acme", rep_id="rep:ann", claimed_at=at(3)),
        OwnedLead(company_id="c:acme", rep_id="rep:bob", claimed_at=at(5)),
        OwnedLead(company_id="c:acme", rep_id="rep:cat", created_at=at(4)),
        OwnedLead(company_id="c:globex", rep_id="rep:cat", created_at=at(1)),
        OwnedLead(company_id="c:initech", rep_id="rep:ann"),
        OwnedLead(company_id="c:initech", rep_id="rep:bob"),  # a tie: the greater rep id
    ]
    assert owners_of(owned) == {
        "c:acme": "rep:bob",
        "c:globex": "rep:cat",
        "c:initech": "rep:bob",
    }


def _own(store: GraphStore, lead_id: str, rep: str, status: str, claimed: datetime | None) -> None:
    """The rep owns the lead in ``status``: claimed then, or (None) never claimed."""
    store.move_lead(
        lead_id,
        from_statuses=(store.lead(lead_id).status,),
        to=LeadState(status=status, owner_rep_id=rid(rep), claimed_at=claimed),
        event=Event(id=f"own-{lead_id}", at=NOW, kind="assigned", actor="test", lead_id=lead_id),
    )


def test_one_companys_owner_read_from_the_graph_follows_the_same_rule(store: GraphStore) -> None:
    """On each backend, one company's read (the query ``company_owners``) returns only the
    lead that makes the owner, picked in the query by the rule above; every company's read
    returns every owned lead and the rule picks in Python. They name the same owners: the
    latest claim; a lead never claimed from its creation; on a tie, the greater rep id; a
    lead of another status or with no owner does not count."""
    world = World(store)
    for rep in ("ann", "bob", "cat"):
        world.rep(rep)
    for company in ("acme", "globex", "initech", "umbrella"):
        world.company(company)
    day = NOW - timedelta(days=10)
    leads = {
        "A1": ("acme", "ann", "claimed", day + timedelta(days=3)),
        "A2": ("acme", "bob", "contacted", day + timedelta(days=5)),
        "A3": ("acme", "cat", "won", None),  # created day 6 (below): the latest
        "A4": ("acme", "ann", "lost", day + timedelta(days=9)),  # not an owner status
        "G1": ("globex", "cat", "nurture", None),
        "I1": ("initech", "ann", "claimed", day + timedelta(days=2)),
        "I2": ("initech", "bob", "claimed", day + timedelta(days=2)),  # a tie: bob
    }
    for lead_id, (company, rep, status, claimed) in leads.items():
        created = day + timedelta(days=6 if lead_id == "A3" else 1)
        world.lead(lead_id, company=company, created_at=created)
        _own(store, lead_id, rep, status, claimed)
    world.lead("U1", company="umbrella")  # new: nobody owns umbrella
    world.company("hooli")  # a lead never claimed nor dated counts last, whatever its rep
    world.lead("H1", company="hooli")
    _own(store, "H1", "ann", "claimed", day)
    store.merge_leads([Lead(id="H2", company_id="c:hooli", title="Deal H2", created_at=None)])
    _own(store, "H2", "cat", "won", None)
    everyone = owners_of(store.account_owners(OWNER_STATUSES))
    assert everyone == {
        "c:acme": rid("cat"),
        "c:globex": rid("cat"),
        "c:initech": rid("bob"),
        "c:hooli": rid("ann"),
    }
    for company in ("c:acme", "c:globex", "c:initech", "c:umbrella", "c:hooli"):
        store.caches.forget()
        read = store.account_owners(OWNER_STATUSES, company)
        assert len(read) == (0 if company == "c:umbrella" else 1)
        assert owners_of(read) == {c: r for c, r in everyone.items() if c == company}
