"""The leaderboard, the fairness report and the routing policy, as the schema shows them."""

from __future__ import annotations

import enum

import strawberry

from api.auth import Access
from api.graphql.context import off
from api.graphql.types.nurture import CadencePolicy
from api.graphql.types.ranking import Signal
from api.graphql.types.reps import RepType
from graph.store import GraphStore
from routing.leaderboard import Standing
from routing.paging import shown
from routing.policy import Policy
from routing.reports import FairnessReport, RepLeads


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
    touches_due: int = strawberry.field(
        description="Touches of the rep's nurture cadences that fell due in the period."
    )
    touches_on_time: int
    cadence_compliance: float | None = strawberry.field(
        description="The share of those touches made on time (none when none fell due)."
    )
    quota_attainment: float | None = strawberry.field(
        default=None,
        description="Social-selling quota attainment in the current quota period (1.0: every "
        "goal met; see quotas); like the network figures, only of reps the caller may see.",
    )

    @classmethod
    def of(cls, standing: Standing, viewer: Access) -> LeaderboardRow:
        return cls(
            rep=RepType.of(standing.rep, viewer),
            network_size=standing.network_size,
            warm_reach=standing.warm_reach,
            claims=standing.claims,
            sla_breaches=standing.sla_breaches,
            sla_compliance=standing.sla_compliance,
            won=standing.won,
            touches_due=standing.touches_due,
            touches_on_time=standing.touches_on_time,
            cadence_compliance=standing.cadence_compliance,
            quota_attainment=standing.quota_attainment,
        )


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

    @strawberry.field(description="The same as leads.")
    def count(self) -> int:
        return self.leads


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
    rows: strawberry.Private[list[RepLeads]]
    store: strawberry.Private[GraphStore]
    one_hop_owner_rate: float | None = strawberry.field(
        description="Of the leads an eligible rep knew a decision-maker of directly, the share "
        "given to such a rep."
    )
    score_kept: float | None = strawberry.field(
        description="Total score of the owners over that of the unconstrained optimal "
        "assignment of the same leads (1: the warmest possible)."
    )
    max_share_over_mean: float = strawberry.field(
        description="The policy's fairness cap on a rep's leads relative to the mean (0: none)."
    )

    @classmethod
    def of(cls, store: GraphStore, report: FairnessReport) -> Fairness:
        m = report.metrics
        return cls(
            days=report.days,
            leads=m.leads,
            assigned=m.assigned,
            gini=m.gini,
            max_per_rep=m.max_per_rep,
            warm_owner_rate=m.warm_owner_rate,
            capacity_violations=m.capacity_violations,
            hot_to_penalty_boxed=m.hot_to_penalty_boxed,
            one_hop_owner_rate=m.one_hop_owner_rate,
            score_kept=m.score_kept,
            max_share_over_mean=report.max_share_over_mean,
            rows=report.per_rep,
            store=store,
        )

    @strawberry.field(
        description="Leads per rep, most first. `first`: only the first that many reps "
        "(default: every rep who got a lead)."
    )
    async def per_rep(self, first: int | None = None) -> list[RepCount]:
        rows = self.rows[: shown(first)]

        def load() -> list[RepCount]:
            return [RepCount(rep=RepType.by_id(self.store, r.rep_id), leads=r.leads) for r in rows]

        return await off(load)


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
    max_share_over_mean: float
    fairness_window_days: int
    cadences: list[CadencePolicy]
    nurture_max_days: int

    @classmethod
    def of(cls, p: Policy) -> PolicyType:
        return cls(
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
            max_share_over_mean=p.max_share_over_mean,
            fairness_window_days=p.fairness_window_days,
            cadences=CadencePolicy.all_of(p),
            nurture_max_days=p.nurture_max_days,
            weights=[
                Signal(name=k, value=v, weight=v, contribution=0.0) for k, v in p.weights.items()
            ],
        )
