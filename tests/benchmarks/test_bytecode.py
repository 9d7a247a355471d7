"""The program's bytecode, compiled before the benchmarks time it (``benchmarks/bytecode.py``)."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

from benchmarks import bytecode


def _header_matches(source: Path) -> bool:
    """Whether the module's bytecode exists and was compiled from this source (the mtime and
    size its header records, as the import system checks them)."""
    cached = Path(importlib.util.cache_from_source(str(source)))
    if not cached.exists():
        return False
    header = cached.read_bytes()[:16]
    stat = source.stat()
    return (
        int.from_bytes(header[8:12], "little") == int(stat.st_mtime) & 0xFFFFFFFF
        and int.from_bytes(header[12:16], "little") == stat.st_size & 0xFFFFFFFF
    )


def _edit(source: Path, text: str) -> None:
    """Change a module as an edit a few seconds later would (compileall compares only the
    modification time, which an edit in the same second would leave as it was)."""
    later = source.stat().st_mtime + 5
    source.write_text(text)
    os.utime(source, (later, later))


def test_every_module_of_a_checkout_without_bytecode_gets_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkout = tmp_path / "checkout"
    for package in bytecode.PACKAGES:
        shutil.copytree(
            bytecode.ROOT / package,
            checkout / package,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    sources = sorted(checkout.rglob("*.py"))
    assert len(sources) > 100 and not any(_header_matches(s) for s in sources)
    stale = checkout / "graph" / "keys.py"
    monkeypatch.setattr(bytecode, "ROOT", checkout)
    monkeypatch.setattr("sys.dont_write_bytecode", True)  # as PYTHONDONTWRITEBYTECODE=1 sets it
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)  # else a header holds a hash

    assert bytecode.compile_warmpath()
    assert all(_header_matches(s) for s in sources)

    _edit(stale, stale.read_text() + "\n# changed\n")
    assert not _header_matches(stale)
    assert bytecode.compile_warmpath()
    assert _header_matches(stale)

    _edit(stale, "def broken(:\n")
    assert not bytecode.compile_warmpath()
