"""What ``make load`` measures besides its timings: where the claims ran, and that the load
stays half rankings, half claims (it stops when the offered leads are all claimed)."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest

from api.observability import Metrics
from benchmarks import load
from benchmarks.load import WARMUP_NEXT, Tally, _claims_run, _notable, _phase
from graph.settings import GraphSettings
from tests.api.apiworld import Api, build_world, running_api
from tests.routing.world import rid

LEADS = [f"L{n}" for n in range(1, 7)]


def test_the_load_reads_where_the_claims_ran_from_the_servers_metrics() -> None:
    """The exposition the server's /metrics serves (prometheus_client's own text)."""
    metrics = Metrics(sweep_seconds=0)
    assert _claims_run(metrics.exposition().decode()) == {"event_loop": 0, "worker_thread": 0}
    metrics.claims_run.labels("event_loop").inc(1234)
    metrics.claims_run.labels("worker_thread").inc(7)
    assert _claims_run(metrics.exposition().decode()) == {
        "event_loop": 1234,
        "worker_thread": 7,
    }


def test_a_load_with_errors_shows_what_the_server_logged_above_info() -> None:
    """The server's log is in the scratch directory, gone after the run: when the load saw
    errors it prints the lines that may explain them (warnings, errors, a worker that died
    and the one started instead), not the request lines."""
    log = "\n".join(
        [
            "2026-12-04T09:03:11.171Z INFO uvicorn.error [-] Started server process [22684]",
            '2026-12-04T09:03:12.000Z INFO uvicorn.access [-] 127.0.0.1 "POST /graphql" 200',
            "2026-12-04T09:03:13.000Z WARNING graph.store.runner [-] reading x failed: gone",
            "2026-12-04T09:03:14.000Z INFO uvicorn.error [-] Child process [22684] died",
            "2026-12-04T09:03:15.000Z ERROR api.graphql.errors [ab12] unexpected error",
        ]
    )
    assert [line.split(" ", 2)[1] for line in _notable(log)] == [
        "INFO",
        "WARNING",
        "INFO",
        "ERROR",
    ]
    assert "POST /graphql" not in "\n".join(_notable(log))
    as_json = [
        json.dumps({"level": "INFO", "logger": "uvicorn.access", "message": "POST /graphql"}),
        "",
        json.dumps({"level": "WARNING", "logger": "graph", "message": "reading x failed"}),
        json.dumps({"level": "INFO", "logger": "uvicorn.error", "message": "Child [1] died"}),
    ]
    assert _notable("\n".join(as_json)) == as_json[2:]


def _offered(api: Api, tokens: dict[str, str]) -> tuple[dict[str, str | None], dict[str, str]]:
    """Route every lead of LEADS (an offer to its best rep): each lead's owner, and each rep's
    token by rep id."""
    owners = {}
    for lead_id in LEADS:
        api.data("manager", 'mutation { routeLead(leadId: "%s") { __typename } }' % lead_id)
        owners[lead_id] = api.store.lead(lead_id).owner_rep_id
    return owners, {rid(name): token for name, token in tokens.items()}


def test_the_load_stops_when_the_offered_leads_are_all_claimed(
    graph_settings: GraphSettings,
) -> None:
    """Against the real app on each backend: six offered leads, four clients (two claiming)
    asked for a minute; the phase ends once the six are claimed, with every claim won."""
    tokens = build_world(graph_settings, leads=len(LEADS))
    with running_api(graph_settings, tokens) as api:
        owners, by_rep = _offered(api, tokens)

        async def load() -> tuple[Tally, float]:
            transport = httpx.ASGITransport(app=api.client.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://load") as http:
                fresh = [(lead_id, str(rep)) for lead_id, rep in owners.items()]
                return await _phase(
                    http, 4, 60.0, 10_000, tokens["admin"], LEADS, by_rep, fresh, floor=False
                )

        started = time.monotonic()
        tally, elapsed = asyncio.run(load())
    assert tally.ran_out and tally.errors == []
    assert len(tally.times["claimLead"]) == len(LEADS)
    assert len(tally.times["rankedReps"]) >= 1
    assert elapsed < 30 and time.monotonic() - started < 45


def test_the_warm_up_ranks_only_its_own_leads_and_ends_once_they_are_claimed(
    graph_settings: GraphSettings,
) -> None:
    """Against the real app on each backend: the warm-up's rankings ask its own leads next to
    be claimed, never the load's random ones (here a lead that does not exist, which a ranking
    would answer with a Problem, counted as an error), and it ends once every lead set aside
    for it is claimed, each claim won."""
    tokens = build_world(graph_settings, leads=len(LEADS))
    with running_api(graph_settings, tokens) as api:
        owners, by_rep = _offered(api, tokens)

        async def warm_up(warming: bool, leads: list[str]) -> Tally:
            transport = httpx.ASGITransport(app=api.client.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://load") as http:
                fresh = [(lead_id, str(owners[lead_id])) for lead_id in leads]
                tally, _ = await _phase(
                    http,
                    4,
                    60.0,
                    10_000,
                    tokens["admin"],
                    ["L-none"],
                    by_rep,
                    fresh,
                    floor=False,
                    warming=warming,
                )
                return tally

        warmed = asyncio.run(warm_up(True, LEADS[:3]))
        assert warmed.ran_out and warmed.errors == []
        assert len(warmed.times["claimLead"]) == 3
        assert len(warmed.times["rankedReps"]) >= 1
        assert {api.store.lead(lead_id).status for lead_id in LEADS[:3]} == {"claimed"}
        assert {api.store.lead(lead_id).status for lead_id in LEADS[3:]} == {"offered"}
        # the phase as the load runs it ranks the random leads: here, the missing one
        loaded = asyncio.run(warm_up(False, LEADS[3:]))
        assert loaded.errors and all("rankedReps L-none" in error for error in loaded.errors)
        assert len(loaded.times["claimLead"]) == 3


def test_the_warm_up_ranks_only_the_leads_it_claims_next() -> None:
    """Many leads set aside, answered at once by httpx's own mock transport (what is checked
    here is the clients' choice, not the server): every ranking of the warm-up asks one of the
    next WARMUP_NEXT leads to be claimed, as the list stands when it is asked."""
    fresh = [(f"L{n}", "R1") for n in range(200)]
    ranked: list[tuple[str, bool]] = []
    typename = {"claimLead": "Claimed", "rankedReps": "Ranking"}

    async def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        lead_id = body["variables"]["id"]
        if "claimLead" in body["query"]:
            name = "claimLead"
        else:  # as the list stands when the ranking is asked (nothing ran since the choice)
            name = "rankedReps"
            ranked.append((lead_id, lead_id in {lead for lead, _ in fresh[-WARMUP_NEXT:]}))
        await asyncio.sleep(0)  # as a server would: the other clients run meanwhile
        return httpx.Response(200, json={"data": {name: {"__typename": typename[name]}}})

    async def warm_up() -> Tally:
        transport = httpx.MockTransport(answer)
        async with httpx.AsyncClient(transport=transport, base_url="http://load") as http:
            tally, _ = await _phase(
                http,
                4,
                60.0,
                10_000,
                "admin",
                ["L-none"],
                {"R1": "t"},
                fresh,
                floor=False,
                warming=True,
            )
            return tally

    tally = asyncio.run(warm_up())
    assert tally.ran_out and tally.errors == [] and fresh == []
    assert len(ranked) >= 100  # two ranking clients, one ranking per claim each
    assert all(near for _, near in ranked)
    assert len({lead for lead, _ in ranked}) > WARMUP_NEXT  # the window moves with the claims


def test_the_load_prints_its_throughput_over_each_interval_as_it_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whether the throughput holds or falls as the load goes on: every PROGRESS_SECONDS (0.2
    here) the phase prints the requests answered per second since the last line, and the last,
    shorter interval when it ends. The intervals count every request answered, once."""
    monkeypatch.setattr(load, "PROGRESS_SECONDS", 0.2)

    async def answer(request: httpx.Request) -> httpx.Response:
        name = "claimLead" if "claimLead" in json.loads(request.content)["query"] else "rankedReps"
        typename = "Claimed" if name == "claimLead" else "Ranking"
        await asyncio.sleep(0.002)  # a server's time: the clients take turns meanwhile
        return httpx.Response(200, json={"data": {name: {"__typename": typename}}})

    fresh = [(f"L{n}", "R1") for n in range(100_000)]

    async def run() -> tuple[Tally, float]:
        transport = httpx.MockTransport(answer)
        async with httpx.AsyncClient(transport=transport, base_url="http://load") as http:
            return await _phase(
                http, 2, 0.9, 10**6, "admin", ["L1"], {"R1": "t"}, fresh, floor=False
            )

    tally, elapsed = asyncio.run(run())
    assert not tally.ran_out and tally.errors == []
    printed = [line for line in capsys.readouterr().out.splitlines() if "req/s" in line]
    assert len(tally.intervals) == len(printed) == len(tally.spans) >= 4  # about 0.2 s each
    assert all(
        f"{rate:.1f} req/s" in line for rate, line in zip(tally.intervals, printed, strict=True)
    )
    ends = [0.0] + [end for _, end in tally.spans]
    assert [begun for begun, _ in tally.spans] == ends[:-1]  # end to end, from the start
    assert ends[-1] == pytest.approx(elapsed, abs=0.05)  # to the phase's end
    spans = [end - begun for begun, end in tally.spans]
    answered = sum(rate * span for rate, span in zip(tally.intervals, spans, strict=True))
    assert answered == pytest.approx(tally.answered(), rel=0.01)  # each request once
    assert all(rate > 0 for rate in tally.intervals)
