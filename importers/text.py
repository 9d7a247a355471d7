"""Turning the bytes of an export into text, repairing what can be repaired unambiguously.

Real exports arrive as UTF-8 (with or without BOM), as Windows-1252 from spreadsheet programs,
with a mix of both line by line, or as UTF-8 that was decoded as Windows-1252 and encoded again
("GeschÃ¤ftsführer"). Each line is decoded on its own: UTF-8 first, then Windows-1252; a line that
is neither is reported with its number. Double-encoded text is undone when the result is valid
UTF-8 and has fewer telltale characters.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field


def _cp1252_char(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)  # the five bytes cp1252 leaves undefined read as Latin-1


_CONT = "".join(_cp1252_char(b) for b in range(0x80, 0xC0))
_LEAD2 = "".join(_cp1252_char(b) for b in range(0xC2, 0xE0))
_LEAD3 = "".join(_cp1252_char(b) for b in range(0xE0, 0xF0))
_LEAD4 = "".join(_cp1252_char(b) for b in range(0xF0, 0xF5))
_C = "[" + re.escape(_CONT) + "]"
# one UTF-8 sequence that was read as Windows-1252: a lead character and its continuations
_MOJIBAKE = re.compile(
    f"[{re.escape(_LEAD2)}]{_C}|[{re.escape(_LEAD3)}]{_C}{{2}}|[{re.escape(_LEAD4)}]{_C}{{3}}"
)
# a lead character then a continuation: what every match of _MOJIBAKE starts with, found
# several times faster (one character class, not three alternatives), so most texts need only it
_MAYBE_MOJIBAKE = re.compile(f"[{re.escape(_LEAD2 + _LEAD3 + _LEAD4)}]{_C}")
_TO_BYTE = {_cp1252_char(b): b for b in range(0x80, 0x100)}


def _undo(match: re.Match[str]) -> str:
    raw = bytes(_TO_BYTE[ch] for ch in match.group(0))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return match.group(0)


@dataclass
class DecodedText:
    lines: list[str]
    bad_lines: dict[int, str] = field(default_factory=dict)  # 1-based line -> problem
    repaired_lines: int = 0
    as_is: bool = False  # UTF-8 (after a BOM), and the lines are its text: nothing repaired
    # or normalised (``connection_columns`` plans such a text in columns)


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 read as Windows-1252, sequence by sequence, so a line that is only partly
    double-encoded ('GeschÃ¤ftsführer') is repaired too."""
    return _MOJIBAKE.sub(_undo, text)


def decode_lines(data: bytes) -> DecodedText:
    """Decode line by line (UTF-8, then Windows-1252), repairing double encoding."""
    utf8 = True
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        utf8 = False
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return DecodedText(
                lines=[], bad_lines={1: "the file is neither UTF-8 nor Windows-1252 text"}
            )
        data = text.encode("utf-8")
    if b"\x00" not in data:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:  # the common case: valid UTF-8 throughout, decoded in one go
            if "\r" in text:  # CRLF, LF or CR, as re.split(r"\r\n|\n|\r") did, twice as fast
                text = text.replace("\r\n", "\n").replace("\r", "\n")
            lines = text.split("\n")
            repaired = 0
            ascii_only = text.isascii()
            if not ascii_only and _MAYBE_MOJIBAKE.search(text) and _MOJIBAKE.search(text):
                repaired_text = [repair_mojibake(line) for line in lines]
                repaired = sum(1 for a, b in zip(lines, repaired_text, strict=True) if a != b)
                lines = repaired_text
            # a text in NFC has every line in NFC (a line break composes with nothing)
            normalised = not ascii_only and (
                repaired > 0 or not unicodedata.is_normalized("NFC", text)
            )
            if normalised:
                lines = [unicodedata.normalize("NFC", line) for line in lines]
            if lines and lines[-1] == "":
                lines.pop()
            return DecodedText(
                lines=lines, repaired_lines=repaired, as_is=utf8 and not repaired and not normalised
            )
    decoded = DecodedText(lines=[])
    for number, raw in enumerate(re.split(rb"\r\n|\n|\r", data), start=1):
        if b"\x00" in raw:
            decoded.bad_lines[number] = "contains NUL bytes (is this a binary file?)"
            decoded.lines.append("")
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            try:
                line = raw.decode("cp1252")
            except UnicodeDecodeError as exc:
                decoded.bad_lines[number] = (
                    f"byte 0x{raw[exc.start]:02x} at column {exc.start + 1} is neither UTF-8 "
                    "nor Windows-1252"
                )
                decoded.lines.append("")
                continue
        fixed = repair_mojibake(line)
        if fixed != line:
            decoded.repaired_lines += 1
        decoded.lines.append(unicodedata.normalize("NFC", fixed))
    if decoded.lines and decoded.lines[-1] == "":
        decoded.lines.pop()
    return decoded


INVISIBLE = "\u200b\u200e\u200f\ufeff"
"""Marks that show nothing and are trimmed around a cell like spaces."""


def clean_cell(value: str | None) -> str:
    """Trim spaces (including non-breaking ones) and invisible marks around a cell."""
    if value is None:
        return ""
    if not value or (  # most cells: nothing to trim (asked first: a bootstrap reads millions)
        not value[0].isspace()
        and not value[-1].isspace()
        and value[0] not in INVISIBLE
        and value[-1] not in INVISIBLE
    ):
        return value
    return value.strip().strip(INVISIBLE).strip()


_NOT_ASCII_TRIMMED = re.compile(
    "[\x00\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
    + re.escape(INVISIBLE)
    + "]"
)
"""NUL, and what ``clean_cell`` trims beyond ASCII spaces (``str.strip`` trims the separators
U+001C to U+001F and Unicode spaces too)."""


PLAIN_SPACES = " \t\n\x0b\x0c\r"
"""What ``clean_cell`` trims around a cell of a text ``trims_as_ascii`` accepts."""


def trims_as_ascii(text: str) -> bool:
    """Whether cleaning each cell of this text is trimming ASCII spaces (``PLAIN_SPACES``):
    no NUL, invisible marks or other spaces in it. Most exports are."""
    return _NOT_ASCII_TRIMMED.search(text) is None
