"""The account-owner rule: a company's account belongs to the rep of its most recently claimed
lead among the leads in the owner statuses (a lead never claimed counts from its creation)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from graph.model import OwnedLead
from graph.store import LeadRepository

NEVER = datetime.min.replace(tzinfo=UTC)


def owners_of(owned: Iterable[OwnedLead]) -> dict[str, str]:
    """Each company's owner: the rep of its latest claimed (else created) lead; on a tie in
    time, the greater rep id. The store's read of one company's owner (the query
    ``company_owners``) picks that lead by the same rule: a change here changes it there."""
    latest: dict[str, tuple[datetime, str]] = {}
    for lead in owned:
        when = lead.claimed_at or lead.created_at or NEVER
        known = latest.get(lead.company_id)
        if known is None or (when, lead.rep_id) > known:
            latest[lead.company_id] = (when, lead.rep_id)
    return {company: rep for company, (_, rep) in latest.items()}


def account_owners(
    store: LeadRepository, statuses: Sequence[str], company_id: str | None = None
) -> dict[str, str]:
    """Each company's owner (or only this company's), from the leads in these statuses."""
    return owners_of(store.account_owners(statuses, company_id))
