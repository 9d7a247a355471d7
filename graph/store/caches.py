"""What a store keeps in memory, and the one way it is invalidated.

Three projections of the graph are kept: the rep directory (reps are few and change rarely),
the rep side of proximity questions (the in-memory rep network and stints, graph/network.py)
and the per-rep activity (three scans of the lead table and the log). Each has a TTL, so that
another process's writes show up soon after. This process's writes drop them at once: every
write query declares in ``WRITES`` what it changes, and the runner's write path
(``QueryRunner._write``) calls ``StoreCaches.written`` after each one. A write query that is not
declared drops everything.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from datetime import datetime

from graph.model import Rep, RepActivity, RepRef, Stint
from graph.network import RepNetwork

REP_DIRECTORY_TTL = 30.0
REP_NETWORK_TTL = 300.0
ACTIVITY_TTL = 5.0

REPS = "reps"
"""The rep directory and the rep network: changed by reps, ties, employments and studies."""
ACTIVITY = "activity"
"""The per-rep activity: changed by leads and events."""
NOTHING: frozenset[str] = frozenset()
EVERYTHING = frozenset({REPS, ACTIVITY})

WRITES: Mapping[str, frozenset[str]] = {
    # people, companies, schools, leads' committees: no cache holds them
    "merge_people": NOTHING,
    "create_people": NOTHING,
    "update_people": NOTHING,
    "merge_companies": NOTHING,
    "merge_schools": NOTHING,
    "merge_decision_makers": NOTHING,
    # reps and what the rep network is made of
    "merge_reps": frozenset({REPS}),
    "merge_ties": frozenset({REPS}),
    "create_ties": frozenset({REPS}),
    "merge_employments": frozenset({REPS}),
    "create_employments": frozenset({REPS}),
    "merge_studies": frozenset({REPS}),
    "add_tie_reporters": NOTHING,
    "set_tie_reporters": frozenset({REPS}),
    "delete_ties": frozenset({REPS}),
    "delete_lonely_people": frozenset({REPS}),
    "delete_employments_of": frozenset({REPS}),
    "delete_studies_of": frozenset({REPS}),
    "erase_person": EVERYTHING,
    # consent and tombstones: read from the graph every time
    "record_consents": NOTHING,
    "clear_consent": NOTHING,
    "add_tombstones": NOTHING,
    # leads and the activity log
    "merge_leads": frozenset({ACTIVITY}),
    "offer_leads": frozenset({ACTIVITY}),
    "move_lead": frozenset({ACTIVITY}),
    "append_events": frozenset({ACTIVITY}),
    "rewrite_events": frozenset({ACTIVITY}),
    "lock_lead": NOTHING,
    # users and the outbox
    "create_user": NOTHING,
    "add_outbox": NOTHING,
    "lease_outbox": NOTHING,
    "mark_outbox": NOTHING,
}


def changed_by(query: str) -> frozenset[str]:
    """The caches a write query may change (all of them when it does not say)."""
    return WRITES.get(query, EVERYTHING)


class RepDirectory:
    """The reps by id, by email and by the id of their person, and their profiles."""

    def __init__(self, reps: Sequence[RepRef], profiles: Sequence[Rep] = ()) -> None:
        self.loaded_at = time.monotonic()
        self.profiles = {p.id: p for p in profiles}
        self.by_id = {r.id: r for r in reps}
        self.by_email = {r.email.lower(): r for r in reps if r.email}
        self.by_person = {r.person_id: r for r in reps}


@dataclasses.dataclass
class RepSide:
    """The rep side of proximity questions, kept in memory (see graph/network.py)."""

    network: RepNetwork
    stints_by_place: dict[str, list[tuple[str, Stint]]]
    loaded_at: float


ActivityKey = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]


@dataclasses.dataclass(frozen=True)
class ActivitySnapshot:
    key: ActivityKey
    breaches_since: datetime
    found: dict[str, RepActivity]
    loaded_at: float


class StoreCaches:
    """The projections one store keeps, each fresh within its TTL until a write drops it."""

    def __init__(self) -> None:
        self._directory: RepDirectory | None = None
        self._rep_side: RepSide | None = None
        self._activity: ActivitySnapshot | None = None
        self.rep_network_read_at: float | None = None
        """When the rep network was last read (kept when it is dropped)."""

    # --- invalidation -----------------------------------------------------------------------

    def written(self, query: str) -> None:
        """A write query ran (or failed part-way): drop what it may have changed."""
        self.forget(changed_by(query))

    def forget(self, kinds: frozenset[str] = EVERYTHING) -> None:
        if REPS in kinds:
            self._directory = None
            self._rep_side = None
        if ACTIVITY in kinds:
            self._activity = None

    # --- reading and keeping --------------------------------------------------------------

    def directory(self) -> RepDirectory | None:
        directory = self._directory
        if directory is None or time.monotonic() - directory.loaded_at > REP_DIRECTORY_TTL:
            return None
        return directory

    def keep_directory(self, directory: RepDirectory) -> None:
        self._directory = directory

    def rep_side(self) -> RepSide | None:
        side = self._rep_side
        if side is None or time.monotonic() - side.loaded_at > REP_NETWORK_TTL:
            return None
        return side

    def keep_rep_side(self, side: RepSide) -> None:
        self._rep_side = side
        self.rep_network_read_at = side.loaded_at

    def activity(self, key: ActivityKey, breaches_since: datetime) -> dict[str, RepActivity] | None:
        """The activity kept for these kinds, when fresh and read with breaches from no later
        than ``breaches_since`` (the breaches before it are left out)."""
        kept = self._activity
        if (
            kept is None
            or kept.key != key
            or time.monotonic() - kept.loaded_at > ACTIVITY_TTL
            or kept.breaches_since > breaches_since
        ):
            return None
        return {
            rep_id: act
            if not act.breaches or act.breaches[0] >= breaches_since
            else dataclasses.replace(
                act, breaches=tuple(b for b in act.breaches if b >= breaches_since)
            )
            for rep_id, act in kept.found.items()
        }

    def keep_activity(
        self, key: ActivityKey, breaches_since: datetime, found: dict[str, RepActivity]
    ) -> None:
        self._activity = ActivitySnapshot(key, breaches_since, found, time.monotonic())
