"""Reading many exports on several cores (the bootstrap of a whole team).

Workers parse files into plain tuples (cheap to send between processes); the parent merges them
into one Plan in the files' order, exactly as reading them one after the other would. Workers
never open the database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from graph.model import Company, Employment, Person, RepRef, School, Study, Tie
from importers.plan import ImportReport, Plan

Packed = dict[str, Any]


def _fields(record: Any) -> tuple[Any, ...]:
    return tuple(vars(record).values())  # a flat dataclass: its fields, in order


def worker_count(jobs: int) -> int:
    """How many worker processes are worth starting for this many files (1 = read here)."""
    cores = os.cpu_count() or 1
    return 1 if cores < 2 or jobs < 8 else min(cores, 4)


def _plan_file(rep: RepRef, path: str) -> Packed:
    from importers.linkedin import plan_linkedin_file

    plan = Plan()
    report = ImportReport(file=Path(path).name, kind="linkedin")
    plan_linkedin_file(plan, report, rep, Path(path))
    return {
        "people": [(_fields(p), p.id in plan.counted_people) for p in plan.people.values()],
        "ties": [_fields(t) for t in plan.ties.values()],
        "companies": [_fields(c) for c in plan.companies.values()],
        "schools": [_fields(s) for s in plan.schools.values()],
        "employments": [_fields(e) for e in plan.employments.values()],
        "studies": [_fields(s) for s in plan.studies.values()],
        "tie_owners": sorted(plan.tie_owners),
        "rows_read": report.rows_read,
        "skipped": dict(report.skipped),
        "invalid": [(p.line, p.reason) for p in report.invalid],
        "repaired_lines": report.repaired_lines,
    }


def merge_packed(plan: Plan, report: ImportReport, packed: Packed) -> None:
    """Add one worker's file to the plan and the report (report.current_file names the file)."""
    for fields, counted in packed["people"]:
        plan.add_person(Person(*fields), counted=counted)
    for fields in packed["ties"]:
        plan.add_tie(Tie(*fields))
    for fields in packed["companies"]:
        plan.add_company(Company(*fields))
    for fields in packed["schools"]:
        plan.schools.setdefault(fields[0], School(*fields))
    for fields in packed["employments"]:
        plan.employments[(fields[0], fields[1])] = Employment(*fields)
    for fields in packed["studies"]:
        plan.studies[(fields[0], fields[1])] = Study(*fields)
    plan.tie_owners.update(tuple(owner) for owner in packed["tie_owners"])
    report.rows_read += packed["rows_read"]
    report.skipped.update(packed["skipped"])
    for line, reason in packed["invalid"]:
        report.reject(line, reason)
    report.repaired_lines += packed["repaired_lines"]


def plan_files(jobs: Sequence[tuple[RepRef, Path]], workers: int) -> Iterator[Packed]:
    """Parse the files on ``workers`` processes; yield their results in the files' order."""
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(_plan_file, rep, str(path)) for rep, path in jobs]
        for future in futures:
            yield future.result()
