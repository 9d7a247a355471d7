"""The reps as routing sees them at one moment: profiles, workload, record and the hard rules.

Everything is an array indexed like the graph's rep order (``LeadReach.rep_ids``), so that a
lead's signals and a batch's score matrix are computed for every rep at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from graph.model import Rep, RepActivities, RepActivity, RepRef
from graph.store import GraphStore
from routing.policy import Policy

OPEN_STATUSES = ("offered", "claimed", "contacted")
"""A lead in these statuses counts against its owner's capacity."""
ASSIGNMENT_EVENTS = ("offered", "claimed", "assigned")
"""Events that make a rep 'recently assigned' (the tie-break and round robin)."""
BREACH_EVENT = "sla_breach"
OWNER_STATUSES = ("claimed", "contacted", "nurture", "won")
"""A lead in these statuses makes its rep the account owner of the lead's company."""

REGION_UTC_OFFSET = {"EMEA": 1.0, "NA": -5.0, "LATAM": -3.0, "APAC": 8.0}
"""Where each sales region's working day is centred, for reps outside the region."""

RULES = ("inactive", "out_of_office", "at_capacity", "penalty_box", "tenure", "excluded")


def _utc_offset(timezone: str | None, now: datetime) -> float | None:
    if not timezone:
        return None
    try:
        offset = now.astimezone(ZoneInfo(timezone)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return None if offset is None else offset.total_seconds() / 3600


def _nan_if_none(value: float | None) -> float:
    return float("nan") if value is None else value


def stable_key(text: str) -> int:
    """A 63-bit number from text, the same on every run and machine (unlike ``hash``)."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") >> 1


def mix(lead_key: int, rep_keys: np.ndarray) -> np.ndarray:
    """A per-lead random order of reps: splitmix64 of (lead key xor rep key), vectorised."""
    with np.errstate(over="ignore"):
        z = (rep_keys ^ np.uint64(lead_key)) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def penalty_box_until(breaches: Sequence[datetime], policy: Policy) -> datetime | None:
    """The end of the latest penalty: ``penalty_breaches`` breaches within
    ``penalty_window_days`` keep a rep off hot leads for ``penalty_days`` after the last."""
    need = policy.penalty_breaches
    if len(breaches) < need:  # most reps: nothing to sort
        return None
    times = sorted(breaches)
    window = timedelta(days=policy.penalty_window_days)
    until: datetime | None = None
    for last in range(need - 1, len(times)):
        if times[last] - times[last - need + 1] <= window:
            until = times[last] + timedelta(days=policy.penalty_days)
    return until


Verdicts = dict[int, list[tuple[str, str]]]


class _StaticRules:
    """The verdicts of the rules that only the profiles and the day decide, by (hot lead,
    the policy's tenure for hot leads): those that come before the workload's in RULES
    (inactive, out of office) and after (tenure). Worked out when first asked, then kept
    with the profile arrays."""

    def __init__(
        self,
        active: np.ndarray,
        out_until: list[date | None],
        hired_on: list[date | None],
        day: date,
    ) -> None:
        self._active, self._out_until, self._hired_on, self._day = active, out_until, hired_on, day
        self._found: dict[tuple[bool, int], tuple[Verdicts, Verdicts]] = {}

    def __getitem__(self, key: tuple[bool, int]) -> tuple[Verdicts, Verdicts]:
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = self._work_out(*key)
        return found

    def _work_out(self, hot: bool, min_tenure: int) -> tuple[Verdicts, Verdicts]:
        before: Verdicts = {}
        after: Verdicts = {}
        for index in np.flatnonzero(~self._active).tolist():
            before.setdefault(index, []).append(("inactive", "inactive"))
        for index, back in enumerate(self._out_until):
            if back is not None and back > self._day:
                reason = f"out of office until {back.isoformat()}"
                before.setdefault(index, []).append(("out_of_office", reason))
        for index, hired in enumerate(self._hired_on if hot else ()):
            tenure = None if hired is None else (self._day - hired).days
            if tenure is not None and tenure < min_tenure:
                reason = f"tenure {tenure} days < {min_tenure} days for hot leads"
                after.setdefault(index, []).append(("tenure", reason))
        return before, after


@dataclass
class _StaticRoster:
    """What the rep profiles alone determine; rebuilt only when the profiles change."""

    key: tuple[int, tuple[str, ...], date]
    profiles_ref: Mapping[str, Rep]
    fields: dict[str, Any]


_STATIC: list[_StaticRoster] = []


def _static_roster(
    profiles_by_id: Mapping[str, Rep], rep_ids: tuple[str, ...], day: date
) -> _StaticRoster:
    """Profile arrays, memoised on the identity of the store's profile directory (a new one
    after every refresh), the rep order and the day (time zone offsets change with DST)."""
    key = (id(profiles_by_id), rep_ids, day)
    for cached in _STATIC:
        if cached.key == key and cached.profiles_ref is profiles_by_id:
            return cached
    profiles = [profiles_by_id.get(r) for r in rep_ids]
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    fields: dict[str, Any] = {
        "profiles": profiles,
        "refs": [
            RepRef(id=r, email=p.email, name=p.name, person_id=p.person_id)
            if p is not None
            else RepRef(id=r, email="", name=r, person_id="")
            for r, p in zip(rep_ids, profiles, strict=True)
        ],
        "active": np.array([p is not None and p.active for p in profiles], bool),
        "out_until": [p.out_until if p is not None else None for p in profiles],
        "capacity": np.array(
            [np.inf if p is None or p.capacity is None else p.capacity for p in profiles],
            float,
        ),
        "hired_on": [p.hired_on if p is not None else None for p in profiles],
        "close_rate": np.array(
            [(p.close_rate or 0.0) if p is not None else 0.0 for p in profiles], float
        ),
        "utc_offset": np.array(
            [_nan_if_none(_utc_offset(p.timezone if p else None, noon)) for p in profiles],
            float,
        ),
        "regions": [p.region if p is not None else None for p in profiles],
        "industries": [
            frozenset(i.lower() for i in p.industries) if p is not None else frozenset()
            for p in profiles
        ],
        "products": [
            frozenset(i.lower() for i in p.products) if p is not None else frozenset()
            for p in profiles
        ],
        "deal_min": np.array(
            [np.nan if p is None or p.deal_min is None else p.deal_min for p in profiles],
            float,
        ),
        "deal_max": np.array(
            [np.nan if p is None or p.deal_max is None else p.deal_max for p in profiles],
            float,
        ),
        "tie_keys": np.array([stable_key(r) for r in rep_ids], np.uint64),
    }
    fields["_static_rules"] = _StaticRules(
        fields["active"], fields["out_until"], fields["hired_on"], day
    )
    fields["_rep_people"] = frozenset(r.person_id for r in fields["refs"] if r.person_id)
    fields["_index"] = {r: i for i, r in enumerate(rep_ids)}  # shared: each Roster only reads it
    entry = _StaticRoster(key=key, profiles_ref=profiles_by_id, fields=fields)
    _STATIC[:] = [entry, *_STATIC[:1]]
    return entry


@dataclass
class _DynamicRoster:
    activity: Mapping[str, RepActivity]
    rep_ids: tuple[str, ...]
    policy: Policy
    acts: list[RepActivity]
    fields: dict[str, Any]
    index: dict[str, int]


_IDLE = RepActivity()
_DYNAMIC: list[_DynamicRoster] = []


def _dynamic_roster(
    activity: Mapping[str, RepActivity], rep_ids: tuple[str, ...], policy: Policy
) -> dict[str, Any]:
    """Workload arrays, memoised on the identity of the activity the store keeps (a new one
    after every change: a lead's move, a write, a read from the graph) and of the policy.
    A lead's move replaces the activity of its one or two reps and keeps every other rep's
    object, so the arrays of the last activity are copied and only those reps' entries
    worked out again (not every rep's, after every claim): the reps a move names
    (``RepActivities.changed_since``), else those whose object is not the same."""
    for kept in _DYNAMIC:
        if kept.activity is activity and kept.policy is policy and kept.rep_ids == rep_ids:
            return kept.fields
    base = next((k for k in _DYNAMIC if k.policy is policy and k.rep_ids == rep_ids), None)
    if base is None:
        acts = [activity.get(r, _IDLE) for r in rep_ids]
        index = {rep_id: i for i, rep_id in enumerate(rep_ids)}
        changed: Iterable[int] = range(len(rep_ids))
        fields: dict[str, Any] = {
            "open_leads": np.zeros(len(rep_ids), np.int64),
            "last_assigned": np.full(len(rep_ids), -np.inf),
            "last_assigned_at": [None] * len(rep_ids),
            "boxed_until": [None] * len(rep_ids),
        }
    else:
        index = base.index
        named = (
            activity.changed_since(base.activity) if isinstance(activity, RepActivities) else None
        )
        if named is not None:  # only these reps' entries can differ
            changed = sorted(index[r] for r in named if r in index)
            acts = list(base.acts)
            for i in changed:
                acts[i] = activity.get(rep_ids[i], _IDLE)
        else:
            acts = [activity.get(r, _IDLE) for r in rep_ids]
            changed = [
                i for i, (a, b) in enumerate(zip(acts, base.acts, strict=True)) if a is not b
            ]
        fields = {
            "open_leads": base.fields["open_leads"].copy(),
            "last_assigned": base.fields["last_assigned"].copy(),
            "last_assigned_at": list(base.fields["last_assigned_at"]),
            "boxed_until": list(base.fields["boxed_until"]),
        }
    boxed = set(() if base is None else base.fields["boxed_reps"])
    for i in changed:
        act = acts[i]
        last = act.last_assigned_at
        fields["open_leads"][i] = act.open_leads
        fields["last_assigned"][i] = -np.inf if last is None else last.timestamp()
        fields["last_assigned_at"][i] = last
        until = fields["boxed_until"][i] = penalty_box_until(act.breaches, policy)
        if until is None:
            boxed.discard(i)
        else:
            boxed.add(i)
    fields["boxed_reps"] = tuple(sorted(boxed))
    _DYNAMIC[:] = [_DynamicRoster(activity, rep_ids, policy, acts, fields, index), *_DYNAMIC[:1]]
    return fields


@dataclass
class Roster:
    """Every rep, as arrays in the graph's rep order, at time ``now``."""

    now: datetime
    policy: Policy
    rep_ids: tuple[str, ...]
    profiles: list[Rep | None]
    refs: list[RepRef]
    active: np.ndarray
    out_until: list[date | None]
    capacity: np.ndarray  # inf when unlimited
    open_leads: np.ndarray
    last_assigned: np.ndarray  # seconds since the epoch; -inf when never assigned
    last_assigned_at: list[datetime | None]
    boxed_until: list[datetime | None]
    hired_on: list[date | None]
    close_rate: np.ndarray
    utc_offset: np.ndarray  # nan when unknown
    regions: list[str | None]
    industries: list[frozenset[str]]
    products: list[frozenset[str]]
    deal_min: np.ndarray
    deal_max: np.ndarray
    tie_keys: np.ndarray
    boxed_reps: tuple[int, ...] | None = None
    """The reps with a penalty box (ended or not), in rep order (None: look at each)."""
    _index: dict[str, int] = field(default_factory=dict)
    _static_rules: _StaticRules | None = None
    _reasons: dict[bool, dict[int, list[tuple[str, str]]]] = field(default_factory=dict)
    _rep_people: frozenset[str] | None = None

    @classmethod
    def load(
        cls,
        store: GraphStore,
        rep_ids: Sequence[str],
        policy: Policy,
        now: datetime,
        activity: Mapping[str, RepActivity] | None = None,
    ) -> Roster:
        """The roster from the store (profiles come from the store's rep directory; one query
        each for workload, last assignments and breaches)."""
        if activity is None:
            activity = store.rep_activity(
                open_statuses=OPEN_STATUSES,
                assignment_kinds=ASSIGNMENT_EVENTS,
                breach_kinds=(BREACH_EVENT,),
                breaches_since=now
                - timedelta(days=policy.penalty_window_days + policy.penalty_days),
            )
        static = _static_roster(store.rep_profiles(), tuple(rep_ids), now.date())
        dynamic = _dynamic_roster(activity, tuple(rep_ids), policy)
        return cls(
            now=now,
            policy=policy,
            rep_ids=tuple(rep_ids),
            open_leads=dynamic["open_leads"].copy(),  # recount changes it
            last_assigned=dynamic["last_assigned"],
            last_assigned_at=dynamic["last_assigned_at"],
            boxed_until=dynamic["boxed_until"],
            boxed_reps=dynamic["boxed_reps"],
            **static.fields,
        )

    def __len__(self) -> int:
        return len(self.rep_ids)

    def today(self) -> date:
        return self.now.date()

    def exclusions(
        self, grade: str, excluded: Mapping[str, str] | None = None, *, only: int | None = None
    ) -> dict[int, list[tuple[str, str]]]:
        """Why each excluded rep is excluded (rule, reason in words), by rep index; with
        ``only``, that one rep's verdicts (what a claim asks), judged alone.

        A rep at capacity is judged on the leads they own now; batch routing also checks what
        it assigns on top (route_batch never exceeds a capacity)."""
        hot = grade == "hot"
        cached = self._reasons.get(hot) if only is None else self._rule_reasons(hot, only)
        if cached is None:
            cached = self._reasons[hot] = self._rule_reasons(hot)
        if not excluded:
            return cached
        reasons = {index: list(rules) for index, rules in cached.items()}
        for rep_id, reason in excluded.items():
            found = self.index_of(rep_id)
            if found is not None and only in (None, found):
                reasons.setdefault(found, []).append(("excluded", reason))
        return reasons

    def _rule_reasons(self, hot: bool, only: int | None = None) -> dict[int, list[tuple[str, str]]]:
        """Every rule's verdicts, in the order of RULES for each rep (for one rep with
        ``only``): those of the profiles and the day (inactive, out of office, tenure) worked
        out once per profile set, day and policy (``_static_rules``), the workload's
        (capacity, penalty box) each time."""
        policy = self.policy
        if self._static_rules is None:
            self._static_rules = _StaticRules(
                self.active, self.out_until, self.hired_on, self.today()
            )
        before, after = self._static_rules[(hot, policy.min_tenure_days_for_hot)]
        if only is not None:
            before = {only: before[only]} if only in before else {}
            after = {only: after[only]} if only in after else {}
        reasons = {index: list(rules) for index, rules in before.items()}

        def add(index: int, rule: str, reason: str) -> None:
            reasons.setdefault(index, []).append((rule, reason))

        full = (
            np.flatnonzero(self.open_leads >= self.capacity).tolist()
            if only is None
            else [only]
            if self.open_leads[only] >= self.capacity[only]
            else []
        )
        for index in full:
            add(
                index,
                "at_capacity",
                f"at capacity {self.open_leads[index]}/{int(self.capacity[index])}",
            )
        if hot:
            boxed = self.boxed_reps
            looked_at = range(len(self.boxed_until)) if boxed is None else boxed
            for index in looked_at if only is None else [only] if only in looked_at else []:
                until = self.boxed_until[index]
                if until is not None and until > self.now:
                    add(
                        index,
                        "penalty_box",
                        f"penalty box until {until.date().isoformat()} "
                        f"({policy.penalty_breaches} SLA breaches within "
                        f"{policy.penalty_window_days} days)",
                    )
        for index, rules in after.items():
            reasons.setdefault(index, []).extend(rules)
        return reasons

    def index_of(self, rep_id: str) -> int | None:
        if len(self._index) != len(self.rep_ids):
            self._index.update((r, i) for i, r in enumerate(self.rep_ids))
        return self._index.get(rep_id)

    def recount(self, index: int, change: int) -> None:
        """Change one rep's open-lead count (and forget the rules' verdicts that used it)."""
        self.open_leads[index] = max(0, int(self.open_leads[index]) + change)
        self._reasons.clear()

    def rep_people(self) -> frozenset[str]:
        """The person ids of every rep (a mutual connection who is a rep is a colleague)."""
        if self._rep_people is None:
            self._rep_people = frozenset(r.person_id for r in self.refs if r.person_id)
        return self._rep_people

    def boxed(self) -> np.ndarray:
        return np.array([u is not None and u > self.now for u in self.boxed_until], bool)


_MATCHES: list[ProfileMatch] = []


class ProfileMatch:
    """Per-rep match arrays for a lead's industry, product, region and value, cached by value
    (a batch of leads asks the same few questions many times)."""

    def __init__(self, roster: Roster) -> None:
        self.roster = roster
        self._industry: dict[str, np.ndarray] = {}
        self._product: dict[str, np.ndarray] = {}
        self._region: dict[str, np.ndarray] = {}

    @classmethod
    def of(cls, roster: Roster) -> ProfileMatch:
        """The match of this roster's profiles, shared by every roster built from the same
        profile arrays (the arrays are memoised with the profiles: see _static_roster)."""
        for kept in _MATCHES:
            if kept.roster.industries is roster.industries:
                return kept
        match = cls(roster)
        _MATCHES[:] = [match, *_MATCHES[:1]]
        return match

    def industry(self, industry: str | None) -> np.ndarray:
        key = (industry or "").strip().lower()
        if key not in self._industry:
            self._industry[key] = np.array(
                [bool(key) and key in wanted for wanted in self.roster.industries], float
            )
        return self._industry[key]

    def product(self, product: str | None) -> np.ndarray:
        key = (product or "").strip().lower()
        if key not in self._product:
            self._product[key] = np.array(
                [bool(key) and key in offered for offered in self.roster.products], float
            )
        return self._product[key]

    def geography(self, region: str | None) -> np.ndarray:
        """1 in the lead's region; outside it, up to 0.5 for working hours that overlap
        (8 hours apart or more: 0)."""
        key = (region or "").strip().upper()
        if key not in self._region:
            same = np.array([r is not None and r.upper() == key for r in self.roster.regions])
            centre = REGION_UTC_OFFSET.get(key)
            if centre is None:
                overlap = np.zeros(len(same))
            else:
                gap = np.abs(self.roster.utc_offset - centre)
                gap = np.minimum(gap, 24 - gap)
                overlap = np.nan_to_num(np.clip(1 - gap / 8, 0, 1) * 0.5, nan=0.0)
            self._region[key] = np.where(same, 1.0, overlap) if key else np.zeros(len(same))
        return self._region[key]

    def deal_size(self, value: float | None, reps: slice = slice(None)) -> np.ndarray:
        """1 inside the rep's deal band, falling with the ratio outside it; 0.5 when the lead
        has no value or the rep no band (neither helps nor hurts). For the reps in ``reps``
        (a claim asks about one)."""
        low, high = self.roster.deal_min[reps], self.roster.deal_max[reps]
        if value is None or value <= 0:
            return np.full(len(low), 0.5)
        with np.errstate(divide="ignore", invalid="ignore"):
            below = np.where(value < low, value / low, 1.0)
            above = np.where(value > high, high / value, 1.0)
        fit = np.nan_to_num(np.minimum(below, above), nan=1.0)
        known = ~(np.isnan(low) & np.isnan(high))
        return np.where(known, np.clip(fit, 0, 1), 0.5)


def at_capacity(
    store: GraphStore, rep_id: str, lead_id: str, *, held: int | None = None
) -> str | None:
    """Why the rep cannot take one more lead (this one not counted when they hold it already),
    or None: the one rule a claim checks again inside its write. It takes the rep's lock and
    counts what they hold in the graph (not the workload kept in memory, which another worker's
    claim reaches only after a few seconds), so two claims by one rep never both pass; or
    takes ``held``, counted so by the claim's move (``move_claimed``)."""
    profile = store.rep_profiles().get(rep_id)
    if profile is None or profile.capacity is None:
        return None
    if held is None:
        held = store.lock_rep(rep_id, OPEN_STATUSES, besides=lead_id)
    return f"at capacity {held}/{profile.capacity}" if held >= profile.capacity else None
