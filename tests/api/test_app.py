"""The HTTP app through its real ASGI interface."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from graph.backends import open_store
from graph.settings import LadybugSettings
from tests.factories import SmallOrg


def test_healthz_reports_backend_and_counts(small_org_file: tuple[Path, SmallOrg]) -> None:
    path, _ = small_org_file
    app = create_app(
        lambda: open_store(LadybugSettings(path=path, buffer_pool_bytes=256 * 1024**2))
    )
    with TestClient(app) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "backend": "ladybug",
        "people": 12,
        "reps": 5,
        "companies": 3,
        "leads": 0,
        "ties": 12,
    }
