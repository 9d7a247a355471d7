"""Neo4j's timestamps read as Python's directly (graph/neo4j_times.py): the same values as the
driver's own conversion, on the real server and for the edge cases of the structure."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import neo4j
import pytest

from graph import neo4j_times
from graph.backends import open_store
from graph.neo4j_store import Neo4jStore
from tests.conftest import _neo4j_settings

SECONDS = [-2_208_988_800, -1, 0, 1_764_900_000, 253_402_300_799]  # 1900 .. 9999-12-31
NANOSECONDS = [0, 1, 999, 1_000, 123_456_789, 999_999_999]
OFFSETS = [0, 3_600, -28_800, 19_800, 45 * 60, -60]


def _driver_own() -> Callable[..., Any]:
    """The driver's own hydration (the hook installed if it was not yet)."""
    assert neo4j_times.install(), f"no {neo4j_times.DRIVER_MODULE}: see graph/neo4j_times.py"
    own = neo4j_times.replaced()
    assert own is not None
    return own


def test_each_datetime_with_an_offset_is_the_drivers_own_value() -> None:
    """Every instant, precision and offset: the same instant, the same offset, microseconds
    truncated as the driver's ``to_native`` does."""
    own = _driver_own()
    fast = neo4j_times.hydrator(own)
    for seconds in SECONDS:
        for nanoseconds in NANOSECONDS:
            for offset in OFFSETS:
                try:
                    theirs = own(seconds, nanoseconds, offset).to_native()
                except (ValueError, OverflowError):  # past 9999 there: the driver's error
                    with pytest.raises((ValueError, OverflowError)):
                        fast(seconds, nanoseconds, offset)
                    continue
                ours = fast(seconds, nanoseconds, offset)
                assert type(ours) is datetime
                assert (ours, ours.utcoffset()) == (theirs, theirs.utcoffset())
                assert ours.microsecond == theirs.microsecond


def test_an_offset_of_seconds_is_kept_as_it_is() -> None:
    """The driver rounds an offset down to whole minutes (pytz's FixedOffset): the same
    instant with another offset. Ours keeps the offset (the store converts to UTC anyway)."""
    own = _driver_own()
    fast = neo4j_times.hydrator(own)
    for offset in (-1, 30, 19_830):
        ours = fast(1_764_900_000, 0, offset)
        theirs = own(1_764_900_000, 0, offset).to_native()
        assert ours == theirs and ours.utcoffset() == timedelta(seconds=offset)


def test_a_named_zone_a_local_time_and_a_year_past_9999_are_left_to_the_driver() -> None:
    own = _driver_own()
    fast = neo4j_times.hydrator(own)
    for tz in ("Europe/Paris", None):
        value = fast(1_764_900_000, 5, tz)
        assert isinstance(value, neo4j.time.DateTime)
        assert value == own(1_764_900_000, 5, tz)
    for seconds, offset in ((253_402_300_800, 0), (253_402_300_799, 3_600)):  # year 10000
        with pytest.raises((ValueError, OverflowError)):  # refused as the driver does
            fast(seconds, 0, offset)


@pytest.mark.neo4j
def test_the_store_installs_the_hook_and_reads_the_servers_datetimes_as_the_driver_would(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On the real server: opening a store puts the hook in the driver (from the driver's own,
    as a process starts), its driver's connections then hand the store Python's datetimes
    themselves (not through ``to_native``), and they are what a driver without it reads."""
    settings = _neo4j_settings()
    query = """UNWIND [datetime('1900-01-01T00:00:00Z'), datetime('2026-12-05T06:43:05.123456789Z'),
        datetime('2026-12-05T12:13:05.5+05:30'), datetime('2026-03-29T01:59:59.999999-08:00'),
        datetime('9999-12-31T23:59:59.999999999Z'), datetime($at)] AS at RETURN at"""
    at = datetime(2026, 12, 5, 6, 43, 5, 654321, tzinfo=UTC)
    own = _driver_own()
    module = importlib.import_module(neo4j_times.DRIVER_MODULE)
    monkeypatch.setattr(module, neo4j_times.DRIVER_FUNCTION, own)  # as before any store
    monkeypatch.setattr(neo4j_times, "_installed", [])
    store = open_store(settings)
    try:
        assert isinstance(store, Neo4jStore)
        assert getattr(module, neo4j_times.DRIVER_FUNCTION) is not own  # in place
        records, _, _ = store._driver.execute_query(query, {"at": at}, database_=settings.database)
        ours = [record["at"] for record in records]  # as the connection hands them over
    finally:
        store.close()
    monkeypatch.setattr(module, neo4j_times.DRIVER_FUNCTION, own)
    auth = (settings.user, settings.password)
    with neo4j.GraphDatabase.driver(settings.uri, auth=auth) as driver:
        records, _, _ = driver.execute_query(query, {"at": at}, database_=settings.database)
    theirs = [record["at"] for record in records]
    assert [type(value) for value in ours] == [datetime] * 6
    assert [type(value) for value in theirs] == [neo4j.time.DateTime] * 6
    natives = [value.to_native() for value in theirs]
    assert [(v, v.utcoffset()) for v in ours] == [(v, v.utcoffset()) for v in natives]
    assert ours[-1] == at and ours[2].utcoffset() == timedelta(hours=5, minutes=30)
