"""``make bench``'s BENCH_SKIP: the steps it names are left out; any other name is refused
before anything is generated."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from benchmarks.run import STEPS, skipped_steps
from graph.errors import ConfigError


def test_the_steps_named_are_skipped() -> None:
    assert skipped_steps("") == frozenset()
    assert skipped_steps(" routing, bootstrap ,") == {"routing", "bootstrap"}
    assert skipped_steps(",".join(STEPS)) == set(STEPS)


def test_an_unknown_step_is_named() -> None:
    with pytest.raises(ConfigError, match="questions is not one of routing, connections"):
        skipped_steps("routing,questions")


def test_the_benchmark_refuses_an_unknown_step_in_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run"],
        env={**os.environ, "BENCH_SCALE": "small", "BENCH_SKIP": "route_batch"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "BENCH_SKIP='route_batch': route_batch is not one of routing, connections, import, "
        "bootstrap"
    )
    assert "generated" not in done.stdout
