"""Reading an input file's bytes, with the one-line errors a person can act on."""

from __future__ import annotations

from pathlib import Path

from graph.errors import UnusableInput

MAX_FILE_BYTES = 2 * 1024**3


def read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise UnusableInput(f"{path}: no such file")
    if path.is_dir():
        raise UnusableInput(f"{path} is a folder: give the export file inside it")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise UnusableInput(f"{path}: {size:,} bytes is larger than any export we know; split it")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UnusableInput(f"{path}: cannot read it ({exc.strerror or exc})") from None
