"""Neo4j's timestamps read as Python's directly (graph/neo4j_times.py): the same values as the
driver's own conversion, on the real server and for the edge cases of the structure."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta

import neo4j
import pytest

from graph import neo4j_times
from graph.backends import open_store
from graph.neo4j_store import Neo4jStore
from tests.conftest import _neo4j_settings

SECONDS = [-2_208_988_800, -1, 0, 1_764_900_000, 253_402_300_799]  # 1900 .. 9999-12-31
NANOSECONDS = [0, 1, 999, 1_000, 123_456_789, 999_999_999]
OFFSETS = [0, 3_600, -28_800, 19_800, 45 * 60, -60]


def _driver_own() -> object:
    own = neo4j_times.driver_own()
    assert own is not None, "the store installs the hook when it opens (graph/neo4j_times.py)"
    return own


def test_each_datetime_with_an_offset_is_the_drivers_own_value() -> None:
    """Every instant, precision and offset: the same instant, the same offset, microseconds
    truncated as the driver's ``to_native`` does."""
    assert neo4j_times.install()
    own = _driver_own()
    fast = neo4j_times.hydrator(own)  # type: ignore[arg-type]
    for seconds in SECONDS:
        for nanoseconds in NANOSECONDS:
            for offset in OFFSETS:
                try:
                    theirs = own(seconds, nanoseconds, offset).to_native()  # type: ignore[operator]
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
    fast = neo4j_times.hydrator(own)  # type: ignore[arg-type]
    for offset in (-1, 30, 19_830):
        ours = fast(1_764_900_000, 0, offset)
        theirs = own(1_764_900_000, 0, offset).to_native()  # type: ignore[operator]
        assert ours == theirs and ours.utcoffset() == timedelta(seconds=offset)


def test_a_named_zone_a_local_time_and_a_year_past_9999_are_left_to_the_driver() -> None:
    own = _driver_own()
    fast = neo4j_times.hydrator(own)  # type: ignore[arg-type]
    for tz in ("Europe/Paris", None):
        value = fast(1_764_900_000, 5, tz)
        assert isinstance(value, neo4j.time.DateTime)
        assert value == own(1_764_900_000, 5, tz)  # type: ignore[operator]
    for seconds, offset in ((253_402_300_800, 0), (253_402_300_799, 3_600)):  # year 10000
        with pytest.raises((ValueError, OverflowError)):  # refused as the driver does
            fast(seconds, 0, offset)


@pytest.mark.neo4j
def test_the_store_reads_the_servers_datetimes_as_the_driver_would(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On the real server: the hook is in the driver's module once a store is open, and what
    the store reads is what a driver without it reads (as Python's values)."""
    settings = _neo4j_settings()
    query = """UNWIND [datetime('1900-01-01T00:00:00Z'), datetime('2026-12-05T06:43:05.123456789Z'),
        datetime('2026-12-05T12:13:05.5+05:30'), datetime('2026-03-29T01:59:59.999999-08:00'),
        datetime('9999-12-31T23:59:59.999999999Z'), datetime($at)] AS at RETURN at"""
    at = datetime(2026, 12, 5, 6, 43, 5, 654321, tzinfo=UTC)
    store = open_store(settings)
    try:
        assert isinstance(store, Neo4jStore)
        module = importlib.import_module(neo4j_times.DRIVER_MODULE)
        assert module.hydrate_datetime is not _driver_own()  # in place
        ours = [row["at"] for row in store._run(query, {"at": at}, neo4j.RoutingControl.READ)]
    finally:
        store.close()
    monkeypatch.setattr(module, "hydrate_datetime", _driver_own())
    auth = (settings.user, settings.password)
    with neo4j.GraphDatabase.driver(settings.uri, auth=auth) as driver:
        records, _, _ = driver.execute_query(query, {"at": at}, database_=settings.database)
    theirs = [record["at"].to_native() for record in records]
    assert [type(value) for value in ours] == [datetime] * 6
    assert [(v, v.utcoffset()) for v in ours] == [(v, v.utcoffset()) for v in theirs]
    assert ours[-1] == at and ours[2].utcoffset() == timedelta(hours=5, minutes=30)
