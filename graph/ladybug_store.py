"""The embedded LadybugDB adapter (the default backend).

LadybugDB allows one writer at a time and errors (rather than waits) on a second one, so every
write in this process goes through one lock (a bulk import's copies run in a thread of their own
while the importing thread holds it); reads run concurrently, one connection per thread.
The database file is locked by the process that opens it read-write; read-only opens (the CLI's
read commands) can share it.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from datetime import date, datetime
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

import ladybug
import pyarrow as pa

from cypher import QueryCatalog, load_catalogs
from graph.errors import DatabaseLocked, NeedsGraph, StoreError, StoreUnavailable
from graph.files import sync_file, sync_folder
from graph.model import OrgSnapshot, RecordTable
from graph.settings import SIDECARS, LadybugSettings
from graph.snapshot import NODE_TABLES, REL_ENDPOINTS, check_keys, ordered_ties
from graph.store import (
    SNAPSHOT_LOAD_ORDER,
    CypherGraphStore,
    Progress,
    Row,
    in_place,
    utc_params,
)
from graph.store.caches import GRAPH, REPS, changed_by

log = logging.getLogger(__name__)

T = TypeVar("T")
LOCKS = frozenset({"lock_rep", "lock_lead"})
"""Statements that take a lock before a read (Neo4j) and change nothing else: LadybugDB's one
writer holds every lock, so in a unit of one write they may run besides its write."""
WRITE_LOCK = threading.RLock()
"""Process-wide: LadybugDB has a single writer."""

LOG_TIDY_BYTES = (128 * 1024, 2 * 1024 * 1024)
"""A write-ahead log between these sizes, holding only the lifecycle's writes (leads, events,
users), is folded into the file after the commit that grew it (``LadybugStore.tidy_log``).
LadybugDB reads a table's rows changed since the last checkpoint through the log, and those
reads slow down as it grows: after 2,000 lead updates a company's owners took 0.51 ms instead
of 0.10 and a rep's held leads 2.95 ms instead of 0.50, while the checkpoint that restores them
took 5-12 ms (the small organisation). So a server's claims, offers and events keep the log
small. A log that holds an import's writes (people, ties, employments: ``BULK_KINDS``), or
grew past the band, is left to LadybugDB's own threshold, a backup or the next open: its
checkpoint rewrites pages all over the file (seconds on a 2M-person graph)."""
BULK_KINDS = frozenset({REPS, GRAPH})

UNDO_MAX_BYTES = 256 * 1024**2
"""A bulk import (``LadybugStore.bulk_writes``) first copies the database file, its undo: done
while the file is at most this large (a first bootstrap, into a graph of reps and leads, copies
a few megabytes); a larger graph imports in one transaction instead."""
COPIED = {
    "create_people": ("Person", ()),
    "create_companies": ("Company", ()),
    "create_ties": ("KNOWS", ("a", "b")),
    "create_employments": ("WORKS_AT", ("person_id", "company_id")),
}
"""The writes of records known to be new that a bulk import runs as ``COPY FROM``: the query, its
table and the record fields that are a relationship's two ends."""
TIDY_WAIT = 0.02
"""How long a tidy waits for the statements running (new ones held back meanwhile) before it
gives up until the next commit: a long report is never stalled behind it."""


def inline_nulls(text: str, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The statement with each parameter whose value is None written as the literal NULL,
    and the other parameters.

    LadybugDB 0.22 keeps a statement prepared per text and parameter types, but a statement
    given a null parameter is bound and planned again on every run (a claim's move, whose
    event has no reason nor detail, cost about 1.7 ms more than the same move with each null
    written into its text, interleaved on one graph). A null written in the text is the same
    value to the statement (a property set to it, compared with it, given to coalesce), and
    each pattern of nulls is one more text LadybugDB prepares once."""
    nulls = tuple(sorted(key for key, value in params.items() if value is None))
    if not nulls:
        return text, dict(params)
    return _with_nulls(text, nulls), {k: v for k, v in params.items() if v is not None}


@lru_cache(maxsize=1024)
def _with_nulls(text: str, nulls: tuple[str, ...]) -> str:
    pattern = re.compile(r"\$(" + "|".join(re.escape(key) for key in nulls) + r")\b")
    return pattern.sub("NULL", text)


class StatementGate:
    """Statements run side by side; a checkpoint, or closing the database, runs alone.

    LadybugDB 0.22 lets reads run while a checkpoint rewrites the file's pages, and a read
    caught in that crashed the server (a segmentation fault, seen once in CI while a backup
    checkpointed under load). So every statement of this process passes ``shared()`` and our
    own checkpoints and ``close()`` take ``alone()``: it waits for the statements running,
    holds new ones back until it is done, and goes before statements that arrive while it
    waits. Nothing that holds ``shared()`` waits for another lock, so the two cannot deadlock.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._running = 0
        self._waiting = 0
        self._alone = False

    @property
    def running(self) -> int:
        """Statements running now."""
        return self._running

    @property
    def waiting(self) -> int:
        """Checkpoints (or closes) waiting for them."""
        return self._waiting

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._changed:
            while self._alone or self._waiting:
                self._changed.wait()
            self._running += 1
        try:
            yield
        finally:
            with self._changed:
                self._running -= 1
                if not self._running:
                    self._changed.notify_all()

    @contextmanager
    def alone_within(self, timeout: float | None) -> Iterator[bool]:
        """As ``alone`` when the statements running end within ``timeout`` seconds (None: however
        long they take; yields True); otherwise yields False at once, holding nothing, and lets
        the statements held back meanwhile go."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._changed:
            self._waiting += 1
            try:
                while self._alone or self._running:
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        break
                    self._changed.wait(left)
                got = not (self._alone or self._running)
                if got:
                    self._alone = True
            finally:
                self._waiting -= 1
                if not self._waiting:
                    self._changed.notify_all()
        if not got:
            yield False
            return
        try:
            yield True
        finally:
            with self._changed:
                self._alone = False
                self._changed.notify_all()

    @contextmanager
    def alone(self) -> Iterator[None]:
        with self.alone_within(None):
            yield


_ARROW_TYPES = {
    "STRING": pa.string(),
    "DOUBLE": pa.float64(),
    "INT64": pa.int64(),
    "DATE": pa.date32(),
    "BOOLEAN": pa.bool_(),
    "BOOL": pa.bool_(),
    "TIMESTAMP": pa.timestamp("us"),
    "STRING[]": pa.list_(pa.string()),
}
_COPY_PIECE = 65_536
_COPY_SWITCH_SECONDS = 0.0001
"""While ``bulk_writes`` copies, the importing thread makes the next table's columns (in pieces
of ``_COPY_PIECE`` records) and hands Python's lock over after 0.1 ms instead of 5: the ``COPY``
in the other thread takes the lock again and again, and waited for it each time."""
_LOCK_MESSAGE = re.compile(r"Could not set lock on file|Lock is held", re.I)


def _arrow_columns(
    records: Sequence[Any], *, piece: int | None = None
) -> tuple[list[str], list[pa.Array | pa.ChunkedArray]]:
    """The fields of records of one dataclass as typed Arrow columns (a tuple field as a list):
    each record's fields are read in one go, then turned into columns in C (a bootstrap's 1.6M
    ties, read a field at a time, took 6 passes over objects spread across memory: 10 s of 90).

    With ``piece``, each column is made ``piece`` records at a time (a chunked array): making
    one holds Python's lock throughout, and a ``COPY`` running meanwhile waits for it each time
    it needs the lock (``_COPY_PIECE``)."""
    if isinstance(records, RecordTable):  # columns already
        return list(records.table.column_names), list(records.table.columns)
    schema = _arrow_schema(type(records[0]))
    names = [f.name for f in schema]
    read = attrgetter(*names)
    step = piece or len(records)
    pieces = []
    for start in range(0, len(records), step):
        part = records[start : start + step]
        if len(names) == 1:
            columns = [tuple(map(read, part))]
        else:
            columns = list(zip(*map(read, part), strict=True))
        pieces.append(
            [pa.array(values, type=f.type) for f, values in zip(schema, columns, strict=True)]
        )
    if len(pieces) == 1:
        return names, list(pieces[0])
    return names, [
        pa.chunked_array([arrays[index] for arrays in pieces], type=f.type)
        for index, f in enumerate(schema)
    ]


def _arrow_schema(record_type: type) -> pa.Schema:
    """Arrow types for a record dataclass's fields, from its annotations."""
    simple = {
        str: pa.string(),
        bool: pa.bool_(),
        int: pa.int64(),
        float: pa.float64(),
        datetime: pa.timestamp("us"),
        date: pa.date32(),
    }
    fields = []
    for name, hint in get_type_hints(record_type).items():
        kinds = [k for k in get_args(hint) if k is not type(None)] or [hint]
        kind = kinds[0]
        if get_origin(kind) is tuple:
            arrow_type = pa.list_(pa.string())
        elif kind in simple:
            arrow_type = simple[kind]
        else:
            raise TypeError(f"{record_type.__name__}.{name}: no Arrow type for {hint!r}")
        fields.append(pa.field(name, arrow_type))
    return pa.schema(fields)


class LadybugStore(CypherGraphStore):
    backend = "ladybug"

    def __init__(
        self,
        settings: LadybugSettings,
        *,
        read_only: bool = False,
        catalog: QueryCatalog | None = None,
    ) -> None:
        super().__init__(catalog or load_catalogs()["ladybug"])
        self.path = settings.path
        self.read_only = read_only
        self.caches.single_writer = not read_only  # the file is locked by this process
        if read_only and not Path(self.path).exists():
            raise StoreUnavailable(
                f"no database at {self.path}: load one first (warmpath demo, or the importers)"
            )
        if not read_only:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._settings = settings
        self._undo = Path(f"{self.path}.undo")
        self._log = Path(f"{self.path}.wal")
        self.undo_max_bytes = UNDO_MAX_BYTES
        if self._undo.exists():
            self._undo_interrupted_bulk()
        self._db = self._open(settings, read_only)
        self._generation = 0
        """Counts the reopenings of the database (``_put_back``): a connection of an earlier
        one is never used again."""
        self._local = threading.local()
        self._connections: list[ladybug.Connection] = []
        self._connections_lock = threading.Lock()
        self._gate = StatementGate()
        self._closed = False
        self._log_has_bulk = False
        """Whether the log holds writes of ``BULK_KINDS`` (not tidied: see LOG_TIDY_BYTES)."""
        self._log_seen = 0
        self.log_tidy_bytes = LOG_TIDY_BYTES
        self.log_tidied = 0
        """Checkpoints ``tidy_log`` ran."""
        if not read_only:
            # Every commit is synced to the write-ahead log before it returns, so what a command
            # reported survives a crash. LadybugDB folds the log into the file when it passes
            # its checkpoint threshold (at that commit) and `warmpath backup` checkpoints; a
            # forced checkpoint on every close cost a short command 5-13 s on a 2M-person graph
            # (the log of one import rewrites pages all over the file). The next open replays
            # the log (0.3 s for a 5,000-row import).
            self._execute("CALL force_checkpoint_on_close=false", None)

    def _undo_interrupted_bulk(self) -> None:
        """Before the file is opened: an undo of ``bulk_writes`` is there. If no process holds
        its lock, the import that made it was cut off (a crash or kill): put the file back as it
        was before it. If one does, an import is writing in bulk now: refuse to open (a reader
        would see part of it; a writer cannot open the file anyway)."""
        guard = _bulk_guard(self.path)
        if guard is None:
            raise DatabaseLocked(
                f"{self.path} is being written in bulk by another warmpath process (an import "
                "of a folder of exports): wait until it is done"
            )
        try:
            if self._undo.exists():  # not put back by another process meanwhile
                log.warning("%s: undoing an import of a folder that was cut off", self.path)
                _put_undo_back(self.path, self._undo)
        finally:
            os.close(guard)

    def _open(self, settings: LadybugSettings, read_only: bool) -> ladybug.Database:
        """Open the file. A write-ahead log torn by a crash or kill holds only the transaction that
        was cut off (never committed): a read-write open drops it and replays the rest."""
        try:
            return ladybug.Database(
                str(self.path),
                buffer_pool_size=settings.buffer_pool_bytes,
                read_only=read_only,
                throw_on_wal_replay_failure=False,
            )
        except RuntimeError as exc:
            message = str(exc)
            if _LOCK_MESSAGE.search(message):
                raise DatabaseLocked(
                    f"{self.path} is in use by another warmpath process (the server or an import): "
                    "stop it, or point WARMPATH_GRAPH_URI at another file"
                ) from None
            if read_only and "WAL" in message:
                log.warning("%s: recovering after an interrupted write (%s)", self.path, message)
                recovery = LadybugStore(settings, read_only=False, catalog=self.catalog)
                recovery.close()
                return self._open(settings, read_only)
            raise StoreUnavailable(f"cannot open {self.path}: {exc}") from None

    # --- connections -------------------------------------------------------------------------

    def _connection(self) -> ladybug.Connection:
        if self._closed:
            raise StoreUnavailable(f"the store for {self.path} is closed")
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.generation != self._generation:
            conn = ladybug.Connection(self._db)
            self._local.conn = conn
            self._local.generation = self._generation
            with self._connections_lock:
                self._connections.append(conn)
        return conn

    def _discard_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with self._connections_lock:
                if conn in self._connections:
                    self._connections.remove(conn)
            with self._gate.shared():
                conn.close()

    def _execute(self, text: str, params: Mapping[str, Any] | None) -> list[Row]:
        self._copied()
        with self._gate.shared():
            conn = self._connection()
            try:
                result = conn.execute(*inline_nulls(text, utc_params(dict(params or {}))))
            except RuntimeError as exc:
                raise StoreError(f"LadybugDB refused the query: {exc}") from None
            if isinstance(result, list):
                result = result[-1]
            columns = result.get_column_names()
            rows = [dict(zip(columns, values, strict=True)) for values in result.get_all()]
            result.close()
        return rows

    def _copied(self) -> None:
        """In ``bulk_writes``: wait for the copies under way, so that a statement sees them
        (and raise if one failed)."""
        copies: _Copies | None = getattr(self._local, "copies", None)
        if copies is not None:
            copies.wait()

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the database file, with no other statement of this
        process running (``StatementGate``). Writers must already be held (``WRITE_LOCK``)."""
        self._check_writable()
        self._copied()
        with WRITE_LOCK, self._gate.alone():
            try:
                self._connection().execute("CHECKPOINT")
            except RuntimeError as exc:
                raise StoreError(f"LadybugDB could not checkpoint: {exc}") from None
            self._log_has_bulk = False
            self._log_seen = 0

    def _run_read(self, name: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        return self._execute(self.catalog[name].text, params)

    def _run_write(self, name: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        self._check_writable()
        with WRITE_LOCK:
            try:
                return self._execute(self.catalog[name].text, params)
            except StoreError:
                if not getattr(self._local, "in_transaction", False):
                    self._discard_connection()
                raise

    def _write(self, name: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        left = getattr(self._local, "writes_left", None)
        if left is not None and name not in LOCKS:  # inside run_atomic(one_write=True)
            if left == 0:
                raise RuntimeError(f"{name}: a second write in a unit run as one write")
            self._local.writes_left = left - 1
        rows = super()._write(name, params)
        if left is None and not getattr(self._local, "in_transaction", False):
            self._committed(changed_by(name))  # committed, caches dropped: the log folded?
        return rows

    def _committed(self, kinds: frozenset[str], *, wait: float = TIDY_WAIT) -> None:
        if kinds & BULK_KINDS:
            self._log_has_bulk = True
        self.tidy_log(wait=wait)

    def _log_bytes(self) -> int | None:
        """The write-ahead log's size now (None: it cannot be read, e.g. none yet)."""
        try:
            return self._log.stat().st_size
        except OSError:
            return None

    def _log_too_big_in_place(self) -> bool:
        """Whether the next commit may fold a log that is not the lifecycle's small one (an
        import's, or past the tidy band: LadybugDB's own threshold), which work in place must
        not do on the event loop."""
        size = self._log_bytes()
        return size is not None and (self._log_has_bulk or size > self.log_tidy_bytes[1])

    def warm_up(self) -> None:
        """Before reading what is kept in memory (a server's start-up), fold in a write-ahead
        log left by earlier writers (a bulk load, an import, a batch of offers), whatever it
        holds: the reads then do not go through it, and a claim can be made in place from the
        first one (``_log_too_big_in_place``: a log past the tidy band, which a commit here
        never folds, sent every claim of a full-scale server to a worker thread until
        LadybugDB's own threshold folded it). Seconds on a large graph, once."""
        size = self._log_bytes()
        if not self.read_only and size is not None and size >= self.log_tidy_bytes[0]:
            started = time.monotonic()
            self.checkpoint()
            log.info(
                "%s: folded %.1f MB of write-ahead log into the file in %.1f s",
                self.path,
                size / 1024**2,
                time.monotonic() - started,
            )
        super().warm_up()

    def tidy_log(self, *, wait: float = TIDY_WAIT) -> bool:
        """After a commit: fold the write-ahead log into the file when it holds only the
        lifecycle's writes and its size is within ``LOG_TIDY_BYTES``, running alone (as every
        checkpoint here) if the statements running end within ``TIDY_WAIT``. True when it did.
        A failed checkpoint is logged and left for the next commit: what was committed is in
        the log either way."""
        size = self._log_bytes()
        if size is None:
            return False
        if size < self._log_seen:  # folded since (LadybugDB's threshold, a backup)
            self._log_has_bulk = False
        self._log_seen = size
        low, high = self.log_tidy_bytes
        if self._log_has_bulk or not low <= size <= high:
            return False
        with WRITE_LOCK, self._gate.alone_within(wait) as alone:
            if not alone:
                return False
            try:
                self._connection().execute("CHECKPOINT")
            except RuntimeError as exc:
                log.warning("%s: could not fold the write-ahead log in: %s", self.path, exc)
                return False
        self._log_seen = 0
        self.log_tidied += 1
        return True

    def run_atomic(self, unit: Callable[[], T], *, one_write: bool = False) -> T:
        """A transaction; with ``one_write`` (outside any transaction), the unit runs under the
        write lock without BEGIN and COMMIT around it: its one write statement commits on its
        own (a LadybugDB statement is atomic) and nobody writes between the unit's reads and
        that statement. A claim pays for one call into the engine instead of three, and holds
        the write lock that much shorter. A second write raises before it runs; the unit must
        not fail after its write (what was written stays). Run in place (on the event loop,
        ``graph.store.in_place``), it takes the write lock only if it is free at once, and
        raises NeedsGraph otherwise, before anything ran."""
        nested = getattr(self._local, "in_transaction", False)
        if not one_write or nested or getattr(self._local, "writes_left", None) is not None:
            return super().run_atomic(unit)
        self._check_writable()
        placed = in_place()
        if placed:  # on the event loop: never wait there for another thread's writes
            if self._log_too_big_in_place():
                raise NeedsGraph("a commit that may fold a large write-ahead log")
            if not WRITE_LOCK.acquire(blocking=False):
                raise NeedsGraph("the write lock, which another thread holds")
        else:
            WRITE_LOCK.acquire()
        try:
            self._local.writes_left = 1
            self.caches.began()
            try:
                return unit()
            except BaseException:
                if self._local.writes_left == 0:  # it wrote: what is kept may not hold
                    self.caches.rolled_back()
                raise
            finally:
                wrote = self._local.writes_left == 0
                self._local.writes_left = None
                kinds = self.caches.ended()
                if not placed:
                    self._committed(kinds)  # the log folded once the unit is done
                elif wrote:  # in place: folded only if no statement runs (no wait on the loop)
                    self._committed(kinds, wait=0.0)
        finally:
            WRITE_LOCK.release()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Everything written inside is committed together, or not at all.

        Holds the process-wide write lock for its whole duration; nested uses join the outer one.
        """
        self._check_writable()
        self._copied()
        if getattr(self._local, "writes_left", None) is not None:
            raise RuntimeError("a transaction inside a unit run as one write")
        if in_place():  # work in place writes one statement (run_atomic's one_write) at most
            raise NeedsGraph("a transaction, which may wait for the write lock")
        with WRITE_LOCK:
            if getattr(self._local, "in_transaction", False):
                yield
                return
            conn = self._connection()
            try:
                conn.execute("BEGIN TRANSACTION")
            except RuntimeError as exc:
                self._discard_connection()
                raise StoreError(f"cannot start a write transaction: {exc}") from None
            self._local.in_transaction = True
            self.caches.began()
            try:
                try:
                    yield
                except BaseException:
                    self._local.in_transaction = False
                    self.caches.rolled_back()
                    # the engine has already rolled back if a statement failed
                    with suppress(RuntimeError):
                        conn.execute("ROLLBACK")
                    raise
                self._local.in_transaction = False
                try:
                    conn.execute("COMMIT")
                except RuntimeError as exc:
                    self.caches.rolled_back()
                    self._discard_connection()
                    raise StoreError(f"commit failed, nothing was written: {exc}") from None
            finally:
                kinds = self.caches.ended()
            self._committed(kinds)

    @contextmanager
    def bulk_writes(self) -> Iterator[bool]:
        """Writes of a large import: records known to be new (``COPIED``) go in with ``COPY
        FROM``, LadybugDB's bulk loader, and the whole is undone from a copy of the file if it
        fails. Yields whether that applies: no transaction is open and the file is at most
        ``undo_max_bytes`` (a first bootstrap); if not, the caller writes as usual.

        Why a copy of the file: LadybugDB 0.22 cannot roll a ``COPY`` back (after a ROLLBACK,
        or a COPY that failed, in the transaction the next COPY crashes the process), and in one
        transaction the commit of a bootstrap's 1.6M ties took 38 s (its ``reported_by`` lists
        are folded in at the checkpoint), against 11 s for COPY statements that each commit.
        So each statement commits, and the undo, ``<file>.undo`` (copied after a checkpoint,
        synced, renamed into place), makes the whole all or nothing: a failure closes the
        database, puts the undo back and opens it again; a crash or kill leaves the undo for the
        next open, which puts it back before it opens the file (``_undo_interrupted_bulk``).
        The copies run one after the other in a thread of their own (``_Copies``) while this
        thread builds the next table (meanwhile the process hands Python's lock over after
        0.1 ms: ``_COPY_SWITCH_SECONDS``); any other statement of this thread (a read, a
        write, a transaction, a checkpoint) first waits for them. This thread holds the write
        lock for the copier's writes.
        Done, the log is folded in and the undo removed. Holds the write lock throughout, and
        the undo's lock (``<file>.undo.lock``): another process that opens the file meanwhile,
        even read-only, is refused rather than shown part of the import.
        """
        self._check_writable()
        with WRITE_LOCK:
            if getattr(self._local, "in_transaction", False) or self._too_big_to_copy():
                yield False  # (a large graph is not checkpointed for nothing: seconds at 2M)
                return
            self.checkpoint()  # then the file holds everything: its size is the copy's
            guard = _bulk_guard(self.path)
            if self._too_big_to_copy() or guard is None:
                if guard is not None:
                    os.close(guard)
                yield False
                return
            try:
                yield from self._undoable()
            finally:
                os.close(guard)

    def _too_big_to_copy(self) -> bool:
        return self.path.exists() and self.path.stat().st_size > self.undo_max_bytes

    def _undoable(self) -> Iterator[bool]:
        """``bulk_writes`` once the file is checkpointed and the undo's lock taken."""
        partial = self._undo.with_name(self._undo.name + ".partial")
        try:
            shutil.copyfile(self.path, partial)
            sync_file(partial)
            os.replace(partial, self._undo)
            sync_folder(self._undo.parent)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise StoreError(
                f"cannot copy the graph to {self._undo.name} before the import ({exc.strerror}); "
                "nothing was written"
            ) from None
        self.caches.forget()  # COPY runs no named query: nothing kept in memory holds now
        self._local.bulk = True
        self._local.copies = _Copies(self._discard_connection)
        switching = sys.getswitchinterval()
        sys.setswitchinterval(_COPY_SWITCH_SECONDS)
        try:
            yield True
            self._local.bulk = False
            self._local.copies.wait()
            self.checkpoint()
        except BaseException:
            self._local.bulk = False
            self._local.copies.stop()  # before the file is put back: nothing copies into it
            try:
                self._put_back()
            except Exception:  # left for the next open, which puts it back
                log.exception("%s: could not put the file back after a failed import", self.path)
            raise
        finally:
            sys.setswitchinterval(switching)
            self._local.copies.stop()
            self._local.copies = None
            self.caches.forget()
        self._undo.unlink()
        sync_folder(self._undo.parent)

    def _put_back(self) -> None:
        """Close the database, put the undo of ``bulk_writes`` in its place, open it again."""
        with self._gate.alone():
            with self._connections_lock:
                for conn in self._connections:
                    conn.close()
                self._connections.clear()
            self._db.close()
            self._generation += 1
            _put_undo_back(self.path, self._undo)
            self._db = self._open(self._settings, False)
        self._execute("CALL force_checkpoint_on_close=false", None)
        self._log_has_bulk = False
        self._log_seen = 0

    def _copy_rows(self, name: str, records: Sequence[Any]) -> list[Row]:
        """``COPY`` the records of a ``COPIED`` write into its table. In ``bulk_writes`` the
        copy runs in the thread of ``_Copies``: this thread goes on to the next records while
        LadybugDB copies (in C++, taking Python's lock only now and then: ``_COPY_PIECE``)."""
        table, ends = COPIED[name]
        columns = _arrow_columns(records, piece=_COPY_PIECE)
        copies: _Copies | None = getattr(self._local, "copies", None)
        if copies is None:
            self._copy(table, ends, columns, len(records))
        else:
            copies.start(self._copy, table, ends, columns, len(records))
        return [{"written": len(records)}]

    def _copy(
        self,
        table: str,
        ends: tuple[str, ...],
        columns: tuple[list[str], list[pa.Array | pa.ChunkedArray]],
        count: int,
    ) -> None:
        """One ``COPY`` of the records' columns as an Arrow table in the table's column order
        (columns the records lack are null)."""
        given = dict(zip(*columns, strict=True))
        names = ["from", "to"] if ends else []
        arrays = [given[end] for end in ends]
        for column, type_name in self._columns(table):
            arrow_type = _ARROW_TYPES.get(type_name)
            if arrow_type is None:
                raise StoreError(f"{table}.{column} has type {type_name} the loader cannot fill")
            names.append(column)
            arrays.append(
                given[column].cast(arrow_type) if column in given else pa.nulls(count, arrow_type)
            )
        with self._gate.shared():
            try:
                self._connection().execute(
                    f"COPY {table} FROM $rows", {"rows": pa.table(arrays, names=names)}
                )
            except RuntimeError as exc:
                raise StoreError(
                    f"LadybugDB could not copy the new {table} rows ({exc}); the graph is put "
                    "back as it was before the import"
                ) from None

    def _write_rows(self, name: str, records: Sequence[Any]) -> list[Row]:
        """Queries that start with ``LOAD FROM $rows`` get their rows as an Arrow table, typed
        from the record's dataclass: no per-row conversion in Python. In ``bulk_writes`` the
        ``COPIED`` ones are a ``COPY``."""
        if records and name in COPIED and getattr(self._local, "bulk", False):
            return self._copy_rows(name, records)
        query = self.catalog[name]
        if not query.text.startswith("LOAD FROM $rows") or not records:
            return super()._write_rows(name, records)
        rows: list[Row] = []
        for start in range(0, len(records), 50_000):
            names, arrays = _arrow_columns(records[start : start + 50_000])
            rows.extend(self._write(name, {"rows": pa.table(arrays, names=names)}))
        return rows

    def _run_read_table(self, name: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        self._copied()
        with self._gate.shared():
            conn = self._connection()
            try:
                result = conn.execute(self.catalog[name].text, dict(params or {}))
            except RuntimeError as exc:
                raise StoreError(f"LadybugDB refused the query: {exc}") from None
            if isinstance(result, list):
                result = result[-1]
            table = result.get_as_arrow()
            result.close()
        return table

    def _check_writable(self) -> None:
        if self.read_only:
            raise StoreError(f"{self.path} is open read-only: this command cannot write")

    # --- schema and bulk load ----------------------------------------------------------------

    def setup_schema(self) -> None:
        self._check_writable()
        with WRITE_LOCK:
            for statement in self.catalog["schema"].statements:
                self._execute(statement, None)

    def close(self) -> None:
        """Waits for the statements running in other threads: closing under one crashes."""
        self._close_background()
        with WRITE_LOCK, self._gate.alone():
            if self._closed:
                return
            self._closed = True
            with self._connections_lock:
                for conn in self._connections:
                    conn.close()
                self._connections.clear()
            self._db.close()

    def _columns(self, table: str) -> list[tuple[str, str]]:
        rows = self._execute(f"CALL table_info('{table}') RETURN *", None)
        return [(r["name"], r["type"]) for r in rows]

    def bulk_load(self, snapshot: OrgSnapshot, progress: Progress | None = None) -> dict[str, int]:
        """Load an organisation with ``COPY FROM`` Arrow tables when the graph is empty.

        The snapshot is checked first (columns, duplicate keys, dangling edges) so that a bad
        snapshot is refused before anything is written. On a graph that already holds data this
        falls back to the idempotent merge path, which is safe to rerun.
        """
        self._check_writable()
        if self.counts().people > 0:
            return super().bulk_load(snapshot, progress)
        prepared = self._prepare_snapshot(snapshot)
        loaded: dict[str, int] = {}
        self.caches.forget()  # COPY runs no named query: nothing kept in memory holds now
        with WRITE_LOCK:
            for name in (*SNAPSHOT_LOAD_ORDER[:5], "IS", "AT", *SNAPSHOT_LOAD_ORDER[5:]):
                table = prepared.get(name)
                if table is None or table.num_rows == 0:
                    continue
                if progress is not None:
                    progress(name, 0, table.num_rows)
                conn = self._connection()
                try:
                    conn.execute(f"COPY {name} FROM $snapshot", {"snapshot": table})
                except RuntimeError as exc:
                    self._discard_connection()
                    raise StoreError(
                        f"bulk load of {name} failed after {sorted(loaded)} were loaded: {exc}; "
                        f"delete {self.path} and load again"
                    ) from None
                loaded[name] = table.num_rows
                if progress is not None:
                    progress(name, table.num_rows, table.num_rows)
        return loaded

    def _prepare_snapshot(self, snapshot: OrgSnapshot) -> dict[str, pa.Table]:
        prepared: dict[str, pa.Table] = {}
        unknown = set(snapshot.tables) - set(NODE_TABLES) - set(REL_ENDPOINTS)
        if unknown:
            raise StoreError(f"snapshot has unknown tables: {sorted(unknown)}")
        for name, table in snapshot.tables.items():
            columns = self._columns(name)
            leading = ["from", "to"] if name in REL_ENDPOINTS else []
            wanted = leading + [c for c, _ in columns]
            extra = set(table.column_names) - set(wanted)
            if extra:
                raise StoreError(
                    f"snapshot table {name} has columns the schema lacks: {sorted(extra)}"
                )
            arrays = []
            for column in leading:
                if column not in table.column_names:
                    raise StoreError(f"snapshot table {name} lacks the {column!r} column")
                arrays.append(table.column(column).cast(pa.string()))
            for column, type_name in columns:
                arrow_type = _ARROW_TYPES.get(type_name)
                if arrow_type is None:
                    raise StoreError(f"{name}.{column} has type {type_name} the loader cannot fill")
                if column in table.column_names:
                    arrays.append(table.column(column).cast(arrow_type))
                else:
                    arrays.append(pa.nulls(table.num_rows, arrow_type))
            prepared[name] = pa.table(arrays, names=wanted)
        if "KNOWS" in prepared:
            prepared["KNOWS"] = ordered_ties(prepared["KNOWS"])
        check_keys(prepared)
        return prepared


class _Copies:
    """The ``COPY`` statements of a bulk import, run one after the other in a thread of their
    own while the importing thread builds the next table. After one fails, none runs: the
    import is undone (and LadybugDB 0.22 crashed on a ``COPY`` after a failed one)."""

    def __init__(self, discard_connection: Callable[[], None]) -> None:
        self._runner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warmpath-copy")
        self._discard_connection = discard_connection  # the copier's, when it is done
        self._started: list[Future[None]] = []
        self._failed = threading.Event()

    def start(self, copy: Callable[..., None], table: str, *args: Any) -> None:
        """Run ``copy(table, *args)`` after the copies started before."""
        self._started.append(self._runner.submit(self._run, copy, table, *args))

    def _run(self, copy: Callable[..., None], table: str, *args: Any) -> None:
        if self._failed.is_set():
            raise StoreError(f"the {table} rows were not copied: an earlier copy failed")
        try:
            copy(table, *args)
        except BaseException:
            self._failed.set()
            raise

    def wait(self) -> None:
        """Wait until every copy started is done; raise the first failure."""
        while self._started:
            self._started.pop(0).result()

    def stop(self) -> None:
        """Cancel the copies not begun; wait for the one running (it cannot be interrupted);
        close the copier's connection."""
        self._failed.set()
        for started in self._started:
            started.cancel()
        self._started.clear()
        with suppress(RuntimeError):  # stopped before
            self._runner.submit(self._discard_connection)
        self._runner.shutdown(wait=True)


def _bulk_guard(database: Path) -> int | None:
    """The lock of ``bulk_writes`` (``<file>.undo.lock``, taken without waiting): a descriptor
    that holds it until closed, or None when another process holds it."""
    guard = os.open(f"{database}.undo.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(guard, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(guard)
        return None
    return guard


def _put_undo_back(database: Path, undo: Path) -> None:
    """Put the copy of the file ``bulk_writes`` made in its place: LadybugDB's files of the
    import go first (they would be replayed into it), then the copy is renamed over it; the
    copy is there until that rename, so a crash in between leaves this to do again."""
    for suffix in SIDECARS:
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    sync_folder(database.parent)
    os.replace(undo, database)
    sync_folder(database.parent)
