"""Imports through the running server: ``POST /imports/{kind}`` and ``GET /imports/{job}``
(api/imports.py), and ``warmpath import ... --server URL`` against a real uvicorn
(api/import_client.py), on both backends.

The world (tests/api/apiworld.py): reps ann, bob, cat, dan without consent on record, users of
every role. Uploads go through the ASGI app; the command line and the one-at-a-time rule go
through real HTTP."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import ApiSettings, create_app
from cli import app as cli
from graph.backends import open_store
from graph.keys import person_id_from_linkedin_url
from graph.settings import GraphSettings
from graph.store import GraphStore
from routing.policy import load_policy
from tests.api.apiworld import Api, Clock, build_world, running_api, uvicorn_thread
from tests.conftest import graph_env

runner = CliRunner()
HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
CONNECTIONS = (
    HEADER
    + "Nia,Okafor,https://www.linkedin.com/in/nia-okafor,,Globex,CFO,12 Mar 2024\n"
    + "Li,Wei,https://www.linkedin.com/in/li-wei,,Initech,CTO,01 Feb 2023\n"
    + "Bad,Date,https://www.linkedin.com/in/bad-date,,Initech,CTO,31 Feb 2023\n"
)
SUMMARY = (
    "Connections.csv: 3 rows read; people 2 created, 0 matched; ties 2 created, 0 unchanged, "
    "0 removed; 2 companies, 1 consents recorded, 2 employments; 0 skipped; 1 invalid"
)
NETWORK = "{ leaderboard { rep { email } networkSize } }"


def _bearer(api: Api, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.tokens[who]}"}


def _upload(
    api: Api, who: str | None, kind: str, body: bytes, **params: str
) -> tuple[int, dict[str, Any]]:
    response = api.client.post(
        f"/imports/{kind}",
        params={"filename": "Connections.csv", **params},
        content=body,
        headers=_bearer(api, who) if who else {},
    )
    return response.status_code, response.json()


def _finished(api: Api, who: str, job: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    """Follow a job until it is no longer running: its last state, and every state seen."""
    seen = [job]
    deadline = time.monotonic() + 60
    while job["state"] == "running" and time.monotonic() < deadline:
        time.sleep(0.005)
        response = api.client.get(f"/imports/{job['jobId']}", headers=_bearer(api, who))
        assert response.status_code == 200, response.text
        job = response.json()
        seen.append(job)
    assert job["state"] != "running", "the import did not finish within a minute"
    return job, seen


def _network(api: Api, email: str) -> int:
    rows = api.data("admin", NETWORK)["leaderboard"]
    return next(r["networkSize"] for r in rows if r["rep"]["email"] == email)


def test_an_admin_uploads_an_export_and_follows_it_to_the_end(
    graph_settings: GraphSettings,
) -> None:
    tokens = build_world(graph_settings)
    with running_api(graph_settings, tokens) as api:
        before = _network(api, "bob@seller.example")
        code, job = _upload(
            api, "admin", "linkedin", CONNECTIONS.encode(), rep="bob@seller.example", consent="1"
        )
        assert code == 202, job
        assert job["state"] == "running" and job["file"] == "Connections.csv"
        done, _ = _finished(api, "admin", job)
        assert done["state"] == "done", done
        assert done["summary"] == SUMMARY
        assert [line.split(" On ")[0] for line in done["invalid"]] == [
            "Connections.csv:4: Connected"
        ]
        assert done["exitCode"] == 1 and done["error"] is None
        assert done["rowsDone"] == done["rowsTotal"] > 0
        # the server's own caches saw the import: bob's network grew at once
        assert _network(api, "bob@seller.example") == before + 2
        bob = api.store.resolve_rep("bob@seller.example")
        ties = api.store.ties_of(bob.person_id, "linkedin")
        assert person_id_from_linkedin_url("https://www.linkedin.com/in/nia-okafor") in ties
        assert bob.id in api.store.rep_consents([bob.id])


def test_a_rep_uploads_their_own_export_which_records_their_consent(
    graph_settings: GraphSettings,
) -> None:
    tokens = build_world(graph_settings)
    with running_api(graph_settings, tokens) as api:
        ann = api.store.resolve_rep("ann@seller.example")
        assert api.store.rep_consents([ann.id]) == {}
        code, job = _upload(api, "ann", "linkedin", CONNECTIONS.encode())
        assert code == 202, job
        done, _ = _finished(api, "ann", job)
        assert done["state"] == "done" and done["report"]["people_created"] == 2
        consent = api.store.rep_consents([ann.id])[ann.id]
        assert consent.consent_by == "upload by rep ann"
        # another rep's job is not theirs to follow
        response = api.client.get(f"/imports/{job['jobId']}", headers=_bearer(api, "bob"))
        assert response.status_code == 404


def test_who_may_upload_what(graph_settings: GraphSettings) -> None:
    tokens = build_world(graph_settings)
    with running_api(graph_settings, tokens) as api:
        counts = api.store.counts()
        body = CONNECTIONS.encode()
        refused = "a rep can upload only their own exports (rep=you)"
        for who, kind, params, status, message in (
            (None, "linkedin", {"rep": "ann@seller.example"}, 401, "missing or unknown token"),
            ("ann", "linkedin", {"rep": "bob@seller.example"}, 403, refused),
            ("ann", "linkedin", {"rep": "nobody@nowhere.example"}, 403, refused),
            ("ann", "reps", {}, 403, "only admins import this"),
            ("manager", "linkedin", {"rep": "ann@seller.example"}, 403, "only admins"),
            ("admin", "linkedin", {}, 400, "rep: a linkedin export needs ?rep="),
            ("admin", "contacts", {}, 404, "no import kind 'contacts': use one of linkedin"),
        ):
            code, answer = _upload(api, who, kind, body, **params)
            assert code == status, (who, kind, answer)
            assert answer["message"].startswith(message), answer
        response = api.client.get("/imports/nope", headers=_bearer(api, "admin"))
        assert response.status_code == 404
        assert response.json()["message"] == "no import job 'nope' of yours"
        assert api.client.get("/imports/nope").status_code == 401
        assert api.store.counts() == counts


def test_unusable_files_fail_with_specific_errors_and_change_nothing(
    graph_settings: GraphSettings,
) -> None:
    tokens = build_world(graph_settings)
    with running_api(graph_settings, tokens) as api:
        counts = api.store.counts()
        for name, body, message in (
            (
                "Connections.csv",
                b"Name;Mail\nNia;nia@x.example\n",
                "Connections.csv: no header with the columns 'First Name', 'Last Name'",
            ),
            (
                "Connections.csv",
                CONNECTIONS.encode("utf-16-le"),
                "Connections.csv: contains NUL bytes (is this a binary file?)",
            ),
            ("export.zip", b"PK\x03\x04 this is no zip", "export.zip: not a readable zip archive"),
        ):
            response = api.client.post(
                "/imports/linkedin",
                params={"filename": name, "rep": "bob@seller.example", "consent": "true"},
                content=body,
                headers=_bearer(api, "admin"),
            )
            assert response.status_code == 202, response.text
            done, _ = _finished(api, "admin", response.json())
            assert done["state"] == "failed", done
            assert done["error"]["code"] == "UNUSABLE_INPUT"
            assert done["error"]["message"].startswith(message), done["error"]
            assert "/tmp" not in done["error"]["message"] and "warmpath-upload" not in str(done)
            assert done["summary"] is None and done["invalid"] == []
        bob = api.store.resolve_rep("bob@seller.example")
        assert api.store.counts() == counts and api.store.rep_consents([bob.id]) == {}


def test_progress_is_reported_while_the_rows_are_written(graph_settings: GraphSettings) -> None:
    tokens = build_world(graph_settings)
    rows = "".join(
        f"P{n},Q{n},https://www.linkedin.com/in/progress-{n},,Co {n % 40},VP,01 Jan 2024\n"
        for n in range(12_000)
    )
    with running_api(graph_settings, tokens) as api:
        code, job = _upload(
            api,
            "admin",
            "linkedin",
            (HEADER + rows).encode(),
            rep="bob@seller.example",
            consent="1",
        )
        assert code == 202
        done, seen = _finished(api, "admin", job)
        assert done["state"] == "done" and done["report"]["ties_created"] == 12_000
        fed = [(s["rowsDone"], s["rowsTotal"]) for s in seen if s["rowsTotal"]]
        assert fed[-1][0] == fed[-1][1] == done["rowsTotal"] > 12_000  # people, ties, jobs...
        assert [done for done, _ in fed] == sorted(done for done, _ in fed)


def _app(settings: GraphSettings, **api_settings: Any) -> tuple[Any, dict[str, GraphStore]]:
    holder: dict[str, GraphStore] = {}

    def factory() -> GraphStore:
        holder["store"] = open_store(settings)
        return holder["store"]

    app = create_app(
        factory,
        clock=Clock(),
        policy=load_policy(),
        settings=ApiSettings(sweep_seconds=0, **api_settings),
    )
    return app, holder


def test_an_upload_larger_than_the_limit_is_413(graph_settings: GraphSettings) -> None:
    tokens = build_world(graph_settings)
    app, holder = _app(graph_settings, import_max_bytes=200)
    with TestClient(app) as client:
        counts = holder["store"].counts()
        headers = {"Authorization": f"Bearer {tokens['admin']}"}
        response = client.post(
            "/imports/reps", params={"filename": "reps.csv"}, content=b"x" * 201, headers=headers
        )
        assert response.status_code == 413
        assert response.json()["message"].startswith("the upload is larger than this server takes")

        def chunked() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            for _ in range(5):
                yield b"y" * 100

        response = client.post("/imports/reps", content=chunked(), headers=headers)
        assert response.status_code == 413
        assert holder["store"].counts() == counts
        assert app.state.imports.running is None and app.state.imports.jobs == {}


@contextmanager
def _server(settings: GraphSettings) -> Iterator[tuple[str, GraphStore]]:
    app, holder = _app(settings)
    with uvicorn_thread(app) as port:
        yield f"http://127.0.0.1:{port}", holder["store"]


def test_one_import_at_a_time(graph_settings: GraphSettings) -> None:
    """While an upload is still arriving (its job holds the server's one import slot), a second
    upload is refused with 409; the first then completes."""
    tokens = build_world(graph_settings)
    body = CONNECTIONS.encode()
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    with _server(graph_settings) as (url, _):
        port = int(url.rsplit(":", 1)[1])
        first = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        first.putrequest("POST", "/imports/linkedin?rep=bob@seller.example&consent=1")
        first.putheader(*next(iter(admin.items())))
        first.putheader("Content-Length", str(len(body)))
        first.endheaders()
        first.send(body[:10])
        time.sleep(0.5)  # the server has read the headers and reserved the slot
        second = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        second.request(
            "POST",
            "/imports/reps",
            body=b"email\n",
            headers=admin,
        )
        refused = second.getresponse()
        assert refused.status == 409
        assert b"one import at a time" in refused.read()
        second.close()
        first.send(body[10:])
        accepted = first.getresponse()
        job = json.loads(accepted.read())
        first.close()
        assert accepted.status == 202, job
        # the slot is free again once the first import is done
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with urllib.request.urlopen(
                urllib.request.Request(f"{url}/imports/{job['jobId']}", headers=admin), timeout=30
            ) as response:
                if json.loads(response.read())["state"] != "running":
                    break
            time.sleep(0.05)
        with urllib.request.urlopen(
            urllib.request.Request(
                f"{url}/imports/reps", data=b"email\n", method="POST", headers=admin
            ),
            timeout=30,
        ) as response:
            assert response.status == 202


def _cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_the_command_line_imports_through_the_server(
    graph_settings: GraphSettings, tmp_path: Path
) -> None:
    tokens = build_world(graph_settings)
    export = tmp_path / "Connections.csv"
    export.write_text(CONNECTIONS, encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("Name;Mail\nNia;nia@x.example\n", encoding="utf-8")
    # the graph is the server's: the command line needs no graph settings of its own
    env = {"WARMPATH_GRAPH_URI": "ladybug:///nonexistent/never-opened.lbdb"}
    with _server(graph_settings) as (url, store):
        admin = {**env, "WARMPATH_TOKEN": tokens["admin"]}
        command = ["import", "linkedin", "--rep", "bob@seller.example", "--consent"]
        code, out, err = _cli(admin, *command, str(export), "--server", url)
        assert code == 1, err
        assert out == SUMMARY + "\n"
        assert err.startswith("invalid: Connections.csv:4: Connected On")
        code, out, _ = _cli(admin, *command, str(export), "--server", url, "--json")
        assert code == 1 and '"people_matched": 2' in out
        upload = subprocess.run(  # ``warmpath`` itself: an upload loads none of the graph's modules
            [
                sys.executable,
                "-X",
                "importtime",
                "-m",
                "cli",
                *command,
                str(export),
                "--server",
                url,
            ],
            env={**os.environ, **admin, "WARMPATH_TOKEN": tokens["admin"]},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        loaded = {
            line.rsplit("|", 1)[1].strip()
            for line in upload.stderr.splitlines()
            if line.startswith("import time:")
        }
        said = [line for line in upload.stderr.splitlines() if not line.startswith("import time:")]
        assert upload.returncode == 1, said
        assert upload.stdout == (  # the third import of the file: it changes nothing
            "Connections.csv: 3 rows read; people 0 created, 2 matched; ties 0 created, 2 "
            "unchanged, 0 removed; 2 companies, 2 employments; 0 skipped; 1 invalid\n"
        )
        assert said == [
            "invalid: Connections.csv:4: Connected On '31 Feb 2023' is not a valid date"
        ]
        assert "cli.imports" in loaded and "api.import_client" in loaded
        assert not loaded & {"numpy", "pyarrow", "neo4j", "ladybug", "graph.store", "cli.commands"}
        for extra, args, exit_code, message in (
            ({}, [*command, str(bad)], 2, "error: bad.csv: no header with the columns"),
            ({}, [*command, str(tmp_path / "gone.csv")], 2, "error: "),
            (
                {"WARMPATH_TOKEN": tokens["ann"]},
                ["import", "linkedin", "--rep", "bob@seller.example", str(export)],
                2,
                "error: the server refused the token: a rep can upload only their own exports",
            ),
            (
                {"WARMPATH_TOKEN": ""},
                [*command, str(export)],
                2,
                "error: importing through the server needs a token",
            ),
        ):
            code, out, err = _cli({**admin, **extra}, *args, "--server", url)
            assert code == exit_code, (args, out, err)
            assert err.startswith(message), err
        code, out, err = _cli(
            {**env, "WARMPATH_TOKEN": tokens["ann"]},
            "import",
            "linkedin",
            "--rep",
            "ann@seller.example",
            str(export),
            "--server",
            url,
        )
        assert code == 1 and "1 invalid" in out, err
        ann = store.resolve_rep("ann@seller.example")
        assert ann.id in store.rep_consents([ann.id])
    code, _, err = _cli(
        {**graph_env(graph_settings), "WARMPATH_TOKEN": tokens["admin"]},
        *command,
        str(export),
        "--server",
        url,
    )
    assert code == 3 and "is warmpath serve running there?" in err
