"""What a store keeps in memory, and the one way it is invalidated.

Three projections of the graph are kept: the rep directory (reps are few and change rarely),
the rep side of proximity questions (the in-memory rep network and stints, graph/network.py)
and the per-rep activity (three scans of the lead table and the log). Each has a TTL, so that
another process's writes show up soon after; a store that is the only writer of its graph
(LadybugDB opened read-write: the file is locked) keeps them until its own writes drop them.
This process's writes drop them at once: every write query declares in ``WRITES`` what it
changes, and the runner's write path (``QueryRunner._write``) calls ``StoreCaches.written``
after each one. A write query that is not declared drops everything.

Where other processes write the same graph (Neo4j: several API workers, the CLI), a write of
what is costly to read again or read often (``SHARED``: the rep network, people, committees,
the API's users) is announced after it commits, by moving a counter in the graph (in the API's
server, from a thread of its own: graph/store/announcer.py); every process reads the counters
at most every ``CHANGES_POLL`` seconds when it is about to use what it keeps, and drops what
another process changed (``changes_seen``). So the rep network and the rankings' reach are
kept for ``REP_NETWORK_TTL`` (an hour: only a write made outside warmpath needs it) and are
still fresh within about a second of another worker's import.

Leads move all the time (every claim), so a counter alone would drop every kept lead each
second; the leads a process moved are announced by id instead (``LEADS``: the counter keeps its
last ``LEADS_ANNOUNCED`` announcements, each with its lead ids; ``ALL_LEADS`` for a write of
leads or events that is not a few leads' moves), and another process drops those leads'
views, streams and companies' owners (a claim's company owners it follows instead, from the
note of the move announced after the lead's id: ``NOTED``). Where announcements are read
(``announces_leads``), leads are kept for ``ANNOUNCED_LEAD_TTL`` instead of ``LEAD_TTL``;
announcements missed (more than the counter keeps between two reads) drop every kept lead.

A read is kept unless what it read was dropped while it ran: a lead's view, stream or standing
by a drop of that lead, a company's owners by a drop of one of its leads, the activity by a
write that drops it (and, where this store is the only writer, by one of its own moves, which
the kept activity follows in place). Nothing read inside a write transaction is kept (it may see
the transaction's own writes); what another thread's open transaction writes is dropped again
when it ends. A transaction that rolls back drops what it wrote and the leads it moved, nothing
else; one that only moved leads leaves them as it moved them (``keeps_moves``).
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import time
from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TypeVar

from graph.model import (
    Event,
    LeadState,
    LeadView,
    OwnedLead,
    Rep,
    RepActivities,
    RepActivity,
    RepRef,
    Stint,
    User,
)
from graph.network import RepNetwork

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")

REP_DIRECTORY_TTL = 30.0
REP_NETWORK_TTL = 3600.0
"""A backstop: other processes' writes are announced (CHANGES_POLL); this covers a write made
outside warmpath (a Cypher shell) or an announcement lost with its process."""
CHANGES_POLL = 1.0
ACTIVITY_TTL = 5.0
READ_AHEAD = 0.6
"""The share of its TTL after which the server reads the workloads or the rep directory again
in the background while what is kept is still served (``QueryRunner.read_ahead``): under load
on Neo4j, the requests that found the workloads expired every ACTIVITY_TTL waited together for
their three scans (a few hundred ms), which was much of the claims' p95."""
USER_TTL = 30.0
ANNOUNCED_USER_TTL = 300.0
"""Where user writes are announced (``announces_leads``: Neo4j, every process): a user kept
is dropped by another process's user write at its next poll, so the TTL is only a backstop.
Under ``make load``'s 200 reps, every rep's token was read again every 30 s in each worker:
a fifth of all requests made a graph read to sign in."""
USERS_KEPT = 10_000
LEAD_TTL = 2.0
"""Where other processes' lead writes are not announced (a backstop elsewhere: see below)."""
ANNOUNCED_LEAD_TTL = 300.0
"""Where they are (``StoreCaches.announces_leads``): only a write made outside warmpath, or an
announcement lost with its process, needs it."""
LEADS_ANNOUNCED = 256
"""How many announcements of moved leads the graph keeps (``LEADS``): a process that polls
every CHANGES_POLL seconds misses none below about 250 claims a second (above, it drops every
kept lead); each announcement rewrites that list."""
MOVES_NAMED = 64
"""The most leads one announcement names; a write that moved more announces ALL_LEADS."""
LEADS_KEPT = 50_000
CLOCK_MARGIN = 0.5
"""A note of a claim is followed only in the owners kept from a read made CLOCK_MARGIN seconds
or more before the claim (by the clock: the claim's time): such a read holds neither the claim
nor any later move of its lead. Announcements are numbered as they are sent, each worker's after
its own commits, so a claim's note may come after the drop of a later move of its lead (the lead
released by another worker a moment after the claim); the owners read again after that drop
were read after the claim, so its note is not followed there. The margin is for clocks that
differ between machines (one machine's processes share one; NTP keeps machines within a few
milliseconds); a larger one re-reads more: 2 s read a busy company's owners again after about
half the claims under ``make load``."""
ANSWER_TTL = ACTIVITY_TTL
"""Answers derived from leads and events (kept_answer): kept as long as the activity at most.
Another process's writes of leads and events, announced (``LEADS``), drop them sooner: at the
next read of the announcements."""
ANSWER_MAX_AGE = 60.0
"""Even in a single writer: what they report falls due and ages with the clock."""
ANSWERS_KEPT = 4096
"""Kept answers are keyed by viewer and arguments (each rep's agenda is one): room for every rep
of a 2,000-rep floor and the managers' reports. When full, the one kept longest ago goes."""

REPS = "reps"
"""The rep directory and the rep network: changed by reps, ties, employments and studies."""
ACTIVITY = "activity"
"""The per-rep activity: changed by leads and events."""
USERS = "users"
"""The API's users by token hash: changed by user writes (and an erasure)."""
GRAPH = "graph"
"""What rankings are read from besides the rep network: people, companies, committees."""
NOTHING: frozenset[str] = frozenset()
EVERYTHING = frozenset({REPS, ACTIVITY, USERS, GRAPH})
SHARED = frozenset({REPS, GRAPH, USERS})
"""The kinds whose writes are announced to other processes (costly to read again, or read
often, and rarely written); the others are kept for a few seconds only."""
LEADS = "leads"
"""The announcement of the leads a process moved, by id (not a kind of cache: see above)."""
ALL_LEADS = "*"
"""Announced as a lead id: a write of leads or events other than one lead's move."""
NOTED = "\x1f"
"""Separates the fields of a move's note, announced after its lead's id (``_note``): the lead
id, its status and owner before and after the move, and when it was claimed (ISO 8601).
With it, another process follows a claim in the company's owners it keeps (``_noted_owners``)
instead of reading them again; without it (a note that did not come, or from an older
version), it drops them as before. A process of an older version reads a note as the id of a
lead it does not know: it drops every company's owners, and the lead by its id."""

WRITES: Mapping[str, frozenset[str]] = {
    # people, companies, schools, leads' committees: what rankings are read from
    "merge_people": frozenset({GRAPH}),
    "create_people": frozenset({GRAPH}),
    "update_people": frozenset({GRAPH}),
    "merge_companies": frozenset({GRAPH}),
    "create_companies": frozenset({GRAPH}),
    "merge_schools": frozenset({GRAPH}),
    "merge_decision_makers": frozenset({GRAPH}),
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
    # the bulk loader of an empty Neo4j graph (graph/neo4j_bulk.py), as their merge_* twins
    "bulk_create_people": frozenset({GRAPH}),
    "bulk_create_companies": frozenset({GRAPH}),
    "bulk_create_schools": frozenset({GRAPH}),
    "bulk_create_decision_makers": frozenset({GRAPH}),
    "bulk_create_reps": frozenset({REPS}),
    "bulk_create_ties": frozenset({REPS}),
    "bulk_create_employments": frozenset({REPS}),
    "bulk_create_studies": frozenset({REPS}),
    "bulk_create_leads": frozenset({ACTIVITY, GRAPH}),
    # consent and tombstones: read from the graph every time
    "record_consents": NOTHING,
    "clear_consent": NOTHING,
    "add_tombstones": NOTHING,
    # leads and the activity log
    "unlink_moved_leads": frozenset({ACTIVITY, GRAPH}),
    "merge_leads": frozenset({ACTIVITY, GRAPH}),
    "offer_leads": frozenset({ACTIVITY}),
    "move_lead": NOTHING,  # the activity is updated in place: StoreCaches.lead_moved
    "move_claimed": NOTHING,  # as move_lead
    "append_events": frozenset({ACTIVITY}),
    "rewrite_events": frozenset({ACTIVITY}),
    "lock_lead": NOTHING,
    "lock_rep": NOTHING,
    # lead intake: submissions and the company lock are in no cache
    "take_submission": NOTHING,
    "record_submission": NOTHING,
    "lock_company": NOTHING,
    "update_lead_details": frozenset({ACTIVITY, GRAPH}),  # grade, value: read by rankings
    # users and the outbox
    "create_user": frozenset({USERS}),
    "add_outbox": NOTHING,
    "lease_outbox": NOTHING,
    "mark_outbox": NOTHING,
    # routing policy versions: polled by routing/policy_versions.py, in no cache
    "record_policy_version": NOTHING,
    # the announcements of the writes above to other processes
    "announce_changes": NOTHING,
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
    found: RepActivities
    loaded_at: float

    @functools.cached_property
    def oldest_breach(self) -> datetime | None:
        """The earliest breach kept (what a later ``breaches_since`` may have to leave out)."""
        firsts = [act.breaches[0] for act in self.found.values() if act.breaches]
        return min(firsts) if firsts else None


@dataclasses.dataclass(frozen=True)
class LeadMove:
    """What one lead's move changed, for the activity kept in memory."""

    lead_id: str
    before_status: str
    before_owner: str | None
    after_status: str
    after_owner: str | None
    event_kind: str
    event_rep: str | None
    at: datetime
    state: LeadState | None = None
    """The lead's new lifecycle fields and its event: with them, a store that keeps moves
    (``keeps_moves``) keeps the lead's view, stream and company owners as the move left them
    (``ended``)."""
    event: Event | None = None


@dataclasses.dataclass(frozen=True)
class _Note:
    """Another process's move of one lead, as its announcement noted it (``NOTED``)."""

    before_status: str
    before_owner: str | None
    after_status: str
    after_owner: str | None
    claimed_at: datetime | None


def _notes(announced: Sequence[str]) -> dict[str, _Note]:
    """The moves noted in one announcement, by lead id: of the leads noted once, with every
    field in its place (two notes of one lead: in which order they moved is not known)."""
    found: dict[str, _Note | None] = {}
    for entry in announced:
        fields = entry.split(NOTED)
        if len(fields) == 1:
            continue
        lead_id = fields[0]
        found[lead_id] = _parsed_note(fields) if lead_id not in found else None
    return {lead_id: note for lead_id, note in found.items() if note is not None}


def _parsed_note(fields: Sequence[str]) -> _Note | None:
    if len(fields) != 6:
        return None
    _, before_status, before_owner, after_status, after_owner, claimed_at = fields
    try:
        at = datetime.fromisoformat(claimed_at) if claimed_at else None
    except ValueError:
        return None
    if at is not None and at.tzinfo is None:
        return None
    return _Note(before_status, before_owner or None, after_status, after_owner or None, at)


@dataclasses.dataclass(frozen=True)
class _Followed:
    """A moved lead as it will be once its transaction commits, from what was kept before
    the move (None: nothing was kept, so nothing is kept after)."""

    view: LeadView | None
    stream: list[Event] | None
    owners: dict[tuple[str, tuple[str, ...]], tuple[list[OwnedLead], float]]
    """The company's owners, with when the read they came from was kept (``_noted_owners``)."""
    since: int = 0
    """The lead changes counter once the move dropped the lead: a drop after it (another
    process's move of the lead or of its company's, announced meanwhile) is not undone."""


class StoreCaches:
    """The projections one store keeps, each fresh within its TTL until a write drops it.

    Lead views and their activity streams are kept for LEAD_TTL seconds (requests about one
    lead read it several times; ANNOUNCED_LEAD_TTL where every process announces its lead
    writes); any write of people, companies, committees, leads or events drops them all, and a
    lead's move drops that lead.

    ``generation(kind)`` counts the times a kind was dropped: what others derive from the
    store (the rankings' reach, routing/reach.py) is kept with the generations it was read at
    and is stale once they move."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._open = 0
        """Write transactions open in this process: nothing read meanwhile is kept."""
        self._epoch = 0
        """Moves when a write transaction begins or ends (a read that spans one is not kept)."""
        self._local = threading.local()
        self.single_writer = False
        """True when no other process writes this graph: nothing expires with time."""
        self._standings: dict[str, tuple[object, float]] = {}
        self._answers: dict[Hashable, tuple[object, float]] = {}
        """Pages' answers (every lead, reports) by key: dropped by any write but a user's."""
        self._directory: RepDirectory | None = None
        self._rep_side: RepSide | None = None
        self._activity: ActivitySnapshot | None = None
        self._activity_changes = 0
        self._users: dict[str, tuple[User, float]] = {}
        self._leads: dict[str, tuple[LeadView, float]] = {}
        self._companies: dict[str, str] = {}
        """The company of every lead whose view was kept (a lead's company changes only by
        writes that drop everything kept about leads): whose owners a lead's move drops."""
        self._owners: dict[tuple[str, tuple[str, ...]], tuple[list[OwnedLead], float]] = {}
        """Owned leads at one company, by company and statuses: at least the one that makes
        its rep the account owner (routing/accounts.py takes the latest of those kept)."""
        self._owner_statuses: set[tuple[str, ...]] = set()
        """The statuses ``_owners`` is keyed by (one set in practice): a move drops its
        company's entries by key, not by a walk over every company's."""
        self._streams: dict[str, tuple[list[Event], float]] = {}
        self._lead_changes = 0
        self._dropped: dict[str, int] = {}
        """The ``_lead_changes`` at which a lead's view, stream and standing were last dropped,
        by lead id, and a company's owners by company id (``_dropped_all``: every one), so that
        a read is kept unless what it read was dropped while it ran (``_unchanged``), rather
        than unless any lead moved meanwhile: under a stream of claims, nearly every read of
        a lead overlaps some other lead's move."""
        self._dropped_owners: dict[str, int] = {}
        self._dropped_all = 0
        self._dropped_all_owners = 0
        self._activity_drops = 0
        """Times the activity was dropped by a write (not followed by a move in place)."""
        self._generations = dict.fromkeys(EVERYTHING, 0)
        self.rep_network_read_at: float | None = None
        """When the rep network was last read (kept when it is dropped)."""
        self._seen: dict[str, int] | None = None
        """The announcement counters last read from the graph (None: not read yet)."""
        self._polled_at = -CHANGES_POLL
        self.announces_leads = False
        """True where other processes write the graph and every process announces the leads
        it moves (Neo4j): kept leads last ANNOUNCED_LEAD_TTL, not LEAD_TTL."""
        self._owed = False
        """An announcement failed: the next one names every lead (``unannounced``)."""

    # --- invalidation -----------------------------------------------------------------------

    def written(self, query: str) -> None:
        """A write query ran (or failed part-way): drop what it may have changed."""
        kinds = changed_by(query)
        written = getattr(self._local, "kinds", None)
        if written is not None:
            written.update(kinds)
        self.forget(kinds)

    def unannounced(self) -> None:
        """An announcement failed (its leads are lost): the next announcement names every
        lead, so that no other process keeps a moved lead past its next read of them."""
        with self._lock:  # set by the announcer's thread, taken by the writers'
            self._owed = True

    def in_transaction(self) -> bool:
        """Whether a write transaction is open in this thread."""
        return getattr(self._local, "kinds", None) is not None

    def _to_announce(self, lead_id: str, move: LeadMove | None = None) -> None:
        """A lead this thread wrote (and the note of its move), to announce once its write
        commits (``announcement``)."""
        if self.announces_leads:
            pending = getattr(self._local, "announce", None)
            if pending is None:
                pending = self._local.announce = set()
            pending.add(lead_id)
            if move is not None:
                notes = getattr(self._local, "notes", None)
                if notes is None:
                    notes = self._local.notes = set()
                notes.add(self._note(move))

    @staticmethod
    def _note(move: LeadMove) -> str:
        """The note of a move (``NOTED``), for every move: two moves of one lead announced
        together (one transaction's, or several merged by the announcer) are two notes,
        which the other processes do not follow (but for two alike, which come to the same).
        A field that holds a separator makes a note that does not parse (``lead_id`` and
        NOTED alone): the lead is dropped."""
        claimed_at = move.state.claimed_at if move.state is not None else None
        fields = (
            move.before_status,
            move.before_owner or "",
            move.after_status,
            move.after_owner or "",
            "" if claimed_at is None else claimed_at.isoformat(),
        )
        if any(NOTED in field or "\n" in field for field in fields):
            return move.lead_id + NOTED
        return NOTED.join((move.lead_id, *fields))

    def announcement(self, kinds: frozenset[str]) -> list[str]:
        """The leads this thread moved since the last announcement, each followed by the
        notes of its moves, to announce now that its write of ``kinds`` committed (ALL_LEADS
        when it wrote leads or events otherwise, or when an announcement failed); forgotten
        here. The moves of a write that failed are announced by the next, without their
        notes (it may have committed: extra drops, never a missed one or a move followed
        that did not happen: ``rolled_back``)."""
        pending = getattr(self._local, "announce", None) or set()
        notes = getattr(self._local, "notes", None) or set()
        self._local.announce = self._local.notes = None
        with self._lock:
            owed, self._owed = self._owed, False
        if self.announces_leads and (
            owed
            or ACTIVITY in kinds
            or len(pending) > MOVES_NAMED
            # the announcement's separators
            or any("\n" in lead_id or NOTED in lead_id for lead_id in pending)
        ):
            return [ALL_LEADS]
        return sorted(pending | notes)  # notes after their ids

    def began(self) -> None:
        """A write transaction began in this thread."""
        with self._lock:
            self._open += 1
            self._epoch += 1
        self._local.kinds, self._local.moved = set(), set()
        self._local.followed = {}

    def ended(self) -> frozenset[str]:
        """It committed or rolled back: what it wrote is dropped again, since another thread
        may have read the state before the commit and kept it under the new generation.
        Returns the kinds it wrote (for the announcement to other processes)."""
        kinds = frozenset(getattr(self._local, "kinds", None) or ())
        moved = getattr(self._local, "moved", None) or set()
        followed = getattr(self._local, "followed", None) or {}
        self._local.kinds = self._local.moved = self._local.followed = None
        with self._lock:
            self._open -= 1
            self._epoch += 1
            # what another thread read while this was open (the state before it) and kept:
            # dropped again, the activity too where other processes write (keep_activity)
            self.forget(kinds)
            fresh = self._followable(followed) if not kinds else {}  # only moves (and locks)
            for lead_id in moved:
                self._forget_leads(lead_id)
            self._follow(fresh)  # the moved leads as they are now
        return kinds

    def _followable(self, followed: Mapping[str, _Followed | None]) -> dict[str, _Followed]:
        """What the moves left, but for what was dropped since by others' announcements."""
        fresh = {}
        for lead_id, after in followed.items():
            if after is None or max(self._dropped_all, self._dropped.get(lead_id, 0)) > after.since:
                continue
            company = self._companies.get(lead_id)
            dropped = max(self._dropped_all_owners, self._dropped_owners.get(company or "", 0))
            owners = after.owners if company is not None and dropped <= after.since else {}
            fresh[lead_id] = dataclasses.replace(after, owners=owners)
        return fresh

    def _follow(self, followed: Mapping[str, _Followed | None]) -> None:
        """Keep the moved leads' views, streams and company owners as their moves left them,
        instead of reading them again (a claimed lead asked for next, or its company's)."""
        now = time.monotonic()
        alone = len(followed) == 1  # several leads moved (of one company?): owners read again
        for lead_id, after in followed.items():
            if after is None:
                continue
            if after.view is not None:
                self._leads[lead_id] = (after.view, now)
            if after.stream is not None:
                self._streams[lead_id] = (after.stream, now)
            for key, owned in after.owners.items() if alone else ():
                self._owners[key] = owned  # as old as their read

    # --- other processes' writes ----------------------------------------------------------

    def changes_due(self) -> bool:
        """Whether the announcement counters should be read again before using what is kept."""
        return time.monotonic() - self._polled_at >= CHANGES_POLL

    def leads_seen(self) -> int:
        """The last announcement of moved leads read (-1: none read yet)."""
        return -1 if self._seen is None else self._seen[LEADS]

    def counters_seen(self) -> dict[str, int] | None:
        """The announcement counters as last read (moved on by this process's own
        announcements since): taken before a read of them and passed to ``changes_seen``."""
        with self._lock:
            return None if self._seen is None else dict(self._seen)

    def changes_seen(
        self,
        counters: Mapping[str, int],
        recent: Sequence[str] = (),
        before: Mapping[str, int] | None = None,
    ) -> None:
        """The counters as just read: drop what another process changed since the last read.
        ``recent``: the announcements of moved leads after ``leads_seen``, each its sequence
        number and lead ids, one per line, each id followed by the notes of its moves.
        ``before``: ``counters_seen()`` when the read began. This process's own announcements
        made while the read ran (``announced``) may have moved past what it found: that is no
        news, and no sign of a graph replaced, which only a counter behind ``before`` is
        (before, such a read dropped every lead kept: a Neo4j worker under claims did so every
        few seconds)."""
        with self._lock:
            self._polled_at = time.monotonic()
            seen = self._seen
            found = {kind: counters.get(kind, 0) for kind in (*SHARED, LEADS)}
            if seen is None:  # leads kept before the first read (the warm-up's) may be stale
                self._seen = found
                self._forget_leads()
                return
            since = before or seen
            back = {kind for kind in found if found[kind] < since[kind]}  # the graph replaced
            self._seen = {
                kind: found[kind] if kind in back else max(found[kind], seen[kind])
                for kind in found
            }
            self._forget(frozenset(k for k in SHARED if k in back or found[k] > seen[k]))
            last, now = seen[LEADS], found[LEADS]
            if LEADS in back:
                self._forget_leads()
                return
            if now <= last:  # nothing this process did not know (its own, or read already)
                return
            moved = {int(seq): ids for seq, *ids in (r.split("\n") for r in recent)}
            if any(seq not in moved for seq in range(last + 1, now + 1)):
                self._forget_leads()  # some were missed: drop every kept lead
                return
            for seq in range(last + 1, now + 1):
                notes = _notes(moved[seq])
                for lead_id in moved[seq]:
                    if NOTED not in lead_id:
                        self._forget_leads(
                            None if lead_id == ALL_LEADS else lead_id, notes.get(lead_id)
                        )

    def announced(self, counters: Mapping[str, int]) -> None:
        """This process moved these counters: a counter one past the last one read was moved
        by this write alone (nothing to drop); otherwise the next read sees the difference."""
        with self._lock:
            if self._seen is None:
                return
            for kind, counter in counters.items():
                if kind in self._seen and counter == self._seen[kind] + 1:
                    self._seen[kind] = counter

    def token(self, counter: int) -> tuple[int, int]:
        return counter, self._epoch

    def _keepable(self, token: tuple[int, int], counter: int) -> bool:
        """Whether a read that began at ``token`` may be kept: nothing changed meanwhile and
        no write transaction was or is open."""
        return self._open == 0 and token == (counter, self._epoch)

    def forget(self, kinds: frozenset[str] = EVERYTHING) -> None:
        with self._lock:
            self._forget(kinds)

    def _forget(self, kinds: frozenset[str]) -> None:
        for kind in kinds:
            self._generations[kind] += 1
        if REPS in kinds:
            self._directory = None
            self._rep_side = None
            self._answers = {}  # reports name reps and count their ties
            self._lead_changes += 1  # (an answer being read now is not kept)
        if ACTIVITY in kinds:
            self._activity = None
            self._activity_changes += 1
            self._activity_drops += 1
        if USERS in kinds:
            self._users = {}
        if GRAPH in kinds or ACTIVITY in kinds:
            self._forget_leads()

    def forget_lead(self, lead_id: str) -> None:
        """Read this lead (its view, stream, standing) from the graph next time."""
        with self._lock:
            self._forget_leads(lead_id)

    def _forget_leads(self, lead_id: str | None = None, note: _Note | None = None) -> None:
        """Drop a lead's view, stream and standing, and its company's owners (every lead's,
        with None); with another process's ``note`` of its move, the owners kept follow it
        when they can (``_noted_owners``)."""
        moved = getattr(self._local, "moved", None)
        if moved is not None and lead_id is not None:
            moved.add(lead_id)
        self._lead_changes += 1
        now = self._lead_changes
        self._answers = {}  # one moved lead changes every answer made from all of them
        if lead_id is None or len(self._dropped) >= 2 * LEADS_KEPT:
            self._dropped_all = self._dropped_all_owners = now
            self._dropped, self._dropped_owners = {}, {}
        if lead_id is None:
            self._leads, self._streams, self._standings = {}, {}, {}
            self._companies, self._owners = {}, {}
            return
        self._dropped[lead_id] = now
        self._leads.pop(lead_id, None)
        self._streams.pop(lead_id, None)
        self._standings.pop(lead_id, None)
        company = self._companies.get(lead_id)
        if company is None:
            self._owners = {}
            self._dropped_all_owners = now
            self._dropped_owners = {}
        else:
            self._dropped_owners[company] = now  # a read of them meanwhile is not kept
            for statuses in self._owner_statuses:
                key = (company, statuses)
                owned = None if note is None else self._noted_owners(key, note)
                if owned is None:
                    self._owners.pop(key, None)
                else:
                    self._owners[key] = owned

    def _noted_owners(
        self, key: tuple[str, tuple[str, ...]], note: _Note
    ) -> tuple[list[OwnedLead], float] | None:
        """A company's owners kept, as another process's move of one of its leads left them:
        the lead's claim added, when they were read CLOCK_MARGIN before it was made. None when
        they must be read again."""
        kept = self._owners.get(key)
        company, statuses = key
        if kept is None or (note.before_status in statuses and note.before_owner):
            return None  # which of the company's owned leads was this one is not known
        owned, at = kept
        if note.after_status not in statuses or not note.after_owner:
            return kept  # a move the owners do not count (an offer)
        read_at = time.time() - (time.monotonic() - at)  # kept once read: read before that
        if note.claimed_at is None or note.claimed_at.timestamp() - read_at < CLOCK_MARGIN:
            return None  # the read may hold the claim, and a later move of its lead
        return [*owned, OwnedLead(company, note.after_owner, note.claimed_at)], at

    @property
    def keeps_moves(self) -> bool:
        """Whether a transaction that only moved leads leaves them in memory as it moved them
        (``ended``): where nothing else writes the graph, or where every process announces
        the leads it moves, so that what another one moved meanwhile is dropped (Neo4j)."""
        return self.single_writer or self.announces_leads

    def _expired(self, loaded_at: float, ttl: float) -> bool:
        return not self.single_writer and time.monotonic() - loaded_at > ttl

    def activity_due(self) -> bool:
        """Whether the workloads kept are past READ_AHEAD of their TTL (never where this
        process is the only writer: nothing expires there)."""
        return self._due(self._activity, ACTIVITY_TTL)

    def directory_due(self) -> bool:
        """Whether the rep directory kept is past READ_AHEAD of its TTL (as ``activity_due``)."""
        return self._due(self._directory, REP_DIRECTORY_TTL)

    def _due(self, kept: ActivitySnapshot | RepDirectory | None, ttl: float) -> bool:
        return kept is not None and self._expired(kept.loaded_at, ttl * READ_AHEAD)

    def _lead_ttl(self) -> float:
        return ANNOUNCED_LEAD_TTL if self.announces_leads else LEAD_TTL

    def generation(self, *kinds: str) -> tuple[int, ...]:
        return tuple(self._generations[kind] for kind in kinds)

    def rolled_back(self) -> None:
        """A write transaction failed or is being run again: what it wrote may or may not
        have happened. What it wrote is dropped, and the leads it moved with the activity
        their moves changed in place (lead_moved); nothing read in it was kept
        (``_unchanged``). A transaction that wrote nothing (a claim refused before its move,
        or by the graph's answer to it) drops nothing: where every claim is a transaction
        (Neo4j), each refused claim dropped every lead and the activity kept."""
        written = frozenset(getattr(self._local, "kinds", None) or ())
        moved = set(getattr(self._local, "moved", None) or ())
        if getattr(self._local, "followed", None) is not None:
            self._local.followed = {}  # nothing it moved is kept as moved
        self._local.notes = None  # its moves are announced by id only: nobody follows them
        with self._lock:
            self._forget(written)
            for lead_id in moved:
                self._forget_leads(lead_id)
            if moved and ACTIVITY not in written:
                self._activity = None
                self._activity_changes += 1
                self._activity_drops += 1
                self._generations[ACTIVITY] += 1

    def lead_moved(self, move: LeadMove) -> None:
        """A lead moved (a claim, a release, an outcome): the kept activity follows in place
        rather than being read again with three scans. A transaction that then fails calls
        ``rolled_back``."""
        with self._lock:
            self._lead_moved(move)

    def _lead_moved(self, move: LeadMove) -> None:
        moved = getattr(self._local, "moved", None)
        if moved is not None:  # first: a failure below still has the rollback drop it
            moved.add(move.lead_id)
        self._to_announce(move.lead_id, move)
        followed = getattr(self._local, "followed", None)
        left = None
        if followed is not None and self.keeps_moves:
            first = move.lead_id not in followed  # moved twice: read again after commit
            left = self._after(move) if first else None
        self._forget_leads(move.lead_id)
        if followed is not None and self.keeps_moves:
            followed[move.lead_id] = left and dataclasses.replace(left, since=self._lead_changes)
        self._activity_changes += 1
        self._generations[ACTIVITY] += 1
        kept = self._activity
        if kept is None:
            return
        open_statuses, assignment_kinds, breach_kinds = kept.key
        before = kept.found
        changes: dict[str, RepActivity] = {}
        idle = RepActivity()

        def now(rep_id: str) -> RepActivity:
            return changes.get(rep_id) or before.get(rep_id, idle)

        def change(rep_id: str | None, **values: object) -> None:
            if rep_id:
                changes[rep_id] = dataclasses.replace(now(rep_id), **values)  # type: ignore[arg-type]

        if move.before_status in open_statuses and move.before_owner:
            change(move.before_owner, open_leads=now(move.before_owner).open_leads - 1)
        if move.after_status in open_statuses and move.after_owner:
            change(move.after_owner, open_leads=now(move.after_owner).open_leads + 1)
        rep = move.event_rep
        if rep and move.event_kind in assignment_kinds:
            last = now(rep).last_assigned_at
            change(rep, last_assigned_at=move.at if last is None else max(last, move.at))
        breach = bool(rep and move.event_kind in breach_kinds and move.at >= kept.breaches_since)
        if rep and breach:
            change(rep, breaches=tuple(sorted((*now(rep).breaches, move.at))))
        after = dataclasses.replace(kept, found=before.moved(changes))
        if "oldest_breach" in vars(kept):  # worked out for the activity before: carried on
            oldest = kept.oldest_breach
            if breach:
                oldest = move.at if oldest is None else min(oldest, move.at)
            vars(after)["oldest_breach"] = oldest
        self._activity = after

    def _after(self, move: LeadMove) -> _Followed | None:
        """The lead's view, stream and company owners after the move, from those kept."""
        if move.state is None or move.event is None:
            return None
        before = self._fresh(self._leads, move.lead_id, self._lead_ttl())
        view = None
        if before is not None:
            values = move.state.values()
            if values["value"] is None:  # the stored value stays (LeadState.value)
                values["value"] = before.value
            view = dataclasses.replace(before, **values)
        stream = self._fresh(self._streams, move.lead_id, self._lead_ttl())
        if stream is not None:  # oldest first, as read (lead_events: ORDER BY at, id)
            stream = sorted([*stream, move.event], key=Event.stream_order)
        owners: dict[tuple[str, tuple[str, ...]], tuple[list[OwnedLead], float]] = {}
        company = self._companies.get(move.lead_id)
        if view is None or company is None:
            return _Followed(view=view, stream=stream, owners=owners)
        for statuses in self._owner_statuses:
            key = (company, statuses)
            owned = self._fresh(self._owners, key, self._lead_ttl())
            if owned is None or (move.before_status in statuses and move.before_owner):
                continue  # which of the company's entries was this lead's is not known
            if move.after_status in statuses and move.after_owner:
                mine = OwnedLead(company, move.after_owner, view.claimed_at, view.created_at)
                owned = [*owned, mine]
            owners[key] = (owned, self._owners[key][1])
        return _Followed(view=view, stream=stream, owners=owners)

    def activity_changes(self) -> tuple[int, int, int]:
        """Read it before reading the activity from the graph, and pass it to
        ``keep_activity`` (a change meanwhile makes the read stale)."""
        return (*self.token(self._activity_changes), self._activity_drops)

    # --- reading and keeping --------------------------------------------------------------

    def directory(self) -> RepDirectory | None:
        directory = self._directory
        if directory is None or self._expired(directory.loaded_at, REP_DIRECTORY_TTL):
            return None
        return directory

    def keep_directory(self, directory: RepDirectory, reps_before: int) -> None:
        """Keep it if reps did not change while it was read (``reps_before``: the REPS
        generation taken before reading)."""
        with self._lock:
            if self._generations[REPS] == reps_before:
                self._directory = directory

    def rep_side(self) -> RepSide | None:
        side = self._rep_side
        if side is None or self._expired(side.loaded_at, REP_NETWORK_TTL):
            return None
        return side

    def keep_rep_side(self, side: RepSide, reps_before: int) -> None:
        """Keep it if reps, ties, employments or studies did not change (here, or announced by
        another process) while it was read: a network read across another worker's import
        would otherwise be kept for the whole TTL."""
        with self._lock:
            self.rep_network_read_at = side.loaded_at
            if self._generations[REPS] == reps_before:
                self._rep_side = side

    def activity(self, key: ActivityKey, breaches_since: datetime) -> dict[str, RepActivity] | None:
        """The activity kept for these kinds, when fresh and read with breaches from no later
        than ``breaches_since`` (the breaches before it are left out)."""
        kept = self._activity
        if (
            kept is None
            or kept.key != key
            or self._expired(kept.loaded_at, ACTIVITY_TTL)
            or kept.breaches_since > breaches_since
        ):
            return None
        oldest = kept.oldest_breach
        if oldest is None or oldest >= breaches_since:
            return kept.found  # read-only for callers: a move replaces it, never changes it
        return {
            rep_id: act
            if not act.breaches or act.breaches[0] >= breaches_since
            else dataclasses.replace(
                act, breaches=tuple(b for b in act.breaches if b >= breaches_since)
            )
            for rep_id, act in kept.found.items()
        }

    def held(self, statuses: Sequence[str], rep_id: str) -> int | None:
        """How many leads the rep holds in these statuses by the activity kept (which follows
        every move of this process in place), or None when none is kept for these statuses.
        Exact only where this store is the only writer (``single_writer``)."""
        kept = self._activity
        if kept is None or kept.key[0] != tuple(statuses):
            return None
        if self._expired(kept.loaded_at, ACTIVITY_TTL):
            return None
        found = kept.found.get(rep_id)
        return 0 if found is None else found.open_leads

    def keep_activity(
        self,
        key: ActivityKey,
        breaches_since: datetime,
        found: dict[str, RepActivity],
        changes_before: tuple[int, int, int],
    ) -> None:
        """Keep what was read, unless the activity changed while it was being read.

        Where this store is the only writer, a move of this process meanwhile (or a write
        transaction open) makes the read stale: the kept activity is exact there, and claims
        count a rep's leads from it (``held``). Where other processes write, what is kept is
        up to ACTIVITY_TTL behind theirs anyway, and claims count in the graph: a read is kept
        unless a write dropped the activity meanwhile (a move of this process it may have
        missed shows within the TTL, as another process's). Under a stream of claims every
        read overlapped a move, so none was kept and each ranking read it again."""
        with self._lock:
            if self.single_writer:
                keepable = self._keepable(changes_before[:2], self._activity_changes)
            else:
                keepable = not self.in_transaction() and changes_before[2] == self._activity_drops
            if keepable:
                self._activity = ActivitySnapshot(
                    key, breaches_since, RepActivities.of(found), time.monotonic()
                )

    def lead_changes(self) -> tuple[int, int]:
        """A counter of changes to leads: read it before reading a lead or its stream, and
        pass it to ``keep_lead`` / ``keep_stream``."""
        return self.token(self._lead_changes)

    def _fresh(self, kept: Mapping[K, tuple[T, float]], key: K, ttl: float) -> T | None:
        found = kept.get(key)
        return None if found is None or self._expired(found[1], ttl) else found[0]

    def _keep(
        self,
        kept: dict[K, tuple[T, float]],
        values: Mapping[K, T],
        limit: int,
        changes_before: tuple[int, int],
    ) -> bool:
        """Keep answers made from every lead if nothing changed meanwhile (True when kept)."""
        with self._lock:
            if not self._keepable(changes_before, self._lead_changes):
                return False
            self._put(kept, values, limit)
            return True

    def _put(self, kept: dict[K, tuple[T, float]], values: Mapping[K, T], limit: int) -> None:
        """A full map makes room by dropping the entry kept longest ago (the warm-up's open
        leads are not all lost to a burst of other reads)."""
        now = time.monotonic()
        for key, value in values.items():
            if kept.pop(key, None) is None and len(kept) >= limit:
                del kept[next(iter(kept))]
            kept[key] = (value, now)

    def _unchanged(
        self, keys: Iterable[str], changes_before: tuple[int, int], *, owners: bool = False
    ) -> list[str]:
        """Of the leads (``owners``: the companies whose owned leads) a read found, those not
        dropped since it began: neither moved here nor announced by another process meanwhile.
        Nothing read in a write transaction is kept (it may see its uncommitted writes); what
        another thread's open transaction writes is dropped again when it ends (``ended``)."""
        since = changes_before[0]
        if self.in_transaction():
            return []
        if since == self._lead_changes:
            return list(keys)
        every, dropped = (
            (self._dropped_all_owners, self._dropped_owners)
            if owners
            else (self._dropped_all, self._dropped)
        )
        if every > since:
            return []
        return [key for key in keys if dropped.get(key, 0) <= since]

    def lead(self, lead_id: str) -> LeadView | None:
        return self._fresh(self._leads, lead_id, self._lead_ttl())

    def keep_lead(self, lead: LeadView, changes_before: tuple[int, int]) -> None:
        self.keep_leads([lead], changes_before)

    def keep_leads(self, leads: Sequence[LeadView], changes_before: tuple[int, int]) -> None:
        """Keep lead views (one, or many read together: every open lead, at start-up)."""
        views = {lead.id: lead for lead in leads}
        with self._lock:
            unchanged = self._unchanged(views, changes_before)
            if not unchanged:
                return
            self._put(self._leads, {i: views[i] for i in unchanged}, LEADS_KEPT)
            if len(self._companies) >= 2 * LEADS_KEPT:
                self._companies, self._owners = {}, {}
            self._companies.update((i, views[i].company.id) for i in unchanged)

    def owners(self, company_id: str, statuses: Sequence[str]) -> list[OwnedLead] | None:
        """The owned leads at a company kept by ``keep_owners`` (a copy: at least the one that
        makes the account's owner; a read of one company keeps that one alone), or None.
        Dropped when one of the company's leads moves (here, or announced by another
        process; or any lead whose company is not known), and expire as the leads. Another
        process's claim noted with its announcement is added instead (``_noted_owners``:
        with its claim time, not its creation; twice when the read had it already, which
        changes no owner)."""
        found = self._fresh(self._owners, (company_id, tuple(statuses)), self._lead_ttl())
        return None if found is None else list(found)

    def keep_owners(
        self,
        statuses: Sequence[str],
        found: Mapping[str, Sequence[OwnedLead]],
        changes_before: tuple[int, int],
    ) -> None:
        """Keep the owned leads of these companies (by company id) read together."""
        with self._lock:
            self._owner_statuses.add(tuple(statuses))
            kept = {
                (company_id, tuple(statuses)): list(found[company_id])
                for company_id in self._unchanged(found, changes_before, owners=True)
            }
            self._put(self._owners, kept, LEADS_KEPT)

    def stream(self, lead_id: str) -> list[Event] | None:
        found = self._fresh(self._streams, lead_id, self._lead_ttl())
        return None if found is None else list(found)

    def keep_stream(
        self, lead_id: str, events: list[Event], changes_before: tuple[int, int]
    ) -> None:
        self.keep_streams({lead_id: events}, changes_before)

    def keep_streams(
        self, streams: Mapping[str, list[Event]], changes_before: tuple[int, int]
    ) -> None:
        """Keep leads' whole activity streams (copies: the caller keeps its lists)."""
        with self._lock:
            unchanged = self._unchanged(streams, changes_before)
            self._put(self._streams, {i: list(streams[i]) for i in unchanged}, LEADS_KEPT)

    def standing(self, lead_id: str) -> object | None:
        """What another repository derived from one lead (its standing among connected
        leads), kept and dropped like the lead itself."""
        return self._fresh(self._standings, lead_id, self._lead_ttl())

    def keep_standing(self, lead_id: str, value: object, changes_before: tuple[int, int]) -> None:
        with self._lock:
            if self._unchanged([lead_id], changes_before):
                self._put(self._standings, {lead_id: value}, LEADS_KEPT)

    def answer(self, key: Hashable) -> object | None:
        """An answer kept by ``keep_answer`` (``lead_changes`` before reading it), or None."""
        found = self._answers.get(key)
        if found is not None and time.monotonic() - found[1] > ANSWER_MAX_AGE:
            return None
        return self._fresh(self._answers, key, ANSWER_TTL)

    def keep_answer(self, key: Hashable, value: object, changes_before: tuple[int, int]) -> None:
        self._keep(self._answers, {key: value}, ANSWERS_KEPT, changes_before)

    def user(self, token_hash: str) -> User | None:
        kept = self._users.get(token_hash)
        ttl = ANNOUNCED_USER_TTL if self.announces_leads else USER_TTL
        if kept is None or self._expired(kept[1], ttl):
            return None
        return kept[0]

    def keep_user(self, token_hash: str, user: User, users_before: int) -> None:
        """Keep it unless users were dropped while it was read (``users_before``: the USERS
        generation taken before reading): a user erased meanwhile is not kept again."""
        with self._lock:
            if self._generations[USERS] != users_before:
                return
            if len(self._users) >= USERS_KEPT:
                self._users = {}
            self._users[token_hash] = (user, time.monotonic())
