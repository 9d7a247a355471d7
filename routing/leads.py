"""Leads as a caller sees them: who may see which lead, one page of the leads they may see, and
the rankings of the leads they asked about (a rep sees only their own entry of a ranking)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from graph.model import LeadView
from graph.store import GraphStore
from routing import lifecycle
from routing.errors import Forbidden, InvalidArgument, InvalidState, NotFound
from routing.paging import cursor, forged, position_after
from routing.policy import Policy
from routing.ranking import Exclusion, RankedRep, Ranking, rank_leads
from routing.viewer import Viewer

ALL_STATUSES = ("new", "offered", "claimed", "contacted", "nurture", "won", "lost", "returned")
LEAD_CURSOR = "lead"


@dataclass(frozen=True)
class LeadSelection:
    """Which leads a page lists; ``None`` leaves a criterion out."""

    status: str | None = None
    grade: str | None = None
    owner_id: str | None = None
    unassigned: bool | None = None
    company_id: str | None = None

    def admits(self, lead: LeadView) -> bool:
        return (
            (self.grade is None or lead.grade == self.grade)
            and (self.owner_id is None or lead.owner_rep_id == self.owner_id)
            and (self.unassigned is None or (lead.owner_rep_id is None) == self.unassigned)
            and (self.company_id is None or lead.company.id == self.company_id)
        )


@dataclass(frozen=True)
class LeadPage:
    leads: list[LeadView]
    has_next_page: bool
    end_cursor: str | None
    total_count: int


@dataclass(frozen=True)
class VisibleRanking:
    ranking: Ranking
    ranked: list[RankedRep]
    viewer: Viewer

    @cached_property
    def excluded(self) -> list[Exclusion]:
        """The excluded reps the viewer may see (worked out when first read)."""
        return [e for e in self.ranking.excluded if self.viewer.can_see_rep(e.rep.id)]


def visible(viewer: Viewer, lead: LeadView, offered: set[str] | None = None) -> bool:
    """Whether the viewer may see the lead: an admin every lead, a manager the unassigned ones
    and their team's, a rep their own and those offered to them now (``offered``)."""
    user = viewer.user
    if user.role == "admin":
        return True
    if user.role == "manager":
        return lead.owner_rep_id is None or viewer.can_see_rep(lead.owner_rep_id)
    if lead.owner_rep_id == user.rep_id:
        return True
    return lead.status == "offered" and offered is not None and user.rep_id in offered


def visible_lead(
    store: GraphStore, viewer: Viewer, lead_id: str, *, known: LeadView | None = None
) -> LeadView:
    """The lead, when the viewer may see it (``known``: the lead as already read)."""
    lead = known or store.lead(lead_id)
    if visible(viewer, lead):  # without the offers: an admin, a manager, the owner
        return lead
    offered = lifecycle.offered_reps(store, lead_id) if lead.status == "offered" else None
    if not visible(viewer, lead, offered):
        raise Forbidden(f"lead {lead_id} is not one of yours")
    return lead


def lead_page(
    store: GraphStore,
    viewer: Viewer,
    selection: LeadSelection,
    *,
    first: int,
    after: str | None = None,
    every_lead: Sequence[LeadView] | None = None,
    committees: bool = True,
) -> LeadPage:
    """The leads the viewer may see that the selection admits, ordered by id: the ``first``
    after the cursor ``after``, with their buying committees (``committees=False``: without,
    one read less). ``every_lead``: the leads of every status as already read in this request
    (``all_leads``), so that a page with counts per status reads the lead table once."""
    statuses = (selection.status,) if selection.status else ALL_STATUSES
    if selection.status and selection.status not in ALL_STATUSES:
        raise InvalidArgument(f"status must be one of {', '.join(ALL_STATUSES)}")
    if every_lead is None:
        leads = store.leads_with_status(statuses, with_committees=False)
    else:
        leads = [lead for lead in every_lead if lead.status in statuses]
    offers: dict[str, set[str]] = {}
    if viewer.user.role == "rep":
        offered = [lead.id for lead in leads if lead.status == "offered"]
        history = store.events_of_leads(offered)
        offers = {i: lifecycle.offers_from(history[i]) for i in offered}
    selected = [
        lead
        for lead in leads
        if visible(viewer, lead, offers.get(lead.id)) and selection.admits(lead)
    ]
    selected.sort(key=lambda lead: lead.id)
    start = position_after(after, LEAD_CURSOR)
    if start is not None and start not in {lead.id for lead in selected}:
        # a lead that changed since the last page may still be a position; one that does not
        # exist, or that the caller may not see, is not (no oracle for other people's leads)
        try:
            visible_lead(store, viewer, start)
        except (NotFound, Forbidden):
            raise forged() from None
    rest = selected if start is None else [lead for lead in selected if lead.id > start]
    page = rest[:first]
    if committees:
        found = store.committees([lead.id for lead in page])
        page = [dataclasses.replace(lead, committee=found[lead.id]) for lead in page]
    return LeadPage(
        leads=page,
        has_next_page=len(rest) > first,
        end_cursor=cursor(LEAD_CURSOR, page[-1].id) if page else None,
        total_count=len(selected),
    )


def all_leads(store: GraphStore) -> list[LeadView]:
    """Every lead of every status, without committees, oldest first (``every_lead``)."""
    return store.leads_with_status(ALL_STATUSES, with_committees=False)


def owner_of(store: GraphStore, lead_id: str) -> str:
    """The rep who holds the lead."""
    lead = store.lead(lead_id)
    if lead.owner_rep_id is None:
        raise InvalidState(f"lead {lead_id} has no owner")
    return lead.owner_rep_id


def rankings(
    store: GraphStore,
    lead_ids: Sequence[str],
    *,
    policy: Policy,
    now: datetime,
    known: Mapping[str, LeadView],
) -> dict[str, Ranking]:
    """The leads' rankings from one read, leaving out the reps each lead's history excludes
    (``known``: leads as already read, by id)."""
    leads = [known.get(i) or store.lead(i) for i in lead_ids]
    history = store.events_of_leads(list(lead_ids))
    return rank_leads(
        store,
        leads,
        policy=policy,
        now=now,
        excluded={i: lifecycle.exclusions_from(history[i]) for i in lead_ids},
    )


def visible_ranking(
    viewer: Viewer, ranking: Ranking, limit: int, *, explain: bool = True
) -> VisibleRanking:
    """A ranking as the viewer may see it: a rep sees only their own entry (the others'
    evidence is other reps' personal connections), a manager their team's. ``explain``
    False: without the evidence (when the caller does not show it, it is not built)."""
    user = viewer.user
    every = ranking.ranked
    if user.role != "rep":
        rows = slice(0, limit)
    else:  # the rep's own entry, found without building the other reps
        row = every.row_of(user.rep_id or "")
        rows = slice(0, 0) if row is None else slice(row, row + 1)
    ranked = list(every[rows]) if explain else every.brief(rows)
    if user.role == "manager":
        ranked = [item for item in ranked if viewer.can_see_rep(item.rep.id)]
    return VisibleRanking(ranking=ranking, ranked=ranked, viewer=viewer)
