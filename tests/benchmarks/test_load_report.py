"""What ``make load`` reads from the server besides its timings."""

from __future__ import annotations

from api.observability import Metrics
from benchmarks.load import _claims_run


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
