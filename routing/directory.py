"""Reps and people by key or name: the lookups behind the API's rep and people fields and the
CLI's arguments, with the reps a viewer may see."""

from __future__ import annotations

from graph.model import PersonRef, Rep, RepRef
from graph.store import GraphStore, check_hops
from routing.errors import InvalidArgument, NotFound
from routing.paging import page_size
from routing.viewer import Viewer

MAX_PATHS = 20


def rep_profile(store: GraphStore, rep_id: str) -> Rep | None:
    """The rep's profile, or None for a rep id the roster does not know (any more)."""
    return store.rep_profiles().get(rep_id)


def rep(store: GraphStore, rep_id: str) -> Rep:
    profile = rep_profile(store, rep_id)
    if profile is None:
        raise NotFound(f"no rep with id {rep_id!r}")
    return profile


def visible_reps(store: GraphStore, viewer: Viewer, *, team: str | None = None) -> list[Rep]:
    """The reps the viewer may see (of ``team``), by name."""
    return [
        profile
        for profile in sorted(store.rep_profiles().values(), key=lambda p: (p.name, p.id))
        if viewer.can_see_rep(profile.id) and (team is None or profile.team == team)
    ]


def resolve_rep(store: GraphStore, key: str) -> RepRef:
    """The rep a key names: id, email or LinkedIn URL."""
    return store.resolve_rep(key)


def rep_of_person(store: GraphStore, person_id: str) -> str | None:
    """The id of the rep who is this person, if one is."""
    for profile in store.rep_profiles().values():
        if profile.person_id == person_id:
            return profile.id
    return None


def resolve_person(store: GraphStore, key: str) -> PersonRef:
    """The person a key names: LinkedIn URL, email or id."""
    return store.resolve_person(key)


def find_people(store: GraphStore, search: str, *, first: int) -> list[PersonRef]:
    """People by LinkedIn URL, email or id (at most one), or by part of their (company) name."""
    text = search.strip()
    if "linkedin." in text.lower() or "@" in text or ":" in text:
        try:
            return [store.resolve_person(text)]
        except (NotFound, InvalidArgument):  # no one, or several: nothing to list
            return []
    return store.people_named(text, limit=page_size(first))


def check_path_search(max_hops: int, limit: int) -> None:
    """Refuse a search for connection paths longer or more numerous than the API serves."""
    check_hops(max_hops)
    if not 1 <= limit <= MAX_PATHS:
        raise InvalidArgument(f"limit must be between 1 and {MAX_PATHS} (got {limit})")
