"""Reading CSV exports as they come: preambles, ';' or ',' delimiters, header case and aliases,
CRLF, and line numbers that point at the physical line of the original file."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import NamedTuple

from graph.errors import UnusableInput
from importers.text import INVISIBLE, clean_cell, decode_lines


class Record(NamedTuple):
    """One row (a tuple: a bootstrap makes millions, and a frozen dataclass costs 3x more)."""

    line: int  # 1-based physical line in the file where the record starts
    cells: dict[str, str]  # canonical column -> cleaned value
    problem: str | None = None  # set when the line could not be decoded


@dataclass
class Table:
    path: str
    columns: list[str]  # canonical names present
    records: list[Record] = field(default_factory=list)
    repaired_lines: int = 0
    delimiter: str = ","
    header_line: int = 1


def _header_key(cell: str) -> str:
    return re.sub(r"\s+", " ", clean_cell(cell).strip('"').lower())


def read_table(
    data: bytes,
    *,
    path: str,
    columns: Mapping[str, Sequence[str]],
    required: Sequence[str],
    what: str,
    hint: str = "",
) -> Table:
    """Parse a CSV export.

    ``columns`` maps each canonical column to the header spellings accepted (compared
    case-insensitively); the header is the first line holding every ``required`` column, so
    preambles ('Notes:' and a quoted paragraph) are skipped. Raises UnusableInput naming the file
    and the problem when no such header exists.
    """
    decoded = decode_lines(data)
    if decoded.bad_lines and not any(line.strip() for line in decoded.lines):
        # nothing readable at all (UTF-16 without its byte-order mark, a binary file)
        raise UnusableInput(f"{path}: {next(iter(decoded.bad_lines.values()))}")
    if not any(line.strip() for line in decoded.lines):
        raise UnusableInput(f"{path}: the file is empty; expected a {what}")
    header_index, delimiter, header_cells, positions = find_header(
        decoded.lines, path=path, columns=columns, required=required, what=what, hint=hint
    )
    table = Table(
        path=path,
        columns=list(positions.values()),
        repaired_lines=decoded.repaired_lines,
        delimiter=delimiter,
        header_line=header_index + 1,
    )
    # one text, not the list of lines: a quoted value that spans lines keeps its line breaks
    body = "\n".join(decoded.lines[header_index + 1 :])
    reader = csv.reader(io.StringIO(body), delimiter=delimiter, strict=False)
    consumed = 0
    names = tuple(positions.values())
    at = tuple(positions)
    pick = itemgetter(*at) if len(at) > 1 else lambda cells: (cells[at[0]],)
    width = max(at) + 1  # rows at least this wide need no bounds checks
    header_width = len(header_cells)
    bad_lines = decoded.bad_lines
    # without invisible marks in the text, cleaning a cell is str.strip (one call in C)
    clean = clean_cell if any(mark in body for mark in INVISIBLE) else str.strip
    records = table.records
    try:
        for cells in reader:
            start = header_index + 2 + consumed
            consumed = reader.line_num
            bad = None
            if bad_lines:
                end = header_index + 1 + consumed
                bad = next((bad_lines[n] for n in range(start, end + 1) if n in bad_lines), None)
            if bad is None and not "".join(cells).strip():  # a blank row
                continue
            if len(cells) >= width:
                values = pick(cells)
            else:
                values = tuple(cells[pos] if pos < len(cells) else "" for pos in at)
            if bad is None and len(cells) > header_width and "".join(cells[header_width:]).strip():
                bad = (
                    f"{len(cells)} cells where the header has {len(header_cells)} "
                    f"(an unquoted '{delimiter}' inside a value?)"
                )
            records.append(Record(start, dict(zip(names, map(clean, values), strict=True)), bad))
    except csv.Error as exc:
        raise UnusableInput(
            f"{path}:{header_index + 2 + consumed}: unreadable CSV ({exc})"
        ) from None
    return table


class Header(NamedTuple):
    at: int  # its line, 0-based, in the decoded lines
    delimiter: str
    cells: list[str]
    positions: dict[int, str]  # cell position -> canonical column (each column once)


def find_header(
    lines: Sequence[str],
    *,
    path: str,
    columns: Mapping[str, Sequence[str]],
    required: Sequence[str],
    what: str,
    hint: str = "",
) -> Header:
    """The header among the first 60 lines, as ``read_table`` describes it; raises UnusableInput
    when there is none."""
    spellings = {
        alias.lower(): name for name, aliases in columns.items() for alias in (name, *aliases)
    }
    header_index = None
    delimiter = ","
    for index, line in enumerate(lines[:60]):
        for candidate in (",", ";", "\t"):
            if candidate not in line and len(required) > 1:
                continue
            try:
                cells = next(csv.reader([line], delimiter=candidate), [])
            except csv.Error:
                continue
            found = {spellings.get(_header_key(c)) for c in cells}
            if all(r in found for r in required):
                header_index, delimiter = index, candidate
                break
        if header_index is not None:
            break
    if header_index is None:
        first = next((line for line in lines if line.strip()), "")[:80]
        wanted = ", ".join(repr(columns[r][0] if columns[r] else r) for r in required)
        raise UnusableInput(
            f"{path}: no header with the columns {wanted} (first line: {first!r}); "
            f"is this a {what}?{(' ' + hint) if hint else ''}"
        )
    header_cells = next(csv.reader([lines[header_index]], delimiter=delimiter))
    positions: dict[int, str] = {}
    for position, cell in enumerate(header_cells):
        name = spellings.get(_header_key(cell))
        if name is not None and name not in positions.values():
            positions[position] = name
    return Header(header_index, delimiter, header_cells, positions)
