"""The manager page in a real headless browser (Debian's chromium, driven by Playwright) against
the app serving a generated demo organisation over real HTTP. Screenshots of each main page go
to test-artifacts/."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from playwright.sync_api import Browser, expect

from tests.web.site import Site, no_sideways_scroll, shot, signed_in


def test_sign_in_and_the_lead_queue(browser: Browser, site: Site) -> None:
    page, requested = signed_in(browser, site)
    expect(page.locator(".counts")).to_contain_text("claimed")
    expect(page.locator("table tbody tr").first).to_be_visible()
    overdue = page.locator("tr.overdue")
    expect(overdue.first).to_contain_text("overdue")
    page.select_option("#f-status", "new")
    page.click("#filters button")
    expect(page.locator("table tbody tr").first).to_contain_text("new")
    shot(page, "queue")
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
    page, requested = signed_in(browser, site)
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
    shot(page, "lead")
    assert {urlsplit(url).hostname for url in requested} == {"127.0.0.1"}
    page.context.close()


def test_assign_updates_the_timeline_and_a_second_session_live(
    browser: Browser, site: Site
) -> None:
    broker = site.app.state.services.broker
    before = broker.opened
    watcher, _ = signed_in(browser, site)
    expect(watcher.locator("table tbody tr").first).to_be_visible()
    deadline = time.monotonic() + 15
    while broker.opened <= before and time.monotonic() < deadline:
        time.sleep(0.05)  # the watcher's subscription is set up
    assert broker.opened > before
    page, _ = signed_in(browser, site)
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
    shot(watcher, "queue-live")
    watcher.context.close()
    page.context.close()


def test_team_page_with_quotas(browser: Browser, site: Site) -> None:
    page, requested = signed_in(browser, site)
    page.click("nav >> text=Team")
    expect(page.locator("text=Leaderboard (this month)")).to_be_visible(timeout=30_000)
    expect(page.locator("text=warm-owner rate")).to_be_visible()
    quotas = page.locator("#quotas")
    expect(quotas).to_contain_text("new connections")
    expect(quotas.locator("tr.team").first).to_be_visible()  # an admin sees every team's totals
    teams = quotas.locator("tbody tr.team").count()
    assert quotas.locator("tbody tr").count() == teams + 25  # the first 25 reps, by name
    show_all = page.locator("#quotas-all")
    every = int(show_all.inner_text().removeprefix("Show all "))
    assert every == 40  # the site's reps
    show_all.click()
    expect(page.locator("#quotas tbody tr")).to_have_count(teams + every)
    expect(page.locator("#quotas-all")).to_have_count(0)
    expect(page.locator("text=Cadence compliance")).to_be_visible()
    shot(page, "team")
    assert {urlsplit(url).hostname for url in requested} == {"127.0.0.1"}
    page.context.close()


def test_an_error_banner_clears_when_the_next_action_succeeds(browser: Browser, site: Site) -> None:
    page, _ = signed_in(browser, site)
    page.click("nav >> text=Network")
    page.fill("#net-search", "a")
    page.click("#net-find button[type=submit]")
    expect(page.locator("#notice")).to_contain_text("type at least 2 letters")
    page.fill("#net-search", "an")
    page.click("#net-find button[type=submit]")
    expect(page.locator("#net-people button").first).to_be_visible()
    expect(page.locator("#notice")).to_be_empty()
    page.context.close()


def test_narrow_window_and_keyboard(browser: Browser, site: Site) -> None:
    page, _ = signed_in(browser, site, width=390, height=800)
    page.goto(site.url + f"#/lead/{site.lead_with_paths}")
    expect(page.locator("#ranked li").first).to_be_visible()
    no_sideways_scroll(page)
    shot(page, "lead-narrow")
    page.reload()  # the token stays for the tab's session
    expect(page.locator("#ranked li").first).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    for name in ("Agenda", "Leads", "Network"):
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == name
    page.keyboard.press("Enter")  # the network explorer, from the keyboard
    expect(page.locator("#view h2")).to_have_text("Network")
    page.context.close()


def test_the_manager_page_on_neo4j(browser: Browser, neo4j_site: Site) -> None:
    """The same page on the production backend: the queue, an assignment that reaches the
    timeline, and a lead's ranking and path graph."""
    page, requested = signed_in(browser, neo4j_site)
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
    shot(page, "lead-neo4j")
    assert {urlsplit(url).hostname for url in requested} == {"127.0.0.1"}
    page.context.close()
