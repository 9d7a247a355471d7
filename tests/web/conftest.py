"""Fixtures of the manager page's browser tests: the demo site on each backend (built once for
the package's tests: their changes are small and each test asserts what it did itself) and the
browser."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from graph.settings import LadybugSettings
from tests.conftest import _neo4j_settings, wipe_neo4j
from tests.web.site import Site, serving


@pytest.fixture(scope="package")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    path = tmp_path_factory.mktemp("web") / "demo.lbdb"
    with serving(LadybugSettings(path=path, buffer_pool_bytes=256 * 1024**2)) as served:
        yield served


@pytest.fixture(scope="package")
def neo4j_site() -> Iterator[Site]:
    settings = _neo4j_settings()
    wipe_neo4j(settings)
    with serving(settings) as served:
        yield served


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("Debian's chromium is needed: apt-get install chromium (make test does this)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield launched
        launched.close()
