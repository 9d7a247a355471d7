"""Importer figures for ``make bench``: one 5,000-row Connections.csv into the loaded benchmark
graph through the CLI (end to end), another through a running ``warmpath serve``
(``warmpath import linkedin --server``, end to end, once the server is ready and has read the
open leads' reach: a server in its steady state), a third through the CLI again (the first
was also the first write into a freshly launched Neo4j, with its query plans still to make), and
the bootstrap of a whole organisation from one synthetic export per rep. Baseline: parsing the
same files with the csv module alone.

``python -m benchmarks.import_bench`` runs these figures alone (same ``BENCH_BACKEND``,
``BENCH_SCALE`` and Neo4j variables as ``make bench``): generate, bulk-load, import.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow.compute as pc

from benchmarks.bytecode import compile_warmpath
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


def one_export(
    snapshot: OrgSnapshot, folder: Path, rows: int = 5000, rep_index: int = 0
) -> tuple[str, Path]:
    """A 5,000-row export for a rep (the first by default): their real connections topped up
    with people new to the graph."""
    exports = rep_exports(snapshot)
    email = sorted(exports)[rep_index]
    new = "bench-new-" if rep_index == 0 else f"bench-{rep_index}-new-"
    known = exports[email][: rows // 2]
    extra = [
        Connection(
            f"New{i}",
            f"Person{i}",
            f"https://www.linkedin.com/in/{new}{i}",
            "",
            "Bench Co",
            "CFO",
            date(2026, 1, 1),
        )
        for i in range(rows - len(known))
    ]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "Connections.csv"
    path.write_bytes(connections_csv(known + extra))
    return email, path


def admin_token(graph: Any) -> str:
    """A token of a new admin user of the benchmark graph (for imports through the server)."""
    from api.auth import add_user

    store = graph.open()
    try:
        _, token = add_user(store, role="admin", name="bench", now=datetime.now(UTC))
    finally:
        store.close()
    return token


def through_server(
    graph_env: Mapping[str, str], token: str, email: str, export: Path, log: Path
) -> tuple[float, str]:
    """Start ``warmpath serve`` on the graph, wait until it is ready, then time
    ``warmpath import linkedin --server`` of ``export`` end to end: (seconds, summary line)."""
    from graph.neo4j_launcher import free_port

    port = free_port()
    env = {**os.environ, **graph_env, "WARMPATH_SLA_SWEEP_SECONDS": "0"}
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 900  # the rep network loads first (a minute on Neo4j)
        while (state := _readiness(port)) is None:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"warmpath serve did not become ready (log: {log})")
            time.sleep(0.5)
        # then the reach of the open leads, read in the background after /readyz comes good:
        # timed against that warm-up the import would measure the two cores' contention
        deadline = time.monotonic() + 600
        while not state and time.monotonic() < deadline and server.poll() is None:
            time.sleep(0.5)
            state = bool(_readiness(port))
        if not state:
            print("  (timed while the server still read the open leads' reach)", flush=True)
        url = f"http://127.0.0.1:{port}"
        seconds, summary = cli(
            {**graph_env, "WARMPATH_TOKEN": token},
            *("import", "linkedin", "--rep", email, str(export), "--server", url),
        )
    finally:
        server.terminate()
        server.wait(timeout=600)
    print(f"  in the server: {_job_seconds(log)}", flush=True)
    return seconds, summary


def _readiness(port: int) -> bool | None:
    """None while the server is not ready; once it is, whether it has also read the reach of
    every open lead (its steady state)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as answer:
            body = json.loads(answer.read() or b"{}")
    except (OSError, ValueError):
        return None
    warm = body.get("rankings_warm") if isinstance(body, dict) else None
    return isinstance(warm, dict) and warm.get("done") == warm.get("of")


def _job_seconds(log: Path) -> str:
    """From the server's log: upload answered (202) to import done, in seconds."""
    stamps = {}
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if '"POST /imports/' in line or "import job " in line:
            key = "posted" if "POST" in line else "done"
            stamps[key] = datetime.fromisoformat(line.split(" ", 1)[0].replace("Z", "+00:00"))
    if len(stamps) < 2:
        return "(not in the log)"
    return f"{(stamps['done'] - stamps['posted']).total_seconds():.2f} s from the upload's 202"


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


def main() -> int:
    """The import figures alone: the 5,000-row file through the CLI, through the server and
    through the CLI again into the loaded benchmark graph, then the bootstrap."""
    from benchmarks.backend import backend_from_env, bench_graph
    from benchmarks.run import Report, _bench_bootstrap, _bench_import
    from demo.organisation import SCALES, generate_org

    scale = os.environ.get("BENCH_SCALE", "full")
    backend = backend_from_env()
    snapshot = generate_org(SCALES[scale])
    report = Report()
    compile_warmpath()  # as installed: no module compiled while timed
    print(f"backend {backend}, scale {scale}", flush=True)
    with tempfile.TemporaryDirectory(prefix="warmpath-import-bench-") as folder:
        scratch = Path(folder)
        with bench_graph(backend, scale, scratch / "bench.lbdb") as graph:
            store = graph.open()
            started = time.perf_counter()
            try:
                store.bulk_load(snapshot)
            finally:
                store.close()
            print(f"graph: {graph.describe()}, loaded in {time.perf_counter() - started:.1f}s")
            given = graph.given
            _bench_import(snapshot, graph, scratch, report)
        _bench_bootstrap(backend, scale, snapshot, scratch, report, given)
    for line in report.failures:
        print("FAILED " + line)
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
