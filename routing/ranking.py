"""Rank every rep for a lead, objectively and explainably.

The score of rep r for lead L is a weighted mean of normalised signals (each in 0..1):

    score(r) = sum_i w_i * v_i(r) / sum_i w_i

with the weights ``w_i`` of the policy (track record's weight times ``hot_close_rate_boost``
on hot leads). Each signal, for the buying committee D of L with role weights rw(d):

- warmth: sum_d rw(d) * hop_warmth[hops(r, d)] / sum_d rw(d) (no path within 3 hops: 0)
- coverage: share of the committee's role weight within 2 hops of r
- mutuals: m / (m + 3), m = people r and the decision-makers both know (summed over D)
- account_reach: k / (k + 3), k = current employees of L's company r knows
- shared_background: best of any decision-maker: former employer with overlapping years 1.0,
  shared school with overlapping years 0.6, employer without overlap 0.5, school 0.3
- industry: 1 when L's industry is one of r's; product: 1 when L's product is one of r's
- geography: 1 in L's region; else up to 0.5 for overlapping working hours
- deal_size: 1 inside r's deal band, value/min or max/value outside; 0.5 when unknown
- track_record: r's close rate relative to the best close rate in the team
- load: spare capacity, 1 - open / capacity (1 without a capacity)
- account_owner: 1 when r owns L's company already
- influence: n(I) x track_record(r), n(I) = I / (I + 3), I = L's influence (routing/connections.py):
  an influential lead goes to a proven closer (weight 0 by default)

Hard rules exclude reps (with the reason) before ordering. Order by mode:
proximity: score, then least recently assigned, then a stable random order seeded per lead;
round_robin: least recently assigned, then the seeded order; least_busy: fewest open leads,
then as round robin; first_available: the seeded order (every eligible rep is offered the
lead and the first to claim it wins). With ``prefer_account_owner``, an eligible account owner
comes first in every mode; with ``prefer_connected_owner`` the eligible owner of the closest
connected open lead comes next.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property, partial

import numpy as np

from graph.model import (
    LeadReach,
    LeadView,
    SharedStints,
)
from graph.store import GraphStore
from routing.accounts import account_owners
from routing.background import overlap_years
from routing.connections import BatchLinks, LeadLinks, links_matter
from routing.errors import InvalidArgument
from routing.evidence import (
    SIGNALS,
    WARM_HOPS,
    Evidence,
    Exclusion,
    LeadScores,
    PathToMember,
    RankedRep,
    RankedReps,
    SharedWithMember,
    SignalScore,
)
from routing.policy import Policy
from routing.reach import reach_cache
from routing.roster import OPEN_STATUSES, OWNER_STATUSES, ProfileMatch, Roster

__all__ = [
    "SIGNALS",
    "WARM_HOPS",
    "Evidence",
    "Exclusion",
    "LeadScores",
    "PathToMember",
    "RankedRep",
    "RankedReps",
    "SharedWithMember",
    "SignalScore",
]


@dataclass(frozen=True)
class Ranking:
    lead: LeadView
    mode: str
    policy_version: str
    computed_at: datetime
    ranked: RankedReps
    eligible: int
    exclusions: Callable[[], tuple[Exclusion, ...]] = field(
        repr=False, compare=False, metadata={"shown": False}
    )
    """Builds ``excluded`` when it is first read (most questions do not ask for it)."""

    @cached_property
    def excluded(self) -> tuple[Exclusion, ...]:
        """The reps a rule leaves out, by name, each with the first rule and every reason."""
        return self.exclusions()


def background_value(pairs: SharedStints, today: date) -> float:
    """The shared background signal of a rep and a decision-maker: the best of their shared
    places (``background_of`` reads the same pairs for the evidence), read without building
    the background (a ranking reads every rep's pairs)."""
    best = 0.0
    for mine, theirs in pairs:
        together = overlap_years(mine, theirs, today) > 0
        if theirs.kind == "employer":
            best = max(best, 1.0 if together else 0.5)
        else:
            best = max(best, 0.6 if together else 0.3)
    return best


def score_lead(
    lead: LeadView,
    reach: LeadReach,
    roster: Roster,
    match: ProfileMatch,
    owners: Mapping[str, str],
    excluded: Mapping[str, str] | None = None,
    links: Callable[[], LeadLinks] | None = None,
) -> LeadScores:
    """Every signal for every rep, the weighted score, and who the hard rules exclude.
    ``links``: the lead's connections, asked only when the policy scores or orders by them."""
    linked = links() if links is not None and links_matter(roster.policy) else None
    values, weights, score, warm = _weigh(lead, reach, roster, match, owners, linked, slice(None))
    connected = None if linked is None else roster.index_of(linked.connected_owner() or "")
    owner_id = owners.get(lead.company.id)
    owner = roster.index_of(owner_id) if owner_id else None
    reasons = roster.exclusions(lead.grade, excluded)
    eligible = np.ones(len(roster), bool)
    if reasons:
        eligible[list(reasons)] = False
    return LeadScores(
        values=values,
        weights=weights,
        score=score,
        eligible=eligible,
        reasons=reasons,
        owner=owner if owner is not None and eligible[owner] else None,
        warm=warm,
        connected_owner=connected if connected is not None and eligible[connected] else None,
        links=links,
    )


def _weigh(
    lead: LeadView,
    reach: LeadReach,
    roster: Roster,
    match: ProfileMatch,
    owners: Mapping[str, str],
    linked: LeadLinks | None,
    reps: slice,
) -> tuple[dict[str, np.ndarray], dict[str, float], np.ndarray, np.ndarray]:
    """The signals, weights, score and warmth (within WARM_HOPS of a decision-maker) of the
    reps in ``reps`` (a slice of roster order: every rep for a ranking, one for a claim).
    Relative signals stay relative to the whole team (track record: to its best close rate)."""
    policy = roster.policy
    first, stop, _ = reps.indices(len(roster))
    count = max(stop - first, 0)
    warmth_of_hops = np.array([0.0, *(policy.hop_warmth[h] for h in (1, 2, 3))])
    warmth = np.zeros(count)
    coverage = np.zeros(count)
    mutual_total = np.zeros(count)
    warm = np.zeros(count, bool)
    total_role = 0.0
    for member in lead.committee:
        weight = policy.role_weights.get(member.role, policy.role_weights["other"])
        total_role += weight
        found = reach.members.get(member.person.id)
        if found is None:
            continue
        hops = found.hops[reps]
        near = (hops >= 1) & (hops <= WARM_HOPS)
        warmth += weight * warmth_of_hops[hops]
        coverage += weight * near
        mutual_total += found.mutual_counts[reps]
        warm |= near
    if total_role > 0:
        warmth /= total_role
        coverage /= total_role
    known = reach.known_at_company[reps].astype(float)
    shared = np.zeros(count)
    today = roster.today()
    for (rep_id, _), pairs in reach.shared.items():
        index = roster.index_of(rep_id)
        if index is not None and first <= index < stop:
            shared[index - first] = max(shared[index - first], background_value(pairs, today))
    best_close = float(roster.close_rate.max()) if len(roster) else 0.0
    owner_id = owners.get(lead.company.id)
    owner = roster.index_of(owner_id) if owner_id else None
    account_owner = np.zeros(count)
    if owner is not None and first <= owner < stop:
        account_owner[owner - first] = 1.0
    close_rate = roster.close_rate[reps]
    track = close_rate / best_close if best_close > 0 else np.zeros(count)
    influence = 0.0 if linked is None else linked.influence.score
    capacity, open_leads = roster.capacity[reps], roster.open_leads[reps]
    with np.errstate(divide="ignore", invalid="ignore"):
        load = np.where(
            np.isinf(capacity), 1.0, np.clip(1 - open_leads / np.maximum(capacity, 1), 0, 1)
        )
    values = {
        "warmth": warmth,
        "coverage": coverage,
        "mutuals": mutual_total / (mutual_total + 3),
        "account_reach": known / (known + 3),
        "shared_background": shared,
        "industry": match.industry(lead.industry or lead.company.industry)[reps],
        "geography": match.geography(lead.region or lead.company.region)[reps],
        "product": match.product(lead.product)[reps],
        "deal_size": match.deal_size(lead.value, reps),
        "track_record": track,
        "load": load,
        "account_owner": account_owner,
        "influence": influence / (influence + 3) * track,
    }
    weights = dict(policy.weights)
    if lead.grade == "hot":
        weights["track_record"] *= policy.hot_close_rate_boost
    total_weight = sum(weights.values())
    score = sum((weights[name] * values[name] for name in SIGNALS), np.zeros(count)) / (
        total_weight or 1.0
    )
    return values, weights, score, warm


def build_ranking(
    lead: LeadView,
    reach: LeadReach,
    roster: Roster,
    scores: LeadScores,
    *,
    limit: int | None = None,
    explain: bool = True,
) -> Ranking:
    policy = roster.policy
    shown = scores.order(roster, lead.id, policy.mode, limit)

    def exclusions() -> tuple[Exclusion, ...]:
        return tuple(
            Exclusion(
                rep=roster.refs[index],
                rule=rules[0][0],
                reason="; ".join(reason for _, reason in rules),
            )
            for index, rules in sorted(
                scores.reasons.items(), key=lambda item: (roster.refs[item[0]].name, item[0])
            )
        )

    return Ranking(
        lead=lead,
        mode=policy.mode,
        policy_version=policy.version,
        computed_at=roster.now,
        ranked=RankedReps(lead, reach, roster, scores, shown, explain),
        eligible=shown.eligible,
        exclusions=exclusions,
    )


def rank_lead(
    store: GraphStore,
    lead_id: str,
    *,
    policy: Policy,
    now: datetime,
    limit: int | None = None,
    excluded: Mapping[str, str] | None = None,
    explain: bool = True,
) -> Ranking:
    """Every eligible rep for the lead, best first, with signals, contributions and evidence;
    excluded reps with the rule that excluded them. ``excluded`` adds reps to leave out with
    a reason (the rep who released the lead, the rep who breached its SLA)."""
    if limit is not None and limit < 1:
        raise InvalidArgument(f"limit must be 1 or more (got {limit})")
    lead = store.lead(lead_id)
    return rank_leads(
        store,
        [lead],
        policy=policy,
        now=now,
        excluded={lead.id: excluded or {}},
        limit=limit,
        explain=explain,
    )[lead.id]


def rank_leads(
    store: GraphStore,
    leads: Sequence[LeadView],
    *,
    policy: Policy,
    now: datetime,
    excluded: Mapping[str, Mapping[str, str]] | None = None,
    limit: int | None = None,
    explain: bool = True,
) -> dict[str, Ranking]:
    """Rankings of several leads from one read of the graph, the roster and the owners (the
    API's DataLoader: a page of 50 leads costs the same few store calls as one)."""
    if not leads:
        return {}
    reaches = reach_cache(store).reaches(store, leads, explain=explain)
    roster = Roster.load(store, next(iter(reaches.values())).rep_ids, policy, now)
    match = ProfileMatch.of(roster)
    owners = _owners(store, {lead.company.id for lead in leads})
    links = BatchLinks(store, leads)
    rankings = {}
    for lead in leads:
        reach = reaches[lead.id]
        counted = _uncount(roster, lead)
        scores = score_lead(
            lead,
            reach,
            roster,
            match,
            owners,
            (excluded or {}).get(lead.id),
            partial(links, lead.id),
        )
        rankings[lead.id] = build_ranking(lead, reach, roster, scores, limit=limit, explain=explain)
        if counted is not None:
            roster.recount(counted, +1)
    return rankings


def rep_standing(
    store: GraphStore,
    lead: LeadView,
    rep_id: str,
    *,
    policy: Policy,
    now: datetime,
    excluded: Mapping[str, str] | None = None,
) -> tuple[float, str | None]:
    """One rep's score for the lead and, when a rule excludes them now, why: what a claim
    asks (one rep's rules and score, not an ordering of every rep with its evidence)."""
    reach = reach_cache(store).reaches(store, [lead], explain=False)[lead.id]
    roster = Roster.load(store, reach.rep_ids, policy, now)
    index = roster.index_of(rep_id)
    if index is None:
        return 0.0, f"{rep_id} is not an active rep in the graph"
    _uncount(roster, lead)
    owners = _owners(store, {lead.company.id})
    linked = BatchLinks(store, [lead])(lead.id) if links_matter(policy) else None
    match = ProfileMatch.of(roster)
    _, _, score, _ = _weigh(lead, reach, roster, match, owners, linked, slice(index, index + 1))
    rules = roster.exclusions(lead.grade, excluded, only=index).get(index)
    reason = "; ".join(reason for _, reason in rules) if rules else None
    return round(float(score[0]), 4), reason


def _owners(store: GraphStore, companies: set[str]) -> dict[str, str]:
    """Who owns each of these companies' accounts."""
    if len(companies) > 5:  # one scan of every lead beats many point reads
        return account_owners(store, OWNER_STATUSES)
    owners: dict[str, str] = {}
    for company_id in companies:
        owners.update(account_owners(store, OWNER_STATUSES, company_id))
    return owners


def _uncount(roster: Roster, lead: LeadView) -> int | None:
    """A lead its owner holds is already in the owner's workload: rank it (and judge the
    owner's capacity) without it. Returns the owner's index when it was taken out."""
    if lead.status not in OPEN_STATUSES or not lead.owner_rep_id:
        return None
    index = roster.index_of(lead.owner_rep_id)
    if index is not None:
        roster.recount(index, -1)
    return index
