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
from dataclasses import dataclass
from datetime import datetime
from functools import partial
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
from routing.connections import BatchLinks, Connection, LeadLinks, links_matter
from routing.errors import InvalidArgument
from routing.policy import Policy
from routing.reach import reach_cache
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
    "influence",
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
    references: tuple[Connection, ...] = ()
    """Customers' buyers who are or know a decision-maker: their owners may introduce."""


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
    connected_owner: int | None = None
    links: Callable[[], LeadLinks] | None = None
    """The lead's connections (read when first asked: the evidence's references)."""

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
        first = [self.connected_owner] if roster.policy.prefer_connected_owner else []
        first += [self.owner] if roster.policy.prefer_account_owner else []
        for preferred in first:  # the account owner ends up first, the connected owner next
            if preferred is not None:
                ordered = np.concatenate(([preferred], ordered[ordered != preferred]))
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
    links: Callable[[], LeadLinks] | None = None,
) -> LeadScores:
    """Every signal for every rep, the weighted score, and who the hard rules exclude.
    ``links``: the lead's connections, asked only when the policy scores or orders by them."""
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
    track = roster.close_rate / best_close if best_close > 0 else np.zeros(reps)
    linked = links() if links is not None and links_matter(policy) else None
    influence = 0.0 if linked is None else linked.influence.score
    connected = None if linked is None else roster.index_of(linked.connected_owner() or "")
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
        "track_record": track,
        "load": load,
        "account_owner": account_owner,
        "influence": influence / (influence + 3) * track,
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
        connected_owner=connected if connected is not None and eligible[connected] else None,
        links=links,
    )


def _evidence(
    lead: LeadView, reach: LeadReach, roster: Roster, index: int, scores: LeadScores
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
        account_owner=scores.owner == index,
        references=() if scores.links is None else scores.links().references,
    )


def _note(roster: Roster, scores: LeadScores, index: int) -> str | None:
    policy = roster.policy
    if scores.owner == index and policy.prefer_account_owner:
        return "account owner: preferred by the policy"
    if scores.connected_owner == index and policy.prefer_connected_owner:
        return "holds a connected open lead: preferred by the policy"
    return None


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
            rows = range(*item.indices(len(self)))
            if self._explain:  # the 3-hop paths of the reps shown, one pass per decision-maker
                shown = [self._roster.rep_ids[int(self._order[r])] for r in rows]
                for found in self._reach.members.values():
                    prefetch = getattr(found.bridges, "prefetch", None)
                    if prefetch is not None:
                        prefetch(shown)
            return [self[i] for i in rows]
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
            evidence=_evidence(self._lead, self._reach, roster, index, scores)
            if self._explain
            else None,
            open_leads=int(roster.open_leads[index]),
            capacity=None if np.isinf(capacity) else int(capacity),
            last_assigned_at=roster.last_assigned_at[index],
            note=_note(roster, scores, index),
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
    links = BatchLinks(store, [lead])
    scores = score_lead(
        lead, reach, roster, ProfileMatch.of(roster), owners, excluded, lambda: links(lead.id)
    )
    rules = scores.reasons.get(index)
    reason = "; ".join(reason for _, reason in rules) if rules else None
    return round(float(scores.score[index]), 4), reason


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
