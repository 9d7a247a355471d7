"""The routing policy's versions: an admin applies a policy (its TOML text) through the API or
the command line, or goes back to an earlier one; each is kept in the graph with who applied it
and when, and each application is an audit event (``policy_applied``).

The latest version applied in the graph is the policy in force, over the WARMPATH_POLICY file
(or the defaults) when there is one: the process that applies it uses it at once, every other
API process within POLL_SECONDS (``PolicyInForce`` checks the latest version with one small
read at most that often).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from graph.keys import event_id
from graph.model import Event, PolicyRecord
from graph.store import GraphStore, needs_graph
from routing.errors import InvalidArgument, NotFound, WarmpathError
from routing.policy import Policy, policy_from_text

log = logging.getLogger(__name__)
POLICY_APPLIED = "policy_applied"
POLL_SECONDS = 5.0
MAX_VERSIONS = 100
MAX_POLICY_BYTES = 64 * 1024


@dataclass(frozen=True)
class PolicyVersion:
    """A version as the API and the CLI show it: its record and whether it is in force."""

    record: PolicyRecord
    in_force: bool


def checked_policy(text: str) -> Policy:
    """The policy in a TOML text; PolicyError lists each bad value (``problems``)."""
    if len(text.encode("utf-8")) > MAX_POLICY_BYTES:
        raise InvalidArgument(
            f"policyToml: at most {MAX_POLICY_BYTES // 1024} KiB of TOML (a policy file is ~5)"
        )
    return policy_from_text(text, "policyToml")


def _apply(
    store: GraphStore, text: str, policy: Policy, *, actor: str, now: datetime, source: str
) -> PolicyRecord:
    """Store the version and its audit event in one transaction."""
    previous = store.latest_policy_version()
    applied = PolicyRecord(
        version=policy.version, toml=text, applied_by=actor, applied_at=now, source=source
    )
    event = Event(
        id=event_id(now),
        at=now,
        kind=POLICY_APPLIED,
        actor=actor,
        reason=f"policy {policy.version} applied ({source})",
        detail=json.dumps(
            {"version": policy.version, "previous": previous, "source": source, "mode": policy.mode}
        ),
    )

    def unit() -> None:
        store.record_policy_version(applied)
        store.append_events([event])

    store.run_atomic(unit)
    return applied


def apply_policy(
    store: GraphStore, text: str, *, actor: str, now: datetime, source: str = "api"
) -> tuple[PolicyRecord, Policy]:
    """Check a policy's TOML text and make it the policy in force (raises PolicyError, writing
    nothing, when any value is bad). Safe to rerun: the same text is the same version, applied
    again (a new audit event)."""
    policy = checked_policy(text)
    return _apply(store, text, policy, actor=actor, now=now, source=source), policy


def revert_policy(
    store: GraphStore, version: str, *, actor: str, now: datetime
) -> tuple[PolicyRecord, Policy]:
    """Apply an earlier version again (NotFound for a version never applied)."""
    found = store.policy_version(version.strip()) if version.strip() else None
    if found is None:
        raise NotFound(f"no policy version {version!r}: see policyVersions for those applied")
    policy = policy_from_text(found.toml, f"policy version {found.version}")
    applied = _apply(store, found.toml, policy, actor=actor, now=now, source=f"revert to {version}")
    return applied, policy


def policy_versions(store: GraphStore, *, first: int, in_force: str) -> list[PolicyVersion]:
    """The versions applied, the latest first; ``in_force``: the version in force."""
    if not 1 <= first <= MAX_VERSIONS:
        raise InvalidArgument(f"first must be between 1 and {MAX_VERSIONS} (got {first})")
    return [
        PolicyVersion(record=r, in_force=r.version == in_force)
        for r in store.policy_versions(first)
    ]


class PolicyInForce:
    """The policy a process routes by: the latest version applied in the graph, else the
    configured one (the WARMPATH_POLICY file or the defaults). ``current`` checks the graph at
    most every ``poll_seconds`` (one small read, by one thread at a time: the others keep the
    policy they have); ``use`` takes a policy this process just applied, at once."""

    def __init__(
        self,
        store: GraphStore,
        configured: Policy,
        *,
        poll_seconds: float = POLL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.configured = configured
        self.poll_seconds = poll_seconds
        self._monotonic = monotonic
        self._policy = configured
        self._seen: str | None = None
        self._checked = -float("inf")
        self._lock = threading.Lock()

    def current(self) -> Policy:
        if self._monotonic() - self._checked < self.poll_seconds:
            return self._policy
        needs_graph("policy versions")  # due: asked from memory, the poll waits for the graph
        if not self._lock.acquire(blocking=False):
            return self._policy
        try:
            self._checked = self._monotonic()
            self._refresh()
        finally:
            self._lock.release()
        return self._policy

    def use(self, policy: Policy) -> None:
        """This process applied ``policy``: route by it now."""
        with self._lock:
            self._policy = policy
            self._seen = policy.version
            self._checked = self._monotonic()

    def _refresh(self) -> None:
        try:
            latest = self.store.latest_policy_version()
            if latest is None or latest == self._seen:
                return
            found = self.store.policy_version(latest)
            if found is None:
                return
            self._policy = policy_from_text(found.toml, f"policy version {latest}")
            self._seen = latest
            log.info("routing by policy version %s (applied by %s)", latest, found.applied_by)
        except WarmpathError as exc:  # the graph blinking, a stored text the code refuses
            log.warning(
                "the policy in force was not checked (keeping %s): %s", self._policy.version, exc
            )
