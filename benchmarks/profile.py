"""Profile the API's hot path: ``python -m benchmarks.profile`` (there is no make target).

Builds the benchmark organisation (``BENCH_SCALE``, default small; ``BENCH_BACKEND`` as for
``make bench``), offers every lead as ``make load`` does, then drives the app in this process
(ASGI, no network) with the same requests as ``make load``: ``PROFILE_REQUESTS`` (default 200)
of each of ``{ me { id } }``, ``rankedReps`` with evidence and ``claimLead``, interleaved,
under pyinstrument, with the app's worker-thread calls run inline so that the profile sees
them. Prints each operation's mean time, the named queries the app ran per 100 requests (what
went to the graph rather than to what the process keeps), and the profile's top lines (the
frames that cost most of the time, ``PROFILE_LINES``, default 40).
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
from pyinstrument import Profiler

from api.app import ApiSettings, create_app
from benchmarks.backend import BenchGraph, backend_from_env, bench_graph
from benchmarks.load import CLAIM, RANKED, prepare
from demo.organisation import SCALES
from graph.errors import ConfigError
from graph.store import GraphStore
from routing.policy import load_policy

T = TypeVar("T")
TRIVIAL = "{ me { id } }"


async def _inline(function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """``asyncio.to_thread`` for the profile: the app's blocking calls run in the loop's
    thread, where pyinstrument (which samples one thread) sees them."""
    return function(*args, **kwargs)


async def _ask(
    client: httpx.AsyncClient, query: str, token: str, variables: dict[str, Any]
) -> float:
    started = time.perf_counter()
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    elapsed = (time.perf_counter() - started) * 1000
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"{response.status_code}: {str(body)[:300]}")
    return elapsed


def profile(graph: BenchGraph, scale: str) -> None:
    admin, leads, tokens, owners = prepare(graph, scale)
    asyncio.run(_profile(graph, admin, leads, tokens, owners))


async def _profile(
    graph: BenchGraph,
    admin: str,
    leads: list[str],
    tokens: dict[str, str],
    owners: dict[str, str],
) -> None:
    """The app runs in this event loop (its lifespan too), so the profile sees its frames."""
    requests = int(os.environ.get("PROFILE_REQUESTS", "200"))
    fresh = list(owners.items())
    random.Random(1).shuffle(fresh)
    rng = random.Random(2)
    asyncio.to_thread = _inline
    opened: list[GraphStore] = []

    def open_store() -> GraphStore:
        opened.append(graph.open())
        return opened[-1]

    app = create_app(open_store, policy=load_policy(), settings=ApiSettings(sweep_seconds=0))
    queries: Counter[str] = Counter()
    times: dict[str, list[float]] = {"me": [], "rankedReps": [], "claimLead": []}
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://profile") as client,
    ):
        for lead_id in leads[:3]:  # the start-up warm-up ran inline in the lifespan
            await _ask(client, RANKED, admin, {"id": lead_id})
        print(f"ready: {(await client.get('/readyz')).json()}", flush=True)
        for store in opened:  # the app's own observer (its metrics) sees them too
            observed = store.query_observer

            def counted(name: str, seconds: float, observed: Any = observed) -> None:
                queries[name] += 1
                if observed is not None:
                    observed(name, seconds)

            store.query_observer = counted
        profiler = Profiler(interval=0.0005, async_mode="enabled")
        profiler.start()
        for _ in range(requests):
            times["me"].append(await _ask(client, TRIVIAL, admin, {}))
            lead = rng.choice(leads)
            times["rankedReps"].append(await _ask(client, RANKED, admin, {"id": lead}))
            if fresh:
                lead_id, rep_id = fresh.pop()
                claim = await _ask(client, CLAIM, tokens[rep_id], {"id": lead_id})
                times["claimLead"].append(claim)
        profiler.stop()
    for name, values in times.items():
        if values:
            print(f"{name:<11} {len(values):>5} requests, mean {sum(values) / len(values):8.2f} ms")
    asked = sum(len(values) for values in times.values())
    print(f"queries run per 100 requests ({asked:,} requests of the three kinds):")
    for name, count in queries.most_common(15):
        print(f"  {name:<32} {100 * count / max(asked, 1):7.1f}")
    lines = int(os.environ.get("PROFILE_LINES", "40"))
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    print("\n".join(text.splitlines()[:lines]))


def main() -> int:
    scale = os.environ.get("BENCH_SCALE", "small")
    if scale not in SCALES:
        print(f"BENCH_SCALE={scale!r} is not one of {', '.join(SCALES)}", file=sys.stderr)
        return 2
    try:
        backend = backend_from_env()
        print(f"backend {backend}, scale {scale}", flush=True)
        with (
            tempfile.TemporaryDirectory(prefix="warmpath-profile-") as scratch,
            bench_graph(backend, scale, Path(scratch) / "profile.lbdb") as graph,
        ):
            profile(graph, scale)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
