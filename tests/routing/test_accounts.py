"""The account-owner rule: the rep of the company's most recently claimed lead."""

from __future__ import annotations

from datetime import UTC, datetime

from graph.model import OwnedLead
from routing.accounts import owners_of


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
