"""Property test: hop distances and mutual counts agree with a networkx BFS on random graphs.

Each example is written as its own connected world (ids carry the example number), so one store
serves every example of a backend without clearing it between examples.
"""

from __future__ import annotations

import itertools

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.model import Person, Rep, Tie
from graph.store import GraphStore

_example = itertools.count()


@st.composite
def random_org(draw: st.DrawFn) -> tuple[int, int, list[tuple[int, int, str]]]:
    people = draw(st.integers(min_value=2, max_value=18))
    reps = draw(st.integers(min_value=1, max_value=min(6, people - 1)))
    pairs = st.tuples(
        st.integers(0, people - 1),
        st.integers(0, people - 1),
        st.sampled_from(["linkedin", "facebook"]),
    )
    edges = draw(st.lists(pairs, max_size=40).map(lambda es: [e for e in es if e[0] != e[1]]))
    return people, reps, edges


Case = tuple[int, int, list[tuple[int, int, str]]]


def _write_world(store: GraphStore, case: Case) -> tuple[str, nx.Graph]:
    """Write one random organisation as its own world; return its id prefix and a networkx copy."""
    people, reps, edges = case
    world = f"w{next(_example)}"
    store.merge_people([Person(id=f"{world}:p{i}", name=f"Person {i}") for i in range(people)])
    store.merge_reps(
        [
            Rep(
                id=f"rep:{world}-{i}",
                person_id=f"{world}:p{i}",
                email=f"{world}-{i}@seller.example",
                name=f"Rep {i}",
            )
            for i in range(reps)
        ]
    )
    store.merge_ties([Tie(a=f"{world}:p{a}", b=f"{world}:p{b}", source=s) for a, b, s in edges])
    graph = nx.Graph()
    graph.add_nodes_from(range(people))
    graph.add_edges_from((a, b) for a, b, _ in edges)
    return world, graph


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=random_org(), target=st.integers(min_value=0, max_value=17), max_hops=st.integers(1, 3))
def test_reps_near_matches_breadth_first_search(
    store: GraphStore, case: Case, target: int, max_hops: int
) -> None:
    people, reps, _ = case
    target %= people
    world, graph = _write_world(store, case)
    distances = nx.single_source_shortest_path_length(graph, target, cutoff=max_hops)
    expected = {
        f"rep:{world}-{i}": (distances[i], len(set(graph[i]) & set(graph[target])))
        for i in range(reps)
        if i != target and i in distances
    }
    got = {
        r.rep.id: (r.hops, r.mutual_count)
        for r in store.reps_near(f"{world}:p{target}", max_hops=max_hops)
    }
    assert got == expected


@pytest.mark.parametrize("max_hops", [3])
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=random_org(), target=st.integers(min_value=0, max_value=17))
def test_connection_paths_are_shortest_and_real(
    store: GraphStore, case: Case, target: int, max_hops: int
) -> None:
    people, reps, edges = case
    target %= people
    world, graph = _write_world(store, case)
    sources: dict[frozenset[int], set[str]] = {}
    for a, b, source in edges:
        sources.setdefault(frozenset((a, b)), set()).add(source)
    for rep in range(reps):
        if rep == target:
            continue
        paths = store.connection_paths(
            f"rep:{world}-{rep}", f"{world}:p{target}", max_hops=max_hops, limit=50
        )
        try:
            expected = {tuple(p) for p in nx.all_shortest_paths(graph, rep, target)}
        except nx.NetworkXNoPath:
            expected = set()
        expected = {p for p in expected if len(p) - 1 <= max_hops}
        got = {tuple(int(n.id.rsplit("p", 1)[1]) for n in path.nodes) for path in paths}
        assert got == expected
        for path in paths:
            for step, (a, b) in zip(path.steps, itertools.pairwise(path.nodes), strict=True):
                key = frozenset(int(n.id.rsplit("p", 1)[1]) for n in (a, b))
                assert set(step.sources) == sources[key]
