"""One client on the demo server: what each page of the manager page costs the server.

``python -m benchmarks.pages`` (``make pages``) loads the demo organisation with ``warmpath
demo`` (the one ``make run`` serves) into an empty graph (``BENCH_BACKEND=ladybug|neo4j``, as
for ``make bench``), starts ``warmpath serve`` on it, waits until the open leads' reach is read
(``rankings_warm`` in /readyz), then one client, signed in with the demo's admin token, asks
each GraphQL document the manager page sends when a view opens (api/web/app.js and
api/web/views/*.js), ``PAGES_REPEAT`` times each (default 50; the lead page goes round the
first leads of the queue). Per document it prints the server's work (the ``Server-Timing``
header, ``app;dur=``) and the client's wall time, p50 and p95, and the server p50 as a ratio to
the trivial ``{ me { id } }``'s (the baseline, asked first and again last). An answer slower
than ``PAGES_TIMEOUT`` seconds (default 300) fails the run.

Every answer is checked: HTTP 200, no ``errors``, no ``Problem`` and the expected data present;
any failure makes the run exit 1. ``PAGES_JSON=path`` writes ``{"backend", "repeat",
"queries": {name: {"server_p50_ms", "server_p95_ms", "wall_p50_ms", "wall_p95_ms",
"server_p50_to_trivial"}}}``.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.backend import BenchGraph, backend_from_env, bench_graph
from benchmarks.bytecode import compile_warmpath
from benchmarks.load import WARM_UP_TIMEOUT, _free_port, _percentile
from graph.errors import ConfigError

TRIVIAL = "{ me { id } }"
ME = "{ me { id name role team repId } }"
STATUSES = ("new", "offered", "claimed", "contacted", "nurture", "won", "lost", "returned")
_COUNTS = " ".join(
    f'{s}: leads(filter: {{status: "{s}"}}, first: 1) {{ totalCount }}' for s in STATUSES
)
LEADS = (
    "query($filter: LeadFilter) { "
    + _COUNTS
    + """
    page: leads(filter: $filter, first: 100) { totalCount nodes { id title status grade overdue
      contactDueAt company { name } owner { id name } } } }"""
)
LEAD = """query($id: ID!) {
  lead(id: $id) { __typename ... on Problem { code message } ... on Lead {
    id title status grade value product overdue contactDueAt claimedAt
    company { id name industry region } owner { id name }
    committee { role person { id name title } }
    influence { __typename ... on Problem { code message } ... on Influence { score customers
      openBuyers customerPoints openPoints } }
    connections(first: 10) { __typename ... on Problem { code message } ... on Connections {
      totalCount nodes { kind hops memberRole buyerRole member { id name } buyer { id name }
        path { id name } lead { id title status companyName } ownerRep { id name } } } }
    rankedReps(limit: 15) { __typename ... on Problem { code message } ... on Ranking {
      policyVersion mode eligible
      ranked { position score rep { id name } note signals { name value contribution } }
      excluded { rep { id name } rule reason } } } } }
  events(leadId: $id, first: 200) { nodes { at kind actor repId reason } } }"""
RANKED = """query($id: ID!) { rankedReps(leadId: $id, limit: 15) {
  __typename ... on Problem { code message } ... on Ranking { ranked { rep { id }
    evidence { knownAtCompanyCount knownAtCompany { name title }
      shared { member { name } employers schools }
      committee { role hops mutualCount member { id name title } paths { id name title }
        mutuals { name } colleagues { name } } } } } } }"""
PROGRESS = "attainment met milestone goals { name count goal met streak }"
LEADERBOARD = """{ leaderboard(period: MONTH, first: 50) { rep { name team } networkSize warmReach
  claims slaBreaches slaCompliance won cadenceCompliance quotaAttainment } }"""
FAIRNESS = """{ fairness(days: 30) { leads assigned gini maxPerRep warmOwnerRate oneHopOwnerRate
  scoreKept maxShareOverMean capacityViolations hotToPenaltyBoxed
  perRep(first: 30) { rep { name } leads } } }"""
QUOTAS = (
    "{ quotas(first: 25) { __typename ... on Problem { code message } ... on Quotas { period"
    f" startsAt endsAt repCount reps {{ rep {{ id name team }} progress {{ {PROGRESS} }} }}"
    f" teams {{ team reps progress {{ {PROGRESS} }} }} }} }} }}"
)
TEAM = "{ " + LEADERBOARD[1:-1] + FAIRNESS[1:-1] + QUOTAS[1:-1] + " }"
AGENDA = """query($days: Int!) { agenda(days: $days) { __typename ... on Problem { code message }
  ... on Agenda { overdue until items { kind touchNumber dueAt overdue rep { id name }
    lead { id title status grade company { name } } cadence { touchesDone touchesPlanned
      touchesLeft } } } } }"""
POLICY = """{ policy { version mode offerTopN slaHoursHot slaHoursWarm slaHoursCold
  minTenureDaysForHot penaltyBreaches penaltyWindowDays penaltyDays weights { name weight }
  maxShareOverMean fairnessWindowDays cadences { grade touches days } nurtureMaxDays } }"""
VERSIONS = "query { policyVersions(first: 20) { version appliedAt appliedBy source inForce toml } }"
REPS = "{ reps { id name } }"
NODE = "id kind name title degree"
NEIGHBOURS = (
    "query($kind: NodeKind!, $id: ID!, $first: Int!, $after: String) {"
    " neighbours(kind: $kind, id: $id, first: $first, after: $after) {"
    " __typename ... on Problem { code message } ... on NeighbourPage {"
    f" node {{ {NODE} }} nodes {{ {NODE} }} ties {{ from to kind sources since until }}"
    " totalCount endCursor hasNextPage } } }"
)
AUDIT = """query($filter: AuditFilter, $first: Int!, $after: String) {
  auditLog(filter: $filter, first: $first, after: $after) {
    __typename ... on Problem { code message } ... on EventConnection { totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id at kind leadId repId actor reason detail } } } }"""
TOKEN_LINE = re.compile(r"demo admin token \(sign in with it\): (\S+)")


@dataclass(frozen=True)
class Page:
    """One document a view sends on open; ``variables(i)`` for the i-th ask; ``answer`` the
    top-level fields that must be present (a union's must not be a Problem)."""

    name: str
    view: str
    query: str
    answer: tuple[str, ...]
    variables: Callable[[int], dict[str, Any]] = lambda _: {}
    empty_ok: bool = False
    """Whether an empty list is a proper answer (no policy version applied in the demo)."""


@dataclass
class Timings:
    server: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)


def pages(lead_ids: list[str], rep_id: str) -> list[Page]:
    """Every document the manager page sends when its views open, in the order of the nav."""

    def lead(i: int) -> dict[str, Any]:
        return {"id": lead_ids[i % len(lead_ids)]}

    return [
        Page("me { id }", "(baseline)", TRIVIAL, ("me",)),
        Page("me (sign-in)", "start", ME, ("me",)),
        Page("leads page", "leads", LEADS, ("page", *STATUSES), lambda _: {"filter": {}}),
        Page("lead page", "lead", LEAD, ("lead", "events"), lead),
        Page("rankedReps", "lead, Paths", RANKED, ("rankedReps",), lead),
        Page("team page", "team", TEAM, ("leaderboard", "fairness", "quotas")),
        Page("leaderboard", "team (part)", LEADERBOARD, ("leaderboard",)),
        Page("fairness(days: 30)", "team (part)", FAIRNESS, ("fairness",)),
        Page("quotas", "team (part)", QUOTAS, ("quotas",)),
        Page("agenda", "agenda", AGENDA, ("agenda",), lambda _: {"days": 7}),
        Page("policy", "what-if", POLICY, ("policy",)),
        Page("policyVersions", "what-if", VERSIONS, ("policyVersions",), empty_ok=True),
        Page("reps", "pickers, once", REPS, ("reps",)),
        Page(
            "neighbours",
            "network",
            NEIGHBOURS,
            ("neighbours",),
            lambda _: {"kind": "REP", "id": rep_id, "first": 25, "after": None},
        ),
        Page(
            "auditLog",
            "audit",
            AUDIT,
            ("auditLog",),
            lambda _: {"filter": {}, "first": 50, "after": None},
        ),
    ]


def _problem(page: Page, response: httpx.Response) -> str | None:
    """Why an answer is wrong, or None when it is a proper answer."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    body = response.json()
    if body.get("errors"):
        return json.dumps(body["errors"])[:300]
    data = body.get("data") or {}
    for key in page.answer:
        value = data.get(key)
        if value is None or (value == [] and not page.empty_ok):
            return f"{key} is empty: {json.dumps(data)[:200]}"
        if isinstance(value, dict) and value.get("__typename") == "Problem":
            return f"{key}: {value}"
    if "server-timing" not in response.headers:
        return "no Server-Timing header"
    return None


def _server_ms(response: httpx.Response) -> float:
    timing = response.headers["server-timing"]
    return float(timing.split("dur=", 1)[1].split(",", 1)[0])


def ask(http: httpx.Client, token: str, page: Page, i: int) -> tuple[float, float]:
    """(server ms, wall ms) of one ask; RuntimeError when the answer is wrong."""
    started = time.perf_counter()
    try:
        response = http.post(
            "/graphql",
            json={"query": page.query, "variables": page.variables(i)},
            headers={"Authorization": f"Bearer {token}"},
        )
    except httpx.HTTPError as exc:  # a timeout (PAGES_TIMEOUT) or a refused connection
        raise RuntimeError(f"{page.name}: {exc!r}") from None
    wall = (time.perf_counter() - started) * 1000
    problem = _problem(page, response)
    if problem:
        raise RuntimeError(f"{page.name}: {problem}")
    return _server_ms(response), wall


def measure(url: str, token: str, repeat: int) -> dict[str, Timings]:
    """Each page ``repeat`` times (after one unmeasured ask), the baseline again at the end."""
    timeout = float(os.environ.get("PAGES_TIMEOUT", "300"))
    with httpx.Client(base_url=url, timeout=timeout) as http:
        queue = http.post(
            "/graphql",
            json={"query": LEADS, "variables": {"filter": {}}},
            headers={"Authorization": f"Bearer {token}"},
        ).json()["data"]["page"]["nodes"]
        lead_ids = [n["id"] for n in queue if n["status"] in ("offered", "claimed", "contacted")]
        lead_ids = lead_ids or [n["id"] for n in queue]
        reps = http.post(
            "/graphql", json={"query": REPS}, headers={"Authorization": f"Bearer {token}"}
        ).json()["data"]["reps"]
        found: dict[str, Timings] = {}
        every = pages(lead_ids[:repeat], reps[0]["id"])
        for page in [*every, every[0]]:
            timings = found.setdefault(page.name, Timings())
            ask(http, token, page, repeat)  # not counted: the first ask of a document
            for i in range(repeat):
                server, wall = ask(http, token, page, i)
                timings.server.append(server)
                timings.wall.append(wall)
    return found


def report(backend: str, repeat: int, found: dict[str, Timings]) -> dict[str, Any]:
    trivial = statistics.median(found[TRIVIAL_NAME].server)
    print(
        f"{'query':<20} {'view':<14} {'server p50':>10} {'p95':>8} {'wall p50':>9} {'p95':>8}"
        f" {'x trivial':>9}"
    )
    queries: dict[str, Any] = {}
    for name, t in found.items():
        figures = {
            "server_p50_ms": round(_percentile(t.server, 0.5), 2),
            "server_p95_ms": round(_percentile(t.server, 0.95), 2),
            "wall_p50_ms": round(_percentile(t.wall, 0.5), 2),
            "wall_p95_ms": round(_percentile(t.wall, 0.95), 2),
            "server_p50_to_trivial": round(_percentile(t.server, 0.5) / trivial, 1),
        }
        queries[name] = figures
        print(
            f"{name:<20} {VIEWS.get(name, ''):<14} {figures['server_p50_ms']:>8.2f}ms"
            f" {figures['server_p95_ms']:>6.2f}ms {figures['wall_p50_ms']:>7.2f}ms"
            f" {figures['wall_p95_ms']:>6.2f}ms {figures['server_p50_to_trivial']:>8.1f}x",
            flush=True,
        )
    return {"backend": backend, "repeat": repeat, "queries": queries}


TRIVIAL_NAME = "me { id }"
VIEWS = {p.name: p.view for p in pages(["-"], "-")}


def prepare(graph: BenchGraph) -> str:
    """Load the demo organisation the way ``make run`` does; the demo's admin token."""
    env = {**os.environ, **graph.env()}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "cli", "demo"], env=env, capture_output=True, text=True, check=False
    )
    found = TOKEN_LINE.search(done.stdout)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"warmpath demo failed: {done.stdout[-500:]} {done.stderr[-500:]}")
    print(f"demo organisation loaded in {time.perf_counter() - started:.1f}s", flush=True)
    return found.group(1)


def wait_warm(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    """Until /readyz says ready with the open leads' reach read; RuntimeError, with the end of
    the server's log, when the server exits first or takes longer than WARM_UP_TIMEOUT."""
    deadline = time.monotonic() + WARM_UP_TIMEOUT
    while time.monotonic() < deadline and server.poll() is None:
        try:
            response = httpx.get(url + "/readyz", timeout=5)
            warm = response.json().get("rankings_warm") or {}
            if response.status_code == 200 and warm and warm.get("done") == warm.get("of"):
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.3)
    tail = " | ".join(log.read_text(errors="replace").strip().splitlines()[-5:])
    raise RuntimeError(f"the server did not get ready: {tail}")


def serve_and_measure(graph: BenchGraph, scratch: Path, repeat: int) -> dict[str, Any]:
    token = prepare(graph)
    port = _free_port()
    env = {**os.environ, **graph.env(), "WARMPATH_SLA_SWEEP_SECONDS": "0"}
    log = scratch / "serve.log"
    with log.open("wb") as server_log:
        server = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=server_log,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_warm(url, server, log)
        return report(graph.backend, repeat, measure(url, token, repeat))
    finally:
        server.terminate()
        server.wait(timeout=60)


def main() -> int:
    try:
        backend = backend_from_env()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    compile_warmpath()  # as installed: no module compiled while timed
    repeat = int(os.environ.get("PAGES_REPEAT", "50"))
    print(f"backend {backend}, demo organisation, one client, {repeat} asks each", flush=True)
    with tempfile.TemporaryDirectory(prefix="warmpath-pages-") as scratch:
        try:
            with bench_graph(backend, "demo", Path(scratch) / "pages.lbdb") as graph:
                print(f"graph: {graph.describe()}", flush=True)
                summary = serve_and_measure(graph, Path(scratch), repeat)
        except ConfigError as exc:
            print(exc, file=sys.stderr)
            return 2
        except RuntimeError as exc:
            print(f"failed: {exc}", file=sys.stderr)
            return 1
    target = os.environ.get("PAGES_JSON")
    if target:
        Path(target).write_text(json.dumps(summary, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
