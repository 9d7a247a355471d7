"""The GraphQL schema: queries, mutations and the lead-event subscription.

Resolvers check access and call ``routing`` services; they never see Cypher. Expected failures
are ``Problem`` members of each result union, with a code and a message written for a person;
anything else is masked by the schema. Store calls run in worker threads, off the event loop.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import enum
import logging
import uuid
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.dataloader import DataLoader
from strawberry.extensions import MaskErrors, MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.fastapi import BaseContext
from strawberry.types import Info

from api.auth import Access
from api.broker import EventBroker
from api.observability import GraphQLMetrics, claim_decided, current_request_id, problem_returned
from graph.errors import NotFound, StoreError, StoreUnavailable, WarmpathError
from graph.keys import event_id
from graph.model import ConnectionPath, Event, LeadView, PersonRef, Rep, User
from graph.store import GraphStore, check_hops
from routing import explore, lifecycle, privacy
from routing.errors import Forbidden, InvalidArgument, InvalidState
from routing.policy import Policy
from routing.ranking import RankedRep, Ranking, rank_leads

T = TypeVar("T")
MAX_PAGE = 200
MAX_PATHS = 20
CURSOR_VERSION = "c1"
FAIRNESS_LEADS = 2000
ALL_STATUSES = ("new", "offered", "claimed", "contacted", "won", "lost", "returned")


@dataclass
class Services:
    """What every request shares: the store, the policy, the clock and the event broker."""

    store: GraphStore
    policy: Policy
    clock: Callable[[], datetime]
    broker: EventBroker = field(default_factory=EventBroker)


class Context(BaseContext):
    def __init__(self, services: Services, user: User | None) -> None:
        super().__init__()
        self.services = services
        self.user = user
        self.rankings: DataLoader[tuple[str, int], Ranking] = DataLoader(self._load_rankings)
        self.pages: dict[str, LeadView] = {}

    @property
    def store(self) -> GraphStore:
        return self.services.store

    @property
    def access(self) -> Access:
        if self.user is None:
            raise Forbidden("sign in with a bearer token")
        return Access(self.user, self.store)

    def now(self) -> datetime:
        return self.services.clock()

    async def _load_rankings(self, keys: list[tuple[str, int]]) -> list[Ranking | BaseException]:
        lead_ids = list(dict.fromkeys(k[0] for k in keys))

        def load() -> dict[str, Ranking]:
            leads = [self.pages.get(i) or self.store.lead(i) for i in lead_ids]
            history = self.store.events_of_leads(lead_ids)
            return rank_leads(
                self.store,
                leads,
                policy=self.services.policy,
                now=self.now(),
                excluded={i: lifecycle.exclusions_from(history[i]) for i in lead_ids},
            )

        try:
            found = await asyncio.to_thread(load)
        except WarmpathError as exc:
            return [exc for _ in keys]
        return [found[k[0]] for k in keys]


async def off(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking store call in a worker thread."""
    return await asyncio.to_thread(function, *args, **kwargs)


# --- types ------------------------------------------------------------------------------------


@strawberry.enum
class ErrorCode(enum.Enum):
    ALREADY_CLAIMED = "ALREADY_CLAIMED"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    INVALID_STATE = "INVALID_STATE"
    INVALID_ARGUMENT = "INVALID_ARGUMENT"


@strawberry.type(description="An expected failure: a code to branch on and words for a person.")
class Problem:
    code: ErrorCode
    message: str


_CODES = {c.value: c for c in ErrorCode}
CLIENT_CODES = frozenset(_CODES)
"""The codes of failures a client can fix; every other failure is masked."""
DATABASE_FAILURES = (StoreError, StoreUnavailable)
"""Failures of the graph database: shown to clients as "Unexpected error." and logged."""
log = logging.getLogger(__name__)


def problem(exc: WarmpathError) -> Problem:
    """A domain failure as a Problem. Anything else (a database failure, a broken setting or
    catalog) is not the caller's to fix and its text may name internals: it is re-raised, to be
    logged and masked by the schema's ErrorBoundary."""
    code = _CODES.get(exc.code)
    if code is None or isinstance(exc, DATABASE_FAILURES):
        raise exc
    problem_returned(code.value)
    return Problem(code=code, message=str(exc))


@strawberry.type
class Person:
    id: strawberry.ID
    name: str
    title: str | None
    linkedin_url: str | None

    @classmethod
    def of(cls, ref: PersonRef) -> Person:
        return cls(
            id=strawberry.ID(ref.id), name=ref.name, title=ref.title, linkedin_url=ref.linkedin_url
        )


@strawberry.type(name="Rep")
class RepType:
    id: strawberry.ID
    name: str
    email: str
    region: str | None
    team: str | None
    capacity: int | None
    active: bool
    out_until: str | None

    @classmethod
    def of(cls, rep: Rep) -> RepType:
        return cls(
            id=strawberry.ID(rep.id),
            name=rep.name,
            email=rep.email,
            region=rep.region,
            team=rep.team,
            capacity=rep.capacity,
            active=rep.active,
            out_until=rep.out_until.isoformat() if rep.out_until else None,
        )


@strawberry.type
class Company:
    id: strawberry.ID
    name: str
    industry: str | None
    region: str | None


@strawberry.type
class DecisionMaker:
    person: Person
    role: str


@strawberry.type
class Signal:
    name: str
    value: float
    weight: float
    contribution: float


@strawberry.type
class PathToMember:
    member: Person
    role: str
    hops: int | None
    paths: list[list[Person]] = strawberry.field(
        description="Chains of people from the rep to the decision-maker ([] = they know them)."
    )
    mutual_count: int
    mutuals: list[Person]
    colleagues: list[Person]


@strawberry.type
class SharedWithMember:
    member: Person
    employers: list[str]
    schools: list[str]


@strawberry.type
class Evidence:
    committee: list[PathToMember]
    known_at_company: list[Person]
    known_at_company_count: int
    shared: list[SharedWithMember]
    account_owner: bool


@strawberry.type
class RankedRepType:
    position: int
    rep: RepType
    score: float
    signals: list[Signal]
    evidence: Evidence | None
    open_leads: int
    capacity: int | None
    note: str | None


@strawberry.type
class ExcludedRep:
    rep: RepType
    rule: str
    reason: str


@strawberry.type(name="Ranking")
class RankingType:
    lead_id: strawberry.ID
    mode: str
    policy_version: str
    computed_at: datetime
    eligible: int
    ranked: list[RankedRepType]
    excluded: list[ExcludedRep]


def _rep_type(store: GraphStore, rep_id: str, fallback_name: str = "") -> RepType:
    profile = store.rep_profiles().get(rep_id)
    if profile is None:
        return RepType(
            id=strawberry.ID(rep_id),
            name=fallback_name or rep_id,
            email="",
            region=None,
            team=None,
            capacity=None,
            active=False,
            out_until=None,
        )
    return RepType.of(profile)


def _ranked(store: GraphStore, item: RankedRep) -> RankedRepType:
    evidence = item.evidence
    return RankedRepType(
        position=item.position,
        rep=_rep_type(store, item.rep.id, item.rep.name),
        score=item.score,
        signals=[
            Signal(name=s.name, value=s.value, weight=s.weight, contribution=s.contribution)
            for s in item.signals
        ],
        evidence=None
        if evidence is None
        else Evidence(
            committee=[
                PathToMember(
                    member=Person.of(m.member),
                    role=m.role,
                    hops=m.hops,
                    paths=[[Person.of(p) for p in chain] for chain in m.paths],
                    mutual_count=m.mutual_count,
                    mutuals=[Person.of(p) for p in m.mutuals],
                    colleagues=[Person.of(p) for p in m.colleagues],
                )
                for m in evidence.committee
            ],
            known_at_company=[Person.of(p) for p in evidence.known_at_company],
            known_at_company_count=evidence.known_at_company_count,
            shared=[
                SharedWithMember(
                    member=Person.of(s.member),
                    employers=[e.company_name for e in s.background.employers],
                    schools=[e.school_name for e in s.background.schools],
                )
                for s in evidence.shared
            ],
            account_owner=evidence.account_owner,
        ),
        open_leads=item.open_leads,
        capacity=item.capacity,
        note=item.note,
    )


def ranking_type(store: GraphStore, ranking: Ranking, access: Access, limit: int) -> RankingType:
    """A ranking as the caller may see it: a rep sees only their own entry (the others'
    evidence is other reps' personal connections)."""
    ranked = (
        list(ranking.ranked[:limit])
        if access.user.role != "rep"
        else [item for item in ranking.ranked if item.rep.id == access.user.rep_id]
    )
    if access.user.role == "manager":
        ranked = [item for item in ranked if access.can_see_rep(item.rep.id)]
    excluded = [e for e in ranking.excluded if access.can_see_rep(e.rep.id)]
    return RankingType(
        lead_id=strawberry.ID(ranking.lead.id),
        mode=ranking.mode,
        policy_version=ranking.policy_version,
        computed_at=ranking.computed_at,
        eligible=ranking.eligible,
        ranked=[_ranked(store, item) for item in ranked],
        excluded=[
            ExcludedRep(rep=_rep_type(store, e.rep.id, e.rep.name), rule=e.rule, reason=e.reason)
            for e in excluded
        ],
    )


RankingResult = Annotated[RankingType | Problem, strawberry.union("RankingResult")]


@strawberry.type(name="Event")
class EventType:
    id: strawberry.ID
    at: datetime
    kind: str
    actor: str
    lead_id: strawberry.ID | None
    rep_id: strawberry.ID | None
    reason: str | None
    detail: str | None

    @classmethod
    def of(cls, event: Event) -> EventType:
        return cls(
            id=strawberry.ID(event.id),
            at=event.at,
            kind=event.kind,
            actor=event.actor,
            lead_id=strawberry.ID(event.lead_id) if event.lead_id else None,
            rep_id=strawberry.ID(event.rep_id) if event.rep_id else None,
            reason=event.reason,
            detail=event.detail,
        )


@strawberry.type(name="Lead")
class LeadType:
    id: strawberry.ID
    title: str
    status: str
    grade: str
    value: float | None
    product: str | None
    source: str | None
    created_at: datetime | None
    claimed_at: datetime | None
    contact_due_at: datetime | None
    contacted_at: datetime | None
    outcome: str | None
    company: Company
    committee: list[DecisionMaker]
    owner_id: strawberry.ID | None
    overdue: bool = strawberry.field(description="Claimed and past its contact deadline.")

    @strawberry.field
    async def owner(self, info: Info[Context, None]) -> RepType | None:
        if self.owner_id is None:
            return None
        return _rep_type(info.context.store, str(self.owner_id))

    @strawberry.field(description="The ranked reps for this lead (see Query.rankedReps).")
    async def ranked_reps(self, info: Info[Context, None], limit: int = 10) -> RankingResult:
        return await _ranking(info, str(self.id), limit)

    @classmethod
    def of(cls, lead: LeadView, now: datetime) -> LeadType:
        return cls(
            id=strawberry.ID(lead.id),
            title=lead.title,
            status=lead.status,
            grade=lead.grade,
            value=lead.value,
            product=lead.product,
            source=lead.source,
            created_at=lead.created_at,
            claimed_at=lead.claimed_at,
            contact_due_at=lead.contact_due_at,
            contacted_at=lead.contacted_at,
            outcome=lead.outcome,
            company=Company(
                id=strawberry.ID(lead.company.id),
                name=lead.company.name,
                industry=lead.company.industry,
                region=lead.company.region,
            ),
            committee=[
                DecisionMaker(person=Person.of(m.person), role=m.role) for m in lead.committee
            ],
            owner_id=strawberry.ID(lead.owner_rep_id) if lead.owner_rep_id else None,
            overdue=lead.status == "claimed"
            and lead.contact_due_at is not None
            and lead.contact_due_at < now,
        )


async def _ranking(info: Info[Context, None], lead_id: str, limit: int) -> RankingType | Problem:
    context = info.context
    try:
        if not 1 <= limit <= 500:
            raise InvalidArgument(f"limit must be between 1 and 500 (got {limit})")
        access = context.access
        if lead_id not in context.pages:  # leads of a page were checked with the page
            await off(_require_lead, context, lead_id)
        ranking = await context.rankings.load((lead_id, limit))
        return ranking_type(context.store, ranking, access, limit)
    except WarmpathError as exc:
        return problem(exc)


def _visible(access: Access, lead: LeadView, offered: set[str] | None = None) -> bool:
    user = access.user
    if user.role == "admin":
        return True
    if user.role == "manager":
        return lead.owner_rep_id is None or access.can_see_rep(lead.owner_rep_id)
    if lead.owner_rep_id == user.rep_id:
        return True
    return lead.status == "offered" and offered is not None and user.rep_id in offered


def _require_lead(context: Context, lead_id: str) -> LeadView:
    lead = context.pages.get(lead_id) or context.store.lead(lead_id)
    offered = lifecycle.offered_reps(context.store, lead_id) if lead.status == "offered" else None
    if not _visible(context.access, lead, offered):
        raise Forbidden(f"lead {lead_id} is not one of yours")
    context.pages[lead_id] = lead
    return lead


LeadResult = Annotated[LeadType | Problem, strawberry.union("LeadResult")]


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class LeadConnection:
    nodes: list[LeadType]
    page_info: PageInfo
    total_count: int


@strawberry.type
class EventConnection:
    nodes: list[EventType]
    page_info: PageInfo
    total_count: int


@strawberry.input
class LeadFilter:
    status: str | None = None
    grade: str | None = None
    owner_id: strawberry.ID | None = None
    unassigned: bool | None = None
    company_id: strawberry.ID | None = None


def _cursor(kind: str, position: str) -> str:
    """An opaque cursor: the position after which the next page starts, tagged with its kind."""
    text = f"{CURSOR_VERSION}|{kind}|{position}"
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii")


def _forged() -> InvalidArgument:
    return InvalidArgument(
        "`after` is not a cursor this API gave out: pass the endCursor of the previous page, "
        "or leave it out for the first page"
    )


def _after(cursor: str | None, kind: str) -> str | None:
    """The position a cursor of ``kind`` encodes. Only its shape is checked here; each caller
    then checks the position against what it names (a lead, an event of the same stream), so a
    cursor the API did not give out is an error, never a page."""
    if cursor is None:
        return None
    try:
        if len(cursor) > 400:
            raise ValueError(cursor)
        value = base64.b64decode(cursor.encode("ascii"), altchars=b"-_", validate=True)
        version, tag, position = value.decode("utf-8").split("|", 2)
    except (ValueError, UnicodeError):
        raise _forged() from None
    if version != CURSOR_VERSION or tag != kind or not position:
        raise _forged()
    return position


def _page(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise InvalidArgument(f"first must be between 1 and {MAX_PAGE} (got {first})")
    return first


@strawberry.type
class Step:
    sources: list[str]
    strength: float | None


@strawberry.type
class Path:
    hops: int
    nodes: list[Person]
    steps: list[Step]

    @classmethod
    def of(cls, path: ConnectionPath) -> Path:
        return cls(
            hops=path.hops,
            nodes=[Person.of(n) for n in path.nodes],
            steps=[Step(sources=list(s.sources), strength=s.strength) for s in path.steps],
        )


@strawberry.type
class Paths:
    rep: RepType
    person: Person
    paths: list[Path]


@strawberry.type
class Mutuals:
    a: Person
    b: Person
    people: list[Person]


PathsResult = Annotated[Paths | Problem, strawberry.union("PathsResult")]
MutualsResult = Annotated[Mutuals | Problem, strawberry.union("MutualsResult")]
RepResult = Annotated[RepType | Problem, strawberry.union("RepResult")]


@strawberry.type(name="User")
class UserType:
    id: strawberry.ID
    name: str
    role: str
    rep_id: strawberry.ID | None
    team: str | None


@strawberry.type(
    description="A rep's standing. A rep sees every rep's claims, SLA record and wins, but the "
    "network size and warm reach (drawn from personal networks) only of themselves."
)
class LeaderboardRow:
    rep: RepType
    network_size: int | None
    warm_reach: int | None = strawberry.field(
        description="Open leads whose company the rep reaches."
    )
    claims: int
    sla_breaches: int
    sla_compliance: float | None
    won: int


@strawberry.enum
class Period(enum.Enum):
    WEEK = 7
    MONTH = 30
    QUARTER = 91
    YEAR = 365


@strawberry.type
class RepCount:
    rep: RepType
    leads: int


@strawberry.type
class Fairness:
    days: int
    leads: int
    assigned: int
    gini: float
    max_per_rep: int
    warm_owner_rate: float | None
    capacity_violations: int
    hot_to_penalty_boxed: int
    per_rep: list[RepCount]


@strawberry.type(name="Policy")
class PolicyType:
    version: str
    mode: str
    offer_top_n: int
    sla_hours_hot: float
    sla_hours_warm: float
    sla_hours_cold: float
    min_tenure_days_for_hot: int
    penalty_breaches: int
    penalty_window_days: int
    penalty_days: int
    weights: list[Signal]


# --- queries ----------------------------------------------------------------------------------


def _lead_page(
    context: Context, flt: LeadFilter | None, first: int, after: str | None
) -> LeadConnection:
    access = context.access
    flt = flt or LeadFilter()
    statuses = (flt.status,) if flt.status else ALL_STATUSES
    if flt.status and flt.status not in ALL_STATUSES:
        raise InvalidArgument(f"status must be one of {', '.join(ALL_STATUSES)}")
    leads = context.store.leads_with_status(statuses, with_committees=False)
    offers: dict[str, set[str]] = {}
    if access.user.role == "rep":
        offered = [lead.id for lead in leads if lead.status == "offered"]
        history = context.store.events_of_leads(offered)
        offers = {i: lifecycle.offers_from(history[i]) for i in offered}
    selected = [
        lead
        for lead in leads
        if _visible(access, lead, offers.get(lead.id))
        and (flt.grade is None or lead.grade == flt.grade)
        and (flt.owner_id is None or lead.owner_rep_id == str(flt.owner_id))
        and (flt.unassigned is None or (lead.owner_rep_id is None) == flt.unassigned)
        and (flt.company_id is None or lead.company.id == str(flt.company_id))
    ]
    selected.sort(key=lambda lead: lead.id)
    start = _after(after, "lead")
    if start is not None and start not in {lead.id for lead in leads}:
        try:
            context.store.lead(start)  # a lead that changed status since the last page
        except NotFound:
            raise _forged() from None
    if start is not None:
        selected_after = [lead for lead in selected if lead.id > start]
    else:
        selected_after = selected
    committees = context.store.committees([lead.id for lead in selected_after[:first]])
    page = [
        dataclasses.replace(lead, committee=committees[lead.id]) for lead in selected_after[:first]
    ]
    for lead in page:
        context.pages[lead.id] = lead
    now = context.now()
    return LeadConnection(
        nodes=[LeadType.of(lead, now) for lead in page],
        page_info=PageInfo(
            has_next_page=len(selected_after) > first,
            end_cursor=_cursor("lead", page[-1].id) if page else None,
        ),
        total_count=len(selected),
    )


def _leaderboard(context: Context, days: int) -> list[LeaderboardRow]:
    """One read of the period's events, the open leads and the in-memory rep network."""
    store = context.store
    access = context.access
    since = context.now() - timedelta(days=days)
    profiles = store.rep_profiles()
    open_leads = store.leads_with_status(
        ("new", "offered", "claimed", "contacted"), with_committees=False
    )
    reach = store.company_reach_counts(sorted({lead.company.id for lead in open_leads}))
    warm_reach: dict[str, int] = {}
    for lead in open_leads:
        for rep_id in reach.get(lead.company.id, {}):
            warm_reach[rep_id] = warm_reach.get(rep_id, 0) + 1
    counts = store.rep_event_counts(("claimed", "assigned", "sla_breach", "won"), since)
    rows = []
    a_rep = access.user.role == "rep"
    for rep_id, profile in sorted(profiles.items()):
        if not access.can_see_rep(rep_id) and not a_rep:
            continue
        own = access.can_see_rep(rep_id)  # a rep: only their own network figures
        seen = counts.get(rep_id, {})
        claims = seen.get("claimed", 0) + seen.get("assigned", 0)
        breaches = seen.get("sla_breach", 0)
        rows.append(
            LeaderboardRow(
                rep=RepType.of(profile),
                network_size=store.network_size(rep_id) if own else None,
                warm_reach=warm_reach.get(rep_id, 0) if own else None,
                claims=claims,
                sla_breaches=breaches,
                sla_compliance=None if claims == 0 else round(max(0.0, 1 - breaches / claims), 4),
                won=seen.get("won", 0),
            )
        )
    if a_rep:  # the order must not give away what the figures hide
        rows.sort(key=lambda r: (-r.won, -r.claims, r.rep.name))
    else:
        rows.sort(key=lambda r: (-r.won, -(r.warm_reach or 0), -(r.network_size or 0), r.rep.name))
    return rows


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in user.")
    def me(self, info: Info[Context, None]) -> UserType:
        user = info.context.access.user
        return UserType(
            id=strawberry.ID(user.id),
            name=user.name,
            role=user.role,
            rep_id=strawberry.ID(user.rep_id) if user.rep_id else None,
            team=user.team,
        )

    @strawberry.field
    async def lead(self, info: Info[Context, None], id: strawberry.ID) -> LeadResult:
        try:
            lead = await off(_require_lead, info.context, str(id))
        except WarmpathError as exc:
            return problem(exc)
        return LeadType.of(lead, info.context.now())

    @strawberry.field(description="Leads the caller may see, ordered by id, with cursor paging.")
    async def leads(
        self,
        info: Info[Context, None],
        filter: LeadFilter | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> LeadConnection:
        _page(first)
        return await off(_lead_page, info.context, filter, first, after)

    @strawberry.field(description="Every eligible rep for a lead, scored and explained.")
    async def ranked_reps(
        self, info: Info[Context, None], lead_id: strawberry.ID, limit: int = 10
    ) -> RankingResult:
        return await _ranking(info, str(lead_id), limit)

    @strawberry.field
    async def rep(self, info: Info[Context, None], id: strawberry.ID) -> RepResult:
        def load() -> RepType:
            info.context.access.require_rep(str(id))
            return RepType.of(info.context.store.rep_profiles()[str(id)])

        try:
            return await off(load)
        except WarmpathError as exc:
            return problem(exc)

    @strawberry.field(description="The reps the caller may see, by name.")
    async def reps(self, info: Info[Context, None], team: str | None = None) -> list[RepType]:
        access = info.context.access
        profiles = await off(info.context.store.rep_profiles)
        return [
            RepType.of(p)
            for p in sorted(profiles.values(), key=lambda p: (p.name, p.id))
            if access.can_see_rep(p.id) and (team is None or p.team == team)
        ]

    @strawberry.field(description="Shortest paths from a rep to a person (URL, email or id).")
    async def connection_paths(
        self,
        info: Info[Context, None],
        rep_id: strawberry.ID,
        person_key: str,
        max_hops: int = 3,
        limit: int = 5,
    ) -> PathsResult:
        def load() -> Paths:
            check_hops(max_hops)
            if not 1 <= limit <= MAX_PATHS:
                raise InvalidArgument(f"limit must be between 1 and {MAX_PATHS} (got {limit})")
            # authorise the rep the key resolves to, whatever key names them (id, email, URL)
            rep = info.context.store.resolve_rep(str(rep_id))
            info.context.access.require_rep(rep.id)
            found = explore.connection_paths(
                info.context.store, rep.id, person_key, max_hops=max_hops, limit=limit
            )
            return Paths(
                rep=_rep_type(info.context.store, found.rep.id),
                person=Person.of(found.person),
                paths=[Path.of(p) for p in found.paths],
            )

        try:
            return await off(load)
        except WarmpathError as exc:
            return problem(exc)

    @strawberry.field(
        description="People two people both know; a rep may ask only about themselves."
    )
    async def mutual_connections(self, info: Info[Context, None], a: str, b: str) -> MutualsResult:
        def load() -> Mutuals:
            store = info.context.store
            access = info.context.access
            found = explore.mutual_connections(store, a, b)
            for person in (found.a, found.b):
                rep = _rep_of_person(store, person.id)
                if rep is not None and not access.can_see_rep(rep):
                    raise Forbidden("you cannot see this rep's connections")
            if access.user.role == "rep":
                mine = store.rep_profiles()[access.user.rep_id or ""].person_id
                if mine not in (found.a.id, found.b.id):
                    raise Forbidden("a rep can ask only about their own mutual connections")
            return Mutuals(
                a=Person.of(found.a),
                b=Person.of(found.b),
                people=[Person.of(p) for p in found.people],
            )

        try:
            return await off(load)
        except WarmpathError as exc:
            return problem(exc)

    @strawberry.field(description="The activity stream of a lead or a rep, oldest first.")
    async def events(
        self,
        info: Info[Context, None],
        lead_id: strawberry.ID | None = None,
        rep_id: strawberry.ID | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> EventConnection:
        _page(first)

        def load() -> EventConnection:
            context = info.context
            if (lead_id is None) == (rep_id is None):
                raise InvalidArgument("give leadId or repId")
            if lead_id is not None:
                _require_lead(context, str(lead_id))
                events = context.store.events(lead_id=str(lead_id))
            else:
                context.access.require_rep(str(rep_id))
                events = context.store.events(rep_id=str(rep_id))
            stream = f"lead {lead_id}" if lead_id is not None else f"rep {rep_id}"
            start = _after(after, "event")
            keyed = [(f"{e.at.isoformat()}|{e.id}", e) for e in events]
            if start is not None and not start.startswith(stream + "|"):
                raise _forged()  # a cursor of another lead's or rep's events
            if start is not None:
                start = start[len(stream) + 1 :]
                if start not in {key for key, _ in keyed}:
                    raise _forged()
            rest = [pair for pair in keyed if start is None or pair[0] > start]
            page = rest[:first]
            return EventConnection(
                nodes=[EventType.of(e) for _, e in page],
                page_info=PageInfo(
                    has_next_page=len(rest) > first,
                    end_cursor=_cursor("event", f"{stream}|{page[-1][0]}") if page else None,
                ),
                total_count=len(events),
            )

        return await off(load)

    @strawberry.field(description="Per rep: network size, warm reach, claims, SLA record, wins.")
    async def leaderboard(
        self, info: Info[Context, None], period: Period = Period.MONTH
    ) -> list[LeaderboardRow]:
        return await off(_leaderboard, info.context, period.value)

    @strawberry.field(description="Leads sent back to marketing, newest first, with the reason.")
    async def returned_leads(
        self, info: Info[Context, None], since: datetime | None = None
    ) -> list[LeadType]:
        def load() -> list[LeadType]:
            context = info.context
            context.access.require_manager()
            if since is not None:
                lifecycle.require_aware(since, "since")
            leads = context.store.leads_with_status(("returned",))
            history = context.store.events_of_leads([lead.id for lead in leads])
            found = []
            for lead in leads:
                returned = [e for e in history[lead.id] if e.kind == "returned"]
                when = returned[-1].at if returned else None
                if since is None or (when is not None and when >= since):
                    found.append((when, lead))
            found.sort(key=lambda pair: (pair[0] is None, pair[0]), reverse=True)
            return [LeadType.of(lead, context.now()) for _, lead in found]

        return await off(load)

    @strawberry.field(
        description="People by LinkedIn URL, email or id, or by part of their (company) name."
    )
    async def people(self, info: Info[Context, None], search: str, first: int = 20) -> list[Person]:
        def load() -> list[Person]:
            context = info.context
            context.access.require_manager()
            text = search.strip()
            if "linkedin." in text.lower() or "@" in text or ":" in text:
                try:
                    return [Person.of(context.store.resolve_person(text))]
                except (NotFound, InvalidArgument):  # no one, or several: nothing to list
                    return []
            return [Person.of(p) for p in context.store.people_named(text, limit=_page(first))]

        return await off(load)

    @strawberry.field(
        description="Fairness and quality of the assignments of recent leads (the newest 2,000)."
    )
    async def fairness(self, info: Info[Context, None], days: int = 30) -> Fairness:
        def load() -> Fairness:
            from routing.assignment import assignment_metrics, score_matrix
            from routing.simulate import ROUTED_STATUSES

            context = info.context
            access = context.access
            access.require_manager()
            if not 1 <= days <= 366:
                raise InvalidArgument(f"days must be between 1 and 366 (got {days})")
            now = context.now()
            since = now - timedelta(days=days)
            recent = [
                lead
                for lead in context.store.leads_with_status(ROUTED_STATUSES)
                if lead.created_at is None or lead.created_at >= since
            ]
            # scoring costs ~2 ms a lead: the newest FAIRNESS_LEADS keep the page responsive
            leads = recent[-FAIRNESS_LEADS:]
            matrix = score_matrix(context.store, leads, context.services.policy, now)
            index = {rep: i for i, rep in enumerate(matrix.roster.rep_ids)}
            chosen = {
                row: index[lead.owner_rep_id]
                for row, lead in enumerate(leads)
                if lead.owner_rep_id in index
            }
            m = assignment_metrics(matrix, chosen)
            return Fairness(
                days=days,
                leads=m.leads,
                assigned=m.assigned,
                gini=m.gini,
                max_per_rep=m.max_per_rep,
                warm_owner_rate=m.warm_owner_rate,
                capacity_violations=m.capacity_violations,
                hot_to_penalty_boxed=m.hot_to_penalty_boxed,
                per_rep=[
                    RepCount(rep=_rep_type(context.store, rep_id), leads=count)
                    for rep_id, count in sorted(m.leads_per_rep.items(), key=lambda kv: -kv[1])
                    if access.can_see_rep(rep_id)
                ],
            )

        return await off(load)

    @strawberry.field
    def policy(self, info: Info[Context, None]) -> PolicyType:
        info.context.access  # noqa: B018 - signed-in users only
        p = info.context.services.policy
        return PolicyType(
            version=p.version,
            mode=p.mode,
            offer_top_n=p.offer_top_n,
            sla_hours_hot=p.sla_hours["hot"],
            sla_hours_warm=p.sla_hours["warm"],
            sla_hours_cold=p.sla_hours["cold"],
            min_tenure_days_for_hot=p.min_tenure_days_for_hot,
            penalty_breaches=p.penalty_breaches,
            penalty_window_days=p.penalty_window_days,
            penalty_days=p.penalty_days,
            weights=[
                Signal(name=k, value=v, weight=v, contribution=0.0) for k, v in p.weights.items()
            ],
        )


def _rep_of_person(store: GraphStore, person_id: str) -> str | None:
    for rep in store.rep_profiles().values():
        if rep.person_id == person_id:
            return rep.id
    return None


# --- mutations --------------------------------------------------------------------------------


@strawberry.type
class Routed:
    lead: LeadType
    offered_to: list[RepType]


@strawberry.type
class RoutedBatch:
    offered: int
    unassigned: int
    gini: float
    warm_owner_rate: float | None


@strawberry.type
class Claimed:
    lead: LeadType


@strawberry.type
class LeadChanged:
    lead: LeadType


@strawberry.type
class IntroRequested:
    event: EventType


@strawberry.enum
class Outcome(enum.Enum):
    WON = "won"
    LOST = "lost"


RouteResult = Annotated[Routed | Problem, strawberry.union("RouteResult")]
RouteLeadsResult = Annotated[RoutedBatch | Problem, strawberry.union("RouteLeadsResult")]
ClaimResult = Annotated[Claimed | Problem, strawberry.union("ClaimResult")]
LeadChangeResult = Annotated[LeadChanged | Problem, strawberry.union("LeadChangeResult")]
IntroResult = Annotated[IntroRequested | Problem, strawberry.union("IntroResult")]


@strawberry.type(description="What withdrawing a rep's network removed (forgetNetwork).")
class NetworkForgotten:
    rep_id: strawberry.ID
    ties_removed: int
    ties_kept: int = strawberry.field(
        description="Ties someone else reported too: they stay, without this rep's report."
    )
    people_removed: int = strawberry.field(description="People known only through this rep.")
    employments_removed: int
    studies_removed: int
    consent_cleared: bool


@strawberry.type(description="What erasing a person removed (forgetPerson): counts only.")
class PersonErased:
    ties_removed: int
    employments_removed: int
    studies_removed: int
    decision_maker_links_removed: int
    open_leads: int = strawberry.field(
        description="Open leads the person was a decision-maker of (they keep the rest of "
        "their buying committee)."
    )
    events_scrubbed: int
    tombstones: int


ForgetNetworkResult = Annotated[NetworkForgotten | Problem, strawberry.union("ForgetNetworkResult")]
ForgetPersonResult = Annotated[PersonErased | Problem, strawberry.union("ForgetPersonResult")]


def _require_admin(context: Context) -> None:
    if not context.access.is_admin:
        raise Forbidden("only admins can withdraw a network or erase a person")


def _actor(context: Context) -> str:
    user = context.access.user
    return f"{user.role}:{user.rep_id or user.id}"


async def _change(
    info: Info[Context, None], lead_id: str, action: Callable[[Context, datetime], LeadView]
) -> LeadView:
    context = info.context
    now = context.now()
    seen = event_id(now)  # sorts before every event this change writes
    lead = await off(action, context, now)
    await off(_publish_after, context, lead_id, seen)
    return lead


def _publish_after(context: Context, lead_id: str, seen: str) -> None:
    """Publish the lead's events newer than ``seen`` to the subscriptions."""
    context.services.broker.publish_threadsafe(
        e for e in context.store.events(lead_id=lead_id) if e.id > seen
    )


def _acting_for(context: Context, lead_id: str, for_owner: bool) -> str:
    """The rep a step is taken for: a rep acts for themselves; with ``for_owner`` a manager
    (of the owner's team) or an admin may act for the lead's owner."""
    access = context.access
    if access.user.role == "rep" or not for_owner:
        return access.acting_rep()
    lead = context.store.lead(lead_id)
    if lead.owner_rep_id is None:
        raise InvalidState(f"lead {lead_id} has no owner")
    access.require_rep(lead.owner_rep_id)
    return lead.owner_rep_id


async def _rep_change(
    info: Info[Context, None],
    lead_id: str,
    step: Callable[[Context, str, datetime], LeadView],
    *,
    for_owner: bool = False,
) -> LeadChanged | Problem:
    """A step a rep takes on their own lead (or, ``for_owner``, a manager for its owner), as a
    LeadChanged or a Problem."""
    try:
        rep = await off(_acting_for, info.context, lead_id, for_owner)
        lead = await _change(info, lead_id, lambda c, now: step(c, rep, now))
    except WarmpathError as exc:
        return problem(exc)
    return LeadChanged(lead=LeadType.of(lead, info.context.now()))


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Offer a new lead to the top N eligible reps.")
    async def route_lead(self, info: Info[Context, None], lead_id: strawberry.ID) -> RouteResult:
        context = info.context
        try:
            context.access.require_manager()
            now = context.now()
            seen = event_id(now)
            offer = await off(
                lifecycle.route_lead,
                context.store,
                str(lead_id),
                policy=context.services.policy,
                now=now,
                actor=_actor(context),
            )
            await off(_publish_after, context, str(lead_id), seen)
        except WarmpathError as exc:
            return problem(exc)
        return Routed(
            lead=LeadType.of(offer.lead, now),
            offered_to=[_rep_type(context.store, r) for r in offer.reps],
        )

    @strawberry.mutation(description="Route every new lead as one optimal batch.")
    async def route_leads(self, info: Info[Context, None]) -> RouteLeadsResult:
        from routing.assignment import route_new_leads

        context = info.context
        try:
            context.access.require_manager()
            now = context.now()

            def run() -> RoutedBatch:
                routed = route_new_leads(
                    context.store, policy=context.services.policy, now=now, actor=_actor(context)
                )
                result, offered = routed.result, routed.offered
                if result is None:
                    return RoutedBatch(offered=0, unassigned=0, gini=0.0, warm_owner_rate=None)
                history = context.store.events_of_leads(offered)
                context.services.broker.publish_threadsafe(
                    e for lead_id in offered for e in history[lead_id][-1:] if e.kind == "offered"
                )
                return RoutedBatch(
                    offered=len(offered),
                    unassigned=sum(1 for a in result.assignments if a.rep_id is None),
                    gini=result.metrics.gini,
                    warm_owner_rate=result.metrics.warm_owner_rate,
                )

            return await off(run)
        except WarmpathError as exc:
            return problem(exc)

    @strawberry.mutation(description="Claim a lead offered to you; exactly one claim wins.")
    async def claim_lead(self, info: Info[Context, None], lead_id: strawberry.ID) -> ClaimResult:
        context = info.context
        try:
            rep = context.access.acting_rep()
            lead = await _change(
                info,
                str(lead_id),
                lambda c, now: lifecycle.claim_lead(
                    c.store, str(lead_id), rep, policy=c.services.policy, now=now, actor=_actor(c)
                ),
            )
        except WarmpathError as exc:
            return claim_decided(problem(exc))
        return claim_decided(Claimed(lead=LeadType.of(lead, context.now())))

    @strawberry.mutation(
        description="Send a lead back to marketing with the reason (a manager: for its owner)."
    )
    async def reject_lead(
        self, info: Info[Context, None], lead_id: strawberry.ID, reason: str
    ) -> LeadChangeResult:
        return await _rep_change(
            info,
            str(lead_id),
            lambda c, rep, now: lifecycle.reject_lead(
                c.store, str(lead_id), rep, reason, now=now, actor=_actor(c)
            ),
            for_owner=True,
        )

    @strawberry.mutation(
        description="Give a claimed lead back; it is routed again without its owner."
    )
    async def release_lead(
        self, info: Info[Context, None], lead_id: strawberry.ID, reason: str
    ) -> LeadChangeResult:
        return await _rep_change(
            info,
            str(lead_id),
            lambda c, rep, now: lifecycle.release_lead(
                c.store,
                str(lead_id),
                rep,
                reason,
                policy=c.services.policy,
                now=now,
                actor=_actor(c),
            ),
            for_owner=True,
        )

    @strawberry.mutation(
        description="Record the first contact with the buyer (stops the SLA clock)."
    )
    async def record_contact(
        self,
        info: Info[Context, None],
        lead_id: strawberry.ID,
        channel: str,
        at: datetime | None = None,
    ) -> LeadChangeResult:
        return await _rep_change(
            info,
            str(lead_id),
            lambda c, rep, now: lifecycle.record_contact(
                c.store,
                str(lead_id),
                rep,
                channel=channel,
                at=at or now,
                now=now,
                actor=_actor(c),
            ),
        )

    @strawberry.mutation(description="Close a lead you hold as won or lost.")
    async def record_outcome(
        self,
        info: Info[Context, None],
        lead_id: strawberry.ID,
        outcome: Outcome,
        value: float | None = None,
    ) -> LeadChangeResult:
        return await _rep_change(
            info,
            str(lead_id),
            lambda c, rep, now: lifecycle.record_outcome(
                c.store,
                str(lead_id),
                rep,
                outcome=outcome.value,
                value=value,
                now=now,
                actor=_actor(c),
            ),
        )

    @strawberry.mutation(
        description="A manager gives a lead to a rep of their team, with a reason."
    )
    async def assign_lead(
        self, info: Info[Context, None], lead_id: strawberry.ID, rep_id: strawberry.ID, reason: str
    ) -> LeadChangeResult:
        try:
            access = info.context.access
            access.require_manager()
            access.require_rep(str(rep_id))
            await off(_require_lead, info.context, str(lead_id))  # a manager: their team's leads
            lead = await _change(
                info,
                str(lead_id),
                lambda c, now: lifecycle.assign_lead(
                    c.store,
                    str(lead_id),
                    str(rep_id),
                    reason,
                    policy=c.services.policy,
                    now=now,
                    actor=_actor(c),
                ),
            )
        except WarmpathError as exc:
            return problem(exc)
        return LeadChanged(lead=LeadType.of(lead, info.context.now()))

    @strawberry.mutation(description="Ask someone for an introduction to a lead's buyers.")
    async def request_intro(
        self, info: Info[Context, None], lead_id: strawberry.ID, via_person_key: str, note: str = ""
    ) -> IntroResult:
        context = info.context
        try:
            rep = context.access.acting_rep()

            def run() -> Event:
                _require_lead(context, str(lead_id))
                via = context.store.resolve_person(via_person_key)
                return lifecycle.request_intro(
                    context.store,
                    str(lead_id),
                    rep,
                    via.id,
                    note,
                    now=context.now(),
                    actor=_actor(context),
                )

            event = await off(run)
            context.services.broker.publish([event])
        except WarmpathError as exc:
            return problem(exc)
        return IntroRequested(event=EventType.of(event))

    @strawberry.mutation(
        description="Admins: withdraw a rep's network (the rep withdrew consent): the ties only "
        "their exports reported, the people known only through them, their own employers and "
        "schools, and their consent."
    )
    async def forget_network(
        self, info: Info[Context, None], rep_id: strawberry.ID
    ) -> ForgetNetworkResult:
        context = info.context
        try:
            _require_admin(context)
            result = await off(
                privacy.forget_network,
                context.store,
                str(rep_id),
                actor=_actor(context),
                now=context.now(),
            )
        except WarmpathError as exc:
            return problem(exc)
        return NetworkForgotten(**dataclasses.asdict(result))

    @strawberry.mutation(
        description="Admins: erase a person (LinkedIn URL, email or id): their ties, "
        "employments, studies and decision-maker links, and their name from the activity log; "
        "imports skip them from then on."
    )
    async def forget_person(self, info: Info[Context, None], key: str) -> ForgetPersonResult:
        context = info.context
        try:
            _require_admin(context)
            result = await off(
                privacy.forget_person,
                context.store,
                key,
                actor=_actor(context),
                now=context.now(),
            )
        except WarmpathError as exc:
            return problem(exc)
        return PersonErased(**dataclasses.asdict(result))


# --- subscription -----------------------------------------------------------------------------


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Offers, claims and reassignments as they happen.")
    async def lead_events(
        self, info: Info[Context, None], rep_id: strawberry.ID | None = None
    ) -> AsyncGenerator[EventType, None]:
        context = info.context
        user = context.user  # signed in by connection_init (api.app._Router.on_ws_connect)
        if user is None:
            raise Forbidden('sign in: send {"Authorization": "Bearer <token>"} in connection_init')
        access = Access(user, context.store)
        wanted = str(rep_id) if rep_id is not None else None
        if wanted is not None:
            access.require_rep(wanted)
        elif user.role == "rep":
            wanted = user.rep_id
        async for event in context.services.broker.subscribe():
            if wanted is not None and event.rep_id != wanted:
                continue
            if event.rep_id and not access.can_see_rep(event.rep_id):
                continue
            yield EventType.of(event)


def _unexpected(error: GraphQLError) -> bool:
    """Whether an error's text must not reach the client: anything a resolver raised that is not
    a domain failure (a bug, a database failure, a broken setting). Errors of the request itself
    (syntax, validation, variables that do not fit their types) keep their words: they are
    written by GraphQL about the caller's own text."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    if error.path is None and isinstance(original, (ValueError, TypeError)):
        return False  # a variable's value that its scalar cannot parse
    return not (
        isinstance(original, WarmpathError)
        and not isinstance(original, DATABASE_FAILURES)
        and original.code in _CODES
    )


class ErrorBoundary(MaskErrors):
    """The GraphQL surface's one error boundary. A domain failure keeps its message and gets its
    code in ``extensions``; anything else is logged with the request id and answered
    "Unexpected error." with that id in ``extensions.requestId``, for operators to find."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_unexpected)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = current_request_id() or uuid.uuid4().hex
        original = error.original_error
        log.error(
            "unexpected error in %s (request %s)",
            ".".join(str(p) for p in error.path or ()) or "the request",
            request_id,
            exc_info=(type(original), original, original.__traceback__) if original else None,
        )
        return GraphQLError(
            message="Unexpected error.",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "INTERNAL", "requestId": request_id},
        )

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = []
        for error in super()._process_errors(errors):
            original = error.original_error
            if isinstance(original, WarmpathError) and not error.extensions:
                error.extensions = {"code": original.code}
            processed.append(error)
        return processed


class _Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Log nothing here: a domain failure or a malformed request is the caller's (counted
        in the metrics), and ErrorBoundary logs everything else with its request id."""


schema = _Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    extensions=[
        GraphQLMetrics,
        lambda: QueryDepthLimiter(max_depth=10),
        lambda: MaxTokensLimiter(max_token_count=2000),
        lambda: MaxAliasesLimiter(max_alias_count=15),
        ErrorBoundary,
    ],
)
