"""What-if and the policy's versions as the schema shows them (routing/whatif.py,
routing/policy_versions.py), and the resolvers' bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from api.auth import Access
from api.graphql.context import Context, off
from api.graphql.errors import ErrorCode, Problem, answer
from api.graphql.types.leads import LeadType
from api.graphql.types.reports import RepCount
from api.graphql.types.reps import RepType
from api.observability import problem_returned
from graph.store import GraphStore
from routing import policy_versions, whatif
from routing.errors import Forbidden
from routing.policy import PolicyError


@strawberry.type(description="One side of a what-if: the replayed leads' owners, measured.")
class ReplaySide:
    policy_version: str
    warm_owner_rate: float | None = strawberry.field(
        description="Of the leads some eligible rep reached within 2 hops, the share given to "
        "such a rep."
    )
    one_hop_owner_rate: float | None
    gini: float = strawberry.field(description="Of leads per rep (0: all equal).")
    assigned: int
    leads_per_rep: list[RepCount] = strawberry.field(
        description="A manager sees their team's reps only."
    )

    @classmethod
    def of(cls, store: GraphStore, side: whatif.ReplaySide, viewer: Access) -> ReplaySide:
        metrics = side.metrics
        return cls(
            policy_version=side.policy_version,
            warm_owner_rate=metrics.warm_owner_rate,
            one_hop_owner_rate=metrics.one_hop_owner_rate,
            gini=metrics.gini,
            assigned=metrics.assigned,
            leads_per_rep=[
                RepCount(rep=RepType.by_id(store, rep_id, viewer=viewer), leads=count)
                for rep_id, count in sorted(side.leads_per_rep.items(), key=lambda i: (-i[1], i[0]))
            ],
        )


@strawberry.type(description="A lead that would change owner under the candidate, and why.")
class OwnerChange:
    lead: LeadType
    before: RepType | None = strawberry.field(description="Its owner under the policy in force.")
    after: RepType | None = strawberry.field(description="Its owner under the candidate.")
    reason: str


@strawberry.type(
    description="The leads of the last `days` days replayed under the policy in force "
    "(current) and under the candidate, against today's roster; `actual`: the owners as "
    "recorded. A manager sees the changes that involve their team's reps."
)
class WhatIf:
    days: int
    leads: int
    actual: ReplaySide
    current: ReplaySide
    candidate: ReplaySide
    changes: list[OwnerChange] = strawberry.field(description="The first 200.")
    changed_count: int
    candidate_version: str


@strawberry.type(description="A policy that cannot be used: one Problem per bad value.")
class PolicyRefused:
    problems: list[Problem]

    @classmethod
    def of(cls, error: PolicyError) -> PolicyRefused:
        found = error.problems or (str(error),)
        problem_returned(ErrorCode.INVALID_ARGUMENT.value)  # counted like any Problem
        return cls(
            problems=[
                Problem(code=ErrorCode.INVALID_ARGUMENT, message=f"policyToml: {text}")
                for text in found
            ]
        )


@strawberry.type(name="PolicyVersion")
class PolicyVersionType:
    version: str
    applied_at: datetime | None
    applied_by: str | None
    source: str | None
    in_force: bool
    toml: str | None

    @classmethod
    def of(cls, found: policy_versions.PolicyVersion) -> PolicyVersionType:
        record = found.record
        return cls(
            version=record.version,
            applied_at=record.applied_at,
            applied_by=record.applied_by,
            source=record.source,
            in_force=found.in_force,
            toml=record.toml,
        )


@strawberry.type
class PolicyApplied:
    version: PolicyVersionType


WhatIfResult = Annotated[WhatIf | PolicyRefused | Problem, strawberry.union("WhatIfResult")]
PolicyResult = Annotated[PolicyApplied | PolicyRefused | Problem, strawberry.union("PolicyResult")]


async def what_if_for(context: Context, policy_toml: str, days: int) -> WhatIfResult:
    """Query.whatIf: managers and admins."""

    def load() -> WhatIf | PolicyRefused:
        access = context.access
        access.require_manager()
        whatif.check_days(days)
        try:
            candidate = policy_versions.checked_policy(policy_toml)
        except PolicyError as exc:
            return PolicyRefused.of(exc)
        now = context.now()
        found = whatif.what_if(
            context.store,
            current=context.services.policy,
            candidate=candidate,
            now=now,
            days=days,
            can_see_rep=access.can_see_rep,
        )

        def rep(rep_id: str | None) -> RepType | None:
            return None if rep_id is None else RepType.by_id(context.store, rep_id, viewer=access)

        return WhatIf(
            days=found.days,
            leads=found.leads,
            actual=ReplaySide.of(context.store, found.actual, access),
            current=ReplaySide.of(context.store, found.current, access),
            candidate=ReplaySide.of(context.store, found.candidate, access),
            changes=[
                OwnerChange(
                    lead=LeadType.of(change.lead, now),
                    before=rep(change.before),
                    after=rep(change.after),
                    reason=change.reason,
                )
                for change in found.changes
            ],
            changed_count=found.changed,
            candidate_version=candidate.version,
        )

    return await answer(lambda: off(load))


async def change_policy(
    context: Context, *, text: str | None = None, version: str | None = None
) -> PolicyResult:
    """Mutation.applyPolicy (``text``) and revertPolicy (``version``): admins only; the
    process routes by the policy at once, the others within a few seconds."""

    def change() -> PolicyApplied | PolicyRefused:
        if not context.access.is_admin:
            raise Forbidden("only admins can apply a routing policy")
        now = context.now()
        try:
            if version is not None:
                applied, policy = policy_versions.revert_policy(
                    context.store, version, actor=context.actor, now=now
                )
            else:
                applied, policy = policy_versions.apply_policy(
                    context.store, text or "", actor=context.actor, now=now
                )
        except PolicyError as exc:
            if not exc.problems:
                raise
            return PolicyRefused.of(exc)
        context.services.policy = policy
        return PolicyApplied(
            version=PolicyVersionType.of(policy_versions.PolicyVersion(applied, in_force=True))
        )

    return await answer(lambda: off(change))


async def versions_for(context: Context, first: int) -> list[PolicyVersionType]:
    """Query.policyVersions: managers and admins."""

    def load() -> list[PolicyVersionType]:
        context.access.require_manager()
        found = policy_versions.policy_versions(
            context.store, first=first, in_force=context.services.policy.version
        )
        return [PolicyVersionType.of(v) for v in found]

    return await off(load)
