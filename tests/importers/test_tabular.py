"""Reading CSV exports: every cell cleaned, every line number right, whichever fast path a file
takes (ASCII or not, with invisible marks or not, CRLF, CR or LF)."""

from __future__ import annotations

import csv
import io
import unicodedata

import pytest

from importers.tabular import read_table
from importers.text import clean_cell, decode_lines, repair_mojibake

COLUMNS = {"first": ["First Name"], "last": ["Last Name"], "company": ["Company"]}


def _cells_one_by_one(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """What the table must hold: each physical line decoded, each cell cleaned on its own."""
    lines = decode_lines(data).lines
    header = next(i for i, line in enumerate(lines) if line.startswith("First Name"))
    names = ["first", "last", "company"]
    reader = csv.reader(io.StringIO("\n".join(lines[header + 1 :])), strict=False)
    rows, consumed = [], 0
    for cells in reader:
        start = header + 2 + consumed
        consumed = reader.line_num
        if not "".join(cells).strip():
            continue
        padded = cells + [""] * (3 - len(cells))
        rows.append((start, {n: clean_cell(padded[i]) for i, n in enumerate(names)}))
    return rows


BODIES = {
    "ascii": "Ada,Lovelace,Analytical Engines\nAlan,Turing,Bletchley\n",
    "edge spaces": " Ada ,\tLovelace,Analytical Engines \n Alan,Turing\t,\n",
    "no-break spaces and marks": "\u00a0Ada,Lovelace\u200b,\ufeffAcme\n\u200eAlan\u00a0,Turing,x\n",
    "a value over two lines": 'Ada,"Love\nlace ",Acme\nAlan,Turing,"Bletchley, Park"\n',
    "short and blank rows": "Ada\n\n , ,\nAlan,Turing,Bletchley,\n",
    "decomposed accents": "Zoe\u0301,Mu\u0308ller,Cafe\u0301 GmbH\nAlan,Turing,Bletchley\n",
    "double-encoded": "JosÃ© ,MarÃ\xada,Acme\nAlan,Turing,Bletchley\n",
}


@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("body", sorted(BODIES))
def test_every_cell_is_cleaned_and_numbered_as_one_by_one(body: str, line_end: str) -> None:
    text = "Notes:\n\nFirst Name,Last Name,Company\n" + BODIES[body]
    data = text.replace("\n", line_end).encode("utf-8")
    table = read_table(data, path="c.csv", columns=COLUMNS, required=["first"], what="a test")
    expected = _cells_one_by_one(data)
    assert [(r.line, r.cells) for r in table.records] == expected
    assert expected  # the case has rows to compare
    for record in table.records:
        for value in record.cells.values():
            assert value == value.strip() and unicodedata.is_normalized("NFC", value)


def test_what_the_cleaning_does_on_a_few_cells() -> None:
    data = b"First Name,Last Name,Company\n\xc2\xa0Ada ,\xe2\x80\x8bLovelace, Acme\nJos\xc3\x83\xc2\xa9,X,Y\n"
    table = read_table(data, path="c.csv", columns=COLUMNS, required=["first"], what="a test")
    assert [r.cells for r in table.records] == [
        {"first": "Ada", "last": "Lovelace", "company": "Acme"},
        {"first": "José", "last": "X", "company": "Y"},
    ]
    assert table.repaired_lines == 1


@pytest.mark.parametrize("body", sorted(BODIES))
def test_a_text_decoded_in_one_go_reads_as_line_by_line(body: str) -> None:
    data = ("First Name,Last Name,Company\r\n" + BODIES[body]).encode("utf-8")
    decoded = decode_lines(data)
    raw = data.decode("utf-8").replace("\r\n", "\n").split("\n")[:-1]
    repaired = [repair_mojibake(line) for line in raw]
    assert decoded.lines == [unicodedata.normalize("NFC", line) for line in repaired]
    assert decoded.repaired_lines == sum(1 for a, b in zip(raw, repaired, strict=True) if a != b)
