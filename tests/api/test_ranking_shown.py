"""What the API makes of a ranking's evidence: a rep's paths to the committee, kept with the
lead's reach, are turned into GraphQL objects once and shown as such while the reach lasts."""

from __future__ import annotations

from api.graphql.types.ranking import Evidence
from graph.store import GraphStore
from routing import ranking
from routing.policy import load_policy
from routing.ranking import rank_lead
from routing.reach import reach_cache
from tests.routing.world import NOW, World, pid, rid


def _routing_evidence(store: GraphStore) -> ranking.Evidence:
    found = rank_lead(store, "L1", policy=load_policy(), now=NOW)
    cat = next(item for item in found.ranked if item.rep.id == rid("cat"))
    assert cat.evidence is not None
    return cat.evidence


def _evidence(store: GraphStore) -> Evidence:
    return Evidence.of(_routing_evidence(store), store)


def _cat_two_hops_from_dana(store: GraphStore) -> World:
    """Cat reaches Dana, L1's economic buyer, through Mia; Ann knows Dana."""
    world = World(store)
    world.company("acme")
    for rep in ("ann", "cat"):
        world.rep(rep)
    world.knows("ann", "dana")
    world.knows("cat", "mia", "dana")
    world.lead("L1", ("dana", "economic_buyer"))
    return world


def test_a_reps_paths_to_the_committee_are_made_once_per_reach(store: GraphStore) -> None:
    _cat_two_hops_from_dana(store)
    first = _evidence(store)
    assert [
        (p.member.id, p.hops, [[n.id for n in chain] for chain in p.paths]) for p in first.committee
    ] == [(pid("dana"), 2, [[pid("mia")]])]
    assert _evidence(store).committee is first.committee  # asked again: the same objects
    lead = store.lead("L1")
    reach_cache(store).reaches(store, [lead], explain=True)["L1"].explained.clear()
    made_again = _evidence(store)  # explained again: made again, the same content
    assert made_again.committee is not first.committee
    assert made_again.committee == first.committee


def test_the_paths_shown_are_forgotten_when_people_or_ties_are_written(store: GraphStore) -> None:
    world = _cat_two_hops_from_dana(store)
    evidence = _routing_evidence(store)
    first = Evidence.of(evidence, store)
    assert Evidence.of(evidence, store).committee is first.committee
    world.knows("mia", "omar")  # a write of ties: what was shown is not kept
    assert Evidence.of(evidence, store).committee is not first.committee
