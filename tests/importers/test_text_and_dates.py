"""Decoding and dates, on their own."""

from __future__ import annotations

from datetime import date

import pytest

from importers.dates import parse_date
from importers.text import decode_lines, repair_mojibake


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("16 Mar 2021", date(2021, 3, 16)),
        ("1/8/18, 6:14 PM", date(2018, 1, 8)),
        ("16.09.2021", date(2021, 9, 16)),
        ("23-Nov-21", date(2021, 11, 23)),
        ("5-Jan-26", date(2026, 1, 5)),
        ("2021-03-16", date(2021, 3, 16)),
        ("Nov 2021", date(2021, 11, 1)),
        ("2015", date(2015, 1, 1)),
        ("", None),
    ],
)
def test_every_export_date_format(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31 Feb 2021", "soon", "13/45/2020", "2021-13-01"])
def test_non_dates_are_refused_with_the_text(text: str) -> None:
    with pytest.raises(ValueError, match=repr(text).replace("(", r"\(")):
        parse_date(text)


def test_mojibake_is_repaired_sequence_by_sequence() -> None:
    assert repair_mojibake("GeschÃ¤ftsführer") == "Geschäftsführer"
    assert repair_mojibake("JosÃ© MarÃ\xada") == "José María"
    assert repair_mojibake("Ångström and Zoë") == "Ångström and Zoë"


def test_lines_decode_as_utf8_or_cp1252_and_bad_bytes_are_named() -> None:
    data = "Jörg\r\n".encode("cp1252") + "Zoë\n".encode() + b"bad \x81 x\rlast"
    decoded = decode_lines(data)
    assert decoded.lines == ["Jörg", "Zoë", "", "last"]
    assert decoded.bad_lines == {3: "byte 0x81 at column 5 is neither UTF-8 nor Windows-1252"}


@pytest.mark.parametrize(
    ("data", "lines", "as_is"),
    [
        (b"a,b\r\nc,d\r\n", ["a,b", "c,d"], True),
        (b"\xef\xbb\xbfa\rb\nc\r\n\r\nd", ["a", "b", "c", "", "d"], True),
        ("Zoë,Müller\n".encode(), ["Zoë,Müller"], True),
        ("Zoë\n".encode("utf-16"), ["Zoë"], False),  # not UTF-8
        ("Zoë\n".encode("cp1252"), ["Zoë"], False),
        ("Zoë\n".encode().decode("cp1252").encode(), ["Zoë"], False),  # repaired
        ("Zoe\u0308\n".encode(), ["Zoë"], False),  # normalised to NFC
    ],
)
def test_a_text_taken_as_it_is_says_so(data: bytes, lines: list[str], as_is: bool) -> None:
    """``as_is``: UTF-8 whose lines are its text (lines split at CRLF, LF or CR alike)."""
    decoded = decode_lines(data)
    assert (decoded.lines, decoded.as_is) == (lines, as_is)
