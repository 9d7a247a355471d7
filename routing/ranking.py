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

Hard rules exclude reps (with the reason) before ordering. Order by mode:
proximity: score, then least recently assigned, then a stable random order seeded per lead;
round_robin: least recently assigned, then the seeded order; least_busy: fewest open leads,
then as round robin; first_available: the seeded order (every eligible rep is offered the
lead and the first to claim it wins). With ``prefer_account_owner``, an eligible account owner
comes first in every mode.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, overload

import numpy as np

from graph.model import (
    LeadReach,
    LeadView,
    PersonRef,
    RepRef,
    SharedBackground,
)
from graph.store import GraphStore
from routing.accounts import account_owners
from routing.background import background_of
from routing.errors import InvalidArgument
from routing.policy import Policy
from routing.roster import OPEN_STATUSES, OWNER_STATUSES, ProfileMatch, Roster, mix, stable_key

SIGNALS = (
    "warmth",
    "coverage",
    "mutuals",
    "account_reach",
    "shared_background",
    "industry",
    "geography",
    "product",
    "deal_size",
    "track_record",
    "load",
    "account_owner",
)
WARM_HOPS = 2
"""A rep within this many hops of a decision-maker is a warm owner."""


class SignalScore(NamedTuple):
    name: str
    value: float
    weight: float
    contribution: float


class PathToMember(NamedTuple):
    """How a rep reaches one decision-maker: ``paths`` are chains of people from the rep's
    side to the decision-maker (empty chain: the rep knows them directly)."""

    member: PersonRef
    role: str
    hops: int | None
    paths: tuple[tuple[PersonRef, ...], ...]
    mutual_count: int
    mutuals: tuple[PersonRef, ...]
    colleagues: tuple[PersonRef, ...]


class SharedWithMember(NamedTuple):
    member: PersonRef
    background: SharedBackground


class Evidence(NamedTuple):
    committee: tuple[PathToMember, ...]
    known_at_company: tuple[PersonRef, ...]
    known_at_company_count: int
    shared: tuple[SharedWithMember, ...]
    account_owner: bool


class RankedRep(NamedTuple):
    position: int
    rep: RepRef
    score: float
    signals: tuple[SignalScore, ...]
    evidence: Evidence | None
    open_leads: int
    capacity: int | None
    last_assigned_at: datetime | None
    note: str | None = None


class Exclusion(NamedTuple):
    rep: RepRef
    rule: str
    reason: str


@dataclass(frozen=True)
class Ranking:
    lead: LeadView
    mode: str
    policy_version: str
    computed_at: datetime
    ranked: Sequence[RankedRep]
    excluded: tuple[Exclusion, ...]
    eligible: int


@dataclass
class LeadScores:
    """One lead's signals for every rep, as arrays in roster order."""

    values: dict[str, np.ndarray]
    weights: dict[str, float]
    score: np.ndarray
    eligible: np.ndarray
    reasons: dict[int, list[tuple[str, str]]]
    owner: int | None
    warm: np.ndarray

    def order(self, roster: Roster, lead_id: str, mode: str) -> np.ndarray:
        """Eligible rep indexes, best first, by the mode's ordering and the tie-break."""
        index = np.flatnonzero(self.eligible)
        random_order = mix(stable_key(lead_id), roster.tie_keys[index])
        recency = roster.last_assigned[index]
        if mode == "proximity":
            keys: tuple[np.ndarray, ...] = (
                random_order,
                recency,
                -np.round(self.score[index], 9),
            )
        elif mode == "round_robin":
            keys = (random_order, recency)
        elif mode == "least_busy":
            keys = (random_order, recency, roster.open_leads[index])
        elif mode == "first_available":
            keys = (random_order,)
        else:
            raise InvalidArgument(f"unknown routing mode {mode!r}")
        ordered = index[np.lexsort(keys)]
        if self.owner is not None and roster.policy.prefer_account_owner:
            ordered = np.concatenate(([self.owner], ordered[ordered != self.owner]))
        return ordered


def background_value(background: SharedBackground) -> float:
    values = [0.0]
    values += [1.0 if e.overlap_years > 0 else 0.5 for e in background.employers]
    values += [0.6 if s.overlap_years > 0 else 0.3 for s in background.schools]
    return max(values)


def score_lead(
    lead: LeadView,
    reach: LeadReach,
    roster: Roster,
    match: ProfileMatch,
    owners: Mapping[str, str],
    excluded: Mapping[str, str] | None = None,
) -> LeadScores:
    """Every signal for every rep, the weighted score, and who the hard rules exclude."""
    policy = roster.policy
    reps = len(roster)
    warmth_of_hops = np.array([0.0, *(policy.hop_warmth[h] for h in (1, 2, 3))])
    warmth = np.zeros(reps)
    coverage = np.zeros(reps)
    mutual_total = np.zeros(reps)
    warm = np.zeros(reps, bool)
    total_role = 0.0
    for member in lead.committee:
        weight = policy.role_weights.get(member.role, policy.role_weights["other"])
        total_role += weight
        found = reach.members.get(member.person.id)
        if found is None:
            continue
        near = (found.hops >= 1) & (found.hops <= WARM_HOPS)
        warmth += weight * warmth_of_hops[found.hops]
        coverage += weight * near
        mutual_total += found.mutual_counts
        warm |= near
    if total_role > 0:
        warmth /= total_role
        coverage /= total_role
    known = reach.known_at_company.astype(float)
    shared = np.zeros(reps)
    for (rep_id, _), pairs in reach.shared.items():
        index = roster.index_of(rep_id)
        if index is not None:
            background = background_of(pairs, roster.today())
            shared[index] = max(shared[index], background_value(background))
    best_close = float(roster.close_rate.max()) if reps else 0.0
    owner_id = owners.get(lead.company.id)
    owner = roster.index_of(owner_id) if owner_id else None
    account_owner = np.zeros(reps)
    if owner is not None:
        account_owner[owner] = 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        load = np.where(
            np.isinf(roster.capacity),
            1.0,
            np.clip(1 - roster.open_leads / np.maximum(roster.capacity, 1), 0, 1),
        )
    values = {
        "warmth": warmth,
        "coverage": coverage,
        "mutuals": mutual_total / (mutual_total + 3),
        "account_reach": known / (known + 3),
        "shared_background": shared,
        "industry": match.industry(lead.industry or lead.company.industry),
        "geography": match.geography(lead.region or lead.company.region),
        "product": match.product(lead.product),
        "deal_size": match.deal_size(lead.value),
        "track_record": roster.close_rate / best_close if best_close > 0 else np.zeros(reps),
        "load": load,
        "account_owner": account_owner,
    }
    weights = dict(policy.weights)
    if lead.grade == "hot":
        weights["track_record"] *= policy.hot_close_rate_boost
    total_weight = sum(weights.values())
    score = sum((weights[name] * values[name] for name in SIGNALS), np.zeros(reps)) / (
        total_weight or 1.0
    )
    reasons = roster.exclusions(lead.grade, excluded)
    eligible = np.ones(reps, bool)
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
    )


def _evidence(
    lead: LeadView, reach: LeadReach, roster: Roster, index: int, owner: int | None
) -> Evidence:
    rep_id = roster.rep_ids[index]
    rep_person = roster.refs[index].person_id
    people = reach.people
    colleague_people = roster.rep_people()

    def named(pid: str) -> PersonRef:
        return people.get(pid) or PersonRef(id=pid, name=pid)

    committee = []
    for member in lead.committee:
        found = reach.members.get(member.person.id)
        hops = int(found.hops[index]) if found is not None else 0
        mutual_ids = found.mutuals.get(rep_id, ()) if found is not None else ()
        if hops == 1:
            paths: tuple[tuple[PersonRef, ...], ...] = ((),)
        elif hops == 2:
            paths = tuple((named(m),) for m in mutual_ids)
        elif hops == 3 and found is not None and rep_id in found.bridges:
            first, second = found.bridges[rep_id]
            paths = ((named(first), named(second)),)
        else:
            paths = ()
        committee.append(
            PathToMember(
                member=member.person,
                role=member.role,
                hops=hops or None,
                paths=paths,
                mutual_count=int(found.mutual_counts[index]) if found is not None else 0,
                mutuals=tuple(named(m) for m in mutual_ids),
                colleagues=tuple(
                    named(m) for m in mutual_ids if m in colleague_people and m != rep_person
                ),
            )
        )
    today = roster.today()
    shared = tuple(
        SharedWithMember(
            member=m.person, background=background_of(reach.shared[(rep_id, m.person.id)], today)
        )
        for m in lead.committee
        if (rep_id, m.person.id) in reach.shared
    )
    return Evidence(
        committee=tuple(committee),
        known_at_company=tuple(named(p) for p in reach.people_known.get(rep_id, ())),
        known_at_company_count=int(reach.known_at_company[index]),
        shared=shared,
        account_owner=owner == index,
    )


class RankedReps(Sequence[RankedRep]):
    """The ranked reps, best first. Everything is computed when the ranking is built; each
    rep's Python record (signals and evidence) is assembled when first read, so a caller that
    shows the top 10 of 2,000 reps does not pay for the other 1,990."""

    def __init__(
        self,
        lead: LeadView,
        reach: LeadReach,
        roster: Roster,
        scores: LeadScores,
        order: np.ndarray,
        explain: bool,
    ) -> None:
        self._lead, self._reach, self._roster, self._scores = lead, reach, roster, scores
        self._order = order
        self._explain = explain
        self._built: dict[int, RankedRep] = {}
        total = sum(scores.weights.values()) or 1.0
        self._values = {name: np.round(scores.values[name][order], 4) for name in SIGNALS}
        self._contributions = {
            name: np.round(scores.weights[name] * scores.values[name][order] / total, 4)
            for name in SIGNALS
        }
        self._scores_rounded = np.round(scores.score[order], 4)

    def __len__(self) -> int:
        return len(self._order)

    @overload
    def __getitem__(self, item: int) -> RankedRep: ...
    @overload
    def __getitem__(self, item: slice) -> Sequence[RankedRep]: ...
    def __getitem__(self, item: int | slice) -> RankedRep | Sequence[RankedRep]:
        if isinstance(item, slice):
            return [self[i] for i in range(*item.indices(len(self)))]
        row = item + len(self) if item < 0 else item
        if not 0 <= row < len(self):
            raise IndexError(item)
        built = self._built.get(row)
        if built is None:
            built = self._build(row)
            self._built[row] = built
        return built

    def _build(self, row: int) -> RankedRep:
        roster, scores = self._roster, self._scores
        index = int(self._order[row])
        capacity = roster.capacity[index]
        return RankedRep(
            position=row + 1,
            rep=roster.refs[index],
            score=float(self._scores_rounded[row]),
            signals=tuple(
                SignalScore(
                    name=name,
                    value=float(self._values[name][row]),
                    weight=scores.weights[name],
                    contribution=float(self._contributions[name][row]),
                )
                for name in SIGNALS
            ),
            evidence=_evidence(self._lead, self._reach, roster, index, scores.owner)
            if self._explain
            else None,
            open_leads=int(roster.open_leads[index]),
            capacity=None if np.isinf(capacity) else int(capacity),
            last_assigned_at=roster.last_assigned_at[index],
            note="account owner: preferred by the policy"
            if scores.owner == index and roster.policy.prefer_account_owner
            else None,
        )


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
    order = scores.order(roster, lead.id, policy.mode)
    shown = order if limit is None else order[:limit]
    excluded = tuple(
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
        excluded=excluded,
        eligible=len(order),
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
    reaches = store.lead_reach(leads, explain=explain)
    roster = Roster.load(store, next(iter(reaches.values())).rep_ids, policy, now)
    match = ProfileMatch(roster)
    companies = {lead.company.id for lead in leads}
    if len(companies) <= 5:  # a few point reads beat one scan of every lead
        owners = {}
        for company_id in companies:
            owners.update(account_owners(store, OWNER_STATUSES, company_id))
    else:
        owners = account_owners(store, OWNER_STATUSES)
    rankings = {}
    for lead in leads:
        reach = reaches[lead.id]
        counted = _uncount(roster, lead)
        scores = score_lead(lead, reach, roster, match, owners, (excluded or {}).get(lead.id))
        rankings[lead.id] = build_ranking(lead, reach, roster, scores, limit=limit, explain=explain)
        if counted is not None:
            roster.recount(counted, +1)
    return rankings


def _uncount(roster: Roster, lead: LeadView) -> int | None:
    """A lead its owner holds is already in the owner's workload: rank it (and judge the
    owner's capacity) without it. Returns the owner's index when it was taken out."""
    if lead.status not in OPEN_STATUSES or not lead.owner_rep_id:
        return None
    index = roster.index_of(lead.owner_rep_id)
    if index is not None:
        roster.recount(index, -1)
    return index
