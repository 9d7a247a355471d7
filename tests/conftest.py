"""Shared fixtures: a small on-disk graph built from the hand-drawn organisation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.backends import open_store
from graph.settings import LadybugSettings
from tests.factories import SmallOrg, build_small_org


@pytest.fixture
def small_org_file(tmp_path: Path) -> Iterator[tuple[Path, SmallOrg]]:
    """A closed LadybugDB file holding the hand-drawn organisation."""
    path = tmp_path / "small.lbdb"
    store = open_store(LadybugSettings(path=path, buffer_pool_bytes=256 * 1024**2))
    try:
        org = build_small_org(store)
    finally:
        store.close()
    yield path, org
