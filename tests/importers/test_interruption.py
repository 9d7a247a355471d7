"""A failure in the middle of a file leaves the graph as it was; a rerun completes it exactly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.exports import connections_csv, synthetic_connections
from graph.backends import open_store
from graph.model import GraphCounts
from graph.settings import LadybugSettings
from graph.store import GraphStore
from importers.crm import import_reps
from importers.linkedin import import_linkedin
from tests.importers.conftest import ROSTER, write

ALICE = "alice@seller.example"


class Crash(Exception):
    pass


def test_a_crash_between_batches_writes_nothing_and_a_rerun_completes(
    roster: GraphStore, tmp_path: Path
) -> None:
    export = write(
        tmp_path, "c.csv", connections_csv(synthetic_connections(12_000, seed=8, quirks=False))
    )
    before = roster.counts()

    def crash_after_first_batch(label: str, done: int, total: int) -> None:
        if done >= 5_000:
            raise Crash(f"killed while writing {label}")

    with pytest.raises(Crash):
        import_linkedin(roster, ALICE, export, progress=crash_after_first_batch)
    assert roster.counts() == before
    assert roster.ties_of("li:alice-rep", "linkedin") == {}
    report = import_linkedin(roster, ALICE, export)
    assert (report.people_created, report.ties_created) == (12_000, 12_000)
    assert roster.counts().ties == before.ties + 12_000


def _counts(path: Path) -> GraphCounts:
    store = open_store(LadybugSettings(path=path, buffer_pool_bytes=256 * 1024**2), read_only=True)
    try:
        return store.counts()
    finally:
        store.close()


def test_killing_the_import_process_leaves_no_half_written_file(tmp_path: Path) -> None:
    db = tmp_path / "g.lbdb"
    setup = open_store(LadybugSettings(path=db, buffer_pool_bytes=256 * 1024**2))
    import_reps(setup, write(tmp_path, "reps.csv", ROSTER))
    setup.close()
    before = _counts(db)
    export = write(
        tmp_path, "big.csv", connections_csv(synthetic_connections(120_000, seed=9, quirks=False))
    )
    env = {**os.environ, "WARMPATH_GRAPH_URI": f"ladybug://{db}"}
    command = [sys.executable, "-m", "cli", "import", "linkedin", "--rep", ALICE, str(export)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    # parsing writes nothing; wait until the write transaction is filling the write-ahead log,
    # then kill the process without warning
    wal = Path(str(db) + ".wal")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if wal.exists() and wal.stat().st_size > 1_000_000:
            break
        time.sleep(0.01)
    assert process.poll() is None, "the import finished before it could be interrupted"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    # the file holds the state before the import (or, had the kill hit the commit itself, the
    # whole import): never a part of it
    interrupted = _counts(db)
    complete = GraphCounts(
        people=before.people + 120_000,
        reps=before.reps,
        companies=before.companies + 10,
        leads=0,
        ties=before.ties + 120_000,
    )
    assert interrupted in (before, complete)
    rerun = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert rerun.returncode == 0, rerun.stderr
    assert _counts(db) == complete


def test_a_batched_import_killed_midway_is_completed_by_a_rerun(
    roster: GraphStore, tmp_path: Path
) -> None:
    """A plan larger than the store's transaction_rows (a bootstrap on Neo4j) is written in
    batches: a crash leaves whole batches, and the rerun ends with the graph an uninterrupted
    import gives. Forced here on both backends with a small limit."""
    roster.transaction_rows = 5_000
    export = write(
        tmp_path, "c.csv", connections_csv(synthetic_connections(12_000, seed=8, quirks=False))
    )
    before = roster.counts()

    def crash_after_the_people(label: str, done: int, total: int) -> None:
        if label == "ties" and done >= 5_000:
            raise Crash(f"killed while writing {label}")

    with pytest.raises(Crash):
        import_linkedin(roster, ALICE, export, progress=crash_after_the_people)
    partial = roster.counts()
    assert partial.people == before.people + 12_000  # whole batches stayed
    assert before.ties < partial.ties < before.ties + 12_000
    report = import_linkedin(roster, ALICE, export)
    assert report.people_matched == 12_000 and report.ties_created == 12_000 - (
        partial.ties - before.ties
    )
    assert roster.counts().ties == before.ties + 12_000
    assert len(roster.ties_of("li:alice-rep", "linkedin")) == 12_000
    again = import_linkedin(roster, ALICE, export)  # and a third run changes nothing
    assert (again.ties_created, again.people_created) == (0, 0)


def test_a_bootstrap_that_fails_in_the_middle_leaves_the_graph_unchanged(
    roster: GraphStore, tmp_path: Path
) -> None:
    """A folder of exports (a team's bootstrap) is one plan and one transaction: a failure
    while its ties are written leaves nothing of any export; a rerun imports all of them."""
    from importers.linkedin import import_linkedin_folder

    folder = tmp_path / "exports"
    folder.mkdir()
    for seed, rep in enumerate(("alice", "bob", "carol"), start=21):
        export = connections_csv(synthetic_connections(2_500, seed=seed, quirks=False))
        write(folder, f"{rep}@seller.example.csv", export)
    before = roster.counts()

    def crash_among_the_ties(label: str, done: int, total: int) -> None:
        if label == "ties":
            raise Crash(f"killed while writing {label}")

    with pytest.raises(Crash):
        import_linkedin_folder(roster, folder, progress=crash_among_the_ties)
    assert roster.counts() == before
    for rep in ("li:alice-rep", "li:carol-rep"):
        assert roster.ties_of(rep, "linkedin") == {}
    report = import_linkedin_folder(roster, folder)
    assert report.invalid == [] and report.ties_created == 7_500
    assert roster.counts().ties == before.ties + 7_500
