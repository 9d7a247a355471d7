"""A lead's ranked reps, with each rep's signals and the evidence behind them."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection

from api.auth import Access
from api.graphql.context import Context, off
from api.graphql.errors import Problem, answer
from api.graphql.types.connections import Reference
from api.graphql.types.people import Person
from api.graphql.types.reps import RepType
from graph.errors import NeedsGraph
from graph.store import GraphStore, from_memory
from routing import leads, ranking
from routing.errors import InvalidArgument

MAX_RANKED = 500


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

    @classmethod
    def of(cls, path: ranking.PathToMember) -> PathToMember:
        return cls(
            member=Person.of(path.member),
            role=path.role,
            hops=path.hops,
            paths=[[Person.of(p) for p in chain] for chain in path.paths],
            mutual_count=path.mutual_count,
            mutuals=[Person.of(p) for p in path.mutuals],
            colleagues=[Person.of(p) for p in path.colleagues],
        )


COMMITTEES_SHOWN = 4096
"""How many reps' committee paths are kept as shown (``_committee``)."""
_shown: OrderedDict[int, tuple[tuple[ranking.PathToMember, ...], list[PathToMember]]] = (
    OrderedDict()
)
_shown_at: list[tuple[int, ...]] = []
"""The store's cache generation the paths kept in ``_shown`` were shown at."""
_shown_lock = threading.Lock()


def _committee(paths: tuple[ranking.PathToMember, ...], store: GraphStore) -> list[PathToMember]:
    """A rep's paths to the committee as shown, made once per paths: a rep's paths are kept
    with the lead's reach (routing/evidence.py), so a ranking asked again shows the same
    objects (read only) instead of making them again. Kept by identity, with the paths
    themselves (so that an id is not reused while kept), the latest COMMITTEES_SHOWN, and
    forgotten, as the reaches are, when people, ties or committees are written (an erased
    person's name is not kept here after the reach that named them)."""
    generation = store.cache_generation()
    with _shown_lock:
        if _shown_at != [generation]:
            _shown.clear()
            _shown_at[:] = [generation]
        kept = _shown.get(id(paths))
        if kept is not None and kept[0] is paths:
            _shown.move_to_end(id(paths))
            return kept[1]
    shown = [PathToMember.of(m) for m in paths]
    with _shown_lock:
        if _shown_at == [generation]:
            _shown[id(paths)] = (paths, shown)
            while len(_shown) > COMMITTEES_SHOWN:
                _shown.popitem(last=False)
    return shown


@strawberry.type
class SharedWithMember:
    member: Person
    employers: list[str]
    schools: list[str]


@strawberry.type
class Evidence:
    committee: list[PathToMember]

    @strawberry.field
    def known_at_company(self) -> list[Person]:
        return [Person.of(p) for p in self.evidence.known_at_company]

    known_at_company_count: int

    @strawberry.field
    def shared(self) -> list[SharedWithMember]:
        return [
            SharedWithMember(
                member=Person.of(s.member),
                employers=[e.company_name for e in s.background.employers],
                schools=[e.school_name for e in s.background.schools],
            )
            for s in self.evidence.shared
        ]

    account_owner: bool

    @strawberry.field(
        description="Customers' buyers who are or know a decision-maker, with the rep who owns "
        "that customer: a possible introducer."
    )
    async def references(self) -> list[Reference]:
        def read() -> list[Reference]:  # the lead's connections are read when first asked
            return [Reference.of(self.store, r, self.viewer) for r in self.evidence.references]

        return await off(read)

    evidence: strawberry.Private[ranking.Evidence]
    store: strawberry.Private[GraphStore]
    viewer: strawberry.Private[Access | None]
    """The people known at the company, the shared background and the references are built
    when asked: the paths to the committee are what a ranking's callers show most."""

    @classmethod
    def of(
        cls, evidence: ranking.Evidence, store: GraphStore, viewer: Access | None = None
    ) -> Evidence:
        return cls(
            committee=_committee(evidence.committee, store),
            known_at_company_count=evidence.known_at_company_count,
            account_owner=evidence.account_owner,
            evidence=evidence,
            store=store,
            viewer=viewer,
        )


@strawberry.type
class RankedRepType:
    position: int
    rep: RepType
    score: float

    @strawberry.field
    def signals(self) -> list[Signal]:
        return [
            Signal(name=s.name, value=s.value, weight=s.weight, contribution=s.contribution)
            for s in self.item.signals
        ]

    evidence: Evidence | None
    open_leads: int
    capacity: int | None
    note: str | None
    item: strawberry.Private[ranking.RankedRep]
    """The signals are built when asked (13 per rep, which a ranking's callers rarely show)."""

    @classmethod
    def of(
        cls, store: GraphStore, item: ranking.RankedRep, viewer: Access | None = None
    ) -> RankedRepType:
        return cls(
            position=item.position,
            rep=RepType.by_id(store, item.rep.id, item.rep.name),
            score=item.score,
            evidence=None if item.evidence is None else Evidence.of(item.evidence, store, viewer),
            open_leads=item.open_leads,
            capacity=item.capacity,
            note=item.note,
            item=item,
        )


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

    @strawberry.field
    def excluded(self) -> list[ExcludedRep]:
        return [
            ExcludedRep(
                rep=RepType.by_id(self.store, e.rep.id, e.rep.name), rule=e.rule, reason=e.reason
            )
            for e in self.seen.excluded
        ]

    store: strawberry.Private[GraphStore]
    seen: strawberry.Private[leads.VisibleRanking]
    """The excluded reps are built when asked (each with the rep's profile)."""

    @classmethod
    def of(
        cls, store: GraphStore, seen: leads.VisibleRanking, viewer: Access | None = None
    ) -> RankingType:
        found = seen.ranking
        return cls(
            lead_id=strawberry.ID(found.lead.id),
            mode=found.mode,
            policy_version=found.policy_version,
            computed_at=found.computed_at,
            eligible=found.eligible,
            ranked=[RankedRepType.of(store, item, viewer) for item in seen.ranked],
            store=store,
            seen=seen,
        )


RankingResult = Annotated[RankingType | Problem, strawberry.union("RankingResult")]


def _selects(selections: Sequence[Selection], path: tuple[str, ...]) -> bool:
    """Whether ``selections`` (or a fragment among them) select ``path``. A function of the
    module, not a closure: a closure that calls itself is a reference cycle that only the
    cyclic garbage collector frees, one more for every request."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            if selection.name != path[0]:
                continue
            if len(path) == 1 or _selects(selection.selections, path[1:]):
                return True
        elif _selects(selection.selections, path):  # a fragment: the same level
            return True
    return False


def asks_evidence(info: Info[Context, None]) -> bool:
    """Whether the query selects ``ranked { evidence }`` of this rankedReps field (through
    fragments too): a ranking asked without it does not build it."""
    return any(_selects(field.selections, ("ranked", "evidence")) for field in info.selected_fields)


async def ranking_for(
    context: Context, lead_id: str, limit: int, *, explain: bool = True
) -> RankingType | Problem:
    """The lead's ranking as the caller may see it (Query.rankedReps and Lead.rankedReps);
    ``explain`` False: without the evidence (see ``asks_evidence``)."""

    async def run() -> RankingType:
        if not 1 <= limit <= MAX_RANKED:
            raise InvalidArgument(f"limit must be between 1 and {MAX_RANKED} (got {limit})")
        access = context.access

        def shown(found: ranking.Ranking) -> RankingType:
            seen = leads.visible_ranking(access, found, limit, explain=explain)
            return RankingType.of(context.store, seen, access)

        if lead_id in context.pages:  # a page's leads (checked with it) are ranked together
            return shown(await context.rankings.load((lead_id, limit)))

        def alone() -> RankingType:
            context.visible_lead(lead_id)
            return shown(context.ranking(lead_id))

        try:  # a warm lead is ranked from memory, in place (a worker thread costs more)
            with from_memory():
                return alone()
        except NeedsGraph:  # something must be read (on Neo4j, a poll of announcements too)
            context.pages.pop(lead_id, None)  # the lead is read again with the rest
        return await off(alone)  # checked, ranked and shown off the loop

    return await answer(run)
