"""The server's background work (SLA sweeper + webhook outbox) survives any failure: a webhook
that drops the connection, answers garbage or 500, a store call that raises something that is
not a warmpath error; the next round succeeds, and shutdown still closes the store."""

from __future__ import annotations

import logging
import time
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient

from api.app import ApiSettings, background_pause, create_app
from graph.backends import open_store
from graph.settings import GraphSettings
from graph.store import GraphStore
from routing.policy import load_policy
from tests.api.apiworld import Api, Clock, build_world
from tests.api.marketing import DROP, GARBAGE, marketing_endpoint
from tests.faults import FaultyStore
from tests.routing.world import rid

CLAIM = 'mutation { claimLead(leadId: "L1") { __typename } }'
REJECT = 'mutation { rejectLead(leadId: "L2", reason: "no budget") { __typename } }'


def _wait_until(condition: Any, *, clock: Clock | None = None, seconds: float = 60) -> None:
    """Poll (moving the test clock a minute a time, past any webhook backoff) until true."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the background work did not get there"
        if clock is not None:
            clock.advance(minutes=1)
        time.sleep(0.05)


def test_sweeper_and_outbox_go_on_after_any_failure(
    graph_settings: GraphSettings, caplog: pytest.LogCaptureFixture
) -> None:
    tokens = build_world(graph_settings, leads=2)
    holder: dict[str, FaultyStore] = {}

    def factory() -> GraphStore:
        holder["store"] = FaultyStore(open_store(graph_settings))
        holder["store"].arm("warm_up")  # fails at start-up; shutdown must close the store anyway
        return cast(GraphStore, holder["store"])

    caplog.set_level(logging.WARNING, logger="api")
    with marketing_endpoint(DROP, GARBAGE, 500) as marketing:
        clock = Clock()
        app = create_app(
            factory,
            clock=clock,
            policy=load_policy(),
            settings=ApiSettings(sweep_seconds=0.05, webhook_url=marketing.url),
        )
        with TestClient(app) as client:
            faulty = holder["store"]
            api = Api(client=client, clock=clock, tokens=tokens, store=app.state.store)
            for lead in ("L1", "L2"):
                api.data("manager", f'mutation {{ routeLead(leadId: "{lead}") {{ __typename }} }}')
            assert api.data("ann", CLAIM)["claimLead"]["__typename"] == "Claimed"
            faulty.arm("overdue_leads", "lease_outbox")  # the next round of each part fails
            assert api.data("ann", REJECT)["rejectLead"]["__typename"] == "LeadChanged"
            clock.advance(hours=25)  # L1's contact deadline has passed

            _wait_until(lambda: {"overdue_leads", "lease_outbox"} <= set(faulty.raised))
            _wait_until(lambda: marketing.received, clock=clock)
            _wait_until(
                lambda: any(e.kind == "sla_breach" for e in faulty.events(lead_id="L1")),
            )

            assert [(m["lead_id"], m["reason"]) for m in marketing.received] == [
                ("L2", "no budget")
            ]
            assert marketing.requests == 4  # dropped, garbage, 500, then delivered
            breaches = [e.rep_id for e in faulty.events(lead_id="L1") if e.kind == "sla_breach"]
            assert breaches == [rid("ann")]
            # the API still answers, and nothing of the failures reached it
            assert api.data("ann", "{ me { role } }")["me"] == {"role": "rep"}
            # the failed warm-up is retried (after 2 s) until the rep network is loaded
            _wait_until(lambda: "warm_up" in faulty.succeeded)
            assert client.get("/readyz").status_code == 200
        assert faulty.closed
    assert sorted(faulty.raised) == ["lease_outbox", "overdue_leads", "warm_up"]
    logged = [r for r in caplog.records if r.exc_info and r.exc_info[0] is RuntimeError]
    assert {str(r.exc_info[1]) for r in logged if r.exc_info} == {
        "injected failure of overdue_leads",
        "injected failure of lease_outbox",
        "injected failure of warm_up",
    }  # with their tracebacks in the log


def test_failed_rounds_back_off_doubling_up_to_a_cap() -> None:
    assert [background_pause(60, n) for n in range(5)] == [60, 120, 240, 300, 300]
    assert background_pause(600, 3) == 600  # an interval above the cap stays as it is
    assert background_pause(0.05, 1000) == 300
