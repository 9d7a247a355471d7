"""The manager page in a real headless browser (Debian's chromium, driven by Playwright) against
the app serving a generated demo organisation over real HTTP. Screenshots of each main page go
to test-artifacts/."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright

from api.app import ApiSettings, create_app
from api.auth import add_user
from demo.activity import demo_activity
from demo.organisation import OrgShape, generate_org
from graph.backends import open_store
from graph.settings import GraphSettings, LadybugSettings
from routing.policy import load_policy
from tests.conftest import _neo4j_settings, wipe_neo4j

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
expect.set_options(timeout=15_000)  # a shared 2-core CI machine is slow to start a browser


@dataclass
class Site:
    url: str
    admin: str
    app: Any
    new_lead: str
    lead_with_paths: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _serving(settings: GraphSettings) -> Iterator[Site]:
    """A generated demo organisation with activity in this graph, served by uvicorn."""
    store = open_store(settings)
    try:
        shape = OrgShape(
            reps=40, people=4000, leads=60, mean_connections=60, sd_connections=20, rep_colleagues=4
        )
        store.bulk_load(generate_org(shape))
        demo_activity(store, policy=load_policy(), now=datetime.now(UTC))
        _, admin = add_user(store, role="admin", name="Page tester", now=datetime.now(UTC))
        new = sorted(lead.id for lead in store.leads_with_status(("new",)))
        offered = sorted(lead.id for lead in store.leads_with_status(("claimed",)))
    finally:
        store.close()
    app = create_app(
        lambda: open_store(settings),
        policy=load_policy(),
        settings=ApiSettings(sweep_seconds=0),
    )
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield Site(
            url=f"http://127.0.0.1:{port}/",
            admin=admin,
            app=app,
            new_lead=new[0],
            lead_with_paths=offered[0],
        )
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    path = tmp_path_factory.mktemp("web") / "demo.lbdb"
    with _serving(LadybugSettings(path=path, buffer_pool_bytes=256 * 1024**2)) as served:
        yield served


@pytest.fixture(scope="module")
def neo4j_site() -> Iterator[Site]:
    settings = _neo4j_settings()
    wipe_neo4j(settings)
    with _serving(settings) as served:
        yield served


@pytest.fixture(scope="module")
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


def _signed_in(
    browser: Browser, site: Site, width: int = 1280, height: int = 800
) -> tuple[Page, list[str]]:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(site.url)
    page.fill("#token", site.admin)
    page.press("#token", "Enter")
    expect(page.locator("#who")).to_contain_text("Page tester (admin)")
    expect(page.locator("table tbody tr").first).to_be_visible()  # the queue is the first view
    return page, requested


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_sign_in_and_the_lead_queue(browser: Browser, site: Site) -> None:
    page, requested = _signed_in(browser, site)
    expect(page.locator(".counts")).to_contain_text("claimed")
    expect(page.locator("table tbody tr").first).to_be_visible()
    overdue = page.locator("tr.overdue")
    expect(overdue.first).to_contain_text("overdue")
    page.select_option("#f-status", "new")
    page.click("#filters button")
    expect(page.locator("table tbody tr").first).to_contain_text("new")
    _shot(page, "queue")
    hosts = {urlsplit(url).hostname for url in requested}
    assert hosts == {"127.0.0.1"}, hosts
    page.context.close()


def test_a_bad_token_is_said_in_plain_words(browser: Browser, site: Site) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(site.url)
    page.fill("#token", "wp_not-a-real-token")
    page.press("#token", "Enter")
    expect(page.locator("#notice")).to_contain_text("Your token is not valid")
    expect(page.locator("#signin")).to_be_visible()
    context.close()


def test_lead_page_ranking_bars_and_path_graph(browser: Browser, site: Site) -> None:
    page, requested = _signed_in(browser, site)
    page.goto(site.url + f"#/lead/{site.lead_with_paths}")
    bars = page.locator("#ranked li .bar")
    expect(bars.first).to_be_visible()
    assert page.locator("#ranked li").count() >= 3
    assert page.locator("#ranked li").first.locator(".bar span").count() >= 2  # split by signal
    page.locator("#ranked li button").first.click()
    graph = page.locator("#paths svg")
    expect(graph).to_be_visible()
    member = page.locator("#committee li strong").first.inner_text()
    expect(graph).to_contain_text(member)
    expect(page.locator("#paths")).to_contain_text("hop")
    expect(page.locator("#timeline li").first).to_be_visible()
    _shot(page, "lead")
    assert {urlsplit(url).hostname for url in requested} == {"127.0.0.1"}
    page.context.close()


def test_assign_updates_the_timeline_and_a_second_session_live(
    browser: Browser, site: Site
) -> None:
    broker = site.app.state.services.broker
    before = broker.opened
    watcher, _ = _signed_in(browser, site)
    expect(watcher.locator("table tbody tr").first).to_be_visible()
    deadline = time.monotonic() + 15
    while broker.opened <= before and time.monotonic() < deadline:
        time.sleep(0.05)  # the watcher's subscription is set up
    assert broker.opened > before
    page, _ = _signed_in(browser, site)
    page.goto(site.url + f"#/lead/{site.new_lead}")
    expect(page.locator("#act-assign")).to_be_visible()
    page.fill("#assign-reason", "met the buyer at a trade fair")
    page.click("#act-assign button")
    expect(page.locator("#timeline")).to_contain_text("assigned")
    expect(page.locator("#timeline")).to_contain_text("met the buyer at a trade fair")
    expect(watcher.locator("#notice")).to_contain_text(f"Live: lead {site.new_lead} assigned")
    page.fill("#assign-reason", "")
    page.click("#act-assign button")  # an empty reason is refused by the form itself
    expect(page.locator("#timeline li")).to_have_count(page.locator("#timeline li").count())
    _shot(watcher, "queue-live")
    watcher.context.close()
    page.context.close()


def test_team_page_and_path_explorer(browser: Browser, site: Site) -> None:
    page, requested = _signed_in(browser, site)
    page.click("nav >> text=Team")
    expect(page.locator("text=Leaderboard (this month)")).to_be_visible(timeout=30_000)
    expect(page.locator("text=warm-owner rate")).to_be_visible()
    _shot(page, "team")
    page.click("nav >> text=Path explorer")
    page.fill("#x-person", "a")
    page.click("#explore button")
    expect(page.locator("#notice")).to_contain_text("type at least 2 letters")
    page.fill("#x-person", "an")
    page.click("#explore button")
    page.locator("#x-people button").first.click()
    expect(page.locator("#x-paths")).to_contain_text("hop")
    _shot(page, "explorer")
    assert {urlsplit(url).hostname for url in requested} == {"127.0.0.1"}
    page.context.close()


def test_narrow_window_and_keyboard(browser: Browser, site: Site) -> None:
    page, _ = _signed_in(browser, site, width=390, height=800)
    page.goto(site.url + f"#/lead/{site.lead_with_paths}")
    expect(page.locator("#ranked li").first).to_be_visible()
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px at 390px"
    _shot(page, "lead-narrow")
    page.reload()  # the token stays for the tab's session
    expect(page.locator("#ranked li").first).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Leads"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Path explorer, from the keyboard
    expect(page.locator("#view h2")).to_have_text("Path explorer")
    page.context.close()


def test_the_manager_page_on_neo4j(browser: Browser, neo4j_site: Site) -> None:
    """The same page on the production backend: the queue, an assignment that reaches the
    timeline, and a lead's ranking and path graph."""
    page, requested = _signed_in(browser, neo4j_site)
    expect(page.locator(".counts")).to_contain_text("claimed")
    expect(page.locator("tr.overdue").first).to_contain_text("overdue")
    page.goto(neo4j_site.url + f"#/lead/{neo4j_site.new_lead}")  # from the queue: no other form
    expect(page.locator("#act-assign")).to_be_visible()
    page.fill("#assign-reason", "knows the CFO from a previous deal")
    page.click("#act-assign button")
    expect(page.locator("#timeline")).to_contain_text("knows the CFO from a previous deal")
    page.goto(neo4j_site.url + f"#/lead/{neo4j_site.lead_with_paths}")
    page.reload()  # a fresh render of this lead alone (the token stays for the tab's session)
    expect(page.locator("#ranked li .bar").first).to_be_visible()
    assert page.locator("#ranked li").first.locator(".bar span").count() >= 2
    page.locator("#ranked li button").first.click()
    graph = page.locator("#paths svg")
    expect(graph).to_be_visible()
    expect(graph).to_contain_text(page.locator("#committee li strong").first.inner_text())
    _shot(page, "lead-neo4j")
    assert {urlsplit(url).hostname for url in requested} == {"127.0.0.1"}
    page.context.close()
