"""Load test of the GraphQL API over real HTTP against uvicorn on 127.0.0.1.

``python -m benchmarks.load`` builds the benchmark organisation (``BENCH_SCALE``, default full)
in an empty graph (``BENCH_BACKEND=ladybug|neo4j``, default ladybug: a scratch LadybugDB file;
neo4j: a server as described in :mod:`benchmarks.backend`), offers every lead to its best rep
(one batch), creates a token per rep, starts ``warmpath serve`` on that graph in a subprocess
and then runs ``LOAD_CLIENTS`` (default 20) concurrent clients for ``LOAD_SECONDS`` (default
60), bounded by ``LOAD_MAX_REQUESTS`` (default 100,000). Half the clients ask ``rankedReps`` for
random leads (as an admin), half claim fresh offered leads as the rep they were offered to;
when its offered leads are all claimed (the small organisation's 2,000, half of them the
warm-up's, last 10-20 s) the load stops there, so that what it measures stays that mix
(``offered_leads_ran_out``). It prints throughput and p50/p95 per operation and counts errors
(HTTP errors, GraphQL errors, or a claim that did not win); exit 1 when there was any.

Before the load, the same clients ask a trivial authenticated query (``{ me { id } }``) for
``LOAD_FLOOR_SECONDS`` (default 15): the floor, what the web stack itself costs on this
machine in this run; the load's figures are also printed as ratios to it.

Between the floor and the load they run the load's mix, not timed, for
``LOAD_WARMUP_SECONDS`` (default 30; 0: none) on half the offered leads, set aside for it (it
ends sooner when they are all claimed): the warm-up. A freshly started Neo4j compiles the code
its claims and reads run to machine code while they first run (its JIT): in the first half
minute of the load of a cold server its compiler threads used 0.18-0.26 core (of the 0.4-0.6
the JVM used), 0.04 after the warm-up; a server that has run for a while has done that. The
floor comes first, on a server with nothing to compile, as before. The warm-up's rankings ask
only the next 20 of its leads to be claimed (WARMUP_NEXT; each claim then drops the lead's
ranking), so the load finds at most 20 rankings it asked (of leads it ranked and had not
claimed when it ended). Its figures are printed and written too (``warm_up``, when it ran);
its errors count with the others (``errors``, the exit code).

The server is
``warmpath serve`` with ``LOAD_WORKERS`` worker processes (default: 2 on Neo4j, one per core of
these machines; 1 on LadybugDB, whose database one process opens). The clock starts once the
server has read the open leads' reach (``rankings_warm`` in /readyz). ``LOAD_JSON=path`` writes
``{"backend", "scale", "workers", "server_rss_mb", "requests_per_s", "errors", "seconds",
"offered_leads_ran_out",
"floor": {"requests_per_s", "p50_ms", "p95_ms"},
"operations": {"rankedReps": {"p50_ms", "p95_ms", "requests"}, "claimLead": {...}},
"ratios": {...}, "warm_up": {"seconds", "claims", "requests_per_s", "operations", "ratios"},
"claims_run": {"event_loop", "worker_thread"}, "intervals"}`` (where the claims were
checked: the server's ``warmpath_claims_run_total``; with several workers, the one that
answered; ``intervals``: the load's requests per second over each PROGRESS_SECONDS, as printed
while it runs; the warm-up's are printed only).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from api.auth import add_user
from benchmarks.backend import BenchGraph, backend_from_env, bench_graph
from benchmarks.bytecode import compile_warmpath
from demo.organisation import SCALES, generate_org
from graph.errors import ConfigError
from routing.assignment import ROUTABLE_STATUSES, offer_assignments, route_batch
from routing.policy import load_policy

RANKED = """query($id: ID!) { rankedReps(leadId: $id, limit: 10) {
  __typename ... on Ranking { ranked { position score rep { id }
    evidence { committee { hops paths { id name } } } } }
  ... on Problem { code message } } }"""
CLAIM = """mutation($id: ID!) { claimLead(leadId: $id) {
  __typename ... on Claimed { lead { contactDueAt } } ... on Problem { code message } } }"""
TRIVIAL = "{ me { id } }"
WARM_UP_TIMEOUT = 1800.0
WARMUP_SEED = 7919
"""Added to each client's seed in the warm-up: its sequence of leads is not the load's."""
WARMUP_NEXT = 20
"""The warm-up ranks one of its next leads to be claimed (claims take them from the end)."""
PROGRESS_SECONDS = 10.0
"""The warm-up and the load print their throughput over each such interval as they run (and
the load's go to the JSON: ``intervals``): whether it holds or falls as the load goes on."""


MIX = ("rankedReps", "claimLead")


@dataclass
class Tally:
    times: dict[str, list[float]] = field(
        default_factory=lambda: {"rankedReps": [], "claimLead": [], "me": []}
    )
    errors: list[str] = field(default_factory=list)
    requests: int = 0
    ran_out: bool = False
    """Whether a claiming client found no offered lead left (the load then stops: past that
    point it would be rankings only, not the half-and-half mix it measures)."""
    intervals: list[float] = field(default_factory=list)
    """Requests answered per second over each interval of about PROGRESS_SECONDS of the phase
    (the last, shorter one too, unless under a twentieth of it)."""
    spans: list[tuple[float, float]] = field(default_factory=list)
    """When each interval began and ended, in seconds from the phase's start."""
    counted: int = 0
    """Requests answered by the end of the last interval."""

    def answered(self) -> int:
        """Requests of the mix answered so far."""
        return sum(len(self.times[name]) for name in MIX)

    def closed(self) -> float:
        """When the last interval ended, in seconds from the phase's start (0: none yet)."""
        return self.spans[-1][1] if self.spans else 0.0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def prepare(graph: BenchGraph, scale: str) -> tuple[str, list[str], dict[str, str], dict[str, str]]:
    """(admin token, lead ids, rep token by rep id, owner rep by offered lead id)."""
    store = graph.open()
    try:
        started = time.perf_counter()
        store.bulk_load(generate_org(SCALES[scale]))
        print(f"organisation loaded in {time.perf_counter() - started:.1f}s", flush=True)
        now = datetime.now(UTC)
        policy = load_policy()
        leads = store.leads_with_status(ROUTABLE_STATUSES)
        started = time.perf_counter()
        result = route_batch(store, leads, policy=policy, now=now)
        offered = offer_assignments(store, result, now=now, actor="load")
        print(f"{len(offered):,} leads offered in {time.perf_counter() - started:.1f}s", flush=True)
        owners = {a.lead_id: a.rep_id for a in result.assignments if a.rep_id}
        _, admin = add_user(store, role="admin", name="load", now=now)
        tokens = {}
        for rep_id in sorted(set(owners.values())):
            _, tokens[rep_id] = add_user(store, role="rep", name=rep_id, now=now, rep_key=rep_id)
        return admin, [lead.id for lead in leads], tokens, {i: owners[i] for i in offered}
    finally:
        store.close()


async def client(
    number: int,
    http: httpx.AsyncClient,
    tally: Tally,
    deadline: float,
    limit: int,
    admin: str,
    leads: list[str],
    tokens: dict[str, str],
    fresh: list[tuple[str, str]],
    floor: bool = False,
    warming: bool = False,
) -> None:
    """One client: the floor's trivial query, or (an odd ``number``) claims of ``fresh``, or
    rankings of random leads; ``warming``, rankings of the next WARMUP_NEXT leads of
    ``fresh`` to be claimed (the claim then drops the ranking kept), in a sequence of their
    own."""
    rng = random.Random(number + (WARMUP_SEED if warming else 0))
    claiming = number % 2 == 1
    while time.monotonic() < deadline and tally.requests < limit and not tally.ran_out:
        if not floor and (claiming or warming) and not fresh:  # nothing left to claim or warm
            tally.ran_out = True
            return
        if floor:
            lead_id, name, query, token = "", "me", TRIVIAL, admin
        elif claiming:
            lead_id, rep_id = fresh.pop()
            name, query, token = "claimLead", CLAIM, tokens[rep_id]
        else:
            lead_id = rng.choice(fresh[-WARMUP_NEXT:])[0] if warming else rng.choice(leads)
            name, query, token = "rankedReps", RANKED, admin
        tally.requests += 1
        started = time.perf_counter()
        try:
            response = await http.post(
                "/graphql",
                json={"query": query, "variables": {"id": lead_id} if lead_id else {}},
                headers={"Authorization": f"Bearer {token}"},
            )
        except httpx.HTTPError as exc:
            tally.errors.append(f"{name} {lead_id}: {exc!r}")
            continue
        tally.times[name].append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            tally.errors.append(f"{name} {lead_id}: HTTP {response.status_code}")
            continue
        body = response.json()
        result = (body.get("data") or {}).get(name) or {}
        if floor and not body.get("errors") and result.get("id"):
            continue
        if body.get("errors") or result.get("__typename") not in ("Ranking", "Claimed"):
            tally.errors.append(f"{name} {lead_id}: {json.dumps(body)[:200]}")


async def _phase(
    http: httpx.AsyncClient,
    clients: int,
    seconds: float,
    limit: int,
    admin: str,
    leads: list[str],
    tokens: dict[str, str],
    fresh: list[tuple[str, str]],
    *,
    floor: bool,
    warming: bool = False,
) -> tuple[Tally, float]:
    tally = Tally()
    deadline = time.monotonic() + seconds
    started = time.perf_counter()
    progress = None if floor else asyncio.create_task(_progress(tally, started, warming))
    try:
        await asyncio.gather(
            *(
                client(n, http, tally, deadline, limit, admin, leads, tokens, fresh, floor, warming)
                for n in range(clients)
            )
        )
    finally:
        if progress is not None:
            progress.cancel()
            with suppress(asyncio.CancelledError):
                await progress
    if progress is not None:
        _interval(tally, started, warming)  # the last one, cut short by the deadline
    return tally, time.perf_counter() - started


async def _progress(tally: Tally, started: float, warming: bool) -> None:
    """Print the phase's throughput about every PROGRESS_SECONDS while it runs."""
    while True:
        await asyncio.sleep(started + tally.closed() + PROGRESS_SECONDS - time.perf_counter())
        _interval(tally, started, warming)


def _interval(tally: Tally, started: float, warming: bool) -> None:
    """Close the interval since the last one (from when that one was closed: a late wake-up
    lengthens the interval rather than shift requests into the next): its throughput, kept
    and printed."""
    begun = tally.closed()
    now = time.perf_counter() - started
    if now - begun < PROGRESS_SECONDS / 20:
        return  # nothing worth a figure (the phase ended on an interval's end)
    answered = tally.answered()
    rate = (answered - tally.counted) / (now - begun)
    tally.counted = answered
    tally.intervals.append(round(rate, 1))
    tally.spans.append((begun, now))
    phase = "warm-up" if warming else "load"
    print(f"  {phase} {begun:.0f}-{now:.0f}s: {rate:.1f} req/s", flush=True)


def _figures(times: list[float], elapsed: float) -> dict[str, float]:
    return {
        "requests": len(times),
        "requests_per_s": round(len(times) / elapsed, 2) if elapsed > 0 else 0.0,
        "p50_ms": round(_percentile(times, 0.5), 1),
        "p95_ms": round(_percentile(times, 0.95), 1),
    }


async def run_load(
    url: str, admin: str, leads: list[str], tokens: dict[str, str], owners: dict[str, str]
) -> tuple[Tally, dict[str, Any]]:
    """The floor, the warm-up, then the load; the figures as printed (and as LOAD_JSON writes
    them)."""
    clients = int(os.environ.get("LOAD_CLIENTS", "20"))
    seconds = float(os.environ.get("LOAD_SECONDS", "60"))
    floor_seconds = float(os.environ.get("LOAD_FLOOR_SECONDS", "15"))
    warmup_seconds = float(os.environ.get("LOAD_WARMUP_SECONDS", "30"))
    limit = int(os.environ.get("LOAD_MAX_REQUESTS", "100000"))
    fresh = list(owners.items())
    random.Random(1).shuffle(fresh)
    set_aside = len(fresh) // 2 if warmup_seconds > 0 else 0
    warm, fresh = fresh[:set_aside], fresh[set_aside:]
    measured = len(fresh)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
        # not counted: the first questions of each worker (the long timeout covers a worker
        # still reading the rep network)
        for lead_id in leads[:clients]:
            await http.post(
                "/graphql",
                json={"query": RANKED, "variables": {"id": lead_id}},
                headers={"Authorization": f"Bearer {admin}"},
                timeout=WARM_UP_TIMEOUT,
            )
        floor, floor_elapsed = await _phase(
            http, clients, floor_seconds, limit, admin, leads, tokens, fresh, floor=True
        )
        warmed, warm_elapsed = (
            await _phase(
                http,
                clients,
                warmup_seconds,
                limit,
                admin,
                leads,
                tokens,
                warm,
                floor=False,
                warming=True,
            )
            if set_aside
            else (Tally(), 0.0)
        )
        tally, elapsed = await _phase(
            http, clients, seconds, limit, admin, leads, tokens, fresh, floor=False
        )
        claims_run = _claims_run((await http.get("/metrics")).text)
    floor_figures = _figures(floor.times["me"], floor_elapsed)
    load = _mix(tally, elapsed, floor_figures)
    summary: dict[str, Any] = {
        "clients": clients,
        "seconds": load["seconds"],
        "offered_leads_ran_out": tally.ran_out,
        "requests_per_s": load["requests_per_s"],
        "errors": len(tally.errors) + len(floor.errors) + len(warmed.errors),
        "floor": floor_figures,
        "operations": load["operations"],
        "ratios": load["ratios"],
        "intervals": tally.intervals,
    }
    floor_rate = floor_figures["requests_per_s"]
    print(
        f"floor: {clients} clients asking {TRIVIAL} for {floor_elapsed:.1f}s: "
        f"{floor_rate:.1f} req/s, p50 {floor_figures['p50_ms']:.1f} ms, "
        f"p95 {floor_figures['p95_ms']:.1f} ms, {len(floor.errors)} errors",
        flush=True,
    )
    if set_aside:
        claimed = len(warmed.times["claimLead"])
        summary["warm_up"] = {**_mix(warmed, warm_elapsed, floor_figures), "claims": claimed}
        print(
            f"warm-up (not timed; its errors count): {warm_elapsed:.1f}s, claims of "
            f"{claimed:,} of the {set_aside:,} offered leads set aside for it (half) and "
            f"rankings of them: {summary['warm_up']['requests_per_s']:.1f} req/s "
            f"({summary['warm_up']['ratios']['throughput_to_floor']}x the floor), "
            f"{len(warmed.errors)} errors",
            flush=True,
        )
        _print_mix(summary["warm_up"])
    print(
        f"load: {clients} clients, {elapsed:.1f}s, "
        f"{tally.answered():,} requests, "
        f"{summary['requests_per_s']:.1f} req/s "
        f"({summary['ratios']['throughput_to_floor']}x the floor), {len(tally.errors)} errors",
        flush=True,
    )
    if tally.ran_out:
        print(
            f"  the load's {measured:,} offered leads ({'the other half' if set_aside else 'all'})"
            f" were all claimed after {elapsed:.1f}s of the {seconds:.0f}s asked: the load "
            "stopped there (rankings alone are not the mix measured)",
            flush=True,
        )
    _print_mix(summary)
    summary["claims_run"] = claims_run
    print(
        "  claims checked on the event loop: {event_loop:,}, in worker threads: {worker_thread:,} "
        "(the /metrics of the worker that answered)".format(**claims_run),
        flush=True,
    )
    for line in (warmed.errors + floor.errors + tally.errors)[:10]:
        print("  error: " + line)
    tally.errors.extend(warmed.errors + floor.errors)
    return tally, summary


def _mix(tally: Tally, elapsed: float, floor: dict[str, float]) -> dict[str, Any]:
    """A phase of the mix: its throughput and each operation's figures, and their ratios to
    the floor's."""
    total = tally.answered()
    operations = {name: _figures(tally.times[name], elapsed) for name in MIX}
    rate, p95 = floor["requests_per_s"], floor["p95_ms"]
    requests_per_s = round(total / elapsed, 2) if elapsed > 0 else 0.0
    return {
        "seconds": round(elapsed, 1),
        "requests_per_s": requests_per_s,
        "operations": operations,
        "ratios": {
            "throughput_to_floor": round(requests_per_s / rate, 2) if rate else None,
            **{
                f"{name}_p95_to_floor_p95": round(figures["p95_ms"] / p95, 2) if p95 else None
                for name, figures in operations.items()
            },
        },
    }


def _print_mix(figures: dict[str, Any]) -> None:
    for name, each in figures["operations"].items():
        print(
            f"  {name:<11} {each['requests']:>6,} requests {each['requests_per_s']:7.1f}/s  "
            f"p50 {each['p50_ms']:8.1f} ms  p95 {each['p95_ms']:8.1f} ms  "
            f"(p95 {figures['ratios'][name + '_p95_to_floor_p95']}x the floor's)",
            flush=True,
        )


def _claims_run(exposition: str) -> dict[str, int]:
    """Where the server ran its claims, from its /metrics (``warmpath_claims_run_total``)."""
    found = {"event_loop": 0, "worker_thread": 0}
    for line in exposition.splitlines():
        for where in found:
            if line.startswith(f'warmpath_claims_run_total{{where="{where}"}} '):
                found[where] = int(float(line.rsplit(" ", 1)[1]))
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    scale = os.environ.get("BENCH_SCALE", "full")
    if scale not in SCALES:
        print(f"BENCH_SCALE={scale!r} is not one of {', '.join(SCALES)}", file=sys.stderr)
        return 2
    try:
        backend = backend_from_env()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    compile_warmpath()  # as installed: no module compiled while timed
    print(f"backend {backend}, scale {scale}", flush=True)
    with tempfile.TemporaryDirectory(prefix="warmpath-load-") as scratch:
        try:
            with bench_graph(backend, scale, Path(scratch) / "load.lbdb") as graph:
                print(f"graph: {graph.describe()}", flush=True)
                return _serve_and_load(graph, scale, Path(scratch))
        except ConfigError as exc:
            print(exc, file=sys.stderr)
            return 2


def _resident_mb(pid: int) -> float:
    """The resident memory of a process and its children (uvicorn's workers), in MB (Linux)."""
    total = 0.0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) / 1024
        pids.extend(int(c) for c in children)
    return round(total, 1)


def _wait_warm(url: str, log: Path, workers: int) -> bool:
    """Wait until every worker answers ready and has read the open leads' reach (each worker
    names itself in /readyz: ``rankings_warm.instance``; the port hands /readyz to any)."""
    timeout = float(os.environ.get("LOAD_WARM_UP_TIMEOUT", WARM_UP_TIMEOUT))
    deadline = time.monotonic() + timeout
    started = time.monotonic()
    warm_workers: set[str] = set()
    while time.monotonic() < deadline:
        try:
            response = httpx.get(url + "/readyz", timeout=5)
            warm = response.json().get("rankings_warm") or {}
            if response.status_code == 200 and warm and warm.get("done") == warm.get("of"):
                warm_workers.add(str(warm.get("instance")))
                if len(warm_workers) >= workers:
                    print(
                        f"server ready, reach of {warm.get('of'):,} open leads read by "
                        f"{workers} worker(s), {time.monotonic() - started:.0f}s",
                        flush=True,
                    )
                    return True
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.2)
    tail = log.read_text(errors="replace").strip().splitlines()[-5:]
    print(
        f"{len(warm_workers)} of {workers} worker(s) warm within {timeout:.0f} s "
        "(LOAD_WARM_UP_TIMEOUT): " + " | ".join(tail),
        file=sys.stderr,
    )
    return False


def _serve_and_load(graph: BenchGraph, scale: str, scratch: Path) -> int:
    """Prepare the graph, serve it with ``warmpath serve`` and run the clients against it."""
    admin, leads, tokens, owners = prepare(graph, scale)
    port = _free_port()
    env = {**os.environ, **graph.env(), "WARMPATH_SLA_SWEEP_SECONDS": "0"}
    default_workers = "1" if graph.backend == "ladybug" else "2"
    workers = int(os.environ.get("LOAD_WORKERS", default_workers))
    # the server's log goes to a file: a pipe nobody reads would block the server once full
    log = scratch / "serve.log"
    with log.open("wb") as server_log:
        server = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=server_log,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        if not _wait_warm(url, log, workers):
            return 1
        tally, summary = asyncio.run(run_load(url, admin, leads, tokens, owners))
        rss = _resident_mb(server.pid)
        print(f"server resident memory: {rss:,.0f} MB (all its processes)", flush=True)
        summary.update(backend=graph.backend, scale=scale, workers=workers, server_rss_mb=rss)
        target = os.environ.get("LOAD_JSON")
        if target:
            Path(target).write_text(json.dumps(summary, indent=2) + "\n")
    finally:
        server.terminate()
        server.wait(timeout=60)
    if tally.errors:  # what the server said about them (its log goes with the scratch dir)
        for line in _notable(log.read_text(errors="replace"))[-15:]:
            print("  server: " + line, flush=True)
    return 1 if tally.errors else 0


def _notable(log: str) -> list[str]:
    """The server log's lines above INFO, and uvicorn's word of a worker that died or was
    started (text or JSON lines: ``WARMPATH_LOG_FORMAT``)."""
    found = []
    for line in log.splitlines():
        level, message = _level_and_message(line)
        if level not in ("", "DEBUG", "INFO") or any(
            word in message for word in ("died", "Started server process")
        ):
            found.append(line)
    return found


def _level_and_message(line: str) -> tuple[str, str]:
    if line.startswith("{"):
        try:
            entry = json.loads(line)
        except ValueError:
            return "?", line
        if isinstance(entry, dict):
            return str(entry.get("level", "?")), str(entry.get("message", ""))
        return "?", line
    parts = line.split(" ", 2)
    return (parts[1], parts[2]) if len(parts) == 3 else ("", line)


if __name__ == "__main__":
    sys.exit(main())
