"""Shared background: the employers and schools a rep and a person have both been at, and for
how many years their time there overlapped (a stint without an end that is current runs until
today). The graph gives the stints (``SharedStints``); this is the rule that reads them."""

from __future__ import annotations

from datetime import date
from typing import TypedDict

from graph.model import SharedBackground, SharedEmployer, SharedSchool, SharedStints, Stint
from graph.store import ProximityReader


class _Span(TypedDict):
    """When the rep and the person were at a shared place, and how long together."""

    rep_started: date | None
    rep_ended: date | None
    person_started: date | None
    person_ended: date | None
    overlap_years: float


def overlap_years(mine: Stint, theirs: Stint, today: date) -> float:
    """Years (one decimal) two stints at one place overlapped; 0.0 when a date is unknown."""
    if mine.started is None or theirs.started is None:
        return 0.0
    my_stop = today if (mine.ended is None and mine.current) else mine.ended
    their_stop = today if (theirs.ended is None and theirs.current) else theirs.ended
    if my_stop is None or their_stop is None:
        return 0.0
    days = (min(my_stop, their_stop) - max(mine.started, theirs.started)).days
    return round(max(days, 0) / 365.25, 1)


def background_of(pairs: SharedStints, today: date) -> SharedBackground:
    """Shared employers and schools from pairs of (the rep's stint, the person's stint) at the
    same place, with the years they overlapped: most overlap first, then by name."""
    employers, schools = [], []
    for mine, theirs in pairs:
        span = _Span(
            rep_started=mine.started,
            rep_ended=mine.ended,
            person_started=theirs.started,
            person_ended=theirs.ended,
            overlap_years=overlap_years(mine, theirs, today),
        )
        if theirs.kind == "employer":
            employers.append(
                SharedEmployer(company_id=theirs.place_id, company_name=theirs.place_name, **span)
            )
        else:
            schools.append(
                SharedSchool(school_id=theirs.place_id, school_name=theirs.place_name, **span)
            )
    employers.sort(key=lambda e: (-e.overlap_years, e.company_name, e.company_id))
    schools.sort(key=lambda s: (-s.overlap_years, s.school_name, s.school_id))
    return SharedBackground(employers=tuple(employers), schools=tuple(schools))


def shared_background(
    store: ProximityReader, rep_id: str, person_id: str, *, today: date | None = None
) -> SharedBackground:
    """Employers and schools the rep and the person share, with the overlap in years."""
    return background_of(store.shared_stints(rep_id, person_id), today or date.today())
