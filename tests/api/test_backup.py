"""`warmpath backup` / `warmpath restore` and the server's POST /admin/backup.

The main case backs up a busy server (real uvicorn, real HTTP): claims over GraphQL and LinkedIn
imports run while the backup is taken. Every claim and every imported file is one transaction
and each writer runs them in a known order, so the restored database must hold exactly a prefix
of each sequence (every claim or file whole, or not at all), the counts of every node and
relationship table the server took at the moment of its copy, and nothing beyond what existed
when the command ended. A second backup, once the writers stop, must equal the live graph row
for row.

The embedded database is locked by the process that writes it: backups through the server and
refusals while it runs are tested with a real `warmpath serve` process. Neo4j is backed up with
neo4j-admin: the commands and the endpoint say so (tested on the session's Neo4j server)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from typer.testing import CliRunner

from api.app import ApiSettings, create_app
from cli import app as cli
from graph.backends import open_store
from graph.backup import TableCounts, table_counts
from graph.keys import person_id_from_linkedin_url
from graph.ladybug_store import LadybugStore
from graph.neo4j_launcher import free_port
from graph.settings import GraphSettings, LadybugSettings
from graph.store import GraphStore
from graph.transfer import compare
from importers.consent import ConsentGiven
from importers.linkedin import import_linkedin
from routing.policy import load_policy
from tests.api.apiworld import Clock, build_world, post_graphql, running_api, uvicorn_thread
from tests.api.test_processes import _serve, _wait_healthy
from tests.conftest import graph_env
from tests.routing.world import NOW

runner = CliRunner()
LEADS = 40
FILES = 30
PEOPLE_PER_FILE = 25
POOL_MB = "128"
CONSENT = ConsentGiven(by="test", at=NOW)
ROUTE = "mutation($id: ID!) { routeLead(leadId: $id) { __typename ... on Problem { code } } }"
CLAIM = "mutation($id: ID!) { claimLead(leadId: $id) { __typename ... on Problem { code } } }"


def _env(settings: GraphSettings, **extra: str) -> dict[str, str]:
    return {**graph_env(settings), "WARMPATH_LADYBUG_BUFFER_POOL_MB": POOL_MB, **extra}


def _cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def _counts(path: Path) -> TableCounts:
    store = LadybugStore(
        LadybugSettings(path=path, buffer_pool_bytes=128 * 1024**2), read_only=True
    )
    try:
        return table_counts(store)
    finally:
        store.close()


def _rows(counts: TableCounts) -> dict[str, int]:
    return {**counts.nodes, **counts.relationships}


def _file_people(number: int) -> list[str]:
    return [
        person_id_from_linkedin_url(f"https://www.linkedin.com/in/imp-{number}-{k}") or ""
        for k in range(PEOPLE_PER_FILE)
    ]


def _connections_file(folder: Path, number: int) -> Path:
    path = folder / f"connections-{number}.csv"
    rows = [
        f"Imp{number},Person{k},https://www.linkedin.com/in/imp-{number}-{k},,Initech,Engineer,"
        "1 Jan 2020"
        for k in range(PEOPLE_PER_FILE)
    ]
    header = "First Name,Last Name,URL,Email Address,Company,Position,Connected On"
    path.write_text("\n".join([header, *rows]) + "\n", "utf-8")
    return path


@contextmanager
def _uvicorn(settings: GraphSettings, policy_file: Path) -> Iterator[tuple[int, GraphStore]]:
    """The app under uvicorn in this process; yields its port and the store it serves."""
    holder: dict[str, GraphStore] = {}

    def factory() -> GraphStore:
        holder["store"] = open_store(settings)
        return holder["store"]

    app = create_app(
        factory,
        clock=Clock(),
        policy=load_policy(policy_file),
        settings=ApiSettings(sweep_seconds=0),
    )
    with uvicorn_thread(app) as port:
        yield port, holder["store"]


class _Writer(threading.Thread):
    """Runs ``step(1)``, ``step(2)``, ... until told to stop or out of steps; counts those done."""

    def __init__(self, step: Callable[[int], None], steps: int) -> None:
        super().__init__(daemon=True)
        self.step, self.steps = step, steps
        self.done = 0
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for number in range(1, self.steps + 1):
                if self.stop.is_set():
                    return
                self.step(number)
                self.done = number
        except BaseException as exc:  # re-raised by the test
            self.error = exc

    def wait_for(self, done: int) -> None:
        deadline = time.monotonic() + 120
        while self.done < min(done, self.steps) and self.is_alive():
            assert time.monotonic() < deadline, "the writer made no progress"
            time.sleep(0.02)
        assert self.error is None, self.error


def _prefix(flags: list[bool]) -> int:
    """How many leading flags are set; fails unless every later one is clear."""
    count = flags.index(False) if False in flags else len(flags)
    assert not any(flags[count:]), f"not a prefix: {flags}"
    return count


def test_backup_of_a_busy_server_is_one_moment(tmp_path: Path) -> None:
    live = LadybugSettings(path=tmp_path / "live.lbdb", buffer_pool_bytes=512 * 1024**2)
    tokens = build_world(live, reps=1, leads=LEADS)
    policy_file = tmp_path / "everyone.toml"
    policy_file.write_text('mode = "first_available"\n', "utf-8")
    initial = _counts(live.path)
    files = [_connections_file(tmp_path, n) for n in range(1, FILES + 1)]
    env = _env(live, WARMPATH_TOKEN=tokens["admin"])

    with _uvicorn(live, policy_file) as (port, store):

        def claim(number: int) -> None:
            lead = {"id": f"L{number}"}
            routed = post_graphql(port, tokens["manager"], ROUTE, lead)
            assert routed["data"]["routeLead"]["__typename"] == "Routed", routed
            claimed = post_graphql(port, tokens["r00"], CLAIM, lead)
            assert claimed["data"]["claimLead"]["__typename"] == "Claimed", claimed

        def load(number: int) -> None:
            report = import_linkedin(
                store, "bob@seller.example", files[number - 1], consent=CONSENT
            )
            assert report.people_created == PEOPLE_PER_FILE, report.summary()

        writers = [_Writer(claim, LEADS), _Writer(load, FILES)]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.wait_for(3)
        before = table_counts(store)
        done_before = [w.done for w in writers]
        code, out, err = _cli(
            env,
            "backup",
            str(tmp_path / "busy.lbdb"),
            "--server",
            f"http://127.0.0.1:{port}",
            "--json",
        )
        done_after = [w.done for w in writers]
        after = table_counts(store)
        for writer, done in zip(writers, done_after, strict=True):
            writer.wait_for(done + 2)  # the writers went on after the backup
            writer.stop.set()
        for writer in writers:
            writer.join(timeout=120)
            assert writer.error is None, writer.error
        assert code == 0 and "error:" not in err, err  # the server logs in this process
        printed = json.loads(out)
        assert printed["path"] == str(tmp_path / "busy.lbdb")
        at_backup = TableCounts.from_json(printed)
        # writes went on while the command ran (the server holds writes only for its copy)
        assert done_after != done_before

        # once the writers stop, a backup is the live graph row for row
        code, out, err = _cli(
            env, "backup", str(tmp_path / "quiet.lbdb"), "--server", f"http://127.0.0.1:{port}"
        )
        assert code == 0 and "error:" not in err, err
        quiet_settings = LadybugSettings(path=tmp_path / "quiet" / "graph.lbdb")
        code, out, err = _cli(_env(quiet_settings), "restore", str(tmp_path / "quiet.lbdb"))
        assert code == 0 and "error:" not in err, err
        quiet = open_store(quiet_settings, read_only=True)
        try:
            assert [c.describe() for c in compare(store, quiet) if not c.matches] == []
            assert table_counts(quiet) == table_counts(store)
        finally:
            quiet.close()

    restored_settings = LadybugSettings(path=tmp_path / "restored" / "graph.lbdb")
    code, out, err = _cli(_env(restored_settings), "restore", str(tmp_path / "busy.lbdb"), "--json")
    assert (code, err) == (0, ""), err
    restored = _counts(restored_settings.path)
    assert TableCounts.from_json(json.loads(out)) == restored

    # every node and relationship table as the server counted it at the moment of its copy...
    assert restored == at_backup
    assert set(_rows(restored)) == set(_rows(initial))
    # ...a moment between the start and the end of the command
    for table, rows in _rows(restored).items():
        assert _rows(before)[table] <= rows <= _rows(after)[table], table

    store = open_store(restored_settings, read_only=True)
    try:
        # claims: L1..Lk claimed by r00 with their event, perhaps L(k+1) offered, the rest new
        leads = [store.lead(f"L{n}") for n in range(1, LEADS + 1)]
        claimed = _prefix([lead.status == "claimed" for lead in leads])
        assert done_before[0] <= claimed <= done_after[0] + 1
        for lead in leads[:claimed]:
            assert lead.owner_rep_id == "rep:r00@seller.example"
            kinds = [e.kind for e in store.events(lead_id=lead.id)]
            assert kinds.count("claimed") == 1 and "offered" in kinds, (lead.id, kinds)
        rest = [lead.status for lead in leads[claimed:]]
        assert rest in (["new"] * len(rest), ["offered"] + ["new"] * (len(rest) - 1)), rest
        for lead in leads[claimed + 1 :]:
            assert store.events(lead_id=lead.id) == [], lead.id
        # imports: files 1..m whole (every person and tie), none of the later ones
        present = [len(store.people(_file_people(n))) for n in range(1, FILES + 1)]
        assert set(present) <= {0, PEOPLE_PER_FILE}, present
        files_in = _prefix([n == PEOPLE_PER_FILE for n in present])
        assert done_before[1] <= files_in <= done_after[1] + 1
        assert restored.nodes["Person"] == initial.nodes["Person"] + files_in * PEOPLE_PER_FILE
        assert (
            restored.relationships["KNOWS"]
            == initial.relationships["KNOWS"] + files_in * PEOPLE_PER_FILE
        )
    finally:
        store.close()


def _limited_cli(env: dict[str, str], max_file_bytes: int, *args: str) -> tuple[int, str]:
    """The CLI in a process whose files may not grow beyond ``max_file_bytes`` (write fails
    with EFBIG, as on a file system that is full or limited)."""
    program = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({max_file_bytes}, {max_file_bytes}))\n"
        "from cli import main\n"
        f"sys.argv = ['warmpath', *{list(args)!r}]\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stderr


def test_while_the_server_runs_backups_go_through_it_and_restore_waits(tmp_path: Path) -> None:
    live = LadybugSettings(path=tmp_path / "live.lbdb")
    tokens = build_world(live)
    env = _env(live, WARMPATH_SLA_SWEEP_SECONDS="0")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    target = tmp_path / "b.lbdb"
    log = tmp_path / "serve.log"
    server = _serve({**os.environ, **env}, port, log)
    try:
        _wait_healthy(port, server, log)
        code, out, err = _cli(env, "backup", str(target))
        assert (code, out) == (3, "")
        assert err.strip() == (
            f"error: {live.path} is open in the server (or another warmpath process): back up "
            "through it with --server http://HOST:PORT and an admin token in WARMPATH_TOKEN"
        )
        for token, message in (
            (None, "backing up through the server needs an admin's token in WARMPATH_TOKEN"),
            ("wp_not-a-token", "the server refused the token: missing or unknown token"),
            (tokens["ann"], "the server refused the token: only admins can take backups"),
        ):
            extra = {} if token is None else {"WARMPATH_TOKEN": token}
            code, out, err = _cli({**env, **extra}, "backup", str(target), "--server", url)
            assert (code, out) == (2, ""), err
            assert err.startswith(f"error: {message}") and err.count("\n") == 1, err
        assert not target.exists()

        admin = {**env, "WARMPATH_TOKEN": tokens["admin"]}
        size = live.path.stat().st_size
        code, err = _limited_cli(admin, size // 2, "backup", str(target), "--server", url)
        assert code == 2
        assert err.strip() == (
            f"error: the file is too large for {tmp_path} (file size limit): write elsewhere"
        )
        assert sorted(p.name for p in tmp_path.iterdir() if "partial" in p.name) == []
        assert not target.exists()

        code, out, err = _cli(admin, "backup", str(target), "--server", url)
        assert (code, err) == (0, ""), err
        counts = _counts(target)
        assert f"backup written to {target}" in out
        shown = {
            cells[1].strip(): cells[3].strip()
            for cells in (line.split("│") for line in out.splitlines())
            if len(cells) == 5
        }
        assert shown == {name: f"{rows:,}" for name, rows in _rows(counts).items()}
        assert out.strip().splitlines()[-1] == (
            f"{target}: {target.stat().st_size / 1024**2:,.1f} MiB; "
            f"{sum(counts.nodes.values()):,} nodes in {len(counts.nodes)} tables, "
            f"{sum(counts.relationships.values()):,} relationships in "
            f"{len(counts.relationships)} tables"
        )

        # the server still holds its database after the backup: a restore must wait
        code, out, err = _cli(env, "restore", str(target), "--force")
        assert (code, out) == (3, "")
        assert err.strip() == (
            f"error: {live.path} is open in the server (or another warmpath process): stop "
            "it, then restore"
        )
        health = json.loads(_get(f"{url}/healthz"))
        assert health["status"] == "ok"
    finally:
        server.terminate()
        server.wait(timeout=60)
    code, out, err = _cli(env, "backup", str(tmp_path / "c.lbdb"), "--server", url)
    assert code == 2 and "needs an admin's token" in err
    code, out, err = _cli(
        {**env, "WARMPATH_TOKEN": tokens["admin"]},
        "backup",
        str(tmp_path / "c.lbdb"),
        "--server",
        url,
    )
    assert (code, out) == (3, "")
    assert err.startswith(f"error: cannot reach {url} (") and "is warmpath serve running" in err
    code, out, err = _cli(env, "restore", str(target))
    assert (code, out) == (2, "")
    assert err.strip() == (
        f"error: a database exists at {live.path}: pass --force to replace it "
        "(warmpath backup first if you may need it)"
    )
    code, out, err = _cli(env, "restore", str(target), "--force")
    assert (code, err) == (0, ""), err
    assert f"{target} restored to {live.path}" in out
    assert _counts(live.path) == _counts(target)


def _get(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as response:
        return str(response.read().decode())


def test_the_endpoint_and_the_commands_on_each_backend(
    graph_settings: GraphSettings, tmp_path: Path
) -> None:
    tokens = build_world(graph_settings)
    env = _env(graph_settings)
    with running_api(graph_settings, tokens) as api:
        for who, status in (("manager", 403), ("ann", 403)):
            answer = api.client.post(
                "/admin/backup", headers={"Authorization": f"Bearer {tokens[who]}"}
            )
            assert answer.status_code == status
            assert answer.json()["message"] == "only admins can take backups: use an admin's token"
        assert api.client.post("/admin/backup").status_code == 401
        answer = api.client.post(
            "/admin/backup", headers={"Authorization": f"Bearer {tokens['admin']}"}
        )
        if isinstance(graph_settings, LadybugSettings):
            assert answer.status_code == 200
            copy = tmp_path / "from-endpoint.lbdb"
            copy.write_bytes(answer.content)
            sent = TableCounts.from_json(json.loads(answer.headers["X-Warmpath-Counts"]))
            assert _counts(copy) == sent == table_counts(api.store)
            assert int(answer.headers["Content-Length"]) == copy.stat().st_size
            assert [
                p.name for p in graph_settings.path.parent.iterdir() if "partial" in p.name
            ] == []
        else:
            assert answer.status_code == 409
            assert answer.json() == {
                "error": "NOT_EMBEDDED",
                "message": "warmpath backs up only its embedded LadybugDB file: for Neo4j use "
                "neo4j-admin database dump/load (Community, database stopped) or neo4j-admin "
                "database backup (Enterprise, online)",
            }
    for args in (["backup", str(tmp_path / "b.lbdb")], ["restore", str(tmp_path / "b.lbdb")]):
        code, out, err = _cli(env, *args)
        if isinstance(graph_settings, LadybugSettings) and args[0] == "backup":
            assert (code, err) == (0, ""), err
            continue
        if isinstance(graph_settings, LadybugSettings):  # restore over the database: --force
            assert (code, out) == (2, "")
            assert "pass --force to replace it" in err
            continue
        assert (code, out) == (2, "")
        assert err.strip() == (
            "error: warmpath backs up only its embedded LadybugDB file: for Neo4j use "
            "neo4j-admin database dump/load (Community, database stopped) or neo4j-admin "
            "database backup (Enterprise, online)"
        )
        assert not (tmp_path / "b.lbdb").exists()
