"""Cursor paging: opaque cursors that name the position after which the next page starts.

A cursor is tagged with its kind and checked against what it names, so a cursor the API did
not give out is an error, never a page.
"""

from __future__ import annotations

import base64

from routing.errors import InvalidArgument

MAX_PAGE = 200
CURSOR_VERSION = "c1"


def page_size(first: int) -> int:
    """``first``, when it is a page size a caller may ask for."""
    if not 1 <= first <= MAX_PAGE:
        raise InvalidArgument(f"first must be between 1 and {MAX_PAGE} (got {first})")
    return first


def shown(first: int | None) -> int | None:
    """``first`` for a list a caller may cut short: None (every row) or a count of at least 1."""
    if first is not None and first < 1:
        raise InvalidArgument(f"first must be at least 1 (got {first}); leave it out for every row")
    return first


def cursor(kind: str, position: str) -> str:
    """An opaque cursor: the position after which the next page starts, tagged with its kind."""
    text = f"{CURSOR_VERSION}|{kind}|{position}"
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii")


def forged() -> InvalidArgument:
    return InvalidArgument(
        "`after` is not a cursor this API gave out: pass the endCursor of the previous page, "
        "or leave it out for the first page"
    )


def position_after(after: str | None, kind: str) -> str | None:
    """The position a cursor of ``kind`` encodes. Only its shape is checked here; each caller
    then checks the position against what it names (a lead, an event of the same stream)."""
    if after is None:
        return None
    try:
        if len(after) > 400:
            raise ValueError(after)
        value = base64.b64decode(after.encode("ascii"), altchars=b"-_", validate=True)
        version, tag, position = value.decode("utf-8").split("|", 2)
    except (ValueError, UnicodeError):
        raise forged() from None
    if version != CURSOR_VERSION or tag != kind or not position:
        raise forged()
    return position
