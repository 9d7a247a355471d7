"""What the command line prints: the two consoles (stdout for answers, stderr for errors and
progress) and JSON for ``--json``."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from rich.console import Console

if TYPE_CHECKING:
    from graph.model import GraphCounts

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _plain(value: Any) -> Any:
    """Records (dataclasses, named tuples), mappings and sequences as JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {
            f.name: getattr(value, f.name)
            for f in dataclasses.fields(value)
            if f.metadata.get("shown", True)  # not a builder (Ranking.exclusions)
        }
        plain = {k: _plain(v) for k, v in fields.items()}
        for name in ("excluded", "warm_owner_rate", "gain_over_greedy"):
            if hasattr(type(value), name):
                plain[name] = _plain(getattr(value, name))
        return plain
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, Sequence)) and not isinstance(value, (str, bytes)):
        return [_plain(v) for v in value]
    return value


def print_json(value: Any) -> None:
    """Print records, mappings and sequences as indented JSON on stdout."""
    text = json.dumps(_plain(value), default=_json_default, ensure_ascii=False, indent=2)
    sys.stdout.write(text + "\n")


def counts_line(counts: GraphCounts) -> str:
    """How much the graph holds, in one line."""
    return (
        f"{counts.people} people, {counts.reps} reps, {counts.companies} companies, "
        f"{counts.leads} leads, {counts.ties} ties"
    )
