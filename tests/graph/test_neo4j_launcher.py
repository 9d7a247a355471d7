"""The local Neo4j launcher (tools/neo4j): it never outlives the process that started it, and a
machine without Java says what to install."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

START_AND_WAIT = """
import sys
from graph import neo4j_launcher
server = neo4j_launcher.start(heap_mb=256, page_cache_mb=32)
print(server.process.pid, flush=True)
sys.stdin.read()  # hold the server until killed
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split()[2] == "Z")


def test_the_server_dies_with_a_killed_parent() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", START_AND_WAIT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert parent.stdout is not None
    jvm = int(parent.stdout.readline())
    assert _alive(jvm)
    parent.send_signal(signal.SIGKILL)  # no cleanup code of the parent runs
    parent.wait(timeout=30)
    deadline = time.monotonic() + 60
    while _alive(jvm) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(jvm), f"the Neo4j JVM {jvm} outlived its killed parent"
    assert parent.stdin is not None and parent.stdout is not None
    parent.stdin.close()
    parent.stdout.close()


def test_no_java_is_one_line_saying_what_to_install(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from graph import neo4j_launcher\n"
            "try:\n    neo4j_launcher.start()\n"
            "except Exception as exc:\n    print(type(exc).__name__, exc)",
        ],
        env={**os.environ, "PATH": str(tmp_path)},  # a PATH with no java on it
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        check=True,
    )
    assert done.stdout.strip() == (
        "ConfigError Java is not installed: install a JDK 17 "
        "(apt-get install openjdk-17-jdk-headless) to run Neo4j"
    )
