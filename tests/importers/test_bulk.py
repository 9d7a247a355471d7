"""A bootstrap written in bulk (``GraphStore.bulk_writes``): LadybugDB copies its new records in
with ``COPY FROM`` and undoes the whole from a copy of the file; Neo4j writes as usual. Either
way the graph is the one a transaction writes, and a failure or a kill leaves nothing of it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from benchmarks.exports import Connection, connections_csv, synthetic_connections
from graph import ladybug_store
from graph.backends import open_store
from graph.errors import DatabaseLocked, StoreError
from graph.ladybug_store import LadybugStore, _arrow_columns, _bulk_guard
from graph.model import Person, Tie
from graph.settings import LadybugSettings
from graph.store import GraphStore
from importers.crm import import_reps
from importers.linkedin import import_linkedin, import_linkedin_folder
from tests.importers.conftest import DANA, ROSTER, write

DUMP = (
    "MATCH (p:Person) RETURN p.id, p.name, p.first_name, p.last_name, p.linkedin_url, p.email, "
    "p.title, p.location ORDER BY p.id",
    "MATCH (a:Person)-[k:KNOWS]->(b:Person) RETURN a.id, b.id, k.source, k.since, k.strength, "
    "k.reported_by ORDER BY a.id, b.id, k.source",
    "MATCH (p:Person)-[w:WORKS_AT]->(c:Company) RETURN p.id, c.id, w.title, w.current, "
    "w.started, w.ended ORDER BY p.id, c.id",
    "MATCH (c:Company) RETURN c.id, c.name, c.domain, c.industry, c.region, c.size ORDER BY c.id",
)


def _folder(tmp_path: Path, rows: int = 400, seeds: int = 31) -> Path:
    """Three reps' exports that share some people (a tie two reps report, people named twice)."""
    folder = tmp_path / "exports"
    folder.mkdir(parents=True)
    shared = [
        DANA,
        Connection("Carol", "Cruz", "https://www.linkedin.com/in/carol-rep", "", "", "Rep", None),
    ]
    for seed, rep in enumerate(("alice", "bob", "carol"), start=seeds):
        mine = synthetic_connections(rows, seed=seed, quirks=False)
        write(folder, f"{rep}@seller.example.csv", connections_csv(shared + mine + mine[:5]))
    return folder


def _dump(store: LadybugStore) -> list[list[dict[str, Any]]]:
    return [store._execute(query, None) for query in DUMP]


def _ladybug(path: Path) -> LadybugStore:
    store = open_store(LadybugSettings(path=path, buffer_pool_bytes=256 * 1024**2))
    assert isinstance(store, LadybugStore)
    import_reps(store, write(path.parent, "reps.csv", ROSTER))
    return store


def _named_queries(store: GraphStore) -> list[str]:
    seen: list[str] = []
    store.query_observer = lambda name, seconds: seen.append(name)
    return seen


def test_a_bootstrap_copied_in_bulk_is_the_graph_one_transaction_writes(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (tmp_path / "bulk").mkdir()
    (tmp_path / "transaction").mkdir()
    bulk = _ladybug(tmp_path / "bulk" / "g.lbdb")
    one = _ladybug(tmp_path / "transaction" / "g.lbdb")
    try:
        one.undo_max_bytes = 0  # too large to copy: one transaction, as before
        copied, written = _named_queries(bulk), _named_queries(one)
        by_copy = import_linkedin_folder(bulk, folder)
        by_transaction = import_linkedin_folder(one, folder)
        assert "create_ties" in written and "create_ties" not in copied  # COPY ran instead
        assert by_copy.as_json() == by_transaction.as_json()
        assert by_copy.ties_created == 3 * 400 + 5  # Dana thrice; Carol's own row skipped
        assert _dump(bulk) == _dump(one)
        assert not Path(f"{bulk.path}.undo").exists()
        # a second folder, of other people and some known ones, into graphs that have ties
        second = _folder(tmp_path / "second", seeds=41)
        assert import_linkedin_folder(bulk, second).as_json() == (
            import_linkedin_folder(one, second).as_json()
        )
        assert _dump(bulk) == _dump(one)
        folder = tmp_path / "exports"
        # the graph goes on as usual: a rerun finds everything, a file adds to it, reopened too
        again = import_linkedin_folder(bulk, folder)
        assert (again.people_created, again.ties_created) == (0, 0)
        more = write(tmp_path, "more.csv", connections_csv(synthetic_connections(50, seed=40)))
        assert import_linkedin(bulk, "alice@seller.example", more).ties_created == 50
        counts = bulk.counts()
    finally:
        bulk.close()
        one.close()
    reopened = _ladybug(tmp_path / "bulk" / "g.lbdb")
    try:
        assert reopened.counts() == counts
        assert len(reopened.ties_of("li:dana-w", "linkedin")) == 3
    finally:
        reopened.close()


def test_columns_made_in_pieces_copy_the_same_graph_and_the_lock_is_handed_over_sooner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each table's columns made 7 records at a time (chunked arrays, as a bootstrap's are made
    65,536 at a time); while the copies run, Python hands its lock over after 0.1 ms, and after
    the import, done or failed, as before."""
    people = [
        Person(id=f"li:p{n}", name=f"P {n}", title=None if n % 3 else "CFO") for n in range(20)
    ]
    names, pieces = _arrow_columns(people, piece=7)
    assert [column.num_chunks for column in pieces] == [3] * len(names)
    assert [column.combine_chunks() for column in pieces] == _arrow_columns(people)[1]
    monkeypatch.setattr(ladybug_store, "_COPY_PIECE", 7)
    folder = _folder(tmp_path)
    (tmp_path / "bulk").mkdir()
    (tmp_path / "transaction").mkdir()
    bulk = _ladybug(tmp_path / "bulk" / "g.lbdb")
    one = _ladybug(tmp_path / "transaction" / "g.lbdb")
    usual = sys.getswitchinterval()
    try:
        one.undo_max_bytes = 0
        copy, switching, chunks = bulk._copy, [], {}

        def copy_and_see(table: str, ends: Any, columns: Any, count: int) -> None:
            switching.append(sys.getswitchinterval())
            chunks[table] = {getattr(column, "num_chunks", 1) for column in columns[1]}
            copy(table, ends, columns, count)

        bulk._copy = copy_and_see  # type: ignore[method-assign]
        copied = import_linkedin_folder(bulk, folder)
        assert copied.as_json() == import_linkedin_folder(one, folder).as_json()
        assert _dump(bulk) == _dump(one)
        assert switching == pytest.approx([ladybug_store._COPY_SWITCH_SECONDS] * 4)  # 4 tables
        # the companies are records, made into columns in pieces of 7; people, ties and jobs
        # were planned in columns (importers.connection_columns) and are copied as they are
        assert copied.written["companies"] > 7
        assert chunks["Company"] == {-(-copied.written["companies"] // 7)}
        assert sys.getswitchinterval() == usual
        with pytest.raises(StoreError), bulk.bulk_writes() as copying:
            assert copying
            bulk.create_people([Person(id="li:p1", name="P 1")])
            bulk.create_people([Person(id="li:p1", name="P 1 again")])  # its key is taken
        assert sys.getswitchinterval() == usual
    finally:
        bulk.close()
        one.close()


class Crash(Exception):
    pass


def _copies_seen(store: LadybugStore) -> tuple[list[str], threading.Event, threading.Event]:
    """Make the store's copies say which table each one is for, and which failed; the ties'
    copy starts, says so, then waits for ``go`` (so that a test acts while a copy runs)."""
    copy, copied = store._copy, []
    started, go = threading.Event(), threading.Event()

    def copy_and_say(table: str, *args: Any) -> None:
        copied.append(table)
        if table == "KNOWS":
            started.set()
            assert go.wait(60)
        try:
            copy(table, *args)
        except StoreError:
            copied.append(f"{table} failed")
            raise

    store._copy = copy_and_say  # type: ignore[method-assign]
    return copied, started, go


@pytest.mark.parametrize("while_copying", [True, False])
def test_a_bulk_bootstrap_that_fails_leaves_the_file_as_it_was(
    tmp_path: Path, while_copying: bool
) -> None:
    """A failure while the ties are being copied (the employments' copy waiting behind it), or
    after every copy ended (the known people updated: a statement waits for the copies)."""
    store = _ladybug(tmp_path / "g.lbdb")
    try:
        before = _dump(store)
        copied, started, go = _copies_seen(store)
        written: list[str] = []
        crash_at = ["companies", "people", "ties", "employments"]
        if not while_copying:
            go.set()
            crash_at.append("people")

        def crash(label: str, done: int, total: int) -> None:
            if label != "reading exports":
                written.append(label)
            if written == crash_at:
                assert started.wait(60)
                go.set()  # the ties' copy goes on while the import fails
                raise Crash(f"killed after {label}")

        with pytest.raises(Crash):
            import_linkedin_folder(store, _folder(tmp_path), progress=crash)
        if while_copying:  # the employments were never copied
            assert copied == ["Company", "Person", "KNOWS"]
        else:
            assert copied == ["Company", "Person", "KNOWS", "WORKS_AT"]
        del store._copy
        assert _dump(store) == before
        assert not Path(f"{store.path}.undo").exists()
        report = import_linkedin_folder(store, tmp_path / "exports")  # the same store goes on
        assert report.ties_created == 3 * 400 + 5
    finally:
        store.close()


def test_a_copy_that_fails_in_the_background_undoes_the_import(tmp_path: Path) -> None:
    """A ``COPY`` that fails (a person already in the graph: its key taken) stops the copies
    started after it, the import is undone, and the store goes on."""
    store = _ladybug(tmp_path / "g.lbdb")
    try:
        before = _dump(store)
        taken = store.resolve_rep("alice@seller.example").person_id
        copied, _, go = _copies_seen(store)
        go.set()
        failing = pytest.raises(StoreError, match="could not copy the new Person rows")
        with failing, store.bulk_writes() as copying:
            assert copying
            store.create_people([Person(id="li:new-one", name="New One")])
            store.create_people([Person(id=taken, name="Alice Again")])
            store.create_ties([Tie(taken, "li:new-one", "linkedin")])  # never copied
        assert copied == ["Person", "Person", "Person failed"]
        del store._copy
        assert _dump(store) == before
        assert not Path(f"{store.path}.undo").exists()
        report = import_linkedin_folder(store, _folder(tmp_path))
        assert report.ties_created == 3 * 400 + 5
    finally:
        store.close()


def test_a_statement_in_bulk_writes_waits_for_the_copies_started(tmp_path: Path) -> None:
    store = _ladybug(tmp_path / "g.lbdb")
    try:
        copied, started, go = _copies_seen(store)
        with store.bulk_writes() as copying:
            assert copying
            store.create_people([Person(id="li:new-one", name="New One")])
            taken = store.resolve_rep("alice@seller.example").person_id
            store.create_ties([Tie(taken, "li:new-one", "linkedin")])
            assert started.wait(60)  # the tie's copy has begun; let it go on after a moment
            threading.Timer(0.5, go.set).start()
            assert len(store.ties_of("li:new-one", "linkedin")) == 1  # read after the copy
        assert copied == ["Person", "KNOWS"]
    finally:
        store.close()


def test_bulk_writes_apply_only_to_a_file_small_enough_to_copy(store: GraphStore) -> None:
    if isinstance(store, LadybugStore):
        store.undo_max_bytes = 0
    with store.bulk_writes() as copying:
        assert copying is False


KILLED_AMONG_THE_WRITES = """
import os, signal, sys
from pathlib import Path
from graph.backends import open_store
from graph.settings import LadybugSettings
from importers.linkedin import import_linkedin_folder

store = open_store(LadybugSettings(path=Path(sys.argv[1]), buffer_pool_bytes=256 * 1024**2))

labels = []

def progress(label, done, total):
    labels.append(label)
    # the known people updated, after every copy (a statement waits for the copies started)
    if labels.count("people") == 2:
        os.kill(os.getpid(), signal.SIGKILL)

import_linkedin_folder(store, Path(sys.argv[2]), progress=progress)
"""


def _read_only_dump(path: Path) -> list[list[dict[str, Any]]]:
    store = open_store(LadybugSettings(path=path, buffer_pool_bytes=256 * 1024**2), read_only=True)
    try:
        assert isinstance(store, LadybugStore)
        return _dump(store)
    finally:
        store.close()


def test_a_bulk_bootstrap_killed_midway_is_undone_before_the_next_open(tmp_path: Path) -> None:
    db = tmp_path / "g.lbdb"
    _ladybug(db).close()
    before = _read_only_dump(db)
    folder = _folder(tmp_path)
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_AMONG_THE_WRITES, str(db), str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    undo = Path(f"{db}.undo")
    assert undo.exists()
    # while another process holds the undo's lock (an import in bulk), nobody opens the file
    guard = _bulk_guard(db)
    assert guard is not None
    try:
        with pytest.raises(DatabaseLocked, match="being written in bulk"):
            _read_only_dump(db)
    finally:
        os.close(guard)
    assert undo.exists()
    assert _read_only_dump(db) == before  # a read-only open had the undo put back first
    assert not undo.exists()
    env = {**os.environ, "WARMPATH_GRAPH_URI": f"ladybug://{db}"}
    rerun = subprocess.run(
        [sys.executable, "-m", "cli", "import", "linkedin-folder", str(folder)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert "ties 1205 created" in rerun.stdout
    assert len(_read_only_dump(db)[1]) == len(before[1]) + 1205


def test_the_planners_shortcuts_keep_what_add_person_and_the_last_job_would() -> None:
    """``Plan.adds_nothing`` says a row adds nothing only when ``add_person`` would keep the
    person as planned, and ``add_current_job`` leaves the plan as a plain assignment would:
    every combination of set and unset fields, known and new."""
    from itertools import product

    from graph.model import Employment, Person
    from importers.plan import Plan

    values = (None, "x", "y")
    for known, row in product(product(values, repeat=5), repeat=2):
        plan, reference = Plan(), Plan()
        for target in (plan, reference):
            target.add_person(Person("p", "Known", *known), counted=False)
        person = Person("p", "Row", *row)
        fields = (person.first_name, person.last_name, person.linkedin_url, person.email)
        if not plan.adds_nothing("p", person.name, *fields, person.title):
            plan.add_person(person)
        reference.add_person(person)
        assert plan.people == reference.people and plan.counted_people == {"p"}
    titles = (None, "CFO", "CEO")
    for first, second in product(titles, repeat=2):
        for earlier in (
            Employment("p", "c", first, current=True),
            Employment("p", "c", first, current=False),
        ):
            plan, reference = Plan(), Plan()
            plan.employments[("p", "c")] = reference.employments[("p", "c")] = earlier
            plan.add_current_job("p", "c", second)
            reference.employments[("p", "c")] = Employment("p", "c", second, current=True)
            assert plan.employments == reference.employments
