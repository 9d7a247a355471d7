"""Synthetic export files, written by our own code, with every quirk real exports have.

Used by the importer tests (small fixtures) and by ``make bench`` (one Connections.csv per rep of
the benchmark organisation). All people are made up.
"""

from __future__ import annotations

import csv
import io
import json
import random
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

PREAMBLE = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses are '
    "missing. You will only see email addresses for connections who have allowed their connections "
    "to see or download their email address using this setting "
    "https://www.linkedin.com/psettings/privacy/email. "
    'You can learn more here https://www.linkedin.com/help/linkedin/answer/261"\n'
    "\n"
)
HEADER = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
QUIRKY_NAMES = [
    ("Zoë", "Ångström"),
    ("José", "Núñez"),
    ("محمد", "العلي"),
    ("\U0001d468\U0001d483\U0001d485", "\U0001d479\U0001d482\U0001d489\U0001d48e\U0001d482"),
    ("Priya", "Nayak, MSc, MBA"),
    ('James "Tyler"', "O'Neil"),
    ("  Leading", "Space"),
    ("Mia 🚀", "Chen"),
    ("Łukasz", "Żółć"),
    ("Nguyễn", "Thị Hà"),
    ("Jörg", "Müller"),
]
COMPANIES = [
    "Acme GmbH",
    "U.S. Bank",
    "Globex Inc.",
    "Initech",
    "Umbrella Ltd",
    "Geschäftsführer & Co",
    "Soylent Corp",
    "Stark Industries",
    "Wayne Enterprises",
    "Hooli",
]
POSITIONS = ["CFO", "CTO", "VP Sales", "Head of Procurement", "Geschäftsführer", "Engineer"]


@dataclass(frozen=True)
class Connection:
    first: str
    last: str
    url: str
    email: str
    company: str
    position: str
    connected_on: date | None


def synthetic_connections(count: int, *, seed: int = 1, quirks: bool = True) -> list[Connection]:
    """``count`` made-up connections; with ``quirks``: odd names, duplicate names with distinct
    URLs, percent-encoded URLs, a few emails (some ``urn:li:member``), hidden members."""
    rng = random.Random(seed)
    rows: list[Connection] = []
    for i in range(count):
        if quirks and i % 7 == 3:
            first, last = QUIRKY_NAMES[i % len(QUIRKY_NAMES)]
        elif quirks and i % 11 == 5:
            first, last = "John", "Smith"  # same name, different people
        else:
            first, last = f"Given{i}", f"Family{rng.randrange(10**6)}"
        slug = (
            f"{first.strip()}-{last.split(',')[0]}-{i:05d}".lower()
            .replace(" ", "-")
            .replace('"', "")
        )
        url = "https://www.linkedin.com/in/" + quote(slug, safe="-")
        email = ""
        if quirks and i % 25 == 0:
            email = f"person{i}@example.org"
        elif quirks and i % 41 == 0:
            email = f"urn:li:member:{664293716 + i}"
        connected = date(2010, 1, 1) + timedelta(days=rng.randrange(5800))
        rows.append(
            Connection(
                first,
                last,
                url,
                email,
                COMPANIES[rng.randrange(len(COMPANIES))],
                POSITIONS[rng.randrange(len(POSITIONS))],
                connected,
            )
        )
        if quirks and i % 53 == 7:
            rows.append(Connection("", "", "", "", "", "", connected))  # hidden or left member
    return rows


def format_date(day: date | None, style: str) -> str:
    if day is None:
        return ""
    if style == "modern":
        return day.strftime("%d %b %Y")
    if style == "legacy":
        return f"{day.month}/{day.day}/{day.strftime('%y')}, 6:14 PM"
    if style == "dotted":
        return day.strftime("%d.%m.%Y")
    if style == "dashed":
        return f"{day.day}-{day.strftime('%b')}-{day.strftime('%y')}"
    if style == "iso":
        return day.isoformat()
    raise ValueError(f"unknown date style {style!r}")


def connections_csv(
    rows: Iterable[Connection],
    *,
    preamble: bool = True,
    with_url: bool = True,
    date_style: str = "modern",
    delimiter: str = ",",
    header: Sequence[str] = HEADER,
    line_end: str = "\r\n",
    encoding: str = "utf-8",
    drop_columns: Sequence[str] = (),
) -> bytes:
    """A Connections.csv as LinkedIn (or a spreadsheet program re-saving it) writes one.

    ``header`` renames the seven standard columns (same order as HEADER).

    ``encoding``: ``utf-8``, ``utf-8-sig``, ``cp1252`` (characters it lacks become '?'),
    ``double`` (UTF-8 read as cp1252 and saved again) or ``mixed`` (every other line cp1252).
    """
    keep = [
        i
        for i, h in enumerate(header)
        if h not in drop_columns and (with_url or HEADER[i] != "URL")
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_end)
    writer.writerow([header[i] for i in keep])
    for row in rows:
        values = [
            row.first,
            row.last,
            row.url,
            row.email,
            row.company,
            row.position,
            format_date(row.connected_on, date_style),
        ]
        writer.writerow([values[i] for i in keep])
    text = buffer.getvalue()
    if preamble:
        text = (
            PREAMBLE.replace("\n", line_end)
            if delimiter == ","
            else "Notes:" + delimiter * 2 + line_end + '"When exporting..."' + line_end + line_end
        ) + text
    if encoding in ("utf-8", "utf-8-sig"):
        return text.encode(encoding)
    if encoding == "cp1252":
        return text.encode("cp1252", errors="replace")
    if encoding == "double":
        return text.encode("utf-8").decode("cp1252", errors="replace").encode("utf-8")
    if encoding == "mixed":
        lines = text.split(line_end)
        return line_end.encode().join(
            line.encode("cp1252", errors="replace") if i % 2 else line.encode("utf-8")
            for i, line in enumerate(lines)
        )
    raise ValueError(f"unknown encoding {encoding!r}")


def positions_csv(rows: Sequence[tuple[str, str, str, str]]) -> bytes:
    """(company, title, started 'Mon YYYY', finished 'Mon YYYY' or '')."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        ["Company Name", "Title", "Description", "Location", "Started On", "Finished On"]
    )
    for company, title, started, finished in rows:
        writer.writerow([company + "  ", title, "", "Berlin", started, finished])
    return buffer.getvalue().encode("utf-8")


def education_csv(rows: Sequence[tuple[str, str, str]]) -> bytes:
    """(school, start '2015' or 'Nov 2015', end)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["School Name", "Start Date", "End Date", "Notes", "Degree Name", "Activities"])
    for school, start, end in rows:
        writer.writerow([school, start, end, "", "MSc", ""])
    return buffer.getvalue().encode("utf-8")


def profile_csv(first: str, last: str, headline: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [
            "First Name",
            "Last Name",
            "Maiden Name",
            "Address",
            "Birth Date",
            "Headline",
            "Summary",
            "Industry",
            "Zip Code",
            "Geo Location",
        ]
    )
    writer.writerow([first, last, "", "", "", headline, "", "Software", "", "Berlin, Germany"])
    return buffer.getvalue().encode("utf-8")


def linkedin_archive(
    path: Path,
    *,
    connections: bytes,
    positions: bytes | None = None,
    education: bytes | None = None,
    profile: bytes | None = None,
) -> Path:
    """A Basic_LinkedInDataExport_*.zip with the given members."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Connections.csv", connections)
        for name, data in (
            ("Positions.csv", positions),
            ("Education.csv", education),
            ("Profile.csv", profile),
        ):
            if data is not None:
                archive.writestr(name, data)
        archive.writestr("Messages/messages.csv", "CONVERSATION ID,FROM\r\n")
    return path


def facebook_json(
    names: Sequence[str],
    *,
    legacy: bool = False,
    start: int = 1_500_000_000,
    emails: dict[str, str] | None = None,
) -> bytes:
    """your_friends.json (or legacy friends.json), with Facebook's escaped UTF-8 strings."""

    def escaped(text: str) -> str:
        return text.encode("utf-8").decode("latin-1")

    entries = []
    for i, name in enumerate(names):
        entry: dict[str, object] = {"name": escaped(name), "timestamp": start + i * 86_400}
        if emails and name in emails:
            entry["contact_info"] = escaped(emails[name])
        entries.append(entry)
    return json.dumps({"friends" if legacy else "friends_v2": entries}).encode("utf-8")


def with_dates(rows: Sequence[Connection], day: date | None) -> list[Connection]:
    return [replace(r, connected_on=day) for r in rows]
