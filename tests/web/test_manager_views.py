"""The manager page's views for a sales manager's whole job, in Debian's chromium against the
app over real HTTP: a rep's agenda, connected leads on the lead page, imports with a progress
bar, what-if before a policy change, the network explorer and the audit log; at 390 px and from
the keyboard. Screenshots go to test-artifacts/ (agenda, import, whatif, network, audit)."""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page, expect

from tests.web.site import Site, no_sideways_scroll, shot, signed_in


def _graphql(site: Site, query: str) -> dict[str, object]:
    request = urllib.request.Request(
        site.url + "graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {site.admin}"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        body = json.loads(response.read())
    assert not body.get("errors"), body
    return dict(body["data"])


def _connections_file(tmp_path: Path, rows: int, *, bad_line: int) -> Path:
    """A LinkedIn Connections.csv of ``rows`` people, the row on ``bad_line`` with a date the
    importer does not know."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
    )
    for n in range(rows):
        on = "the other day" if n + 2 == bad_line else f"{1 + n % 28} Mar 2024"
        writer.writerow(
            [f"Upload{n}", "Person", f"https://www.linkedin.com/in/upload-{n}", "", "Acme", "", on]
        )
    path = tmp_path / "Connections.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def _hosts(requested: list[str]) -> set[str | None]:
    return {urlsplit(url).hostname for url in requested}


def test_a_reps_home_is_their_agenda(browser: Browser, site: Site) -> None:
    page, requested = signed_in(browser, site, token=site.rep, who="Rep tester (rep)")
    expect(page.locator("#view h2")).to_have_text("Agenda")
    expect(page.locator('nav a[data-nav="whatif"]')).to_be_hidden()  # not a rep's
    rows = page.locator("#agenda tbody tr")
    expect(rows.first).to_be_visible()
    expect(page.locator("#agenda")).to_contain_text("first contact (SLA)")
    shot(page, "agenda")
    before = rows.count()
    form = page.locator("#agenda form.touch").first
    form.locator("select").select_option("EMAIL")
    form.locator("button").click()
    expect(page.locator("#notice")).to_contain_text("Touch recorded")
    assert rows.count() <= before
    assert _hosts(requested) == {"127.0.0.1"}
    page.context.close()


def test_connected_leads_and_influence_on_the_lead_page(browser: Browser, site: Site) -> None:
    data = _graphql(
        site,
        "{ leads(first: 100) { nodes { id connections(first: 1) { "
        "... on Connections { totalCount } } } } }",
    )
    nodes = data["leads"]["nodes"]  # type: ignore[index]
    lead = max(nodes, key=lambda node: node["connections"].get("totalCount", 0))
    assert lead["connections"]["totalCount"] > 0, "the demo organisation has connected leads"
    page, _ = signed_in(browser, site)
    page.goto(site.url + f"#/lead/{lead['id']}")
    expect(page.locator("#influence")).to_contain_text("Influence")
    expect(page.locator("#influence")).to_contain_text("customer(s) reached")
    links = page.locator("#connected li")
    expect(links.first).to_be_visible()
    expect(links.first).to_contain_text("owner")
    links.first.locator("a").click()  # to the connected lead
    expect(page.locator("#view h2")).not_to_contain_text("Leads")
    page.context.close()


def _import_finished(page: Page) -> None:
    expect(page.locator("#im-phase")).to_contain_text("done", timeout=60_000)
    value, top = page.evaluate(
        "[document.getElementById('im-progress').value, document.getElementById('im-progress').max]"
    )
    assert value == top > 1


def test_imports_with_a_progress_bar_and_the_invalid_rows(
    browser: Browser, site: Site, tmp_path: Path
) -> None:
    page, requested = signed_in(browser, site)
    polls: list[str] = []
    page.on("response", lambda r: polls.append(r.url) if "/imports/" in r.url else None)
    page.click("nav >> text=Imports")
    page.select_option("#im-kind", "linkedin")
    page.fill("#im-rep", site.rep_email)
    page.check("#im-consent")
    page.set_input_files("#im-file", str(_connections_file(tmp_path, 3000, bad_line=7)))
    page.click("#im-go")
    expect(page.locator("#im-progress")).to_be_visible()
    _import_finished(page)
    expect(page.locator("#im-summary")).to_contain_text("Connections.csv")
    expect(page.locator("#im-summary")).to_contain_text("1 invalid")
    expect(page.locator("#im-invalid li")).to_have_text(
        [
            "Connections.csv:7: Connected On 'the other day' is not a date this importer knows"
            " (e.g. '16 Mar 2021', '2021-03-16')"
        ]
    )
    assert len(polls) >= 2, polls  # the upload, then the job followed until done
    shot(page, "import")
    # a roster that is not one: the job fails, says why, and nothing was written
    roster = tmp_path / "roster.csv"
    roster.write_text("this,is\nnot,a roster\n", encoding="utf-8")
    page.select_option("#im-kind", "reps")
    expect(page.locator("#im-rep")).to_be_hidden()
    page.set_input_files("#im-file", str(roster))
    page.click("#im-go")
    expect(page.locator("#im-failure")).to_contain_text("roster.csv")
    expect(page.locator("#im-result")).to_contain_text("Nothing was written")
    expect(page.locator("#notice p.error")).to_contain_text("nothing was written")
    assert _hosts(requested) == {"127.0.0.1"}
    page.context.close()


def test_a_rep_uploads_their_own_export(browser: Browser, site: Site, tmp_path: Path) -> None:
    page, _ = signed_in(browser, site, token=site.rep, who="Rep tester (rep)")
    page.click("nav >> text=Imports")
    options = page.locator("#im-kind option").all_inner_texts()
    assert not any("roster" in option for option in options), options
    expect(page.locator("#im-rep")).to_have_count(0)  # their own: no rep to name
    page.set_input_files("#im-file", str(_connections_file(tmp_path, 40, bad_line=0)))
    page.click("#im-go")
    _import_finished(page)
    expect(page.locator("#im-summary")).to_contain_text("40 rows read")
    expect(page.locator("#notice")).to_contain_text("Imported Connections.csv")
    page.context.close()


def _checked(page: Page) -> None:
    expect(page.locator("#wi-state")).to_contain_text("checked", timeout=60_000)


def test_what_if_changes_an_owner_and_an_admin_applies_and_reverts(
    browser: Browser, site: Site
) -> None:
    page, requested = signed_in(browser, site)
    page.click("nav >> text=What-if")
    _checked(page)
    expect(page.locator("#wi-changed")).to_have_text("0")  # the policy in force: no change
    # a bad value is refused next to its field, and the candidate cannot be applied
    page.fill("#wi-rules-offer_top_n", "0")
    expect(page.locator("#wi-rules-offer_top_n-problem")).to_contain_text("offer_top_n")
    expect(page.locator("#wi-apply")).to_be_disabled()
    page.fill("#wi-rules-offer_top_n", "3")
    _checked(page)
    page.select_option("#wi-top-mode", "round_robin")
    expect(page.locator("#wi-toml")).to_have_value(re.compile('mode = "round_robin"'))
    expect(page.locator("#wi-changes tbody tr").first).to_be_visible(timeout=60_000)
    assert int(page.locator("#wi-changed").inner_text()) > 0
    row = page.locator("#wi-changes tbody tr").first.locator("td")
    assert row.nth(1).inner_text() != row.nth(2).inner_text()  # a different owner ...
    assert row.nth(3).inner_text().strip()  # ... and why
    expect(page.locator("#wi-compare")).to_contain_text("warm-owner rate")
    shot(page, "whatif")
    versions = page.locator("#wi-versions tbody tr")
    before = versions.count()
    page.click("#wi-apply")
    expect(page.locator("#notice")).to_contain_text("is in force")
    round_robin = page.locator("#notice").inner_text().split()[1]  # "Policy <version> is ..."
    expect(versions).to_have_count(before + 1)
    expect(page.locator("#wi-top-mode")).to_have_value("round_robin")
    _checked(page)
    page.select_option("#wi-top-mode", "proximity")
    _checked(page)
    page.click("#wi-apply")
    expect(page.locator("#notice")).not_to_contain_text(round_robin)
    proximity = page.locator("#notice").inner_text().split()[1]
    expect(versions).to_have_count(before + 2)
    page.click(f'[data-revert="{round_robin}"]')  # back to an earlier version
    expect(page.locator("#notice")).to_contain_text(f"Policy {round_robin} is in force")
    expect(page.locator("#wi-top-mode")).to_have_value("round_robin")
    expect(versions.filter(has_text="in force")).to_contain_text(round_robin)
    page.click(f'[data-revert="{proximity}"]')  # and forward again, for the other tests
    expect(page.locator("#notice")).to_contain_text(f"Policy {proximity} is in force")
    expect(page.locator("#wi-top-mode")).to_have_value("proximity")
    assert _hosts(requested) == {"127.0.0.1"}
    page.context.close()


def test_network_explorer_expands_pages_and_highlights_paths(browser: Browser, site: Site) -> None:
    page, requested = signed_in(browser, site)
    page.click("nav >> text=Network")
    rep_name = page.locator("#net-rep option").first.inner_text()
    page.click("#net-rep-go")
    expect(page.locator("#net-selected")).to_have_text(rep_name)
    expect(page.locator("#net-count")).to_contain_text("nodes")
    ties = page.locator("#net-ties li")
    expect(ties.first).to_be_visible()
    expect(page.locator("#net-ties")).to_contain_text("knows (")  # each tie's sources ...
    expect(page.locator("#net-ties")).to_contain_text("since")  # ... and dates
    first_page = ties.count()
    assert 0 < first_page <= 26  # one server page at a time
    expect(page.locator("#net-expand")).to_contain_text("more")  # "+N more" for the rest
    page.click("#net-expand")
    expect(ties).not_to_have_count(first_page)
    page.click("#net-from")
    ties.nth(3).locator("button").click()  # a neighbour, from the panel (the keyboard's way)
    neighbour = page.locator("#net-selected").inner_text()
    assert neighbour != rep_name
    expect(page.locator("#net-expand")).to_contain_text("Expand neighbours")
    # the canvas itself: the selected node is centred; a tap on it expands it
    box = page.locator("#net-canvas").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#net-detail")).not_to_contain_text("Expand neighbours")
    expect(page.locator("#net-selected")).to_have_text(neighbour)
    page.locator("#net-ties li button").last.click()  # two hops from the rep
    page.click("#net-to")
    page.click("#net-paths")
    expect(page.locator("#net-found")).to_contain_text("shortest path")
    expect(page.locator("#net-found li").first).to_contain_text(rep_name)
    shot(page, "network")
    assert _hosts(requested) == {"127.0.0.1"}
    page.context.close()


def test_audit_log_search_pages_and_csv(browser: Browser, site: Site) -> None:
    page, requested = signed_in(browser, site)
    page.click("nav >> text=Audit")
    rows = page.locator("#audit tbody tr")
    expect(rows.first).to_be_visible()
    expect(page.locator("#au-count")).to_contain_text("events match")
    page.fill("#au-kind", "claimed")
    page.press("#au-kind", "Enter")  # the keyboard submits the search
    expect(page.locator("#au-count")).to_contain_text("kind claimed")
    kinds = page.locator("#audit tbody tr td:nth-child(2)").all_inner_texts()
    assert kinds and set(kinds) == {"claimed"}, kinds
    page.fill("#au-kind", "")
    page.select_option("#au-size", "10")
    page.click("#au-form button[type=submit]")
    expect(page.locator("#au-count")).not_to_contain_text("kind claimed")
    expect(page.locator("#au-next")).to_be_enabled()
    first = rows.first.inner_text()
    page.click("#au-next")
    expect(page.locator("#au-count")).to_contain_text("11 to")
    assert rows.first.inner_text() != first
    page.click("#au-prev")
    expect(page.locator("#au-count")).to_contain_text(" 1 to")
    page.fill("#au-kind", "claimed")
    page.press("#au-kind", "Enter")
    expect(page.locator("#au-count")).to_contain_text("kind claimed")
    with page.expect_download() as download:
        page.click("#au-csv")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line]
    assert "kind" in lines[0] and len(lines) > 1
    assert all(",claimed," in line for line in lines[1:]), lines[:3]
    shot(page, "audit")
    assert _hosts(requested) == {"127.0.0.1"}
    page.context.close()


def test_every_new_view_at_390px_with_labels(browser: Browser, site: Site) -> None:
    page, _ = signed_in(browser, site, width=390, height=800)
    for section, title, ready in [
        ("leads", "Leads", "#filters"), ("agenda", "Agenda", "#agenda-days"),
        ("imports", "Imports", "#im-form"), ("team", "Team", "#quotas"),
        ("whatif", "What-if", "#wi-form"), ("network", "Network", "#net-find"),
        ("audit", "Audit log", "#au-form"),
    ]:  # fmt: skip
        page.goto(site.url + f"#/{section}")
        expect(page.locator("#view h2")).to_have_text(title)
        expect(page.locator(ready)).to_be_visible(timeout=30_000)
        if section == "whatif":  # its widest content, the replay's tables, comes later
            expect(page.locator("#wi-compare")).to_be_visible(timeout=60_000)
        no_sideways_scroll(page)
        unlabelled = page.evaluate(
            """[...document.querySelectorAll('#view input, #view select, #view textarea')]
              .filter((e) => e.type !== 'hidden' && !e.labels.length && !e.getAttribute('aria-label'))
              .map((e) => e.id || e.outerHTML)"""
        )
        assert unlabelled == [], (section, unlabelled)
    page.goto(site.url + "#/imports")
    page.focus("#im-kind")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "im-rep"
    page.context.close()


def test_the_new_views_on_neo4j(browser: Browser, neo4j_site: Site, tmp_path: Path) -> None:
    """The production backend: an upload with its progress bar, a what-if that changes owners,
    the explorer's first page and a path, and an audit search."""
    site = neo4j_site
    page, requested = signed_in(browser, site)
    page.click("nav >> text=Imports")
    page.fill("#im-rep", site.rep_email)
    page.set_input_files("#im-file", str(_connections_file(tmp_path, 500, bad_line=3)))
    page.click("#im-go")
    _import_finished(page)
    expect(page.locator("#im-invalid li")).to_have_count(1)
    page.click("nav >> text=What-if")
    _checked(page)
    page.select_option("#wi-top-mode", "round_robin")
    expect(page.locator("#wi-changes tbody tr").first).to_be_visible(timeout=60_000)
    page.click("nav >> text=Network")
    rep_name = page.locator("#net-rep option").first.inner_text()
    page.click("#net-rep-go")
    expect(page.locator("#net-selected")).to_have_text(rep_name)
    page.click("#net-from")
    page.locator("#net-ties li button").first.click()
    page.click("#net-to")
    page.click("#net-paths")
    expect(page.locator("#net-found li").first).to_contain_text(rep_name)
    page.click("nav >> text=Audit")
    page.fill("#au-kind", "claimed")
    page.press("#au-kind", "Enter")
    expect(page.locator("#au-count")).to_contain_text("kind claimed")
    assert set(page.locator("#audit tbody tr td:nth-child(2)").all_inner_texts()) == {"claimed"}
    assert _hosts(requested) == {"127.0.0.1"}
    page.context.close()
