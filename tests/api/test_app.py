"""The HTTP app through its real ASGI interface."""

from __future__ import annotations

import gc
import re

from fastapi.testclient import TestClient

from api.app import GC_THRESHOLDS, create_app
from graph.backends import open_store
from graph.settings import GraphSettings
from tests.api.apiworld import wait_ready
from tests.factories import SmallOrg


def test_the_start_up_reads_are_frozen_and_the_collector_runs_less_often_after_them(
    small_org: tuple[GraphSettings, SmallOrg],
) -> None:
    """Once the warm-up has read the open leads, what it read is frozen (no full collection
    walks it again) and the cyclic garbage collector's thresholds are raised from Python's
    defaults, which made full collections of everything cached since start-up every few
    seconds under load."""
    settings, _ = small_org
    before = gc.get_threshold()
    gc.unfreeze()  # whatever an earlier app of this process froze
    gc.set_threshold(700, 10, 10)
    try:
        with TestClient(create_app(lambda: open_store(settings))) as client:
            wait_ready(client)
        # the app has shut down: its warm-up finished
        assert gc.get_threshold() == GC_THRESHOLDS != (700, 10, 10)
        assert gc.get_freeze_count() > 0
    finally:
        gc.set_threshold(*before)


def test_healthz_is_alive_and_readyz_reports_backend_and_counts(
    small_org: tuple[GraphSettings, SmallOrg], backend: str
) -> None:
    settings, _ = small_org
    app = create_app(lambda: open_store(settings))
    with TestClient(app) as client:
        health = client.get("/healthz")
        ready = wait_ready(client)
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "backend": backend}
    assert re.fullmatch(r"[0-9a-f]{12}", ready["rankings_warm"].pop("instance"))  # this worker
    assert ready == {
        "status": "ready",
        "failed": [],
        "checks": {"store": "ok", "rep_network": "ok", "sweeper": "ok"},
        "backend": backend,
        "people": 12,
        "reps": 5,
        "companies": 3,
        "leads": 0,
        "ties": 12,
        "rankings_warm": {"done": 0, "of": 0},  # no lead to read the reach of
    }
