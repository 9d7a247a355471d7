"""Neo4j's timestamps read as Python's without the driver's detour through ``neo4j.time``.

The official driver turns each DateTime a query returns into a ``neo4j.time.DateTime`` (built
field by field in Python, nanoseconds and a pytz zone included), which the store then turns
into Python's ``datetime`` (``to_native``): about 34 us a value on our machines, 50 us with its
decoding, against 1.5 us for an integer. A claim's move returns its lead's events, a lead read
again its times and events' times, and the per-rep activity one time per rep (2,000 at full
scale): under ``make load`` it was 4.5% of a Neo4j worker's time holding the interpreter.

``install()`` replaces the driver's hydration of a DateTime with a UTC offset (Bolt structure
``I``, what the store writes: every timestamp is an aware UTC datetime, ``utc_params``) by one
that builds Python's ``datetime`` at once: the same instant and offset, microseconds truncated
as ``to_native`` does (an offset of seconds kept whole: the driver's rounds it down to minutes,
the same instant). A DateTime with a named zone or none, or one outside Python's years 1-9999
(which the driver refuses too), goes to the driver's own. The hook is the driver's private
module (``neo4j._codec.hydration.bolt.v2.temporal``, which the handlers of Bolt 4.4, 5 and 6
read when a connection opens): where a driver version has moved it, ``install`` changes nothing
and returns False, and tests/graph/test_neo4j_times.py fails so that the hook is looked at
again.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

DRIVER_MODULE = "neo4j._codec.hydration.bolt.v2.temporal"
DRIVER_FUNCTION = "hydrate_datetime"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_lock = threading.Lock()
_installed: list[Callable[..., Any]] = []
"""The driver's own hydration, once replaced (so that it is replaced once)."""
_missed: list[bool] = []
"""Whether the hook was looked for and not found (said once in the log)."""
log = logging.getLogger(__name__)


@lru_cache(maxsize=256)
def _zone(offset_seconds: int) -> timezone:
    return timezone(timedelta(seconds=offset_seconds))


def hydrator(driver_own: Callable[..., Any]) -> Callable[..., Any]:
    """The hydration of a DateTime structure (seconds since the epoch in UTC, nanoseconds, and
    the zone: an offset in seconds, a zone name or None) that makes Python's ``datetime`` for
    an offset and leaves anything else to ``driver_own``."""

    def hydrate_datetime(seconds: int, nanoseconds: int, tz: Any = None) -> Any:
        if type(tz) is not int:  # a named zone (a DST rule) or a local time: the driver's
            return driver_own(seconds, nanoseconds, tz)
        try:
            at = _EPOCH + timedelta(seconds=seconds, microseconds=nanoseconds // 1000)
            return at if tz == 0 else at.astimezone(_zone(tz))
        except OverflowError:  # beyond Python's years 1-9999 (the driver's error, then)
            return driver_own(seconds, nanoseconds, tz)

    return hydrate_datetime


def install() -> bool:
    """Replace the driver's hydration of DateTime values for the connections opened from now
    on (a driver's pool opens them when first used). True when it is in place."""
    with _lock:
        if _installed:
            return True
        try:
            module = importlib.import_module(DRIVER_MODULE)
        except ImportError:
            module = None
        driver_own = getattr(module, DRIVER_FUNCTION, None)
        if not callable(driver_own):
            if not _missed:
                _missed.append(True)
                log.warning(
                    "this neo4j driver has no %s.%s: Neo4j's timestamps are read through "
                    "neo4j.time (correct, but slower; graph/neo4j_times.py)",
                    DRIVER_MODULE,
                    DRIVER_FUNCTION,
                )
            return False
        setattr(module, DRIVER_FUNCTION, hydrator(driver_own))
        _installed.append(driver_own)
        return True


def replaced() -> Callable[..., Any] | None:
    """The driver's own hydration that ``install`` replaced (None: not replaced)."""
    return _installed[0] if _installed else None
