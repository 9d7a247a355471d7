"""A local Neo4j 5.26 Community server for tests, benchmarks and ``make neo4j``.

The jars come from Maven Central (``tools/neo4j/pom.xml``, copied into ``tools/neo4j/lib`` by
``make neo4j-fetch``); ``tools/neo4j/Launcher.java`` starts the embedded database with its Bolt
connector on 127.0.0.1. The server is tied to the process that starts it: its standard input is
a pipe from this process, and the launcher exits when that pipe closes, so the JVM never
outlives its parent, however the parent ends (a failure, Ctrl-C, SIGKILL).
"""

from __future__ import annotations

import os
import secrets
import selectors
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from graph.errors import ConfigError
from graph.settings import Neo4jSettings

TOOLS = Path(__file__).resolve().parents[1] / "tools" / "neo4j"
LIB = TOOLS / "lib"
LAUNCHER = TOOLS / "Launcher.java"
START_TIMEOUT = 180.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fetch_jars() -> None:
    """Copy Neo4j's jars from Maven into tools/neo4j/lib, unless they are there already."""
    if (LIB / ".fetched").exists():
        return
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ConfigError(
            "Maven (mvn) is not installed: install it (apt-get install maven) to fetch Neo4j"
        )
    done = subprocess.run(
        [
            mvn,
            "-q",
            "-B",
            "-f",
            str(TOOLS / "pom.xml"),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={LIB}",
            "-DincludeScope=runtime",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
        raise ConfigError("Maven could not fetch Neo4j: " + " | ".join(tail))
    (LIB / ".fetched").touch()


def _ready_line(process: subprocess.Popen[bytes], timeout: float) -> bytes:
    """The launcher's first line (``READY bolt://...``), or b"" if it exits or stays silent
    for ``timeout`` seconds."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            return b""
    return process.stdout.readline()


@dataclass
class LocalNeo4j:
    """A running launcher: its Bolt URI, the neo4j user's password and the process."""

    uri: str
    password: str
    port: int
    data: Path
    process: subprocess.Popen[bytes]
    log: Path
    owns_data: bool = False
    _stdin: IO[bytes] | None = field(default=None, repr=False)

    def settings(self) -> Neo4jSettings:
        return Neo4jSettings(uri=self.uri, user="neo4j", password=self.password)

    def stop(self, timeout: float = 60.0) -> None:
        """Stop the server (closing its stdin asks it to shut down cleanly)."""
        if self._stdin is not None and not self._stdin.closed:
            self._stdin.close()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        if self.owns_data:
            shutil.rmtree(self.data, ignore_errors=True)


def start(
    *,
    port: int | None = None,
    data: Path | None = None,
    password: str | None = None,
    heap_mb: int = 1024,
    page_cache_mb: int = 256,
) -> LocalNeo4j:
    """Start a launcher and wait until Bolt answers. ``data`` keeps the database across
    restarts (a temporary folder otherwise, removed at stop)."""
    java = shutil.which("java")
    if java is None:
        raise ConfigError(
            "Java is not installed: install a JDK 17 (apt-get install openjdk-17-jdk-headless) "
            "to run Neo4j"
        )
    fetch_jars()
    owns = data is None
    folder = Path(tempfile.mkdtemp(prefix="warmpath-neo4j-")) if data is None else data
    folder.mkdir(parents=True, exist_ok=True)
    chosen = port or free_port()
    secret = password or secrets.token_hex(16)
    log = folder / "launcher.log"
    with log.open("wb") as err:
        process = subprocess.Popen(
            [
                java,
                f"-Xmx{heap_mb}m",
                "-XX:+UseParallelGC",
                "-cp",
                f"{LIB}/*",
                str(LAUNCHER),
                "--port",
                str(chosen),
                "--data",
                str(folder / "db"),
                "--page-cache-mb",
                str(page_cache_mb),
                "--watch-stdin",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            env={**os.environ, "NEO4J_PASSWORD": secret},
            start_new_session=True,  # Ctrl-C reaches our process, which then stops the server
        )
    line = _ready_line(process, START_TIMEOUT)
    if not line.startswith(b"READY "):
        process.kill()
        process.wait()
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()
        tail = log.read_text(errors="replace").strip().splitlines()[-5:]
        where = "" if owns else f" (log {log})"
        if owns:
            shutil.rmtree(folder, ignore_errors=True)
        raise ConfigError(
            f"Neo4j did not start on 127.0.0.1:{chosen} within {START_TIMEOUT:.0f} s{where}: "
            + " | ".join(tail)
        )
    return LocalNeo4j(
        uri=line.decode().split()[1],
        password=secret,
        port=chosen,
        data=folder,
        process=process,
        log=log,
        owns_data=owns,
        _stdin=process.stdin,
    )


def _password_for(data: Path) -> str:
    """NEO4J_PASSWORD, or the one kept beside the data (made once, readable only by you)."""
    given = os.environ.get("NEO4J_PASSWORD", "")
    if given:
        return given
    kept = data / "password"
    if not kept.exists():
        data.mkdir(parents=True, exist_ok=True)
        kept.write_text(secrets.token_hex(16), "utf-8")
        kept.chmod(0o600)
    return kept.read_text("utf-8").strip()


def main(argv: list[str] | None = None) -> int:
    """``make neo4j``: serve a local Neo4j until Ctrl-C, printing the settings to use."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        prog="python -m graph.neo4j_launcher", description=main.__doc__
    )
    parser.add_argument("--port", type=int, default=7687)
    parser.add_argument("--data", type=Path, default=Path("data/neo4j"))
    parser.add_argument("--heap-mb", type=int, default=2048)
    parser.add_argument("--page-cache-mb", type=int, default=1024)
    args = parser.parse_args(argv)
    data = args.data.resolve()
    try:
        server = start(
            port=args.port,
            data=data,
            password=_password_for(data),
            heap_mb=args.heap_mb,
            page_cache_mb=args.page_cache_mb,
        )
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"Neo4j 5.26 Community is serving {server.uri} (data in {data}).\n"
        "Point warmpath at it with:\n"
        f"  export WARMPATH_GRAPH_URI={server.uri}\n"
        "  export WARMPATH_NEO4J_USER=neo4j\n"
        f"  export WARMPATH_NEO4J_PASSWORD={server.password}\n"
        "then run e.g. `warmpath demo` and `warmpath serve`. Ctrl-C stops Neo4j.",
        flush=True,
    )
    try:
        server.process.wait()
    except KeyboardInterrupt:
        print("stopping Neo4j ...", file=sys.stderr)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
