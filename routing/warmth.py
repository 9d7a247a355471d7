"""Whether a rep is a warm owner of a lead: within ``WARM_HOPS`` of one of its decision-makers,
by the lead's reach (kept between rankings, routing/reach.py). A claim records it in its
event, so that quotas count what was true when the lead was claimed."""

from __future__ import annotations

from graph.model import LeadView
from graph.store import GraphStore
from routing.ranking import WARM_HOPS
from routing.reach import reach_cache


def is_warm_owner(store: GraphStore, lead: LeadView, rep_id: str) -> bool:
    reach = reach_cache(store).reaches(store, [lead], explain=False)[lead.id]
    if rep_id not in reach.rep_ids:
        return False
    index = reach.rep_ids.index(rep_id)
    return any(1 <= int(found.hops[index]) <= WARM_HOPS for found in reach.members.values())
