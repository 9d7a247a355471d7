"""On a generated organisation (30 reps, 3,000 people), every answer agrees with the
sparse-matrix computation of benchmarks/baseline.py.

This caught a LadybugDB 0.22 planner bug: ``WHERE w.current = true`` right after a long
pattern let former employees through when they were also reps' people.
"""

from __future__ import annotations

import random

import pytest

from benchmarks import baseline
from demo.organisation import OrgShape, generate_org
from graph.model import OrgSnapshot
from graph.store import GraphStore
from routing.background import shared_background

SHAPE = OrgShape(reps=30, people=3000, leads=60, mean_connections=60, sd_connections=20, seed=3)


@pytest.fixture(scope="module")
def snapshot() -> OrgSnapshot:
    return generate_org(SHAPE)


@pytest.fixture
def loaded(store: GraphStore, snapshot: OrgSnapshot) -> tuple[GraphStore, baseline.SparseOrg]:
    store.bulk_load(snapshot)
    return store, baseline.build(snapshot)


def test_reach_at_company_agrees_with_the_baseline(
    loaded: tuple[GraphStore, baseline.SparseOrg], snapshot: OrgSnapshot
) -> None:
    store, org = loaded
    companies = sorted(set(baseline.table_ids(snapshot.tables["AT"], "to")))
    for company in companies:
        got = {r.rep.id: {p.id for p in r.people} for r in store.reach_at_company(company)}
        assert got == baseline.reach(org, company), company


def test_reps_near_and_paths_agree_with_the_baseline(
    loaded: tuple[GraphStore, baseline.SparseOrg], snapshot: OrgSnapshot
) -> None:
    store, org = loaded
    rng = random.Random(5)
    people = sorted(set(baseline.table_ids(snapshot.tables["DECISION_MAKER"], "to")))
    for person in rng.sample(people, 15):
        want = baseline.reps_near(org, person, 3)
        got = {r.rep.id: (r.hops, r.mutual_count) for r in store.reps_near(person, max_hops=3)}
        assert got == want, person
        for rep_id in sorted(want)[:3]:
            row = int(org.rep_rows[org.rep_ids.index(rep_id)])
            expected = {
                tuple(str(org.ids[i]) for i in p)
                for p in baseline.shortest_paths(org, row, person, 3)
            }
            paths = store.connection_paths(rep_id, person, limit=1000)
            assert {tuple(n.id for n in p.nodes) for p in paths} == expected


def test_mutual_and_shared_background_agree_with_the_baseline(
    loaded: tuple[GraphStore, baseline.SparseOrg], snapshot: OrgSnapshot
) -> None:
    store, org = loaded
    rng = random.Random(9)
    people = sorted(set(baseline.table_ids(snapshot.tables["DECISION_MAKER"], "to")))
    for person in rng.sample(people, 15):
        k = rng.randrange(len(org.rep_ids))
        rep_person = str(org.ids[org.rep_rows[k]])
        assert {p.id for p in store.mutual_connections(rep_person, person)} == baseline.mutual(
            org, rep_person, person
        )
        shared = shared_background(store, org.rep_ids[k], person)
        assert (
            {e.company_id for e in shared.employers},
            {s.school_id for s in shared.schools},
        ) == baseline.shared(org, int(org.rep_rows[k]), person)
