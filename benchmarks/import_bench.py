"""Importer figures for ``make bench``: one 5,000-row Connections.csv into the loaded benchmark
graph through the CLI (end to end), and the bootstrap of a whole organisation from one synthetic
export per rep. Baseline: parsing the same files with the csv module alone (no graph)."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import pyarrow.compute as pc

from benchmarks.exports import Connection, connections_csv
from graph.model import OrgSnapshot
from importers.crm import REP_COLUMNS


def rep_exports(snapshot: OrgSnapshot) -> dict[str, list[Connection]]:
    """Each rep's connections in the organisation, as a LinkedIn export would list them."""
    people = snapshot.tables["Person"]
    ids = people.column("id").to_pylist()
    position = {pid: i for i, pid in enumerate(ids)}
    first, last = people.column("first_name").to_pylist(), people.column("last_name").to_pylist()
    urls, titles = people.column("linkedin_url").to_pylist(), people.column("title").to_pylist()
    companies = snapshot.tables["Company"]
    company_name = dict(
        zip(companies.column("id").to_pylist(), companies.column("name").to_pylist(), strict=True)
    )
    works = snapshot.tables["WORKS_AT"].filter(pc.field("current"))
    employer = dict(
        zip(works.column("from").to_pylist(), works.column("to").to_pylist(), strict=True)
    )
    is_table = snapshot.tables["IS"]
    rep_email = {
        p: r.removeprefix("rep:")
        for r, p in zip(
            is_table.column("from").to_pylist(), is_table.column("to").to_pylist(), strict=True
        )
    }
    knows = snapshot.tables["KNOWS"]
    exports: dict[str, list[Connection]] = defaultdict(list)
    for a, b, since in zip(
        knows.column("from").to_pylist(),
        knows.column("to").to_pylist(),
        knows.column("since").to_pylist(),
        strict=True,
    ):
        for rep_person, other in ((a, b), (b, a)):
            email = rep_email.get(rep_person)
            if email is None:
                continue
            i = position[other]
            exports[email].append(
                Connection(
                    first[i],
                    last[i],
                    urls[i],
                    "",
                    company_name.get(employer.get(other, ""), ""),
                    titles[i],
                    since,
                )
            )
    return exports


def roster_csv(snapshot: OrgSnapshot) -> str:
    reps = snapshot.tables["Rep"].to_pylist()
    is_table = dict(
        zip(
            snapshot.tables["IS"].column("from").to_pylist(),
            snapshot.tables["IS"].column("to").to_pylist(),
            strict=True,
        )
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(list(REP_COLUMNS))
    for rep in reps:
        url = "https://www.linkedin.com/in/" + is_table[rep["id"]].removeprefix("li:")
        writer.writerow(
            [
                rep["email"],
                rep["name"],
                url,
                rep["region"],
                rep["timezone"],
                ";".join(rep["industries"]),
                ";".join(rep["products"]),
                rep["deal_min"],
                rep["deal_max"],
                rep["capacity"],
                rep["close_rate"],
                rep["hired_on"],
                rep["active"],
                rep["out_until"] or "",
                rep.get("team") or "",
                "yes" if rep.get("consented_at") else "",
            ]
        )
    return buffer.getvalue()


def parse_only(paths: list[Path]) -> int:
    rows = 0
    for path in paths:
        with path.open(encoding="utf-8", newline="") as handle:
            for _ in csv.reader(handle):
                rows += 1
    return rows


def cli(graph_env: Mapping[str, str], *args: str) -> tuple[float, str]:
    """Run ``warmpath <args>`` on the graph that ``graph_env`` (WARMPATH_* settings) names:
    (seconds, its standard output)."""
    env = {**os.environ, **graph_env}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise RuntimeError(f"warmpath {' '.join(args)} failed (exit {done.returncode}): {last}")
    return elapsed, done.stdout.strip()


def one_export(snapshot: OrgSnapshot, folder: Path, rows: int = 5000) -> tuple[str, Path]:
    """A 5,000-row export for the first rep: their real connections topped up with new people."""
    exports = rep_exports(snapshot)
    email = sorted(exports)[0]
    known = exports[email][: rows // 2]
    extra = [
        Connection(
            f"New{i}",
            f"Person{i}",
            f"https://www.linkedin.com/in/bench-new-{i}",
            "",
            "Bench Co",
            "CFO",
            date(2026, 1, 1),
        )
        for i in range(rows - len(known))
    ]
    path = folder / "Connections.csv"
    path.write_bytes(connections_csv(known + extra))
    return email, path


def write_folder(snapshot: OrgSnapshot, folder: Path) -> tuple[Path, list[Path], int]:
    folder.mkdir(parents=True, exist_ok=True)
    exports = rep_exports(snapshot)
    paths = []
    total = 0
    for email, rows in exports.items():
        path = folder / f"{email}.csv"
        path.write_bytes(connections_csv(rows))
        paths.append(path)
        total += len(rows)
    roster = folder.parent / "reps.csv"
    roster.write_text(roster_csv(snapshot), encoding="utf-8")
    return roster, paths, total
