"""Planning a folder of exports (a team's bootstrap) on two cores: this process plans the first
files while a worker process plans the rest, then the worker's plan is folded in after them.

The result is the plan and report of planning every file here in order: a plan merges what
later files say into what earlier ones said (a person's empty fields filled, a tie's reporters
added, a job's last row winning), and folding the worker's plan in does the same, with the same
first-seen order. A worker that fails to start or dies has its files planned here instead; an
error in a file (a file that is no export) is raised as planning them in order would raise it.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from graph.model import Company, Employment, Person, RepRef, School, Study, Tie
from importers.plan import ImportReport, Plan, Progress, RowProblem

log = logging.getLogger(__name__)

FilePlanner = Callable[[Plan, ImportReport, RepRef, Path], None]
"""Adds one export to the plan (``linkedin.plan_linkedin_file``): a module-level function, so
the worker process can be given it."""

PARALLEL_MIN_BYTES = 16 * 1024**2
"""Below this many bytes of exports the worker costs more (about a second to start and import
the planner) than it saves."""

_WORKER_SHARE = 0.45
"""The worker's part of the bytes: this process also folds the worker's plan in after."""

READING = "reading exports"


def plan_files(
    plan: Plan,
    report: ImportReport,
    jobs: Sequence[tuple[RepRef, Path, str]],
    planner: FilePlanner,
    *,
    progress: Progress | None = None,
    parallel_min_bytes: int | None = None,
) -> None:
    """Plan each ``(rep, path, shown)`` job in order (``shown``: the file as the report names
    it), on two cores when the files add up to ``parallel_min_bytes`` (``PARALLEL_MIN_BYTES``)
    or more and the machine has two."""
    if parallel_min_bytes is None:
        parallel_min_bytes = PARALLEL_MIN_BYTES
    sizes = [path.stat().st_size if path.is_file() else 0 for _, path, _ in jobs]
    split = _split(sizes) if sum(sizes) >= parallel_min_bytes and _cores() >= 2 else len(jobs)
    if split >= len(jobs):
        _plan_here(plan, report, jobs, planner, progress, 0, len(jobs), None)
        return
    context = multiprocessing.get_context("spawn")  # not fork: the store's threads hold locks
    try:
        done = context.RawValue("i", 0)  # files the worker planned: only it writes, no lock
        receiving, sending = context.Pipe(duplex=False)
        worker_reads, giving = context.Pipe(duplex=False)
        worker = context.Process(
            target=_worker,
            args=(worker_reads, planner, sending, done),
            name="warmpath-planner",
            daemon=True,
        )
    except OSError as exc:  # no shared memory or pipes to be had: plan them all here
        log.warning("planning on one core: no worker process (%s)", exc)
        _plan_here(plan, report, jobs, planner, progress, 0, len(jobs), None)
        return
    try:
        worker.start()
        sending.close()
        worker_reads.close()
        # the jobs go through a pipe of ours, not the start's arguments: a worker that dies
        # as it starts breaks this pipe, where it would leave ``start`` waiting on its own
        giving.send(list(jobs[split:]))
        log.debug(
            "planning %d of %d exports in process %s", len(jobs) - split, len(jobs), worker.pid
        )
    except OSError as exc:  # no process to be had, or it died: plan them all here
        log.warning("planning on one core: the worker process did not start (%s)", exc)
        receiving.close()
        _stop(worker)
        _plan_here(plan, report, jobs, planner, progress, 0, len(jobs), None)
        return
    finally:
        giving.close()
    try:
        _plan_here(plan, report, jobs[:split], planner, progress, 0, len(jobs), done)
        outcome = _receive(receiving, worker, progress, split, len(jobs), done)
    finally:
        receiving.close()
        _stop(worker)
    if outcome is None:  # the worker died: its files are planned here
        log.warning(
            "the planning worker stopped (exit code %s): planning on one core", worker.exitcode
        )
        _plan_here(plan, report, jobs[split:], planner, progress, split, len(jobs), None)
        return
    if isinstance(outcome, BaseException):
        raise outcome
    outcome.fold_into(plan, report)


def _stop(worker: BaseProcess) -> None:
    if worker.pid is None:  # never started
        return
    if worker.is_alive():
        worker.terminate()
    worker.join()


def _cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _split(sizes: Sequence[int]) -> int:
    """The first job the worker plans: it gets the last ``_WORKER_SHARE`` of the bytes."""
    total, mine = sum(sizes), 0
    for index, size in enumerate(sizes):
        if mine >= total * (1 - _WORKER_SHARE):
            return index
        mine += size
    return len(sizes)


def _plan_here(
    plan: Plan,
    report: ImportReport,
    jobs: Sequence[tuple[RepRef, Path, str]],
    planner: FilePlanner,
    progress: Progress | None,
    before: int,
    total: int,
    elsewhere: Any | None,
) -> None:
    for number, (rep, path, shown) in enumerate(jobs, start=before + 1):
        report.current_file = shown
        planner(plan, report, rep, path)
        if progress is not None:
            progress(READING, number + (elsewhere.value if elsewhere is not None else 0), total)
    report.current_file = None


def _receive(
    receiving: multiprocessing.connection.Connection,
    worker: BaseProcess,
    progress: Progress | None,
    mine: int,
    total: int,
    done: Any,
) -> _WorkerPlan | BaseException | None:
    """The worker's plan (or the error of a file), reporting its progress while it plans; None
    when it died without sending one."""
    while not receiving.poll(0.5):
        if not worker.is_alive() and not receiving.poll(0):
            return None
        if progress is not None:
            progress(READING, mine + done.value, total)
    try:
        outcome: _WorkerPlan | BaseException = receiving.recv()
    except Exception:  # cut off, or an error that does not unpickle: as if it died
        return None
    if progress is not None:
        progress(READING, total, total)
    return outcome


def _worker(
    reading: multiprocessing.connection.Connection,
    planner: FilePlanner,
    sending: multiprocessing.connection.Connection,
    done: Any,
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the importing process stops it
    gc.disable()  # as in the importing process: planning makes millions of objects, no cycles
    jobs: list[tuple[RepRef, Path, str]] = reading.recv()
    reading.close()
    importing = multiprocessing.parent_process()
    plan, report = Plan(), ImportReport(file="", kind="")
    outcome: _WorkerPlan | BaseException
    try:
        for rep, path, shown in jobs:
            if importing is not None and not importing.is_alive():
                return  # the import was killed: nobody waits for this plan
            report.current_file = shown
            planner(plan, report, rep, path)
            done.value += 1
        outcome = _WorkerPlan.of(plan, report)
    except Exception as exc:  # the file's error, raised by the importing process
        outcome = exc
    sending.send(outcome)
    sending.close()


def _values(record: Any) -> tuple[Any, ...]:
    return tuple(record.__dict__.values())


@dataclass
class _WorkerPlan:
    """A worker's plan and report as tuples (the records' fields in order): pickled records
    cost 5x more to send and receive."""

    people: list[tuple[Any, ...]] = field(default_factory=list)
    ties: list[tuple[Any, ...]] = field(default_factory=list)
    companies: list[tuple[Any, ...]] = field(default_factory=list)
    schools: list[tuple[Any, ...]] = field(default_factory=list)
    employments: list[tuple[Any, ...]] = field(default_factory=list)
    studies: list[tuple[Any, ...]] = field(default_factory=list)
    tie_owners: set[tuple[str, str]] = field(default_factory=set)
    counted_people: set[str] = field(default_factory=set)
    rows_read: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    invalid: list[tuple[int, str, str | None]] = field(default_factory=list)
    repaired_lines: int = 0

    @classmethod
    def of(cls, plan: Plan, report: ImportReport) -> _WorkerPlan:
        unplanned = [
            name for name in ("reps", "leads", "decision_makers", "consents") if getattr(plan, name)
        ]
        if unplanned or plan.prune is not None:  # a planner for another kind of export
            raise TypeError(f"a worker's plan cannot carry {unplanned or 'prune'}")
        return cls(
            people=[_values(p) for p in plan.people.values()],
            ties=[_values(t) for t in plan.ties.values()],
            companies=[_values(c) for c in plan.companies.values()],
            schools=[_values(s) for s in plan.schools.values()],
            employments=[_values(e) for e in plan.employments.values()],
            studies=[_values(s) for s in plan.studies.values()],
            tie_owners=plan.tie_owners,
            counted_people=plan.counted_people,
            rows_read=report.rows_read,
            skipped=dict(report.skipped),
            invalid=[(p.line, p.reason, p.file) for p in report.invalid],
            repaired_lines=report.repaired_lines,
        )

    def fold_into(self, plan: Plan, report: ImportReport) -> None:
        """Add this plan after ``plan``, as planning its files after those would: what both
        hold is merged as ``Plan`` merges a later row; the rest is added in this plan's order
        (dict comprehensions and ``update``: a bootstrap's worker hands over 800,000 ties)."""
        people = {values[0]: values for values in self.people}
        for person_id in people.keys() & plan.people.keys():
            values = people.pop(person_id)
            if _values(plan.people[person_id]) != values:
                plan.add_person(Person(*values), counted=False)
        plan.people.update({person_id: Person(*values) for person_id, values in people.items()})
        plan.counted_people |= self.counted_people
        ties = {values[:3]: values for values in self.ties}  # (a, b, source), a < b as kept
        for key in ties.keys() & plan.ties.keys():
            plan.add_tie(Tie(*ties.pop(key)))
        plan.ties.update({key: Tie(*values) for key, values in ties.items()})
        for values in self.companies:
            plan.companies.setdefault(values[0], Company(*values))
        for values in self.schools:
            plan.schools.setdefault(values[0], School(*values))
        # the last row of a person at a company wins, as in a plan
        plan.employments.update({values[:2]: Employment(*values) for values in self.employments})
        plan.studies.update({values[:2]: Study(*values) for values in self.studies})
        plan.tie_owners |= self.tie_owners
        report.rows_read += self.rows_read
        report.skipped.update(self.skipped)
        report.invalid.extend(RowProblem(*problem) for problem in self.invalid)
        report.repaired_lines += self.repaired_lines
