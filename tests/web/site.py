"""The manager page's test world: a generated demo organisation with activity in a graph, served
by uvicorn over real HTTP, and a signed-in page of Debian's chromium (driven by Playwright)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn
from playwright.sync_api import Browser, Page, expect

from api.app import ApiSettings, create_app
from api.auth import add_user
from demo.activity import demo_activity
from demo.organisation import OrgShape, generate_org
from graph.backends import open_store
from graph.settings import GraphSettings
from routing.policy import load_policy

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
expect.set_options(timeout=15_000)  # a shared 2-core CI machine is slow to start a browser


@dataclass
class Site:
    url: str
    admin: str
    rep: str
    """A token of the rep who holds the most open claims (their agenda is not empty)."""
    rep_email: str
    app: Any
    new_lead: str
    lead_with_paths: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(settings: GraphSettings) -> Iterator[Site]:
    """A generated demo organisation with activity in this graph, served by uvicorn."""
    store = open_store(settings)
    try:
        shape = OrgShape(
            reps=40, people=4000, leads=60, mean_connections=60, sd_connections=20, rep_colleagues=4
        )
        org = generate_org(shape)
        store.bulk_load(org)
        now = datetime.now(UTC)
        demo_activity(store, policy=load_policy(), now=now)
        _, admin = add_user(store, role="admin", name="Page tester", now=now)
        new = sorted(lead.id for lead in store.leads_with_status(("new",)))
        claimed = store.leads_with_status(("claimed",))
        held = store.leads_with_status(("claimed", "contacted", "nurture"), with_committees=False)
        owners = sorted(lead.owner_rep_id for lead in held if lead.owner_rep_id)
        busiest = max(set(owners), key=lambda rep_id: (owners.count(rep_id), rep_id))
        reps = org.tables["Rep"].select(["id", "email"]).to_pylist()
        rep_email = next(str(rep["email"]) for rep in reps if rep["id"] == busiest)
        _, rep = add_user(store, role="rep", name="Rep tester", now=now, rep_key=rep_email)
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
            rep=rep,
            rep_email=rep_email,
            app=app,
            new_lead=new[0],
            lead_with_paths=sorted(lead.id for lead in claimed)[0],
        )
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def signed_in(
    browser: Browser,
    site: Site,
    *,
    width: int = 1280,
    height: int = 800,
    token: str | None = None,
    who: str = "Page tester (admin)",
) -> tuple[Page, list[str]]:
    """A new browser context signed in (as the admin unless ``token``), on its home view; the
    URLs it requests are collected (every one must be the app's)."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True
    )
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(site.url)
    page.fill("#token", token or site.admin)
    page.press("#token", "Enter")
    expect(page.locator("#who")).to_contain_text(who)
    expect(page.locator("#view h2")).to_be_visible()
    return page, requested


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    # a full-page shot leaves Chromium scrolled elsewhere, and its next focus jumps back: a
    # click's mousedown and mouseup then land on different elements and the click is lost
    where = page.evaluate("[window.scrollX, window.scrollY]")
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.evaluate("([x, y]) => window.scrollTo(x, y)", where)


def no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    wide = page.evaluate(
        """[...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
          .slice(0, 5).map((e) => e.tagName + '#' + e.id + '.' + e.className)"""
    )
    assert overflow <= 1, f"{page.url} scrolls sideways by {overflow}px at 390px: {wide}"
