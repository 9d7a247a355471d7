"""Backup and restore of the embedded LadybugDB database (``warmpath backup`` / ``restore``).

A backup is one LadybugDB file: the whole graph as it was at one moment, a file LadybugDB opens
like any database. It is taken inside the process that holds the database open read-write (the
server, asked over HTTP, or the command itself when no server runs), under the store's write
lock: no write transaction is open and none can start; ``CHECKPOINT`` folds the write-ahead log
into the database file (it waits for the queries running at that moment and holds new ones back
until it is done: ``LadybugStore.checkpoint``), every table is counted and the file is copied by
a child process; then writes go on. Writes wait meanwhile; reads wait only around the
checkpoint (for the reads running when it starts, and while it runs).

Why not from a second process: LadybugDB lets one open the file read-only while the server
writes it, but nothing keeps that reader in step with the writer's later checkpoints (LadybugDB
issue 666); a plain copy of the file lacks the commits still in its write-ahead log
(``<file>.wal``) and is torn if a checkpoint rewrites the file during the copy.

Both commands write under a temporary name next to the final one and rename it into place only
after the copy has been opened and counted, so the final name never holds a half-written or
unreadable file, and a failed restore leaves the old database as it was.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from graph import keys
from graph.backends import open_store
from graph.errors import (
    DatabaseLocked,
    InvalidArgument,
    StoreError,
    StoreUnavailable,
    WarmpathError,
)
from graph.files import sync_file, sync_folder
from graph.settings import SIDECARS, GraphSettings, LadybugSettings
from graph.store import GraphStore

if TYPE_CHECKING:
    from graph.ladybug_store import LadybugStore

NEO4J_BACKUP = (
    "warmpath backs up only its embedded LadybugDB file: for Neo4j use neo4j-admin database "
    "dump/load (Community, database stopped) or neo4j-admin database backup (Enterprise, online)"
)
CHUNK = 1024 * 1024
_TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class BackupFailed(WarmpathError):
    """A backup or restore could not be written or read."""

    code = "BACKUP_FAILED"


@dataclass(frozen=True)
class TableCounts:
    """Rows of every node table and every relationship table of a database, by name."""

    nodes: Mapping[str, int]
    relationships: Mapping[str, int]

    def as_json(self) -> dict[str, dict[str, int]]:
        return {"nodes": dict(self.nodes), "relationships": dict(self.relationships)}

    @classmethod
    def from_json(cls, value: Any) -> TableCounts:
        """Counts as ``as_json`` wrote them; ValueError if they are not."""
        if not isinstance(value, dict):
            raise ValueError("counts must be an object")
        parts = []
        for key in ("nodes", "relationships"):
            part = value.get(key)
            if not isinstance(part, dict):
                raise ValueError(f"counts lack {key}")
            parts.append({str(name): int(rows) for name, rows in part.items()})
        return cls(nodes=parts[0], relationships=parts[1])

    def differences(self, other: TableCounts) -> str:
        """The tables whose rows differ, as ``name ours vs theirs``."""
        ours = {**self.nodes, **self.relationships}
        theirs = {**other.nodes, **other.relationships}
        return ", ".join(
            f"{name} {ours.get(name, 0):,} vs {theirs.get(name, 0):,}"
            for name in sorted(ours.keys() | theirs.keys())
            if ours.get(name) != theirs.get(name)
        )


Snapshot = Callable[[Path], TableCounts]
"""Writes a backup of the live database into the path given; returns its counts per table."""


@dataclass(frozen=True)
class BackupReport:
    """What a backup or restore wrote: the file, its size, and the rows of every table."""

    path: Path
    size: int
    counts: TableCounts
    tombstones_carried: int = 0  # restore: erasures made since the backup, kept
    erase_again: tuple[str, ...] = ()  # restore: people in the backup erased since (by id)


def table_counts(store: LadybugStore) -> TableCounts:
    """Rows of every node and relationship table the database holds (its own catalog names
    them, so a table added later is counted too)."""
    nodes: dict[str, int] = {}
    relationships: dict[str, int] = {}
    # LadybugDB's catalog, not a named query: backups exist for the embedded backend only
    tables = store._execute("CALL show_tables() RETURN name, type", None)
    for table in sorted(tables, key=lambda row: str(row["name"])):
        name, kind = str(table["name"]), table["type"]
        if not _TABLE_NAME.fullmatch(name):  # a name from the file itself: never quoted blindly
            raise StoreError(f"the database has a table named {name!r}: not a warmpath graph")
        if kind == "NODE":
            rows = store._execute(f"MATCH (n:`{name}`) RETURN count(n) AS rows", None)
            nodes[name] = int(rows[0]["rows"])
        elif kind == "REL":
            rows = store._execute(f"MATCH ()-[r:`{name}`]->() RETURN count(r) AS rows", None)
            relationships[name] = int(rows[0]["rows"])
    return TableCounts(nodes=nodes, relationships=relationships)


def snapshot(store: GraphStore, target: Path) -> TableCounts:
    """Copy the open embedded database to ``target`` as it is now: under the write lock, after a
    checkpoint. Returns the counts per table of that moment."""
    from graph.ladybug_store import WRITE_LOCK, LadybugStore

    if not isinstance(store, LadybugStore):
        raise InvalidArgument(NEO4J_BACKUP)
    with WRITE_LOCK:
        store.checkpoint()
        counts = table_counts(store)
        _copy_elsewhere(Path(store.path), target)
    return counts


_CHILD_COPY = """
import os, shutil, sys
try:
    with open(sys.argv[1], "rb") as source, open(sys.argv[2], "xb") as target:
        shutil.copyfileobj(source, target, 1 << 20)
except OSError as exc:
    sys.exit(exc.errno or 1)
"""


def _copy_elsewhere(database: Path, target: Path) -> None:
    """Copy the database file in a child process. LadybugDB's lock on the file is a POSIX
    record lock, which a process loses when it closes any descriptor of the file: opening and
    closing it here would let a second process open the database beside this one."""
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", _CHILD_COPY, str(database), str(target)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    if done.returncode != 0:
        code = done.returncode if done.returncode > 0 else errno.EIO
        raise _write_failed(target, OSError(code, os.strerror(code)))


def open_snapshot(store: GraphStore) -> tuple[BinaryIO, int, TableCounts]:
    """A snapshot of the open embedded database as an open file, its size and its counts per
    table. The file is written next to the database and unlinked at once: it is gone when the
    caller closes it (or dies), and its name never reaches anyone."""
    from graph.ladybug_store import LadybugStore

    if not isinstance(store, LadybugStore):
        raise InvalidArgument(NEO4J_BACKUP)
    with _partial(Path(store.path), "serve") as partial:
        counts = snapshot(store, partial)
        reader = partial.open("rb")
    return reader, os.fstat(reader.fileno()).st_size, counts


def save_stream(chunks: Iterable[bytes], target: Path, size: int) -> None:
    """Write ``chunks`` to the new file ``target``; together they must be ``size`` bytes."""
    written = 0
    try:
        writer = target.open("xb")
    except OSError as exc:
        raise _write_failed(target, exc) from None
    with writer:
        for chunk in chunks:
            try:
                writer.write(chunk)
            except OSError as exc:
                raise _write_failed(target, exc) from None
            written += len(chunk)
    if written != size:
        raise BackupFailed(
            f"the copy arrived incomplete ({written:,} of {size:,} bytes): try again"
        )


def backup(
    settings: GraphSettings,
    target: Path,
    *,
    force: bool = False,
    take: Snapshot | None = None,
) -> BackupReport:
    """Write a backup of the configured database to ``target``.

    ``take`` writes the copy (the CLI passes one that asks the running server); by default this
    process opens the database itself, which fails with one line when the server holds it.
    The copy is opened and counted before it gets its final name: its counts must equal those
    of the live database at the moment of the copy.
    """
    ladybug = _embedded(settings)
    target = Path(target)
    if target.is_dir():
        raise InvalidArgument(
            f"{target} is a directory: name the backup file, e.g. {target}/warmpath.lbdb"
        )
    if not target.parent.is_dir():
        raise InvalidArgument(f"no directory {target.parent}: create it first")
    if target.exists() and not force:
        raise InvalidArgument(f"{target} exists: pass --force to replace it, or name a new file")
    if _same_file(target, ladybug.path):
        raise InvalidArgument(f"{target} is the database itself: name another file")
    with _partial(target, "backup") as partial:
        counts = (take or local_snapshot(ladybug))(partial)
        found = _verified(partial, ladybug, migrate=False)
        if found != counts:
            raise BackupFailed(
                f"the copy does not hold what the database held at the moment of the backup "
                f"({counts.differences(found)}): {target} was not written; try again"
            )
        size = partial.stat().st_size
        _place(partial, target)
    return BackupReport(path=target, size=size, counts=found)


def local_snapshot(settings: LadybugSettings) -> Snapshot:
    """A snapshot taken by this process, which opens the database (no server may hold it)."""

    def take(partial: Path) -> TableCounts:
        if not settings.path.is_file():
            raise InvalidArgument(f"no database at {settings.path}: check WARMPATH_GRAPH_URI")
        try:
            store = open_store(settings)
        except DatabaseLocked:
            raise DatabaseLocked(
                f"{settings.path} is open in the server (or another warmpath process): back up "
                "through it with --server http://HOST:PORT and an admin token in WARMPATH_TOKEN"
            ) from None
        try:
            return snapshot(store, partial)
        finally:
            store.close()

    return take


def restore(settings: GraphSettings, source: Path, *, force: bool = False) -> BackupReport:
    """Put the backup ``source`` in place of the configured database.

    Refuses to replace an existing database without ``force``, and while a process (the server)
    holds it. The backup is copied next to the database, opened, brought up to the current
    schema and counted before it replaces anything; on any failure the old database is left
    as it was.
    """
    ladybug = _embedded(settings)
    source, target = Path(source), ladybug.path
    if not source.is_file():
        raise InvalidArgument(f"no backup file at {source}")
    if source.stat().st_size == 0:
        raise InvalidArgument(f"{source} is empty: not a warmpath backup")
    if _same_file(source, target):
        raise InvalidArgument(f"{source} is the configured database itself: nothing to restore")
    exists = target.exists() or any(_sidecar(target, s).exists() for s in SIDECARS)
    if exists and not force:
        raise InvalidArgument(
            f"a database exists at {target}: pass --force to replace it "
            "(warmpath backup first if you may need it)"
        )
    if exists:
        _ensure_not_held(ladybug)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _partial(target, "restore") as partial:
        _copy(source, partial)
        counts = _verified(partial, ladybug, migrate=True, shown=source)
        carried, erase_again = _carry_tombstones(target, partial, ladybug) if exists else (0, ())
        size = partial.stat().st_size
        _replace_database(partial, target)
    return BackupReport(
        path=target,
        size=size,
        counts=counts,
        tombstones_carried=carried,
        erase_again=erase_again,
    )


# --- helpers ---------------------------------------------------------------------------------


def _embedded(settings: GraphSettings) -> LadybugSettings:
    if not isinstance(settings, LadybugSettings):
        raise InvalidArgument(NEO4J_BACKUP)
    return settings


def _same_file(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def _sidecar(database: Path, suffix: str) -> Path:
    return database.with_name(database.name + suffix)


@contextlib.contextmanager
def _partial(final: Path, purpose: str) -> Iterator[Path]:
    """A temporary name next to ``final`` (same file system: the rename is atomic); whatever
    is left under it (and LadybugDB's files beside it) is removed at the end."""
    partial = final.with_name(f".{final.name}.{purpose}-{uuid.uuid4().hex[:12]}.partial")
    try:
        yield partial
    finally:
        for path in (partial, *(_sidecar(partial, s) for s in SIDECARS)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def _copy(source: Path, target: Path) -> None:
    """Copy a file (not yet flushed to disk: ``_place`` does that after the write lock is
    released); a full disk or a write error is one line."""
    try:
        reader = source.open("rb")
    except OSError as exc:
        raise BackupFailed(f"cannot read {source}: {exc.strerror or exc}") from None
    with reader:
        try:
            with target.open("xb") as writer:
                shutil.copyfileobj(reader, writer, CHUNK)
        except OSError as exc:
            raise _write_failed(target, exc) from None


def _write_failed(target: Path, exc: OSError) -> BackupFailed:
    where = target.parent
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return BackupFailed(f"no space left in {where}: free some, or write somewhere else")
    if exc.errno == errno.EFBIG:
        return BackupFailed(f"the file is too large for {where} (file size limit): write elsewhere")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return BackupFailed(f"cannot write in {where} ({exc.strerror}): check its permissions")
    return BackupFailed(f"cannot write in {where}: {exc.strerror or exc}")


def _place(partial: Path, target: Path) -> None:
    """Flush the finished file to disk, then give it its final name in one step."""
    try:
        sync_file(partial)
        os.replace(partial, target)
        sync_folder(target.parent)
    except OSError as exc:
        raise _write_failed(target, exc) from None


def _verified(
    path: Path, settings: LadybugSettings, *, migrate: bool, shown: Path | None = None
) -> TableCounts:
    """Open a copy and count every table. ``migrate`` brings a backup of an older warmpath up to
    the current tables first, as the server does when it starts on a database."""
    from graph.ladybug_store import LadybugStore

    copy = LadybugSettings(path=path, buffer_pool_bytes=settings.buffer_pool_bytes)
    try:
        reader = LadybugStore(copy, read_only=True)
        try:
            reader.counts()  # the tables every warmpath graph has had
            if not migrate:
                return table_counts(reader)
        finally:
            reader.close()
        store = LadybugStore(copy)
        try:
            store.setup_schema()
            counts = table_counts(store)
            store.checkpoint()  # everything in the one file that is renamed
        finally:
            store.close()
    except (StoreError, StoreUnavailable):
        raise BackupFailed(
            f"{shown or path} is not a readable warmpath database "
            "(damaged, or another program's file)"
        ) from None
    return counts


def _carry_tombstones(
    old: Path, partial: Path, settings: LadybugSettings
) -> tuple[int, tuple[str, ...]]:
    """Erasures outlive a restore: the tombstones of the database being replaced go into the
    restored copy (so imports keep skipping those people), and the people of the backup they
    stand for are returned, for the caller to erase again (routing.privacy.forget_person also
    scrubs the activity log). An old database that does not open has nothing to carry."""
    from graph.ladybug_store import LadybugStore

    try:
        reader = LadybugStore(replace(settings, path=old), read_only=True)
    except (StoreError, StoreUnavailable):
        return 0, ()
    try:
        hashes = sorted(reader.tombstone_hashes())
    except (StoreError, StoreUnavailable):
        hashes = []
    finally:
        reader.close()
    if not hashes:
        return 0, ()
    store = LadybugStore(replace(settings, path=partial))
    try:
        store.add_tombstones(hashes, at=datetime.now(UTC))
        # a person's id is one of their identity keys (graph.keys.identity_keys): LadybugDB
        # hashes it as keys.tombstone_hash does
        rows = store._execute(
            "MATCH (p:Person) WITH p.id AS id WHERE sha256($prefix + id) IN $hashes "
            "RETURN id ORDER BY id",
            {"prefix": keys.TOMBSTONE_PREFIX, "hashes": hashes},
        )
        store.checkpoint()
    finally:
        store.close()
    return len(hashes), tuple(str(row["id"]) for row in rows)


def _ensure_not_held(settings: LadybugSettings) -> None:
    """Refuse while another process holds the database; a file that does not open at all (the
    reason to restore) may be replaced."""
    from graph.ladybug_store import LadybugStore

    if not settings.path.exists():
        return
    try:
        LadybugStore(settings).close()
    except DatabaseLocked:
        raise DatabaseLocked(
            f"{settings.path} is open in the server (or another warmpath process): stop it, "
            "then restore"
        ) from None
    except StoreUnavailable:
        pass


def _replace_database(partial: Path, target: Path) -> None:
    """Rename the restored file over the database. LadybugDB's files of the old database go
    first (they would be replayed into the new one); they come back if the rename fails."""
    moved: list[tuple[Path, Path]] = []
    try:
        sync_file(partial)
        for suffix in SIDECARS:
            old = _sidecar(target, suffix)
            if old.exists():
                aside = partial.with_name(partial.name + ".old" + suffix)
                os.replace(old, aside)
                moved.append((aside, old))
        os.replace(partial, target)
        sync_folder(target.parent)
    except OSError as exc:
        for aside, old in moved:
            with contextlib.suppress(OSError):
                os.replace(aside, old)
        raise _write_failed(target, exc) from None
    for aside, _ in moved:
        with contextlib.suppress(FileNotFoundError):
            aside.unlink()
