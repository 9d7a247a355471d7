"""A team's bootstrap planned in columns: the Connections.csv files of a folder read into Arrow
columns, normalised by vectorised kernels and merged by numbered keys, into the plan that planning
each file row by row (``linkedin.plan_connections``) would make.

Row by row, a bootstrap's 1.6M rows cost about 30 s of CPU in Python objects. Here the cells are
split by Arrow's CSV parser (a text without quotes, split as Python's ``csv`` splits it) or by
Python's ``csv`` (as the row planner's reading does), and Python sees only what kernels cannot
follow: the distinct company names and dates (each keyed once), emails, URLs of an unusual shape
and people without a URL.

A file is planned row by row when anything in it is beyond the kernels: text that
``text.decode_lines`` does not take as it is (``as_is``: another encoding, double-encoded
characters, decomposed accents), cells with invisible marks or unusual spaces
(``text.trims_as_ascii``), columns the planner does not read, rows of another width than the
header, a cell longer than ``csv`` reads, a comma in a name ("Nayak, MSc"), or any row the row
planner rejects (a URL that is no profile, no name and no URL, a date it cannot read). Its rows
then join the others in the file's place, so that the merge is the same.

The merge follows ``Plan``'s rules over all rows in the order of the files: a person's fields are
the first non-empty ones seen, a tie keeps its first row's date and gets every reporter, a
person's job at a company is the last row's, and a company keeps its first spelling.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from graph import keys
from graph.errors import UnusableInput
from graph.model import Company, RepRef
from importers.dates import parse_date
from importers.linkedin import (
    CONNECTIONS_COLUMNS,
    CONNECTIONS_REQUIRED,
    SOURCE,
    connections_table,
    plan_connections,
)
from importers.plan import ImportReport, Plan, PlanColumns, Progress
from importers.planning import READING
from importers.source import read_bytes
from importers.tabular import Table, find_header
from importers.text import PLAIN_SPACES, decode_lines, trims_as_ascii

_CELLS = ("first", "last", "url", "email", "company", "position", "connected")
"""The columns of ``CONNECTIONS_COLUMNS`` the kernels read (a file with any other is planned
row by row)."""
_PLAIN_URL = f"^(?:{keys.PLAIN_PROFILE_URL})$"
_ALL = pc.ScalarAggregateOptions(skip_nulls=False)  # first and last rows, empty or not

ROWS = pa.schema(
    [
        ("file", pa.int32()),
        ("row", pa.int32()),
        ("pid", pa.string()),
        ("name", pa.string()),
        ("first", pa.string()),
        ("last", pa.string()),
        ("url", pa.string()),
        ("email", pa.string()),
        ("title", pa.string()),
        ("since", pa.date32()),
        ("me", pa.string()),
        ("reporter", pa.string()),
        ("company_key", pa.string()),
        ("company", pa.string()),
    ]
)
"""The accepted rows of Connections.csv files, as the row planner makes them: the file's number
and the row's place in it, the person (empty fields null; ``name`` as shown), the tie's date,
the rep's person and id, and the current employer's key and name (null without one)."""


@dataclass
class _Cells:
    """The cells of the plain files, column by column, in the order of the files."""

    columns: dict[str, list[Any]] = field(default_factory=lambda: {c: [] for c in _CELLS})
    files: list[int] = field(default_factory=list)  # the file's number, per file
    counts: list[int] = field(default_factory=list)  # its rows
    reps: list[RepRef] = field(default_factory=list)  # its rep

    def add(self, number: int, rep: RepRef, cells: dict[str, Any], rows: int) -> None:
        for name, arrays in self.columns.items():
            arrays.append(cells[name] if name in cells else pa.array([""] * rows, pa.string()))
        self.files.append(number)
        self.counts.append(rows)
        self.reps.append(rep)

    def column(self, name: str) -> Any:
        return pa.concat_arrays(self.columns[name])

    def repeated(self, values: Sequence[Any], kind: Any) -> Any:
        """One value per file, repeated for each of its rows."""
        at = np.repeat(np.arange(len(values)), self.counts)
        return pc.take(pa.array(values, kind), pa.array(at))


def plan_connection_files(
    plan: Plan,
    report: ImportReport,
    jobs: Sequence[tuple[RepRef, Path, str]],
    *,
    progress: Progress | None = None,
) -> None:
    """Add each ``(rep, path, shown)`` Connections.csv to the plan as ``plan_connections`` would,
    one after the other (``shown``: the file as the report names it). A file that is no export
    raises its error in its turn."""
    cells = _Cells()
    by_rows: dict[int, Table] = {}  # the files planned row by row: their tables
    for number, (rep, path, shown) in enumerate(jobs):
        report.current_file = shown
        data = read_bytes(path)
        plain = _plain_rows(data, str(path))
        if plain is None:
            by_rows[number] = connections_table(data, str(path))
        else:
            cells.add(number, rep, *plain)
        if progress is not None:
            progress(READING, number + 1, len(jobs))
    rows, beyond = _normalise(cells, plan, report)
    for number in beyond:  # read again (a few files): all the bytes are not kept meanwhile
        by_rows[number] = connections_table(read_bytes(jobs[number][1]), str(jobs[number][1]))
    parts = [rows] if rows is not None else []
    for number in sorted(by_rows):
        rep, _, shown = jobs[number]
        report.current_file = shown
        parts.append(_planned_by_rows(plan, report, number, rep, by_rows[number]))
    report.current_file = None
    if parts:
        merged = pa.concat_tables(parts)
        if by_rows and rows is not None:
            merged = merged.sort_by([("file", "ascending"), ("row", "ascending")])
        _merge(plan, merged)


def _plain_rows(data: bytes, path: str) -> tuple[dict[str, Any], int] | None:
    """A file's cells, a string array per column read, and its rows, when kernels can plan
    them (see the module's description); else None."""
    decoded = decode_lines(data)  # the lines read_table reads
    if not decoded.as_is:
        return None
    lines = decoded.lines
    if not any(line.strip() for line in lines):
        return None  # the row planner says it is empty
    try:
        header = find_header(
            lines, path=path, columns=CONNECTIONS_COLUMNS, required=CONNECTIONS_REQUIRED, what=""
        )
    except UnusableInput:
        return None  # the row planner says why
    width = len(header.cells)
    if len(header.positions) != width or not set(header.positions.values()) <= set(_CELLS):
        return None  # a column the kernels do not read, or one twice
    body = "\n".join(lines[header.at + 1 :])  # as read_table parses it
    if not trims_as_ascii(body):
        return None
    names = header.positions
    if '"' not in body:  # nothing quoted: Arrow's parser splits it as Python's csv does
        if len(body) > csv.field_size_limit() and max(map(len, lines)) > csv.field_size_limit():
            return None  # a cell longer than csv reads: the row planner says where
        return _split_by_arrow(body, header.delimiter, width, names)
    try:
        rows = list(csv.reader(io.StringIO(body), delimiter=header.delimiter, strict=False))
    except csv.Error:
        return None  # the row planner says where
    if any(len(row) != width for row in rows):  # blank lines, cells missing or too many
        return None
    by_position = list(zip(*rows, strict=True)) if rows else [()] * width
    return {name: pa.array(by_position[at], pa.string()) for at, name in names.items()}, len(rows)


def _split_by_arrow(
    body: str, delimiter: str, width: int, names: dict[int, str]
) -> tuple[dict[str, Any], int] | None:
    """The cells of a text without quotes, split by Arrow's CSV parser: lines at ``\\n``, cells
    at the delimiter, as ``csv.reader`` splits them; None when a line has another width (a blank
    line is one empty cell)."""
    if not body:
        return {name: pa.array([], pa.string()) for name in names.values()}, 0
    try:
        table = pa_csv.read_csv(
            io.BytesIO(body.encode("utf-8")),
            read_options=pa_csv.ReadOptions(
                column_names=[f"c{at}" for at in range(width)], use_threads=False
            ),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter, quote_char=False, ignore_empty_lines=False
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={f"c{at}": pa.string() for at in range(width)},
                strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:  # a line of another width
        return None
    return {
        name: table.column(f"c{at}").combine_chunks() for at, name in names.items()
    }, table.num_rows


def _normalise(cells: _Cells, plan: Plan, report: ImportReport) -> tuple[Any, list[int]]:
    """The accepted rows of the plain files (``ROWS``; None without any), counted in the report,
    and the files with a row beyond the kernels, whose rows are neither."""
    if not cells.files:
        return None, []
    first, last, url, email, company, position, connected = (
        pc.utf8_trim(cells.column(name), PLAIN_SPACES) for name in _CELLS
    )
    cells.columns.clear()
    filled = [pc.not_equal(c, "") for c in (first, last, url, email, company, position)]
    live = filled[0]  # a row with something in it but its date: neither blank nor hidden
    for more in filled[1:]:
        live = pc.or_(live, more)
    blank = pc.and_(pc.invert(live), pc.equal(connected, ""))
    name = pc.if_else(
        pc.and_(filled[0], filled[1]),
        pc.binary_join_element_wise(first, last, " "),
        pc.if_else(filled[0], first, last),
    )
    slug = pc.struct_field(pc.extract_regex(url, _PLAIN_URL), [0])
    pid = pc.binary_join_element_wise(keys.PROFILE_ID, slug, "")
    canonical = pc.binary_join_element_wise(keys.PROFILE_URL, slug, "")
    odd = pc.and_(filled[2], pc.is_null(slug))
    if pc.any(odd).as_py():
        profiles = [keys.linkedin_profile(u) for u in pc.filter(url, odd).to_pylist()]
        canonical = pc.replace_with_mask(canonical, odd, pa.array([p and p[0] for p in profiles]))
        pid = pc.replace_with_mask(pid, odd, pa.array([p and p[1] for p in profiles]))
    since, undated = _dates(connected)
    beyond = pc.or_(
        pc.or_(pc.match_substring(first, ","), pc.match_substring(last, ",")),  # _name_parts
        pc.or_(
            pc.and_(filled[2], pc.is_null(pid)),  # no profile URL
            pc.or_(pc.and_(pc.invert(filled[2]), pc.equal(name, "")), undated),  # no name
        ),
    )
    file = cells.repeated(cells.files, pa.int32())
    beyond_files = sorted(pc.unique(pc.filter(file, pc.and_(live, beyond))).to_pylist())
    ours = pc.invert(pc.is_in(file, pa.array(beyond_files, pa.int32())))
    report.rows_read += pc.sum(pc.and_(ours, pc.invert(blank))).as_py() or 0
    hidden = pc.sum(pc.and_(ours, pc.invert(pc.or_(live, blank)))).as_py()
    if hidden:
        report.skipped["hidden or left members"] += hidden
    keep = pc.and_(ours, live)
    with_email = pc.and_(keep, pc.and_(filled[3], pc.invert(pc.starts_with(email, "urn:"))))
    email = _in_python(email, with_email, keys.normalise_email)
    nameless = pc.and_(keep, pc.invert(filled[2]))
    if pc.any(nameless).as_py():
        fingerprints = [
            keys.person_id(email=e, name=n, company=c)
            for e, n, c in zip(
                pc.filter(email, nameless).to_pylist(),
                pc.filter(name, nameless).to_pylist(),
                pc.filter(company, nameless).to_pylist(),
                strict=True,
            )
        ]
        pid = pc.replace_with_mask(pid, nameless, pa.array(fingerprints, pa.string()))
    rows = pa.table(
        {
            "file": file,
            "row": pa.array(np.concatenate([np.arange(n, dtype=np.int32) for n in cells.counts])),
            "pid": pid,
            "name": pc.if_else(pc.equal(name, ""), canonical, name),
            "first": _null_if_empty(first),
            "last": _null_if_empty(last),
            "url": canonical,
            "email": email,
            "title": _null_if_empty(position),
            "since": since,
            "me": cells.repeated([rep.person_id for rep in cells.reps], pa.string()),
            "reporter": cells.repeated([rep.id for rep in cells.reps], pa.string()),
            "company": company,
        }
    ).filter(keep)
    own = pc.equal(rows["pid"], rows["me"])
    mine = pc.sum(own).as_py()
    if mine:  # as the row planner asks: before duplicates, so never one of them
        report.skipped["rows for the rep themselves"] += mine
        rows = rows.filter(pc.invert(own))
    rows, duplicates = _first_in_file(rows)
    if duplicates:
        report.skipped["duplicate rows"] += duplicates
    employers = _in_python(rows["company"], pc.not_equal(rows["company"], ""), plan.company_key)
    rows = rows.append_column("company_key", pc.if_else(pc.equal(employers, ""), None, employers))
    rows = rows.set_column(
        rows.schema.get_field_index("company"),
        "company",
        pc.if_else(pc.is_null(rows["company_key"]), None, rows["company"]),
    )
    return rows.select(ROWS.names).cast(ROWS), beyond_files


def _null_if_empty(values: Any) -> Any:
    return pc.if_else(pc.equal(values, ""), None, values)


def _in_python(values: Any, where: Any, function: Callable[[str], str | None]) -> Any:
    """``function`` of each distinct value where ``where`` holds (null elsewhere)."""
    values = pc.if_else(where, values, None)
    encoded = _dictionary(values)
    dictionary = pa.array([function(v) for v in encoded.dictionary.to_pylist()], pa.string())
    return pc.take(dictionary, encoded.indices)


def _dictionary(values: Any) -> Any:
    """The values as one dictionary array (each distinct value once, then indices)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return pc.dictionary_encode(values)


def _dates(connected: Any) -> tuple[Any, Any]:
    """Each cell's date (``parse_date``: each distinct cell once) and whether it is no date."""
    encoded = _dictionary(connected)
    days: list[date | None] = []
    unreadable: list[bool] = []
    for text in encoded.dictionary.to_pylist():
        try:
            days.append(parse_date(text))
            unreadable.append(False)
        except ValueError:
            days.append(None)
            unreadable.append(True)
    return (
        pc.take(pa.array(days, pa.date32()), encoded.indices),
        pc.take(pa.array(unreadable, pa.bool_()), encoded.indices),
    )


def _first_in_file(rows: Any) -> tuple[Any, int]:
    """The rows without those whose person an earlier row of the same file named, and how many
    those were."""
    people = _codes(rows["pid"])
    in_file = rows["file"].to_numpy().astype(np.int64) << 32 | people
    _, firsts = _first_of_each(in_file)
    if len(firsts) == rows.num_rows:
        return rows, 0
    keep = np.zeros(rows.num_rows, dtype=bool)
    keep[firsts] = True
    return rows.filter(pa.array(keep)), rows.num_rows - len(firsts)


def _codes(values: Any) -> Any:
    """Each value's number (a numpy array): the values numbered in the order they first come
    (a null -1)."""
    return _dictionary(values).indices.fill_null(-1).to_numpy(zero_copy_only=False)


def _first_of_each(numbers: Any, rows: Any = None) -> tuple[Any, Any]:
    """Each number of ``numbers`` (a numpy array) once, sorted, and the row where it first
    comes; with ``rows``, the numbers are those rows'. Numbers from ``_codes`` sort in the order
    their values first come."""
    unique, first = np.unique(numbers, return_index=True)
    return unique, first if rows is None else rows[first]


def _planned_by_rows(
    plan: Plan, report: ImportReport, number: int, rep: RepRef, table: Table
) -> Any:
    """A file's accepted rows (``ROWS``) as the row planner makes them, counted in the report:
    a file's plan has one person, tie and job at most per row (a person named again is
    skipped), so its records, in order, are its rows."""
    own = Plan(company_keys=plan.company_keys)
    report.repaired_lines += table.repaired_lines
    plan_connections(own, report, rep, table)
    plan.tie_owners |= own.tie_owners
    jobs = {pid: company for pid, company in own.employments}
    columns: dict[str, list[Any]] = {name: [] for name in ROWS.names}
    me = rep.person_id
    for row, person in enumerate(own.people.values()):
        a, b = (me, person.id) if me < person.id else (person.id, me)
        company = jobs.get(person.id)
        for name, value in (
            ("file", number),
            ("row", row),
            ("pid", person.id),
            ("name", person.name),
            ("first", person.first_name),
            ("last", person.last_name),
            ("url", person.linkedin_url),
            ("email", person.email),
            ("title", person.title),
            ("since", own.ties[(a, b, SOURCE)].since),
            ("me", me),
            ("reporter", rep.id),
            ("company_key", company),
            ("company", None if company is None else own.companies[company].name),
        ):
            columns[name].append(value)
    return pa.table(columns, schema=ROWS)


def _merge(plan: Plan, rows: Any) -> None:
    """Add the rows to the plan by ``Plan``'s rules (see the module's description): as columns
    (``Plan.columns``) into a plan without people, ties or jobs yet, else merged as records.
    Keys are numbered (``_codes``) and each group's first or last row found by ``np.unique``:
    Arrow's group-by took 1.5 s for the people's six columns of a bootstrap (1.6M rows)."""
    ids = _dictionary(rows["pid"])
    person = ids.indices.to_numpy(zero_copy_only=False)
    count = len(ids.dictionary)
    _, first_rows = _first_of_each(person)
    people = {"id": ids.dictionary, "name": rows["name"].take(first_rows)}
    for field_name, name in (
        ("first_name", "first"),
        ("last_name", "last"),
        ("linkedin_url", "url"),
        ("email", "email"),
        ("title", "title"),
    ):  # each field the first that is not empty
        values = rows[name]
        given = np.flatnonzero(pc.is_valid(values).to_numpy(zero_copy_only=False))
        pick = np.full(count, -1, dtype=np.int64)
        named, first = _first_of_each(person[given], given)
        pick[named] = first
        people[field_name] = values.take(pa.array(pick, mask=pick < 0))
    employed = np.flatnonzero(pc.is_valid(rows["company_key"]).to_numpy(zero_copy_only=False))
    company = _codes(rows["company_key"])
    job = person[employed].astype(np.int64) << 32 | company[employed]
    # the last row of each job: the first of the rows reversed
    _, last = _first_of_each(job[::-1], employed[::-1])
    columns = PlanColumns(
        people=pa.table(people),
        ties=_ties(rows),
        employments=pa.table(
            {
                "person_id": rows["pid"].take(last),
                "company_id": rows["company_key"].take(last),
                "title": rows["title"].take(last),
                "current": pa.array(np.ones(len(last), dtype=bool)),
            }
        ),
    )
    if plan.people or plan.ties or plan.employments or plan.columns is not None:
        plan.materialise()  # the columns hold each key once: these merge into records
        merged = Plan(columns=columns)
        merged.materialise()
        for record in merged.people.values():
            plan.add_person(record, counted=False)
        for tie in merged.ties.values():
            plan.add_tie(tie)
        plan.employments.update(merged.employments)
    else:
        plan.columns = columns
    plan.counted_people.update(ids.dictionary.to_pylist())
    plan.tie_owners.update((me, SOURCE) for me in pc.unique(rows["me"]).to_pylist())
    _, firsts = _first_of_each(company[employed], employed)
    for key, name in zip(
        rows["company_key"].take(firsts).to_pylist(),
        rows["company"].take(firsts).to_pylist(),
        strict=True,
    ):
        plan.companies.setdefault(key, Company(id=key, name=name))


def _ties(rows: Any) -> Any:
    """The rows' ties (``Tie``'s fields), each key once. Two rows name the same tie only when one's
    person is another's rep, or when a rep has two files (a file names each person once): only
    those rows are grouped, the others are each a tie of their own."""
    _, first_rows = np.unique(rows["file"].to_numpy(), return_index=True)
    mes = rows["me"].take(pa.array(first_rows)).to_pylist()
    reps = pa.array(sorted(set(mes)), pa.string())
    twice = pa.array(sorted(me for me, files in Counter(mes).items() if files > 1), pa.string())
    shared = pc.or_(pc.is_in(rows["pid"], reps), pc.is_in(rows["me"], twice))
    me_first = pc.less(rows["me"], rows["pid"])
    ends = pa.table(
        {
            "a": pc.if_else(me_first, rows["me"], rows["pid"]),
            "b": pc.if_else(me_first, rows["pid"], rows["me"]),
            "since": rows["since"],
            "reporter": rows["reporter"],
        }
    )
    alone = ends.filter(pc.invert(shared)).combine_chunks()
    grouped = (
        ends.filter(shared)
        .group_by(["a", "b"], use_threads=False)
        .aggregate([("since", "first", _ALL), ("reporter", "distinct")])
    )
    reporters = pa.array(
        [sorted(names) for names in grouped["reporter_distinct"].to_pylist()],
        pa.list_(pa.string()),
    )
    one_each = pa.ListArray.from_arrays(
        pa.array(np.arange(alone.num_rows + 1, dtype=np.int32)), alone["reporter"].combine_chunks()
    )
    schema = pa.schema(
        [
            ("a", pa.string()),
            ("b", pa.string()),
            ("since", pa.date32()),
            ("reported_by", pa.list_(pa.string())),
        ]
    )
    ties = pa.concat_tables(
        [
            pa.table([alone["a"], alone["b"], alone["since"], one_each], schema=schema),
            pa.table(
                [grouped["a"], grouped["b"], grouped["since_first"], reporters], schema=schema
            ),
        ]
    )
    source = pc.take(pa.array([SOURCE], pa.string()), pa.array(np.zeros(ties.num_rows, np.int32)))
    return ties.add_column(2, "source", source)
