"""The one query runner under every repository: named queries in, rows out.

An adapter supplies how to run a query (``_run_read`` / ``_run_write``, optionally
``_run_read_table``), transactions and the schema. Everything else runs queries through
``_read`` / ``_write`` / ``_read_table`` here: the one place that times each named query (the
API's metrics) and, on the write path, tells the caches what the statement changed.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
import types
import typing
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import pyarrow as pa

from cypher import QueryCatalog
from graph.errors import NeedsGraph, StoreError, StoreUnavailable
from graph.store import caches as kept
from graph.store.announcer import Announcer, announcements
from graph.store.caches import LEADS, SHARED, StoreCaches

Row = dict[str, Any]
T = TypeVar("T")
R = TypeVar("R")
logger = logging.getLogger(__name__)

CLOSE_AHEAD_SECONDS = 30.0
"""How long ``close`` waits for a read ahead still running (a Neo4j round trip's retries)."""

_thread = threading.local()


@contextmanager
def from_memory(*, but_writes: bool = False) -> Iterator[None]:
    """Within it, a query of any store in this thread raises NeedsGraph instead of running:
    for work that is cheap when what it needs is kept in memory (a ranking of a warm lead),
    which the caller runs in place, and again off the event loop when it needs the graph.

    ``but_writes``: a write may run (a claim's move, on a store that writes alone, when its
    write lock is free at once: ``in_place``), and once one has started nothing raises for the
    rest of the block: the work goes on in place from there, so NeedsGraph only ever comes
    before anything was written, and running the work again elsewhere is safe."""
    before = (
        getattr(_thread, "memory_only", False),
        getattr(_thread, "writes_in_place", False),
    )
    _thread.memory_only, _thread.writes_in_place = True, but_writes
    try:
        yield
    finally:
        _thread.memory_only, _thread.writes_in_place = before


def needs_graph(what: str, *, write: bool = False) -> None:
    """Say that the work about to be done needs the graph: within ``from_memory`` this raises
    NeedsGraph (before taking a lock that a long read may hold, before a poll of the graph);
    ``write``: a write, which ``from_memory(but_writes=True)`` lets run, and everything after it."""
    if getattr(_thread, "memory_only", False):
        if not (write and getattr(_thread, "writes_in_place", False)):
            raise NeedsGraph(what)
        _thread.memory_only = False  # written: the rest of the work runs here


def in_place() -> bool:
    """Whether this thread runs work in place that may write (``from_memory(but_writes=True)``)
    and has not written yet: a lock it would wait for is NeedsGraph instead."""
    memory_only = getattr(_thread, "memory_only", False)
    return bool(memory_only and getattr(_thread, "writes_in_place", False))


Params = Mapping[str, Any] | None
Progress = Callable[[str, int, int], None]
"""Called as ``progress(table, rows_done, rows_total)`` during long loads."""
QueryObserver = Callable[[str, float], None]
"""Called as ``observer(query_name, seconds)`` after each named query (the API's metrics)."""

WRITE_BATCH = 5_000
POINT_QUERY_LEADS = 20
"""Up to this many leads, point queries per lead beat one scan over every lead."""


def batches(rows: Sequence[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(rows), size):
        yield list(rows[start : start + size])


TIME, TUPLE, PLAIN = "time", "tuple", "plain"
"""How a record's field is read from a row (``record_shape``)."""
_SHAPES: dict[type, tuple[tuple[str, str, Any], ...]] = {}


def record_shape(record_type: type) -> tuple[tuple[str, str, Any], ...]:
    """(field, how its value is read, its default or MISSING) for each field of a record
    dataclass, worked out once per class (rows become records and records rows by the million)."""
    known = _SHAPES.get(record_type)
    if known is not None:
        return known
    hints = typing.get_type_hints(record_type)
    shape = []
    for f in dataclasses.fields(record_type):
        hint = hints[f.name]
        if typing.get_origin(hint) in (typing.Union, types.UnionType):
            hint = next(k for k in typing.get_args(hint) if k is not type(None))
        kind = typing.get_origin(hint) or hint
        how = TIME if kind is datetime else TUPLE if kind is tuple else PLAIN
        shape.append((f.name, how, f.default))
    _SHAPES[record_type] = tuple(shape)
    return _SHAPES[record_type]


def as_row(record: Any) -> Row:
    """A record dataclass as query parameters (tuples as lists)."""
    row: Row = {}
    for name, _, _ in record_shape(type(record)):
        value = getattr(record, name)
        row[name] = list(value) if isinstance(value, tuple) else value
    return row


def utc(value: datetime | None) -> datetime | None:
    """A timestamp read from the graph as an aware UTC datetime (LadybugDB returns naive
    values that are UTC; Neo4j returns aware ones)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_AS_THEY_ARE = frozenset({str, int, float, bool, type(None), date})
"""Types whose values are passed as they are (``datetime``, a subclass of ``date``, is not)."""


def utc_params(value: Any) -> Any:
    """Query parameters with every timestamp as an aware UTC datetime: the one convention at
    every adapter's boundary. A naive value (an import's "2026-11-01 09:00") is taken as UTC;
    an aware one is converted. Otherwise Neo4j would store LocalDateTime and DateTime side by
    side (they compare as null) and LadybugDB would keep a foreign zone's clock time."""
    if type(value) in _AS_THEY_ARE:  # most values: asked first (an import passes millions)
        return value
    if isinstance(value, datetime):
        return utc(value)
    if isinstance(value, dict):
        return {k: utc_params(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [utc_params(v) for v in value]
    return value


def first_count(rows: list[Row], column: str) -> int:
    """The count a write query returns in its one row (``written``, ``removed``), 0 without."""
    return int(rows[0][column]) if rows else 0


class QueryRunner:
    """Runs the named queries of one dialect's catalog for every repository of a store."""

    backend = "abstract"
    transaction_rows: int | None = None
    """How many rows an import may write in one transaction (None: no limit)."""
    shares_graph = False
    """Whether other processes may write this graph (Neo4j: API workers, the CLI): writes of
    what stores keep for long are announced, and others' announcements read (caches.py)."""
    reads_id_lists = False
    """Whether one query over a list of ids (``UNWIND $ids``) finds each by its index. Neo4j
    does, and saves a round trip per id; LadybugDB joins the list with the whole table (about
    1 s whatever its length), so point queries per id are cheaper there."""
    query_observer: QueryObserver | None = None
    """Told the name and duration of every named query an adapter runs (the API sets it)."""
    _announcer: Announcer | None = None
    _reads_ahead = False

    def __init__(self, catalog: QueryCatalog) -> None:
        self.catalog = catalog
        self.caches = StoreCaches()
        self._kept: dict[str, Any] = {}
        self._ahead: dict[str, threading.Thread] = {}
        """The last read ahead of each projection, by its first query (``read_ahead``)."""

    @property
    def keeps_bulk_reads(self) -> bool:
        """Whether what is read of many leads at once may be kept: where this process is the
        only writer of its graph (LadybugDB read-write), or where every process announces the
        leads it writes (Neo4j: caches.py ``LEADS``). Elsewhere leads are kept for LEAD_TTL
        (2 s) at most, which a read of every open lead outlasts."""
        return self.caches.single_writer or self.caches.announces_leads

    @property
    def writes_alone(self) -> bool:
        """Whether a write transaction here has the graph to itself from its start (LadybugDB
        read-write: the one writer of the file, its transactions one after the other): what it
        reads before its first write cannot change before that write."""
        return self.caches.single_writer

    def kept(self, name: str, make: Callable[[], T]) -> T:
        """What another layer derives from this store and keeps as long as the store lives
        (routing's ranking cache), made on first use. It must check freshness itself
        (``cache_generation``)."""
        found = self._kept.get(name)
        if found is None:
            found = self._kept.setdefault(name, make())
        return found  # type: ignore[no-any-return]

    def kept_answer(self, key: Hashable, make: Callable[[], T]) -> T:
        """What a page derives from the graph (every lead, a report), by ``key`` (which must
        name all it depends on: the viewer, the arguments, the policy), kept until this process
        writes anything but a user, another process's write of reps or the graph is announced,
        or ``ANSWER_TTL`` (other processes' lead writes) / ``ANSWER_MAX_AGE`` pass."""
        self._fresh_changes()
        found = self.caches.answer(key)
        if found is not None:
            return found  # type: ignore[return-value]
        changes_before = self.caches.lead_changes()
        made = make()
        self.caches.keep_answer(key, made, changes_before)
        return made

    # --- to be supplied by the adapter -----------------------------------------------------

    def _run_read(self, name: str, params: Params = None) -> list[Row]:
        raise NotImplementedError

    def _run_write(self, name: str, params: Params = None) -> list[Row]:
        raise NotImplementedError

    def _run_read_table(self, name: str, params: Params = None) -> pa.Table:
        """A query's rows as an Arrow table (adapters may read them without per-row Python)."""
        return pa.Table.from_pylist(self._run_read(name, params))

    def setup_schema(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def atomic(self) -> AbstractContextManager[None]:
        """Everything written inside is one transaction (imports: long, never re-run)."""
        raise NotImplementedError

    def bulk_writes(self) -> AbstractContextManager[bool]:
        """Writes of a large import, in bulk and undone as a whole on failure, where the
        adapter can (yields True); here it cannot: the caller writes as usual."""
        return nullcontext(False)

    def run_atomic(self, unit: Callable[[], T], *, one_write: bool = False) -> T:
        """Run a short unit of work (reads and writes, no other side effects) as one write
        transaction. Adapters whose transactions can fail transiently (Neo4j: deadlocks, a
        restarted server) run it again from the start; so ``unit`` must be safe to re-run.
        ``one_write``: the unit writes with one statement at most (a claim's move), which an
        adapter whose writers are serialised may run without a transaction around it."""
        with self.atomic():
            return unit()

    # --- other processes' writes ----------------------------------------------------------

    def _announce(self, kinds: frozenset[str]) -> None:
        """Tell other processes that this one has written (and committed) these kinds, and
        the leads it moved (caches.py ``LEADS``): at once, or by the announcer's thread
        when there is one (``announce_in_background``)."""
        leads = self.caches.announcement(kinds)  # this thread's moves: taken in this thread
        shared = kinds & SHARED
        if not self.shares_graph or not (shared or leads):
            return
        if self._announcer is not None:
            self._announcer.add(shared, leads)
            return
        for announcement in announcements(shared, leads):
            self._send_announcement(announcement)

    def _send_announcement(self, announcement: Mapping[str, Any]) -> bool:
        """One ``announce_changes`` transaction: whether it went through. A failure is logged
        (what was written stays written: the TTLs remain) and, when it named leads, makes
        this process's next announcement name every lead (the announcer also tries it
        again)."""
        params = {**announcement, "kept": kept.LEADS_ANNOUNCED}
        try:
            rows = self._timed(self._run_write, "announce_changes", params, write=True)
        except (StoreError, StoreUnavailable) as exc:
            logger.warning(
                "a write of %s was not announced to other processes: %s", params["kinds"], exc
            )
            if params["lead_ids"]:
                self.caches.unannounced()
            return False
        self.caches.announced({str(r["kind"]): int(r["seq"]) for r in rows})
        return True

    def announce_in_background(self) -> None:
        """From now on, send this store's announcements from a thread of their own
        (graph/store/announcer.py), so that a write does not wait for its announcement; the
        API's server does. ``close`` sends what is left. Nothing to do where no other process
        writes the graph."""
        if self.shares_graph and self._announcer is None:
            self._announcer = Announcer(self._send_announcement)

    def flush_announcements(self) -> bool:
        """Wait until what this store announced so far has been sent (at once without an
        announcer); False if that took too long."""
        return True if self._announcer is None else self._announcer.flush()

    def read_ahead(self) -> None:
        """From now on, read the workloads and the rep directory again in a thread of their
        own once they are past READ_AHEAD of their TTL, serving what is kept meanwhile: the
        requests that would find them expired then find them read (the API's server does;
        caches.py ``READ_AHEAD``). Nothing changes where this process is the only writer."""
        self._reads_ahead = True

    def _close_background(self) -> None:
        """Send what waits and stop the announcer's thread, and wait for a read ahead still
        running (adapters call it as they close)."""
        if self._announcer is not None:
            self._announcer.close()
        self._reads_ahead = False
        for ahead in list(self._ahead.values()):
            ahead.join(CLOSE_AHEAD_SECONDS)

    def _announce_moves(self) -> None:
        """A lead moved by one statement outside any transaction: announce it now (inside
        one, it is announced when the transaction commits)."""
        if self.shares_graph and not self.caches.in_transaction():
            self._announce(frozenset())

    def _one_read_at_a_time(
        self,
        lock: threading.Lock,
        name: str,
        kept: Callable[[], T | None],
        read: Callable[[], T],
        due: Callable[[], bool] | None = None,
    ) -> T:
        """What is kept, else one read of it at a time (``name``: its first query): the
        requests that find it expired meanwhile wait for that read and use what it kept,
        instead of making their own (the workloads' three scans on Neo4j under load: five or
        so at each expiry). In place (``from_memory``) it never waits for the lock. With
        ``read_ahead``, what is kept and ``due`` is read again in a thread of its own (one at
        a time, under the same lock) while it is served."""
        found = kept()
        if found is not None:
            if self._reads_ahead and due is not None and due() and lock.acquire(blocking=False):
                self._read_ahead_of_expiry(lock, name, read)
            return found
        needs_graph(name)
        with lock:
            found = kept()
            return read() if found is None else found

    def _read_ahead_of_expiry(self, lock: threading.Lock, name: str, read: Callable[[], T]) -> None:
        """``read`` in a new thread, which releases ``lock`` (held by the caller) when done; a
        failure is logged, and the requests after the expiry read it themselves."""

        def run() -> None:
            try:
                read()
            except Exception as exc:  # what is kept still serves until it expires
                logger.warning("reading %s ahead of its expiry failed: %s", name, exc)
            finally:
                lock.release()

        thread = threading.Thread(target=run, name=f"warmpath-read-ahead-{name}", daemon=True)
        try:
            thread.start()
        except RuntimeError as exc:  # no thread to be had: the requests after expiry read it
            lock.release()
            logger.warning("reading %s ahead of its expiry: no thread started: %s", name, exc)
            return
        self._ahead[name] = thread

    def _fresh_changes(self) -> None:
        """Before using what is kept: read other processes' announcements, if due."""
        if self.shares_graph and self.caches.changes_due():
            before = self.caches.counters_seen()
            seen = -1 if before is None else before[LEADS]
            rows = self._read("read_changes", {"leads_seen": seen})
            recent = [str(r) for row in rows if row["kind"] == LEADS for r in row["recent"] or ()]
            counters = {str(r["kind"]): int(r["seq"]) for r in rows}
            self.caches.changes_seen(counters, recent, before)

    # --- the one way every named query runs ------------------------------------------------

    def _timed(
        self, run: Callable[[str, Params], R], name: str, params: Params, *, write: bool = False
    ) -> R:
        needs_graph(name, write=write)
        observer = self.query_observer
        if observer is None:
            return run(name, params)
        started = time.perf_counter()
        try:
            return run(name, params)
        finally:
            observer(name, time.perf_counter() - started)

    def _read(self, name: str, params: Params = None) -> list[Row]:
        return self._timed(self._run_read, name, params)

    def _read_table(self, name: str, params: Params = None) -> pa.Table:
        return self._timed(self._run_read_table, name, params)

    @contextmanager
    def _writing(self, name: str) -> Iterator[None]:
        """Around every write, of one statement or of batches (even none): whatever the
        outcome, the caches drop what the query may have changed."""
        try:
            yield
        finally:
            self.caches.written(name)

    def _write(self, name: str, params: Params = None) -> list[Row]:
        with self._writing(name):
            return self._timed(self._run_write, name, params, write=True)

    # --- batching -----------------------------------------------------------------------------

    def _write_rows(self, name: str, records: Sequence[Any]) -> list[Row]:
        """Every row a write query returns, for records passed as ``$rows`` in batches."""
        rows: list[Row] = []
        with self._writing(name):
            for batch in batches([as_row(r) for r in records], WRITE_BATCH):
                rows.extend(self._write(name, {"rows": batch}))
        return rows

    def _write_records(self, name: str, records: Sequence[Any]) -> int:
        """Write records through a query that takes them as ``$rows`` and returns ``written``."""
        return sum(int(row["written"]) for row in self._write_rows(name, records))

    def _merge(
        self, name: str, rows: Sequence[Row], progress: Progress | None = None, label: str = ""
    ) -> int:
        """Write plain rows as ``$rows`` in batches; returns the sum of ``written`` (a query may
        leave out rows it has nothing to write for: progress counts the rows sent)."""
        written = sent = 0
        with self._writing(name):
            for batch in batches(rows, WRITE_BATCH):
                written += first_count(self._write(name, {"rows": batch}), "written")
                sent += len(batch)
                if progress is not None:
                    progress(label or name, sent, len(rows))
        return written

    def _write_in_batches(
        self, name: str, key: str, items: Sequence[Any], *, count: str, **params: Any
    ) -> int:
        """Run a write query that takes a list ``$key`` (and ``params``) in batches; returns
        the sum of the ``count`` column (``written``, ``removed``) it returns."""
        with self._writing(name):
            return sum(
                first_count(self._write(name, {key: batch, **params}), count)
                for batch in batches(items, WRITE_BATCH)
            )

    def _read_in_batches(self, name: str, key: str, items: Sequence[Any]) -> Iterator[Row]:
        """Rows of a query that takes a list ``$key``, asked in batches of WRITE_BATCH."""
        for batch in batches(items, WRITE_BATCH):
            yield from self._read(name, {key: batch})
