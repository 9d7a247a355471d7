"""The queries. Each checks who is asking and calls a ``routing`` service; store calls run in
worker threads, off the event loop."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import SelectedField

from api.graphql.context import Context, off
from api.graphql.errors import answer
from api.graphql.types.audit import AuditFilter, AuditResult, audit_for
from api.graphql.types.connections import ConnectionsResult, connections_for
from api.graphql.types.events import EventConnection
from api.graphql.types.explorer import (
    GraphPathsResult,
    NeighbourResult,
    NodeKind,
    neighbours_of,
    paths_between,
)
from api.graphql.types.leads import LeadConnection, LeadFilter, LeadResult, LeadType
from api.graphql.types.nurture import Agenda, AgendaResult
from api.graphql.types.people import Mutuals, MutualsResult, Path, Paths, PathsResult, Person
from api.graphql.types.quotas import Quotas, QuotasResult
from api.graphql.types.ranking import RankingResult, asks_evidence, ranking_for
from api.graphql.types.reports import Fairness, LeaderboardRow, Period, PolicyType
from api.graphql.types.reps import RepResult, RepType, UserType
from api.graphql.types.whatif import (
    PolicyVersionType,
    WhatIfResult,
    versions_for,
    what_if_for,
)
from routing import activity, directory, explore, nurture, reports
from routing.kept_reports import (
    kept_fairness,
    kept_leaderboard,
    kept_next_touches,
    kept_quota_board,
)
from routing.leads import lead_page
from routing.paging import page_size, shown

# what a page of leads answers from the lead table alone; any other field of its nodes (or a
# fragment, not looked into) reads the page's committees too
LEAD_TABLE_FIELDS = frozenset(
    {"__typename", "id", "title", "status", "grade", "value", "product", "source", "createdAt"}
    | {"claimedAt", "contactDueAt", "contactedAt", "outcome", "company", "ownerId", "owner"}
    | {"overdue", "nextTouchAt"}
)


def asks_committees(info: Info[Context, None]) -> bool:
    """Whether a ``leads`` field asks for more of its nodes than the lead table holds."""
    for connection in info.selected_fields:
        for part in connection.selections:
            if not isinstance(part, SelectedField):
                return True
            if part.name != "nodes":
                continue
            for field in part.selections:
                if not isinstance(field, SelectedField) or field.name not in LEAD_TABLE_FIELDS:
                    return True
    return False


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in user.")
    def me(self, info: Info[Context, None]) -> UserType:
        return UserType.of(info.context.access.user)

    @strawberry.field
    async def lead(self, info: Info[Context, None], id: strawberry.ID) -> LeadResult:
        context = info.context

        async def run() -> LeadType:
            lead = await off(context.visible_lead, str(id))
            return LeadType.of(lead, context.now())

        return await answer(run)

    @strawberry.field(description="Leads the caller may see, ordered by id, with cursor paging.")
    async def leads(
        self,
        info: Info[Context, None],
        filter: LeadFilter | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> LeadConnection:
        page_size(first)
        context = info.context

        committees = asks_committees(info)

        def load() -> LeadConnection:
            selection = (filter or LeadFilter()).selection()
            page = lead_page(
                context.store,
                context.access,
                selection,
                first=first,
                after=after,
                every_lead=context.every_lead(),
                committees=committees,
            )
            if committees:  # complete leads only: the lead's other fields read them again
                context.pages.update((lead.id, lead) for lead in page.leads)
            return LeadConnection.of(page, context.now())

        return await off(load)

    @strawberry.field(description="Every eligible rep for a lead, scored and explained.")
    async def ranked_reps(
        self, info: Info[Context, None], lead_id: strawberry.ID, limit: int = 10
    ) -> RankingResult:
        return await ranking_for(info.context, str(lead_id), limit, explain=asks_evidence(info))

    @strawberry.field(
        description="A lead's connected leads: its decision-makers' links within 2 hops to our "
        "customers' buyers (won leads) and other open leads' buyers, with the path and the "
        "rep who owns each, closest first; and its influence."
    )
    async def connections(
        self, info: Info[Context, None], lead_id: strawberry.ID, first: int = 10
    ) -> ConnectionsResult:
        return await connections_for(info.context, str(lead_id), first)

    @strawberry.field
    async def rep(self, info: Info[Context, None], id: strawberry.ID) -> RepResult:
        context = info.context

        def load() -> RepType:
            context.access.require_rep(str(id))
            return RepType.of(directory.rep(context.store, str(id)))

        return await answer(lambda: off(load))

    @strawberry.field(description="The reps the caller may see, by name.")
    async def reps(self, info: Info[Context, None], team: str | None = None) -> list[RepType]:
        context = info.context
        found = await off(directory.visible_reps, context.store, context.access, team=team)
        return [RepType.of(p) for p in found]

    @strawberry.field(description="Shortest paths from a rep to a person (URL, email or id).")
    async def connection_paths(
        self,
        info: Info[Context, None],
        rep_id: strawberry.ID,
        person_key: str,
        max_hops: int = 3,
        limit: int = 5,
    ) -> PathsResult:
        context = info.context

        def load() -> Paths:
            directory.check_path_search(max_hops, limit)
            rep = context.access.visible_rep(str(rep_id))
            found = explore.connection_paths(
                context.store, rep.id, person_key, max_hops=max_hops, limit=limit
            )
            return Paths(
                rep=RepType.by_id(context.store, found.rep.id),
                person=Person.of(found.person),
                paths=[Path.of(p) for p in found.paths],
            )

        return await answer(lambda: off(load))

    @strawberry.field(
        description="People two people both know; a rep may ask only about themselves."
    )
    async def mutual_connections(self, info: Info[Context, None], a: str, b: str) -> MutualsResult:
        context = info.context

        def load() -> Mutuals:
            access = context.access
            found = explore.mutual_connections(context.store, a, b)
            access.require_connections_of(found.a, found.b)
            return Mutuals(
                a=Person.of(found.a),
                b=Person.of(found.b),
                people=[Person.of(p) for p in found.people],
            )

        return await answer(lambda: off(load))

    @strawberry.field(description="The activity stream of a lead or a rep, oldest first.")
    async def events(
        self,
        info: Info[Context, None],
        lead_id: strawberry.ID | None = None,
        rep_id: strawberry.ID | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> EventConnection:
        page_size(first)
        context = info.context

        def load() -> EventConnection:
            stream = activity.EventStream.of(
                lead_id=None if lead_id is None else str(lead_id),
                rep_id=None if rep_id is None else str(rep_id),
            )
            if stream.lead_id is not None:
                context.visible_lead(stream.lead_id)
            else:
                context.access.require_rep(str(stream.rep_id))
            page = activity.event_page(
                context.store,
                stream,
                first=first,
                after=after,
                can_see_rep=context.access.can_see_rep,
            )
            return EventConnection.of(page)

        return await off(load)

    @strawberry.field(
        description="Per rep: network size, warm reach, claims, SLA record, cadence compliance, "
        "wins; the leaders first. `first`: only the first that many rows (default: every rep)."
    )
    async def leaderboard(
        self, info: Info[Context, None], period: Period = Period.MONTH, first: int | None = None
    ) -> list[LeaderboardRow]:
        context = info.context
        count = shown(first)

        def load() -> list[LeaderboardRow]:
            access = context.access
            now = context.now()
            standings = kept_leaderboard(
                context.store, access, days=period.value, now=now, policy=context.services.policy
            )
            return [LeaderboardRow.of(standing, access) for standing in standings[:count]]

        return await off(load)

    @strawberry.field(
        description="Due and overdue touches and SLA clocks, most urgent first (overdue first, "
        "then the soonest): a rep's own, a manager's team's, an admin's every rep's; repId: "
        "one rep. Touches due within `days` days are listed; SLA clocks always."
    )
    async def agenda(
        self, info: Info[Context, None], rep_id: strawberry.ID | None = None, days: int = 1
    ) -> AgendaResult:
        context = info.context

        def load() -> Agenda:
            access = context.access
            owners: Callable[[str], bool] = access.can_see_rep
            if rep_id is not None:
                owners = access.visible_rep(str(rep_id)).id.__eq__
            now = context.now()
            nurture.check_agenda_days(days)
            touches = kept_next_touches(
                context.store,
                access,
                owners=owners,
                rep_id=None if rep_id is None else str(rep_id),
                policy=context.services.policy,
            )
            until = now + timedelta(days=days)
            items = nurture.due_before(touches, until)
            return Agenda.of(context.store, items, now=now, until=until, viewer=access)

        return await answer(lambda: off(load))

    @strawberry.field(
        description="Social-selling quotas: each rep's progress against the policy's goals in "
        "the period (week, month or quarter; default: the policy's) containing `at` (default: "
        "now), with milestones, streaks and team totals. A rep sees their own, a manager their "
        "team, an admin everyone. `first`: only the first that many reps, by name (default: "
        "every rep; repCount says how many there are)."
    )
    async def quotas(
        self,
        info: Info[Context, None],
        period: str | None = None,
        at: datetime | None = None,
        first: int | None = None,
    ) -> QuotasResult:
        context = info.context

        def load() -> Quotas:
            access = context.access
            count = shown(first)
            board = kept_quota_board(
                context.store,
                access,
                policy=context.services.policy,
                now=context.now(),
                period=period,
                at=at,
            )
            return Quotas.of(board, access, first=count)

        return await answer(lambda: off(load))

    @strawberry.field(description="Leads sent back to marketing, newest first, with the reason.")
    async def returned_leads(
        self, info: Info[Context, None], since: datetime | None = None
    ) -> list[LeadType]:
        context = info.context

        def load() -> list[LeadType]:
            context.access.require_manager()
            found = reports.returned_leads(context.store, since=since)
            return [LeadType.of(lead, context.now()) for lead in found]

        return await off(load)

    @strawberry.field(
        description="People by LinkedIn URL, email or id, or by part of their (company) name."
    )
    async def people(self, info: Info[Context, None], search: str, first: int = 20) -> list[Person]:
        context = info.context

        def load() -> list[Person]:
            context.access.require_manager()
            found = directory.find_people(context.store, search, first=first)
            return [Person.of(p) for p in found]

        return await off(load)

    @strawberry.field(
        description="Fairness and quality of the assignments of recent leads (the newest 2,000)."
    )
    async def fairness(self, info: Info[Context, None], days: int = 30) -> Fairness:
        context = info.context

        def load() -> Fairness:
            access = context.access
            access.require_manager()
            report = kept_fairness(
                context.store, access, policy=context.services.policy, now=context.now(), days=days
            )
            return Fairness.of(context.store, report)

        return await off(load)

    @strawberry.field
    def policy(self, info: Info[Context, None]) -> PolicyType:
        info.context.access  # noqa: B018 - signed-in users only
        return PolicyType.of(info.context.services.policy)

    @strawberry.field(
        description="A candidate policy (TOML, checked like `warmpath policy check`) replayed "
        "over the leads of the last `days` days next to the policy in force: owners, "
        "warm-owner rate, Gini, and each lead that would change owner with the reason "
        "(managers: their team's; admins)."
    )
    async def what_if(
        self, info: Info[Context, None], policy_toml: str, days: int = 30
    ) -> WhatIfResult:
        return await what_if_for(info.context, policy_toml, days)

    @strawberry.field(
        description="The policy versions applied, the latest first (managers and admins)."
    )
    async def policy_versions(
        self, info: Info[Context, None], first: int = 20
    ) -> list[PolicyVersionType]:
        return await versions_for(info.context, first)

    @strawberry.field(
        description="A node's neighbours a page at a time, by name (at most 100 a page), with "
        "each tie's sources and dates and the total count. Managers and admins; a rep only "
        "their own."
    )
    async def neighbours(
        self,
        info: Info[Context, None],
        kind: NodeKind,
        id: strawberry.ID,
        first: int = 25,
        after: str | None = None,
    ) -> NeighbourResult:
        return await neighbours_of(info.context, kind, str(id), first, after)

    @strawberry.field(
        description="The shortest paths between two reps, people or companies (managers and "
        "admins)."
    )
    async def graph_paths(
        self,
        info: Info[Context, None],
        from_kind: NodeKind,
        from_id: strawberry.ID,
        to_kind: NodeKind,
        to_id: strawberry.ID,
        max_hops: int = 4,
        limit: int = 5,
    ) -> GraphPathsResult:
        ends = ((from_kind, str(from_id)), (to_kind, str(to_id)))
        return await paths_between(info.context, ends, max_hops, limit)

    @strawberry.field(
        description="The audit log searched by lead, rep, kind, actor and time, newest first "
        "(managers: their team's leads and reps; admins: everything). GET /audit.csv exports it."
    )
    async def audit_log(
        self,
        info: Info[Context, None],
        filter: AuditFilter | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> AuditResult:
        return await audit_for(info.context, filter, first, after)
