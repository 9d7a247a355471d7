"""The reps' standing over a period: claims, SLA record, cadence compliance and wins, with each
rep's network size and warm reach. A rep sees every rep's claims, SLA record, cadence compliance
and wins, but the network figures (drawn from personal networks) only of themselves, and in an
order that does not give them away."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from graph.model import Rep
from graph.store import GraphStore
from routing.nurture import cadence_compliance
from routing.policy import Policy
from routing.quotas import attainment_by_rep
from routing.viewer import Viewer

OPEN_STATUSES = ("new", "offered", "claimed", "contacted", "nurture")
"""Leads that count towards a rep's warm reach."""
COUNTED_EVENTS = ("claimed", "assigned", "sla_breach", "won")


@dataclass(frozen=True)
class Standing:
    rep: Rep
    network_size: int | None
    warm_reach: int | None
    """Open leads whose company the rep reaches."""
    claims: int
    sla_breaches: int
    sla_compliance: float | None
    won: int
    touches_due: int = 0
    """Touches of the rep's cadences that fell due in the period (routing/cadence.py)."""
    touches_on_time: int = 0
    cadence_compliance: float | None = None
    """The share of those made on time (None when none fell due)."""
    quota_attainment: float | None = None
    """Social-selling quota attainment in the current quota period (routing/quotas.py); like
    the network figures, only of the reps the viewer may see (a rep: themselves)."""


def _warm_reach(store: GraphStore) -> dict[str, int]:
    open_leads = store.leads_with_status(OPEN_STATUSES, with_committees=False)
    reach = store.company_reach_counts(sorted({lead.company.id for lead in open_leads}))
    warm_reach: dict[str, int] = {}
    for lead in open_leads:
        for rep_id in reach.get(lead.company.id, {}):
            warm_reach[rep_id] = warm_reach.get(rep_id, 0) + 1
    return warm_reach


def leaderboard(
    store: GraphStore, viewer: Viewer, *, since: datetime, now: datetime, policy: Policy
) -> list[Standing]:
    """Every rep the viewer may see (a rep: every rep) since ``since``: one read of the period's
    events, the open leads, the in-memory rep network and the period's cadences."""
    profiles = store.rep_profiles()
    warm_reach = _warm_reach(store)
    counts = store.rep_event_counts(COUNTED_EVENTS, since)
    cadences = cadence_compliance(store, policy=policy, since=since, now=now)
    attainment = attainment_by_rep(store, policy=policy, now=now)
    a_rep = viewer.user.role == "rep"
    rows = []
    for rep_id, profile in sorted(profiles.items()):
        own = viewer.can_see_rep(rep_id)  # a rep: only their own network figures
        if not own and not a_rep:
            continue
        seen = counts.get(rep_id, {})
        claims = seen.get("claimed", 0) + seen.get("assigned", 0)
        breaches = seen.get("sla_breach", 0)
        cadence = cadences.get(rep_id)
        rows.append(
            Standing(
                rep=profile,
                network_size=store.network_size(rep_id) if own else None,
                warm_reach=warm_reach.get(rep_id, 0) if own else None,
                claims=claims,
                sla_breaches=breaches,
                sla_compliance=None if claims == 0 else round(max(0.0, 1 - breaches / claims), 4),
                won=seen.get("won", 0),
                touches_due=0 if cadence is None else cadence.due,
                touches_on_time=0 if cadence is None else cadence.on_time,
                cadence_compliance=None if cadence is None else cadence.share,
                quota_attainment=attainment.get(rep_id) if own else None,
            )
        )
    if a_rep:  # the order must not give away what the figures hide
        rows.sort(key=lambda r: (-r.won, -r.claims, r.rep.name))
    else:
        rows.sort(key=lambda r: (-r.won, -(r.warm_reach or 0), -(r.network_size or 0), r.rep.name))
    return rows
