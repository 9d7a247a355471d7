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
