"""Dates as they appear in exports: '16 Mar 2021', '1/8/18, 6:14 PM', '16.09.2021', '23-Nov-21',
'5-Jan-26', '2021-03-16', 'Nov 2021', '2015'."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_MONTHS.update({"sept": 9, "june": 6, "july": 7})
_FULL_MONTHS = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
}


def _year(text: str) -> int:
    value = int(text)
    if len(text) <= 2:
        value += 2000 if value < 70 else 1900
    return value


def _month(text: str) -> int | None:
    key = text.lower().rstrip(".")
    return _MONTHS.get(key) or _FULL_MONTHS.get(key)


@lru_cache(maxsize=65_536)
def parse_date(text: str) -> date | None:
    """A date, or None for an empty cell. Raises ValueError naming the text when it is not one."""
    value = text.strip()
    if not value:
        return None
    match = re.fullmatch(r"(\d{1,2})[ -]([A-Za-z]{3,9}\.?)[ -](\d{2}|\d{4})", value)
    if match:  # 16 Mar 2021, 23-Nov-21, 5-Jan-26
        month = _month(match.group(2))
        if month:
            return _checked(_year(match.group(3)), month, int(match.group(1)), value)
    match = re.fullmatch(
        r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})(?:,?\s+\d{1,2}:\d{2}(?::\d{2})?\s*([AaPp][Mm])?)?",
        value,
    )
    if match:  # 1/8/18, 6:14 PM (LinkedIn's US format: month/day/year)
        return _checked(_year(match.group(3)), int(match.group(1)), int(match.group(2)), value)
    match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})", value)
    if match:  # 16.09.2021
        return _checked(_year(match.group(3)), int(match.group(2)), int(match.group(1)), value)
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?", value)
    if match:  # 2021-03-16 or an ISO timestamp
        return _checked(int(match.group(1)), int(match.group(2)), int(match.group(3)), value)
    match = re.fullmatch(r"([A-Za-z]{3,9}\.?)\s+(\d{4})", value)
    if match:  # Nov 2021
        month = _month(match.group(1))
        if month:
            return _checked(int(match.group(2)), month, 1, value)
    match = re.fullmatch(r"(\d{4})", value)
    if match:  # 2015
        return _checked(int(value), 1, 1, value)
    raise ValueError(
        f"{value!r} is not a date this importer knows (e.g. '16 Mar 2021', '2021-03-16')"
    )


def _checked(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{text!r} is not a valid date") from None


def parse_timestamp(text: str) -> datetime | None:
    value = text.strip()
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        day = parse_date(value)
        return None if day is None else datetime(day.year, day.month, day.day)
