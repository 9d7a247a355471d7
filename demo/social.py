"""Social selling for the demo organisation: the last weeks' new connections (every rep a few,
some reps many) and a few "social sellers" who, week after week, claim leads they are warm to,
ask teammates for introductions, make introductions for them and win deals, so that the
quotas show progress, milestones and streaks. Every step goes through the lifecycle as a rep
would take it, at times in the recent past; the people and names are synthetic."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from graph.model import Tie
from graph.store import GraphStore
from routing.assignment import ROUTABLE_STATUSES
from routing.errors import WarmpathError
from routing.introductions import record_introduction
from routing.lifecycle import (
    claim_lead,
    record_contact,
    record_outcome,
    request_intro,
    route_lead,
)
from routing.policy import Policy
from routing.quotas import Period
from routing.ranking import rank_leads
from routing.warmth import is_warm_owner

ACTOR = "demo"
SELLERS = 4
PAST_WEEKS = 3
LEADS_A_WEEK = 2
"""A seller's warm claims each past week (the default goal); the first of each is won. This
week, so far: one."""


def _connections(
    store: GraphStore,
    now: datetime,
    people: Sequence[str],
    networkers: set[str],
    rng: random.Random,
) -> int:
    """New contacts: 11-14 a past week and 6 so far this week for each networker, 0-8 last
    week and this week for every other rep."""
    this_week = Period.containing("week", now)
    reps = store.rep_profiles()
    ties: list[Tie] = []
    for rep_id, rep in sorted(reps.items()):
        counts = (
            [rng.randint(11, 14) for _ in range(PAST_WEEKS)] + [6]
            if rep_id in networkers
            else [0] * (PAST_WEEKS - 1) + [rng.randint(0, 8), rng.randint(0, 8)]
        )
        for weeks_ago, count in zip(range(PAST_WEEKS, -1, -1), counts, strict=True):
            start = this_week.starts_at - timedelta(weeks=weeks_ago)
            days = max(1, min(7, (now - start).days + 1))
            for person_id in rng.sample(people, min(count, len(people))):
                day = (start + timedelta(days=rng.randrange(days))).date()
                if person_id != rep.person_id:
                    ties.append(
                        Tie(
                            a=rep.person_id, b=person_id, source="linkedin", since=day, strength=0.3
                        )
                    )
    store.merge_ties(ties)
    return len(ties)


def _sell(
    store: GraphStore,
    policy: Policy,
    lead_id: str,
    seller: str,
    helpers: list[str],
    *,
    at: datetime,
    now: datetime,
    won: bool,
) -> bool:
    """The seller is offered the lead and claims it; asks the helpers for introductions, which
    they make; contacts the buyer; with ``won`` wins the deal, else loses it a day later (a
    lead of this week stays contacted)."""
    reps = store.rep_profiles()
    try:
        offer = route_lead(store, lead_id, policy=policy, now=at, actor=ACTOR)
        if seller not in offer.reps:
            return False
        claim_lead(store, lead_id, seller, policy=policy, now=at, actor=f"rep:{seller}")
        buyer = store.lead(lead_id).committee[0].person.id
        step = at
        for helper in helpers:
            step += timedelta(minutes=20)
            via = reps[helper].person_id
            request_intro(store, lead_id, seller, via, "", now=step, actor=f"rep:{seller}")
            record_introduction(
                store,
                lead_id,
                helper,
                buyer,
                "we met at a conference",
                now=step,
                actor=f"rep:{helper}",
            )
        contacted = step + timedelta(minutes=30)
        record_contact(
            store,
            lead_id,
            seller,
            channel="linkedin",
            at=contacted,
            now=contacted,
            actor=f"rep:{seller}",
        )
        closed = contacted + timedelta(hours=2 if won else 24)
        if closed <= now:
            outcome = "won" if won else "lost"
            record_outcome(
                store,
                lead_id,
                seller,
                outcome=outcome,
                value=None,
                now=closed,
                actor=f"rep:{seller}",
            )
    except WarmpathError:
        return False  # a rule made a step impossible: the lead stays where it got to
    return True


def demo_social(
    store: GraphStore, *, policy: Policy, now: datetime, people: Sequence[str], seed: int = 7
) -> str:
    """New connections for every rep (with some of ``people``: the organisation's), and the
    social sellers' last weeks. Returns a one-line summary. Only for a freshly loaded demo
    graph, before ``demo_activity``."""
    rng = random.Random(seed)
    reps = sorted(store.rep_profiles())
    # the ties first, so that the rep network is read once, with them
    networkers = set(rng.sample(reps, len(reps) // 4))
    connections = _connections(store, now, people, networkers, rng)
    leads = store.leads_with_status(ROUTABLE_STATUSES)
    rankings = rank_leads(store, leads, policy=policy, now=now, explain=False)
    warm_tops: dict[str, list[str]] = defaultdict(list)
    for lead in leads:
        ranked = rankings[lead.id].ranked
        top = ranked[0].rep.id if ranked else ""
        if top in networkers and is_warm_owner(store, lead, top):
            warm_tops[ranked[0].rep.id].append(lead.id)
    needed = LEADS_A_WEEK * PAST_WEEKS + 1
    sellers = sorted(warm_tops, key=lambda r: (-len(warm_tops[r]), r))[:SELLERS]
    sellers = [s for s in sellers if len(warm_tops[s]) >= needed]
    if len(sellers) < 3:  # sellers introduce each other: it takes three
        sellers = []
    this_week = Period.containing("week", now)
    sold = 0
    for weeks_ago in range(PAST_WEEKS, -1, -1):
        start = this_week.starts_at - timedelta(weeks=weeks_ago)
        at = start + (min(now, start + timedelta(days=7)) - start) / 3
        for n, seller in enumerate(sellers):
            # each seller asks the next two sellers: 3 introductions asked, 3 made a week
            helpers = [sellers[(n + 1) % len(sellers)], sellers[(n + 2) % len(sellers)]]
            for k in range(LEADS_A_WEEK if weeks_ago else 1):
                lead_id = warm_tops[seller].pop(0)
                asked = helpers if k == 0 else helpers[:1]
                when = at + timedelta(hours=3 * k + n / 10)
                sold += _sell(store, policy, lead_id, seller, asked, at=when, now=now, won=k == 0)
    return (
        f"demo social selling: {connections} new connections, {len(sellers)} social sellers "
        f"with {sold} warm claims over the last {PAST_WEEKS} weeks and this one (each asks "
        "the next two for introductions)"
    )
