"""The sparse-matrix baseline: the same five answers computed with scipy CSR matrices in memory.

It holds no database and answers by index arithmetic, so it is a floor for what a query engine
can do on this machine; the benchmark reports every figure as a ratio to it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse

from graph.model import OrgSnapshot


@dataclass
class SparseOrg:
    ids: np.ndarray  # index -> person id
    index: dict[str, int]  # person id -> index
    adjacency: sparse.csr_matrix  # symmetric, one entry per connected pair
    rep_ids: list[str]
    rep_rows: np.ndarray  # person index of each rep
    rep_of_row: dict[int, str]
    current_staff: dict[str, np.ndarray]  # company id -> person indices (current)
    stints: dict[int, list[tuple[str, date | None, date | None]]]  # person -> employers
    studies: dict[int, list[tuple[str, date | None, date | None]]]  # person -> schools

    def neighbours(self, i: int) -> np.ndarray:
        a = self.adjacency
        return np.asarray(a.indices[a.indptr[i] : a.indptr[i + 1]])


def build(snapshot: OrgSnapshot) -> SparseOrg:
    people = snapshot.tables["Person"].column("id")
    n = len(people)
    ids = np.asarray(people.to_numpy(zero_copy_only=False), dtype=object)
    index = {pid: i for i, pid in enumerate(ids)}
    knows = snapshot.tables["KNOWS"]
    a = pc.index_in(knows.column("from"), value_set=people).to_numpy()
    b = pc.index_in(knows.column("to"), value_set=people).to_numpy()
    rows = np.concatenate([a, b])
    cols = np.concatenate([b, a])
    adjacency = sparse.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(n, n))
    adjacency.data[:] = 1  # several sources between one pair count once
    adjacency.sum_duplicates()
    adjacency.data[:] = 1
    rep_table = snapshot.tables["IS"]
    rep_ids = rep_table.column("from").to_pylist()
    rep_rows = pc.index_in(rep_table.column("to"), value_set=people).to_numpy()
    works = snapshot.tables["WORKS_AT"]
    current_staff: dict[str, list[int]] = defaultdict(list)
    stints: dict[int, list[tuple[str, date | None, date | None]]] = defaultdict(list)
    person_idx = pc.index_in(works.column("from"), value_set=people).to_numpy()
    for i, company, is_current, started, ended in zip(
        person_idx,
        works.column("to").to_pylist(),
        works.column("current").to_pylist(),
        works.column("started").to_pylist(),
        works.column("ended").to_pylist(),
        strict=True,
    ):
        if is_current:
            current_staff[company].append(int(i))
        stints[int(i)].append((company, started, ended))
    studies: dict[int, list[tuple[str, date | None, date | None]]] = defaultdict(list)
    studied = snapshot.tables["STUDIED_AT"]
    for i, school, started, ended in zip(
        pc.index_in(studied.column("from"), value_set=people).to_numpy(),
        studied.column("to").to_pylist(),
        studied.column("started").to_pylist(),
        studied.column("ended").to_pylist(),
        strict=True,
    ):
        studies[int(i)].append((school, started, ended))
    return SparseOrg(
        ids=ids,
        index=index,
        adjacency=adjacency,
        rep_ids=rep_ids,
        rep_rows=np.asarray(rep_rows),
        rep_of_row={int(r): rep for r, rep in zip(rep_rows, rep_ids, strict=True)},
        current_staff={c: np.asarray(v) for c, v in current_staff.items()},
        stints=dict(stints),
        studies=dict(studies),
    )


def reps_near(org: SparseOrg, person: str, max_hops: int) -> dict[str, tuple[int, int]]:
    """rep id -> (hops, mutual count): level-synchronous BFS over CSR rows with a numpy
    distance array, then one sparse product for the mutual counts."""
    source = org.index[person]
    distance = np.full(org.adjacency.shape[0], -1, dtype=np.int8)
    distance[source] = 0
    frontier = np.asarray([source], dtype=np.int64)
    for depth in range(1, max_hops + 1):
        if len(frontier) == 0:
            break
        reached = org.adjacency[frontier].indices
        fresh = np.unique(reached[distance[reached] < 0])
        distance[fresh] = depth
        frontier = fresh
    mine = np.zeros(org.adjacency.shape[0], dtype=np.int32)
    mine[org.neighbours(source)] = 1
    mutual = org.adjacency[org.rep_rows] @ mine
    hops = distance[org.rep_rows]
    return {
        rep: (int(h), int(count))
        for rep, h, count, row in zip(org.rep_ids, hops, mutual, org.rep_rows, strict=True)
        if h > 0 and row != source
    }


def shortest_paths(
    org: SparseOrg, rep_row: int, person: str, max_hops: int
) -> list[tuple[int, ...]]:
    """Every shortest path (as person indices) from the rep's person to the person."""
    target = org.index[person]
    near_rep = set(org.neighbours(rep_row).tolist())
    if target in near_rep:
        return [(rep_row, target)]
    near_target = set(org.neighbours(target).tolist())
    if max_hops >= 2:
        middle = sorted(near_rep & near_target)
        if middle:
            return [(rep_row, m, target) for m in middle]
    if max_hops >= 3:
        paths = []
        for a in sorted(near_rep):
            for b in sorted(set(org.neighbours(a).tolist()) & near_target):
                if b != rep_row and a != target:
                    paths.append((rep_row, a, b, target))
        return paths
    return []


def mutual(org: SparseOrg, a: str, b: str) -> set[str]:
    common = np.intersect1d(org.neighbours(org.index[a]), org.neighbours(org.index[b]))
    return {str(org.ids[i]) for i in common}


def reach(org: SparseOrg, company: str) -> dict[str, set[str]]:
    staff = np.zeros(org.adjacency.shape[0], dtype=bool)
    staff[org.current_staff.get(company, np.asarray([], dtype=np.int64))] = True
    rows = org.adjacency[org.rep_rows]
    result = {}
    for k, rep in enumerate(org.rep_ids):
        neighbours = rows.indices[rows.indptr[k] : rows.indptr[k + 1]]
        known = neighbours[staff[neighbours]]
        if len(known):
            result[rep] = {str(org.ids[i]) for i in known}
    return result


def shared(org: SparseOrg, rep_row: int, person: str) -> tuple[set[str], set[str]]:
    target = org.index[person]
    employers = {c for c, _, _ in org.stints.get(rep_row, [])} & {
        c for c, _, _ in org.stints.get(target, [])
    }
    schools = {s for s, _, _ in org.studies.get(rep_row, [])} & {
        s for s, _, _ in org.studies.get(target, [])
    }
    return employers, schools


def table_ids(table: pa.Table, column: str) -> list[str]:
    return [str(v) for v in table.column(column).to_pylist()]
