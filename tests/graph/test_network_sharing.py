"""Which reps share a contact (graph/network.py ``_sharing``): kept as packed bits and built a
block of reps at a time, it must say exactly what the whole rep x rep product says."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

import graph.network as network


def _product(incidence: sparse.csr_matrix) -> np.ndarray:
    shared = np.asarray((incidence @ incidence.T).toarray() > 0)
    np.fill_diagonal(shared, False)
    return shared


@pytest.mark.parametrize("block_cells", [1, 100, network.SHARING_BLOCK_CELLS])
@pytest.mark.parametrize(("reps", "contacts"), [(1, 4), (9, 30), (64, 200), (301, 1500)])
def test_the_bits_say_what_the_whole_product_says(
    monkeypatch: pytest.MonkeyPatch, block_cells: int, reps: int, contacts: int
) -> None:
    rng = np.random.default_rng(reps)
    incidence = sparse.csr_matrix((rng.random((reps, contacts)) < 0.03).astype(np.float32))
    monkeypatch.setattr(network, "SHARING_BLOCK_CELLS", block_cells)
    packed = network._sharing(incidence)
    assert packed.shape == (reps, (reps + 7) // 8)
    unpacked = np.unpackbits(packed, axis=1, count=reps).astype(bool)
    expected = _product(incidence)
    assert (unpacked == expected).all()
    if reps > 8:
        assert expected.any()  # the sample has reps who share someone


def test_no_reps_share_nothing() -> None:
    packed = network._sharing(sparse.csr_matrix((0, 5), dtype=np.float32))
    assert packed.shape == (0, 0)


def _network(rng: np.random.Generator, reps: int, people: int, ties: int) -> network.RepNetwork:
    """A rep network of ``reps`` reps, the last two knowing nobody, the others ``ties`` random
    (rep, person) pairs."""
    import pyarrow as pa

    rep_ids = [f"r{i}" for i in range(reps)]
    rep = rng.integers(0, reps - 2, ties)
    person = rng.integers(0, people, ties)
    contacts = pa.table(
        {
            "rep_id": [rep_ids[r] for r in rep],
            "person_id": [f"p{p}" for p in person],
            "name": [f"P {p}" for p in person],
            "title": [None] * ties,
            "source": ["linkedin"] * ties,
        }
    )
    employers = pa.table({"person_id": pa.array([], pa.string()), "company_id": []})
    return network.RepNetwork(rep_ids, [f"rp{i}" for i in range(reps)], contacts, employers)


def _listed(found: tuple[np.ndarray, ...] | dict[str, tuple[str, str]]) -> object:
    return [a.tolist() for a in found] if isinstance(found, tuple) else found


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_page_of_reps_finds_the_bridges_the_marks_find(seed: int) -> None:
    """A ranking's page finds 3-hop paths rep by rep; every rep at once goes through the
    colleague marks: both name, per rep, the first colleague in the given order who shares a
    contact, then the first contact they share. Reps 60 and 61 know nobody."""
    rng = np.random.default_rng(seed)
    net = _network(rng, reps=62, people=1500, ties=900)
    chosen = [int(c) for c in rng.choice(60, 10, replace=False)]
    colleagues = [*chosen, 61, *chosen[:2]]  # not sorted, one knowing nobody, two named twice
    others = np.setdiff1d(np.arange(62), colleagues)
    marks = net.colleague_marks(colleagues)
    for asked in (others, rng.choice(others, 5, replace=False), others[:1], others[:0]):
        one_by_one = net.first_colleague_bridges(asked.tolist(), colleagues)
        through_marks = net.colleague_bridges(asked, colleagues, marks)
        assert _listed(one_by_one) == _listed(through_marks)
    everyone = np.arange(62)  # a colleague's own contacts are shared with themselves
    assert _listed(net.first_colleague_bridges(everyone.tolist(), colleagues)) == _listed(
        net.colleague_bridges(everyone, colleagues, marks)
    )
    found = net.first_colleague_bridges(others.tolist(), colleagues)
    assert 10 < len(found[0]) < len(others) - 1  # some reps share nobody with a colleague here
    assert 60 not in found[0].tolist()
    assert _listed(net.first_colleague_bridges(others.tolist(), [])) == [[], [], []]


def test_bridges_are_the_same_found_rep_by_rep_or_all_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``Bridges`` asks rep by rep up to BRIDGES_ONE_BY_ONE reps, through the marks above."""
    rng = np.random.default_rng(5)
    net = _network(rng, reps=62, people=1500, ties=900)
    colleagues = [int(c) for c in rng.choice(60, 8, replace=False)]
    pending = [r for r in range(62) if r not in colleagues]
    found = {}
    for one_by_one in (0, 100):
        monkeypatch.setattr(network, "BRIDGES_ONE_BY_ONE", one_by_one)
        found[one_by_one] = network.Bridges(net, {}, pending, colleagues).every()
    assert found[0] == found[100]
    assert len(found[0]) > 10


def test_ties_read_without_their_source_are_of_an_unknown_one() -> None:
    import pyarrow as pa

    contacts = pa.table(
        {
            "rep_id": ["r0", "r0", "r1"],
            "person_id": ["p1", "p2", "p1"],
            "name": ["A", "B", "A"],
            "title": [None, None, None],
        }
    )
    employers = pa.table({"person_id": pa.array([], pa.string()), "company_id": []})
    net = network.RepNetwork(["r0", "r1"], ["rp0", "rp1"], contacts, employers)
    assert net.source_names == ("unknown",)
    assert net.ties_to(0, net.positions(["p1", "p2"]))[0].tolist() == [1, 1]
