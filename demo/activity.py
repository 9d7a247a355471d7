"""Activity for the demo organisation: leads offered, claimed, contacted (some touched again,
some in nurture), won and lost, some returned to marketing, and one claim past its contact
deadline, so that the API and the manager page have something to show. Times are in the recent
past; the generator's data is synthetic."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from graph.store import GraphStore
from routing.assignment import ROUTABLE_STATUSES, route_new_leads
from routing.errors import WarmpathError
from routing.lifecycle import claim_lead, record_contact, record_outcome, reject_lead
from routing.nurture import nurture_lead, record_touch
from routing.policy import Policy

ACTOR = "demo"


def demo_activity(store: GraphStore, *, policy: Policy, now: datetime, seed: int = 7) -> str:
    """Route a third of the new leads two days ago and move some of them along. Returns a
    one-line summary. Only for a freshly loaded demo graph."""
    rng = random.Random(seed)
    leads = store.leads_with_status(ROUTABLE_STATUSES)
    if not leads:
        return "no new leads: demo activity skipped"
    batch = leads[: max(1, len(leads) // 3)]
    routed_at = now - timedelta(days=2)
    routed = route_new_leads(store, policy=policy, now=routed_at, actor=ACTOR, leads=batch)
    result, offered = routed.result, routed.offered
    assert result is not None  # the batch is not empty
    owner = {a.lead_id: a.rep_id for a in result.assignments if a.rep_id}
    counts = dict.fromkeys(
        ("claimed", "contacted", "touched", "nurture", "won", "lost", "returned", "overdue"), 0
    )
    for number, lead_id in enumerate(offered):
        rep = owner[lead_id]
        lead = store.lead(lead_id)
        try:
            if number % 10 == 9:
                reject_lead(
                    store,
                    lead_id,
                    rep,
                    "no budget this year",
                    policy=policy,
                    now=routed_at,
                    actor=ACTOR,
                )
                counts["returned"] += 1
                continue
            if number % 5 >= 3:
                continue  # stays offered
            if counts["overdue"] == 0 and lead.grade == "warm":
                claim_lead(
                    store, lead_id, rep, policy=policy, now=now - timedelta(hours=30), actor=ACTOR
                )
                counts["overdue"] += 1
                continue
            hours = policy.sla_hours.get(lead.grade, 24.0)
            claimed_at = now - timedelta(hours=rng.uniform(0.1, 0.9) * hours)
            claim_lead(store, lead_id, rep, policy=policy, now=claimed_at, actor=ACTOR)
            counts["claimed"] += 1
            if number % 5 == 0:
                contacted = claimed_at + timedelta(minutes=rng.randint(5, 50))
                record_contact(
                    store,
                    lead_id,
                    rep,
                    channel=rng.choice(("email", "phone", "linkedin")),
                    at=contacted,
                    now=contacted,
                    actor=ACTOR,
                )
                counts["contacted"] += 1
                if number % 15 == 0:
                    outcome = "won" if number % 2 == 0 else "lost"
                    record_outcome(
                        store,
                        lead_id,
                        rep,
                        outcome=outcome,
                        value=lead.value,
                        now=contacted + timedelta(minutes=30),
                        actor=ACTOR,
                    )
                    counts[outcome] += 1
                elif number % 3 == 1:  # a second touch since
                    touched = contacted + (now - contacted) / 2
                    record_touch(
                        store,
                        lead_id,
                        rep,
                        channel="email",
                        at=touched,
                        note="sent the case study",
                        policy=policy,
                        now=touched,
                        actor=ACTOR,
                    )
                    counts["touched"] += 1
                else:  # not ready: nurtured until a date in the next month
                    nurture_lead(
                        store,
                        lead_id,
                        rep,
                        next_touch_at=now + timedelta(days=rng.randint(1, 30)),
                        reason="budget opens next quarter",
                        policy=policy,
                        now=now,
                        actor=ACTOR,
                    )
                    counts["nurture"] += 1
        except WarmpathError:
            continue  # a rule made this step impossible for this rep: leave the lead as it is
    return (
        f"demo activity: {len(offered)} leads offered, {counts['claimed']} claimed in time, "
        f"{counts['overdue']} claim past its contact deadline, {counts['contacted']} contacted "
        f"({counts['touched']} touched again, {counts['nurture']} in nurture), "
        f"{counts['won']} won, {counts['lost']} lost, {counts['returned']} returned to marketing"
    )
