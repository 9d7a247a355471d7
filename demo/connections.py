"""Connected leads for the demo organisation: our customers talk to each other. After the demo
activity has won some leads, each customer's first decision-maker is given ties (source
``crm``: an account team's relationship notes) to the buyers of a few open leads elsewhere, so
``Lead.connections``, ``Lead.influence`` and the ranking's references have something to show.
The generator's data is synthetic."""

from __future__ import annotations

import random

from graph.model import Tie
from graph.store import GraphStore
from routing.connections import OPEN_LEAD_STATUSES

OPEN_LEADS_PER_CUSTOMER = 3


def connect_customers(store: GraphStore, *, seed: int = 7) -> str:
    """Ties from each won lead's first decision-maker to the first decision-maker of
    ``OPEN_LEADS_PER_CUSTOMER`` open leads at other companies. Returns a one-line summary;
    safe to rerun (ties are merged)."""
    rng = random.Random(seed)
    customers = [lead for lead in store.leads_with_status(("won",)) if lead.committee]
    open_leads = [lead for lead in store.leads_with_status(OPEN_LEAD_STATUSES) if lead.committee]
    ties: list[Tie] = []
    for customer in customers:
        others = [lead for lead in open_leads if lead.company.id != customer.company.id]
        for lead in rng.sample(others, min(OPEN_LEADS_PER_CUSTOMER, len(others))):
            a, b = customer.committee[0].person.id, lead.committee[0].person.id
            if a != b:
                ties.append(Tie(a=a, b=b, source="crm"))
    store.merge_ties(ties)
    return (
        f"connected leads: {len(ties)} ties between {len(customers)} customers' buyers and "
        "open leads' buyers"
    )
