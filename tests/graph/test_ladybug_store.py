"""What only the embedded backend does: file locking, read-only opens, bulk-load checks,
statements kept apart from checkpoints and closing."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from demo.organisation import SCALES, generate_org
from graph.backends import open_store
from graph.errors import DatabaseLocked, NeedsGraph, StoreError, StoreUnavailable
from graph.ladybug_store import WRITE_LOCK, LadybugStore, StatementGate, inline_nulls
from graph.model import OrgSnapshot, Person
from graph.settings import LadybugSettings
from graph.store import from_memory
from tests.faults import held_by_another_thread

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


def test_a_null_parameter_is_written_into_the_statement_with_the_same_meaning(
    tmp_path: Path,
) -> None:
    text, params = inline_nulls(
        "SET x.a = $lead, x.b = $lead_id, x.c = coalesce($lead, $leads)",
        {"lead": None, "lead_id": "l1", "leads": [1]},
    )
    assert text == "SET x.a = NULL, x.b = $lead_id, x.c = coalesce(NULL, $leads)"
    assert params == {"lead_id": "l1", "leads": [1]}
    assert inline_nulls("RETURN $a", {"a": 1}) == ("RETURN $a", {"a": 1})

    store = open_store(_settings(tmp_path / "nulls.lbdb"))
    try:
        store.merge_people([Person(id="li:p1", name="Ann Lee", title="CEO")])
        statement = (
            "MATCH (p:Person {id: $id}) SET p.title = $title "
            "RETURN p.title AS title, coalesce($title, 'none') AS shown, $title IS NULL AS absent"
        )
        for _ in range(2):  # the second run reuses the statement LadybugDB prepared
            rows = store._execute(statement, {"id": "li:p1", "title": None})
            assert rows == [{"title": None, "shown": "none", "absent": True}]
        assert store.person("li:p1").title is None
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


LONG_READ = "UNWIND range(1, $n) AS i RETURN sum(i) AS total"
LONG_N = 30_000_000  # about a second and a half on a quiet machine


def _long_read_in_a_thread(store: LadybugStore) -> tuple[threading.Thread, dict[str, Any]]:
    """A read that takes a while, started in a thread; returns once it is running."""
    outcome: dict[str, Any] = {}

    def read() -> None:
        try:
            rows = store._execute(LONG_READ, {"n": LONG_N})
            outcome["total"] = int(rows[0]["total"])
        except Exception as exc:  # reported to the test, which fails on it
            outcome["error"] = exc
        outcome["ended"] = time.monotonic()

    thread = threading.Thread(target=read)
    thread.start()
    deadline = time.monotonic() + 30
    while store._gate.running == 0 and thread.is_alive():
        assert time.monotonic() < deadline, "the read did not start"
        time.sleep(0.001)
    return thread, outcome


@pytest.mark.parametrize("step", ["checkpoint", "close"])
def test_a_checkpoint_or_close_waits_for_the_reads_running(tmp_path: Path, step: str) -> None:
    """LadybugDB 0.22 lets a read run while a checkpoint rewrites pages (a crash seen in CI)
    and closing under a running read frees what it reads: both wait for the reads."""
    store = open_store(_settings(tmp_path / "gate.lbdb"))
    assert isinstance(store, LadybugStore)
    try:
        store.add_tombstones(["a" * 64], at=datetime.now(UTC))  # something in the log to fold
        thread, outcome = _long_read_in_a_thread(store)
        assert thread.is_alive(), "the read ended before the test could overlap it"
        getattr(store, step)()
        returned = time.monotonic()
        thread.join(timeout=60)
        assert "error" not in outcome, outcome
        assert outcome["total"] == LONG_N * (LONG_N + 1) // 2
        assert outcome["ended"] <= returned  # the read finished before the step went ahead
    finally:
        store.close()


def test_statements_that_arrive_while_a_checkpoint_waits_go_after_it() -> None:
    gate = StatementGate()
    order: list[str] = []
    reading = gate.shared()
    reading.__enter__()  # a statement is running

    def checkpoint() -> None:
        with gate.alone():
            order.append("checkpoint")

    def late_read() -> None:
        with gate.shared():
            order.append("late read")

    first = threading.Thread(target=checkpoint)
    first.start()
    deadline = time.monotonic() + 30
    while gate.waiting == 0:
        assert time.monotonic() < deadline, "the checkpoint did not start waiting"
        time.sleep(0.001)
    second = threading.Thread(target=late_read)
    second.start()
    time.sleep(0.2)
    assert order == []  # the checkpoint waits for the running statement, the late one for it
    reading.__exit__(None, None, None)
    first.join(timeout=30)
    second.join(timeout=30)
    assert order == ["checkpoint", "late read"]


def _log_bytes(store: LadybugStore) -> int:
    log = Path(f"{store.path}.wal")
    return log.stat().st_size if log.exists() else 0


def _tombstones(n: int, start: int = 0) -> list[str]:
    return [f"{i:064x}" for i in range(start, start + n)]


def test_a_commit_folds_a_small_write_ahead_log_of_the_lifecycle_into_the_file(
    tmp_path: Path,
) -> None:
    """Reads of rows changed since the last checkpoint go through the log and slow down as it
    grows: a commit of the lifecycle's writes that leaves it within the band checkpoints. A log
    that holds an import's writes (people here), or above the band, is left alone until it is
    folded some other way (its checkpoint would hold every statement back for seconds on a
    large graph)."""
    store = open_store(_settings(tmp_path / "tidy.lbdb"))
    assert isinstance(store, LadybugStore)
    at = datetime.now(UTC)
    try:
        store.log_tidy_bytes = (1, 1)  # nothing fits: no commit checkpoints
        with store.atomic():
            store.add_tombstones(_tombstones(200), at=at)
        grown = _log_bytes(store)
        assert grown > 1 and store.log_tidied == 0
        store.log_tidy_bytes = (1, grown * 4)  # the next commit leaves it within the band
        with store.atomic():
            store.add_tombstones(_tombstones(1, 200), at=at)
        assert store.log_tidied == 1 and _log_bytes(store) < grown  # folded into the file
        store.add_tombstones(_tombstones(1, 201), at=at)  # one statement, no atomic
        assert store.log_tidied == 2
        store.merge_people([Person(id="li:p0", name="Person 0")])  # an import's write
        store.add_tombstones(_tombstones(1, 202), at=at)
        assert store.log_tidied == 2 and _log_bytes(store) > 1  # left alone
        store.checkpoint()  # folded another way (a backup): tidied again from here
        store.add_tombstones(_tombstones(1, 203), at=at)
        assert store.log_tidied == 3
        store.log_tidy_bytes = (1, 2)  # above the band: left alone
        store.add_tombstones(_tombstones(100, 300), at=at)
        assert store.log_tidied == 3 and _log_bytes(store) > 2
    finally:
        store.close()
    reopened = open_store(_settings(tmp_path / "tidy.lbdb"), read_only=True)
    try:
        assert reopened.people(["li:p0"])["li:p0"].name == "Person 0"
        assert set(_tombstones(3, 201)) <= reopened.tombstone_hashes()
    finally:
        reopened.close()


def test_a_tidy_gives_up_rather_than_hold_the_server_behind_a_long_read(tmp_path: Path) -> None:
    """A read that takes a while is running: the tidy does not wait for it (every new statement
    would wait behind the tidy) and the next commit after it tidies."""
    store = open_store(_settings(tmp_path / "busy.lbdb"))
    assert isinstance(store, LadybugStore)
    at = datetime.now(UTC)
    try:
        store.log_tidy_bytes = (1, 64 * 1024**2)
        thread, outcome = _long_read_in_a_thread(store)
        started = time.monotonic()
        store.add_tombstones(_tombstones(1), at=at)
        waited = time.monotonic() - started
        assert thread.is_alive(), "the read ended before the write: the test proves nothing"
        assert store.log_tidied == 0 and waited < 1.0
        thread.join(timeout=60)
        assert outcome["total"] == LONG_N * (LONG_N + 1) // 2
        store.add_tombstones(_tombstones(1, 1), at=at)
        assert store.log_tidied == 1
    finally:
        store.close()


def _lock_free_elsewhere() -> bool:
    """Whether another thread can take the write lock now."""
    found: list[bool] = []

    def take() -> None:
        got = WRITE_LOCK.acquire(blocking=False)
        if got:
            WRITE_LOCK.release()
        found.append(got)

    other = threading.Thread(target=take)
    other.start()
    other.join()
    return found == [True]


def test_work_in_place_reads_only_memory_and_writes_only_when_the_write_lock_is_free(
    tmp_path: Path,
) -> None:
    """A claim made on the event loop (``from_memory(but_writes=True)``): a read it would make
    and a write lock it would wait for are NeedsGraph, before anything is written; a write with
    the lock free runs, and so does everything after it."""
    store = open_store(_settings(tmp_path / "in-place.lbdb"))
    assert isinstance(store, LadybugStore)
    ann, bob = Person(id="p:ann", name="Ann"), Person(id="p:bob", name="Bob")
    try:
        with from_memory(but_writes=True), pytest.raises(NeedsGraph):
            store.people(["p:ann"])
        with held_by_another_thread(WRITE_LOCK):
            with from_memory(but_writes=True), pytest.raises(NeedsGraph):
                store.run_atomic(lambda: store.merge_people([ann]), one_write=True)
            with from_memory(but_writes=True), pytest.raises(NeedsGraph), store.atomic():
                store.merge_people([ann])
        assert store.people(["p:ann"]) == {}  # nothing was written
        assert _lock_free_elsewhere()  # and nothing kept the lock
        with from_memory(but_writes=True):
            store.run_atomic(lambda: store.merge_people([ann]), one_write=True)
            assert set(store.people(["p:ann"])) == {"p:ann"}  # after the write: in place
        assert _lock_free_elsewhere()
        with from_memory(), pytest.raises(NeedsGraph):
            store.merge_people([bob])  # a plain from_memory() writes nothing either
        # people in the log now: its fold may take long, which is not done on the event loop
        with from_memory(but_writes=True), pytest.raises(NeedsGraph, match="write-ahead log"):
            store.run_atomic(lambda: store.merge_people([bob]), one_write=True)
        assert set(store.people(["p:ann", "p:bob"])) == {"p:ann"}
    finally:
        store.close()


def test_a_server_starts_with_the_log_left_by_earlier_writers_folded_in(tmp_path: Path) -> None:
    """A log past the tidy band (a batch of offers, an import) is never folded by a commit, and
    work in place refuses commits that may fold it: the warm-up at a server's start folds it,
    so its claims are made in place from the first one, and what the log held stays."""
    path = tmp_path / "left.lbdb"
    at = datetime.now(UTC)
    writer = open_store(_settings(path))
    assert isinstance(writer, LadybugStore)
    try:
        writer.log_tidy_bytes = (1, 1)  # nothing fits: the log stays as the writer leaves it
        with writer.atomic():
            writer.add_tombstones(_tombstones(500), at=at)
        left = _log_bytes(writer)
    finally:
        writer.close()
    server = open_store(_settings(path))
    assert isinstance(server, LadybugStore)
    try:
        server.log_tidy_bytes = (1, left // 2)  # what the writer left is past the band
        assert _log_bytes(server) >= left // 2
        with from_memory(but_writes=True), pytest.raises(NeedsGraph, match="write-ahead log"):
            server.run_atomic(
                lambda: server.add_tombstones(_tombstones(1, 500), at=at), one_write=True
            )
        server.warm_up()
        assert _log_bytes(server) < left // 2
        with from_memory(but_writes=True):
            server.run_atomic(
                lambda: server.add_tombstones(_tombstones(1, 500), at=at), one_write=True
            )
        assert set(_tombstones(501)) <= server.tombstone_hashes()
    finally:
        server.close()
