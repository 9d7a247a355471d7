"""What only the embedded backend does: file locking, read-only opens, bulk-load checks."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pytest

from demo.organisation import SCALES, generate_org
from graph.backends import open_store
from graph.errors import DatabaseLocked, StoreError, StoreUnavailable
from graph.model import OrgSnapshot, Person
from graph.settings import LadybugSettings

HOLD_OPEN = textwrap.dedent(
    """
    import sys, ladybug
    db = ladybug.Database(sys.argv[1])
    print("open", flush=True)
    sys.stdin.readline()
    """
)


def _settings(path: Path) -> LadybugSettings:
    return LadybugSettings(path=path, buffer_pool_bytes=256 * 1024**2)


def test_a_database_held_by_another_process_is_reported_as_locked(tmp_path: Path) -> None:
    path = tmp_path / "held.lbdb"
    open_store(_settings(path)).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_OPEN, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(DatabaseLocked, match="in use by another warmpath process"):
            open_store(_settings(path))
    finally:
        holder.communicate("\n", timeout=30)


def test_read_only_open_of_a_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match=r"no database at .*warmpath demo"):
        open_store(_settings(tmp_path / "missing.lbdb"), read_only=True)


def test_read_only_store_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "ro.lbdb"
    open_store(_settings(path)).close()
    store = open_store(_settings(path), read_only=True)
    try:
        with pytest.raises(StoreError, match="open read-only"):
            store.merge_people([Person(id="li:someone", name="Some One")])
        with pytest.raises(StoreError, match="open read-only"):
            store.setup_schema()
    finally:
        store.close()


def test_bulk_load_refuses_a_bad_snapshot_before_writing_anything(tmp_path: Path) -> None:
    store = open_store(_settings(tmp_path / "bad.lbdb"))
    try:
        good = generate_org(SCALES["tiny"])
        people = good.tables["Person"]
        duplicated = pa.concat_tables([people, people.slice(0, 1)])
        with pytest.raises(StoreError, match="Person has duplicate ids"):
            store.bulk_load(OrgSnapshot(tables={**good.tables, "Person": duplicated}))
        dangling = OrgSnapshot(tables={**good.tables, "Person": people.slice(1)})
        with pytest.raises(StoreError, match="point at a Person that is not in the snapshot"):
            store.bulk_load(dangling)
        assert store.counts().people == 0
    finally:
        store.close()


def test_a_file_from_before_event_links_gets_them_on_open(tmp_path: Path) -> None:
    """Events written before the ABOUT relationship existed are tied to their leads when a
    writable store opens the file, so a lead's activity stream stays complete."""
    import ladybug

    from tests.routing.world import NOW, World

    path = tmp_path / "old.lbdb"
    store = open_store(_settings(path))
    world = World(store)
    world.company("acme")
    world.lead("L1", ("dana", "economic_buyer"))
    store.close()
    db = ladybug.Database(str(path))
    conn = ladybug.Connection(db)
    conn.execute(
        "CREATE (:Event {id: 'old-1', at: $at, kind: 'offered', actor: 'old', lead_id: 'L1'})",
        {"at": NOW},
    )
    conn.close()
    db.close()
    store = open_store(_settings(path))
    try:
        assert [e.id for e in store.events(lead_id="L1")] == ["old-1"]
        assert [e.actor for e in store.events_of_leads(["L1"])["L1"]] == ["old"]
    finally:
        store.close()
