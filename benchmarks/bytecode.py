"""The program's modules compiled to bytecode before anything is timed.

An installed warmpath has its bytecode (pip compiles it). A checkout run with
``PYTHONDONTWRITEBYTECODE=1``, as our machines set it, never writes it, so each ``warmpath``
command it starts compiles every module changed since the last compile: up to 0.3 s of a
5,000-row import's 2 s, timed as import work. The benchmarks that time the CLI or a server
compile the program first, as an install would.
"""

from __future__ import annotations

import compileall
import sys
from pathlib import Path

PACKAGES = ("api", "cli", "cypher", "demo", "graph", "importers", "routing")
"""What ``warmpath`` runs (``benchmarks`` and ``tests`` are not installed)."""

ROOT = Path(__file__).resolve().parent.parent


def compile_warmpath() -> bool:
    """Write the bytecode of every module of the program that lacks it or has it stale (a
    second call only compares times: a few milliseconds). False when a module does not compile
    (``compileall`` has printed why)."""
    return all([compileall.compile_dir(ROOT / package, quiet=1) for package in PACKAGES])


if __name__ == "__main__":  # make bytecode (make run and make test)
    sys.exit(0 if compile_warmpath() else 1)
