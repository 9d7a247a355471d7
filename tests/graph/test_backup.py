"""graph.backup: a backup is the embedded database of one moment in one file; a restore puts it
in place of the configured database and leaves the old one as it was on any failure. Neo4j is
backed up with its own tools: both refuse with one line saying which.

Backups through a busy server, and the command line, are in tests/api/test_backup.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from graph.backends import open_store
from graph.backup import (
    BackupFailed,
    TableCounts,
    backup,
    restore,
    table_counts,
)
from graph.errors import InvalidArgument
from graph.ladybug_store import LadybugStore
from graph.model import Event
from graph.settings import GraphSettings, LadybugSettings
from graph.transfer import KINDS, compare
from tests.factories import build_small_org
from tests.routing.world import NOW

POOL = 128 * 1024**2


def _settings(path: Path) -> LadybugSettings:
    return LadybugSettings(path=path, buffer_pool_bytes=POOL)


def _counts(settings: LadybugSettings) -> TableCounts:
    store = LadybugStore(settings, read_only=True)
    try:
        return table_counts(store)
    finally:
        store.close()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if "partial" in p.name)


@pytest.fixture
def org_db(tmp_path: Path) -> LadybugSettings:
    """The small organisation with an event of its activity log, in a closed LadybugDB file."""
    settings = _settings(tmp_path / "live" / "graph.lbdb")
    store = open_store(settings)
    try:
        build_small_org(store)
        store.append_events(
            [Event(id="e1", at=NOW, kind="note", actor="test", detail="before the backup")]
        )
    finally:
        store.close()
    return settings


def test_backup_and_restore_give_back_every_row(
    graph_settings: GraphSettings, tmp_path: Path
) -> None:
    target = tmp_path / "backup.lbdb"
    if not isinstance(graph_settings, LadybugSettings):
        for attempt in (
            lambda: backup(graph_settings, target),
            lambda: restore(graph_settings, target),
        ):
            with pytest.raises(
                InvalidArgument, match="for Neo4j use neo4j-admin database dump/load"
            ):
                attempt()
        assert not target.exists()
        return
    store = open_store(graph_settings)
    try:
        build_small_org(store)
    finally:
        store.close()
    report = backup(graph_settings, target)
    assert report.path == target and report.size == target.stat().st_size
    live = _counts(graph_settings)
    assert report.counts == live
    # every table of the schema is counted, the model's and any other (Tombstone)
    assert {k.name for k in KINDS} | {"Tombstone"} <= {
        *report.counts.nodes,
        *report.counts.relationships,
    }
    assert report.counts.nodes["Person"] > 0 and report.counts.relationships["KNOWS"] > 0

    restored = _settings(tmp_path / "restored" / "graph.lbdb")
    answer = restore(restored, target)
    assert answer.path == restored.path and answer.counts == live
    assert _counts(restored) == live
    source, copy = open_store(graph_settings, read_only=True), open_store(restored, read_only=True)
    try:
        checks = compare(source, copy)
    finally:
        source.close()
        copy.close()
    assert [c.kind for c in checks if not c.matches] == []  # every row, every property
    assert _leftovers(tmp_path) == _leftovers(restored.path.parent) == []


def test_backup_never_overwrites_by_accident(org_db: LadybugSettings, tmp_path: Path) -> None:
    target = tmp_path / "backup.lbdb"
    target.write_bytes(b"an older backup")
    with pytest.raises(InvalidArgument, match="exists: pass --force to replace it"):
        backup(org_db, target)
    assert target.read_bytes() == b"an older backup"
    report = backup(org_db, target, force=True)
    assert _counts(_settings(target)) == report.counts == _counts(org_db)

    for wrong, message in (
        (tmp_path, "is a directory: name the backup file"),
        (tmp_path / "nowhere" / "b.lbdb", "no directory .*nowhere: create it first"),
        (org_db.path, "is the database itself"),
    ):
        with pytest.raises(InvalidArgument, match=message):
            backup(org_db, wrong, force=True)
    missing = _settings(tmp_path / "never-made.lbdb")
    with pytest.raises(InvalidArgument, match=r"no database at .*never-made\.lbdb"):
        backup(missing, tmp_path / "b2.lbdb")
    assert not missing.path.exists() and not (tmp_path / "b2.lbdb").exists()
    assert _leftovers(tmp_path) == []


def test_restore_refuses_to_replace_a_database_without_force(
    org_db: LadybugSettings, tmp_path: Path
) -> None:
    target = tmp_path / "backup.lbdb"
    backup(org_db, target)
    with pytest.raises(InvalidArgument, match=r"a database exists at .*: pass --force"):
        restore(org_db, target)
    with pytest.raises(InvalidArgument, match="is the configured database itself"):
        restore(org_db, org_db.path, force=True)
    with pytest.raises(InvalidArgument, match="no backup file at"):
        restore(org_db, tmp_path / "missing.lbdb", force=True)
    # a restore over the database: the backup's rows, nothing of what was written since
    store = open_store(org_db)
    try:
        store.append_events([Event(id="e2", at=NOW, kind="note", actor="test")])
    finally:
        store.close()
    assert _counts(org_db).nodes["Event"] == 2
    report = restore(org_db, target, force=True)
    assert _counts(org_db) == report.counts
    assert report.counts.nodes["Event"] == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty: not a warmpath backup"),
        (b"Name,Email\nAnn,ann@example.com\n" * 100, "is not a readable warmpath database"),
        (b"\x00" * 8192, "is not a readable warmpath database"),
    ],
)
def test_a_bad_backup_leaves_the_old_database_as_it_was(
    org_db: LadybugSettings, tmp_path: Path, content: bytes, message: str
) -> None:
    before = _counts(org_db)
    bad = tmp_path / "bad.lbdb"
    bad.write_bytes(content)
    with pytest.raises((BackupFailed, InvalidArgument), match=message):
        restore(org_db, bad, force=True)
    assert _counts(org_db) == before
    assert _leftovers(org_db.path.parent) == []


def test_a_truncated_backup_is_refused(org_db: LadybugSettings, tmp_path: Path) -> None:
    whole = tmp_path / "backup.lbdb"
    backup(org_db, whole)
    cut = tmp_path / "cut.lbdb"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    fresh = _settings(tmp_path / "fresh" / "graph.lbdb")
    with pytest.raises(BackupFailed, match=r"cut\.lbdb is not a readable warmpath database"):
        restore(fresh, cut)
    assert not fresh.path.exists()
    assert _leftovers(fresh.path.parent) == []


def test_another_ladybug_database_is_not_a_backup(tmp_path: Path) -> None:
    import ladybug

    other = tmp_path / "other.lbdb"
    database = ladybug.Database(str(other))
    connection = ladybug.Connection(database)
    connection.execute("CREATE NODE TABLE Song(id STRING, PRIMARY KEY (id))")
    connection.close()
    database.close()
    target = _settings(tmp_path / "target" / "graph.lbdb")
    with pytest.raises(BackupFailed, match=r"other\.lbdb is not a readable warmpath database"):
        restore(target, other)
    assert not target.path.exists()


def test_a_backup_of_an_older_warmpath_gets_the_current_tables(
    org_db: LadybugSettings, tmp_path: Path
) -> None:
    old = tmp_path / "old.lbdb"
    backup(org_db, old)
    store = LadybugStore(_settings(old))
    try:
        store._execute("DROP TABLE Tombstone", None)  # a table a later warmpath added
    finally:
        store.close()
    assert "Tombstone" not in _counts(_settings(old)).nodes
    target = _settings(tmp_path / "target" / "graph.lbdb")
    report = restore(target, old)
    assert report.counts.nodes["Tombstone"] == 0
    assert report.counts.nodes["Person"] == _counts(org_db).nodes["Person"]


def test_restore_over_a_crashed_database_keeps_none_of_its_log(
    org_db: LadybugSettings, tmp_path: Path
) -> None:
    target = tmp_path / "backup.lbdb"
    backup(org_db, target)
    # a process that wrote and died before its checkpoint: its commits are in graph.lbdb.wal
    crash = (
        "import os, sys, ladybug\n"
        "db = ladybug.Database(sys.argv[1], buffer_pool_size=1 << 27)\n"
        "c = ladybug.Connection(db)\n"
        "c.execute(\"CREATE (:Event {id: 'after-the-backup', kind: 'note'})\")\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", crash, str(org_db.path)], check=True)
    assert Path(f"{org_db.path}.wal").exists()
    report = restore(org_db, target, force=True)
    assert report.counts.nodes["Event"] == 1
    assert _counts(org_db).nodes["Event"] == 1
    assert not Path(f"{org_db.path}.wal").exists()
