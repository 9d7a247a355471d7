"""The policy in force across processes: a version applied elsewhere is taken within the poll
interval, the configured policy until one is applied, and a bad text writes nothing."""

from __future__ import annotations

import pytest

from graph.model import AuditSelection
from graph.store import GraphStore
from routing.audit import EARLIEST, LATEST
from routing.policy import PolicyError, load_policy
from routing.policy_versions import POLICY_APPLIED, PolicyInForce, apply_policy, revert_policy
from tests.routing.world import NOW

FAST = 'mode = "round_robin"\n'


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_another_process_takes_an_applied_version_within_the_poll(store: GraphStore) -> None:
    configured = load_policy()
    ticks = Ticks()
    other = PolicyInForce(store, configured, poll_seconds=5, monotonic=ticks)
    assert other.current() is configured  # nothing applied: the file (here the defaults)
    applied, policy = apply_policy(store, FAST, actor="admin:1", now=NOW)
    assert applied.version == policy.version and policy.mode == "round_robin"
    ticks.now += 4.9
    assert other.current() is configured  # checked at most every 5 s: one small read
    ticks.now += 0.2
    assert other.current().version == policy.version
    again, _ = revert_policy(store, applied.version, actor="admin:2", now=NOW)
    assert (again.version, again.applied_by) == (applied.version, "admin:2")
    applications = AuditSelection(since=EARLIEST, until=LATEST, kind=POLICY_APPLIED)
    assert store.audit_count(applications) == 2  # each application is an audit event


def test_a_bad_policy_writes_nothing(store: GraphStore) -> None:
    with pytest.raises(PolicyError) as refused:
        apply_policy(store, "[rules]\noffer_top_n = 0\nnope = 1\n", actor="admin:1", now=NOW)
    assert len(refused.value.problems) == 2
    assert store.policy_versions(10) == [] and store.latest_policy_version() is None
