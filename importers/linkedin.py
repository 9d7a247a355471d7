"""LinkedIn exports of one rep: Connections.csv, Positions.csv, Education.csv, Profile.csv, or the
whole data-export zip archive.

Connections become people (merged on the normalised profile URL, else email, else name +
company), the rep's ``linkedin`` ties (``since`` = Connected On) and each person's current
employer. Positions and Education are the rep's own background. Re-importing the same file
changes nothing; ``--prune`` removes the rep's LinkedIn ties that the newer export no longer has.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

from graph import keys
from graph.errors import UnusableInput
from graph.model import Company, Employment, Person, RepRef, School, Study, Tie
from graph.store import GraphStore
from importers.consent import ConsentGiven, require_consent
from importers.dates import parse_date
from importers.plan import ImportReport, Plan, Progress, RowProblem, apply_plan
from importers.planning import READING, plan_files
from importers.source import read_bytes
from importers.tabular import Table, read_table

CONNECTIONS_COLUMNS = {
    "first": ["First Name", "Firstname", "Vorname", "Prénom"],
    "last": ["Last Name", "Lastname", "Nachname", "Nom"],
    "url": ["URL", "Profile URL", "LinkedIn URL"],
    "email": ["Email Address", "E-mail Address", "Email"],
    "company": ["Company", "Organization"],
    "position": ["Position", "Title"],
    "connected": ["Connected On", "Connected"],
}
POSITIONS_COLUMNS = {
    "company": ["Company Name"],
    "title": ["Title"],
    "description": ["Description"],
    "location": ["Location"],
    "started": ["Started On"],
    "finished": ["Finished On"],
}
EDUCATION_COLUMNS = {
    "school": ["School Name"],
    "started": ["Start Date"],
    "ended": ["End Date"],
    "notes": ["Notes"],
    "degree": ["Degree Name"],
    "activities": ["Activities"],
}
PROFILE_COLUMNS = {
    "first": ["First Name"],
    "last": ["Last Name"],
    "headline": ["Headline"],
    "location": ["Geo Location", "Location"],
}
CONNECTIONS_REQUIRED = ("first", "last")
SOURCE = "linkedin"


def _name_parts(first: str, last: str) -> tuple[str, str, str]:
    # credentials after a comma ("Nayak, MSc, MBA") are not part of the name
    if "," not in last and "," not in first:  # most names: nothing to take off
        return first, last, f"{first} {last}" if first and last else first or last
    if "," in last:
        last = last.split(",", 1)[0].strip()
    elif not last and "," in first:
        first = first.split(",", 1)[0].strip()
    if first and last:
        return first, last, f"{first} {last}"
    return first, last, first or last


def plan_connections(plan: Plan, report: ImportReport, rep: RepRef, table: Table) -> None:
    """Add a Connections.csv's rows to the plan. A bootstrap plans 1.6M rows, so a person, tie
    or job new to the plan is written out here; a row that merges into what the plan holds goes
    through ``Plan``'s methods."""
    seen: set[str] = set()
    reported_by = (rep.id,)
    me = rep.person_id
    people, ties, jobs = plan.people, plan.ties, plan.employments
    for record in report.readable(table.records):
        get = record.cells.get
        first = get("first", "")
        last = get("last", "")
        raw_url = get("url", "")
        company = get("company", "")
        position = get("position", "")
        if not (first or last or raw_url or get("email") or company or position):
            report.skip("hidden or left members")
            continue
        first, last, name = _name_parts(first, last)
        url: str | None = None
        person_id: str | None = None  # from the email or the name when there is no URL
        if raw_url:
            profile = keys.linkedin_profile(raw_url)
            if profile is None:
                report.reject(record.line, f"URL {raw_url[:80]!r} is not a LinkedIn profile URL")
                continue
            url, person_id = profile
        elif not name:
            report.reject(record.line, "no name and no profile URL")
            continue
        raw_email = get("email", "")
        email = (
            keys.normalise_email(raw_email)
            if raw_email and not raw_email.startswith("urn:")
            else None
        )
        try:
            since = parse_date(get("connected", ""))
        except ValueError as exc:
            report.reject(record.line, f"Connected On {exc}")
            continue
        if person_id is None:
            person_id = keys.person_id(email=email, name=name, company=company)
        if person_id == me:
            report.skip("rows for the rep themselves")
            continue
        if person_id in seen:
            report.skip("duplicate rows")
            continue
        seen.add(person_id)
        title = position or None
        shown = name or (url or "")
        new = person_id not in people
        if new or not plan.adds_nothing(person_id, shown, first, last, url, email, title):
            person = Person(
                id=person_id,
                name=shown,
                first_name=first or None,
                last_name=last or None,
                linkedin_url=url,
                email=email,
                title=title,
            )
            if new:  # as Plan.add_person adds a person new to the plan
                people[person_id] = person
                plan.counted_people.add(person_id)
            else:
                plan.add_person(person)
        a, b = (me, person_id) if me < person_id else (person_id, me)  # as the plan keeps it
        tie = Tie(a, b, SOURCE, since, None, reported_by)
        key = (a, b, SOURCE)
        if key in ties:
            plan.add_tie(tie)  # another rep's export had it: its reporters are merged
        else:  # as Plan.add_tie adds a tie new to the plan
            ties[key] = tie
        company_key = plan.company_key(company) if company else None
        if company_key:
            if company_key not in plan.companies:
                plan.add_company(Company(id=company_key, name=company))
            if (person_id, company_key) in jobs:
                plan.add_current_job(person_id, company_key, title)
            else:  # as Plan.add_current_job adds a job new to the plan
                jobs[(person_id, company_key)] = Employment(
                    person_id=person_id, company_id=company_key, title=title, current=True
                )
    if seen:  # each person seen got a tie: this export holds the rep's ties from LinkedIn
        plan.tie_owners.add((me, SOURCE))


def plan_positions(plan: Plan, report: ImportReport, rep: RepRef, table: Table) -> None:
    for record in report.readable(table.records):
        company = record.cells.get("company", "")
        company_key = keys.company_id(company)
        if not company_key:
            report.reject(record.line, "no Company Name")
            continue
        try:
            started = parse_date(record.cells.get("started", ""))
            ended = parse_date(record.cells.get("finished", ""))
        except ValueError as exc:
            report.reject(record.line, f"date {exc}")
            continue
        plan.add_company(Company(id=company_key, name=company))
        plan.employments[(rep.person_id, company_key)] = Employment(
            person_id=rep.person_id,
            company_id=company_key,
            title=record.cells.get("title") or None,
            current=ended is None,
            started=started,
            ended=ended,
        )


def plan_education(plan: Plan, report: ImportReport, rep: RepRef, table: Table) -> None:
    for record in report.readable(table.records):
        school = record.cells.get("school", "")
        school_key = keys.school_id(school)
        if not school_key:
            report.reject(record.line, "no School Name")
            continue
        try:
            started = parse_date(record.cells.get("started", ""))
            ended = parse_date(record.cells.get("ended", ""))
        except ValueError as exc:
            report.reject(record.line, f"date {exc}")
            continue
        plan.schools.setdefault(school_key, School(id=school_key, name=school))
        plan.studies[(rep.person_id, school_key)] = Study(
            person_id=rep.person_id, school_id=school_key, started=started, ended=ended
        )


def plan_profile(plan: Plan, report: ImportReport, rep: RepRef, table: Table) -> None:
    for record in table.records[:1]:
        first, last, name = _name_parts(record.cells.get("first", ""), record.cells.get("last", ""))
        plan.add_person(
            Person(
                id=rep.person_id,
                name=name or rep.name,
                first_name=first or None,
                last_name=last or None,
                title=record.cells.get("headline") or None,
                location=record.cells.get("location") or None,
            ),
            counted=False,
        )


def connections_table(data: bytes, path: str) -> Table:
    """A Connections.csv's rows (``path`` names it in errors)."""
    return read_table(
        data,
        path=path,
        columns=CONNECTIONS_COLUMNS,
        required=CONNECTIONS_REQUIRED,
        what="LinkedIn Connections.csv",
        hint="A LinkedIn export has 'First Name,Last Name,URL,...'.",
    )


def _rep(store: GraphStore, rep_key: str) -> RepRef:
    from graph.errors import NotFound

    try:
        return store.resolve_rep(rep_key)
    except NotFound:
        raise NotFound(
            f"no rep with key {rep_key!r}: import the roster first (warmpath import reps reps.csv)"
        ) from None


def plan_linkedin_file(plan: Plan, report: ImportReport, rep: RepRef, path: Path) -> None:
    """Add one Connections.csv, or one data-export zip archive, to the plan."""
    data = read_bytes(path)
    if data[:4] == b"PK\x03\x04" or path.suffix.lower() == ".zip":
        members = _zip_members(data, path)
        if "connections.csv" not in members:
            raise UnusableInput(
                f"{path}: no Connections.csv inside; is this a LinkedIn data export archive?"
            )
        for name, planner, columns, required, what in (
            ("profile.csv", plan_profile, PROFILE_COLUMNS, ["first"], "LinkedIn Profile.csv"),
            (
                "positions.csv",
                plan_positions,
                POSITIONS_COLUMNS,
                ["company"],
                "LinkedIn Positions.csv",
            ),
            (
                "education.csv",
                plan_education,
                EDUCATION_COLUMNS,
                ["school"],
                "LinkedIn Education.csv",
            ),
        ):
            if name in members:
                member_path = f"{path.name}:{members[name][0]}"
                table = read_table(
                    members[name][1],
                    path=member_path,
                    columns=columns,
                    required=required,
                    what=what,
                )
                report.repaired_lines += table.repaired_lines
                planner(plan, report, rep, table)
        table = connections_table(
            members["connections.csv"][1], f"{path.name}:{members['connections.csv'][0]}"
        )
    else:
        table = connections_table(data, str(path))
    report.repaired_lines += table.repaired_lines
    plan_connections(plan, report, rep, table)


def import_linkedin(
    store: GraphStore,
    rep_key: str,
    path: Path,
    *,
    prune: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    consent: ConsentGiven | None = None,
) -> ImportReport:
    """Import one rep's Connections.csv, or the whole LinkedIn data-export zip archive
    (Connections, Positions, Education, Profile) in one transaction. Only with the rep's
    consent on record, or ``consent`` given now (recorded with the import)."""
    rep = _rep(store, rep_key)
    report = ImportReport(file=path.name, kind="linkedin")
    plan = Plan()
    require_consent(store, [rep], plan, consent)
    plan_linkedin_file(plan, report, rep, path)
    if prune:
        plan.prune = (rep.person_id, SOURCE)
    return apply_plan(store, plan, report, dry_run=dry_run, progress=progress)


def _import_own_table(
    store: GraphStore,
    rep_key: str,
    path: Path,
    *,
    kind: str,
    what: str,
    columns: dict[str, list[str]],
    required: list[str],
    planner: Callable[[Plan, ImportReport, RepRef, Table], None],
    dry_run: bool,
    progress: Progress | None,
    consent: ConsentGiven | None,
) -> ImportReport:
    rep = _rep(store, rep_key)
    plan = Plan()
    require_consent(store, [rep], plan, consent)
    table = read_table(
        read_bytes(path), path=str(path), columns=columns, required=required, what=what
    )
    report = ImportReport(file=path.name, kind=kind, repaired_lines=table.repaired_lines)
    planner(plan, report, rep, table)
    return apply_plan(store, plan, report, dry_run=dry_run, progress=progress)


def import_positions(
    store: GraphStore,
    rep_key: str,
    path: Path,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    consent: ConsentGiven | None = None,
) -> ImportReport:
    """Import a rep's own Positions.csv (employers, for shared background)."""
    return _import_own_table(
        store,
        rep_key,
        path,
        kind="positions",
        what="LinkedIn Positions.csv",
        columns=POSITIONS_COLUMNS,
        required=["company"],
        planner=plan_positions,
        dry_run=dry_run,
        progress=progress,
        consent=consent,
    )


def import_education(
    store: GraphStore,
    rep_key: str,
    path: Path,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    consent: ConsentGiven | None = None,
) -> ImportReport:
    """Import a rep's own Education.csv (schools, for shared background)."""
    return _import_own_table(
        store,
        rep_key,
        path,
        kind="education",
        what="LinkedIn Education.csv",
        columns=EDUCATION_COLUMNS,
        required=["school"],
        planner=plan_education,
        dry_run=dry_run,
        progress=progress,
        consent=consent,
    )


def _zip_members(data: bytes, path: Path) -> dict[str, tuple[str, bytes]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members: dict[str, tuple[str, bytes]] = {}
            for info in archive.infolist():
                base = info.filename.rsplit("/", 1)[-1].lower()
                if base in ("connections.csv", "positions.csv", "education.csv", "profile.csv"):
                    if info.file_size > 2 * 1024**3:
                        raise UnusableInput(f"{path}: {info.filename} is too large")
                    members.setdefault(base, (info.filename, archive.read(info)))
            return members
    except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
        raise UnusableInput(f"{path}: not a readable zip archive ({exc})") from None


def import_linkedin_folder(
    store: GraphStore,
    folder: Path,
    *,
    prune: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one export per rep from a folder (the bootstrap of a whole team): files named
    ``<rep email>.csv`` or ``<rep email>.zip``, or sub-folders ``<rep email>/`` holding
    ``Connections.csv`` or the zip archive.

    Without ``--prune`` the whole folder is one plan, which lets new people and ties be created
    in bulk: all or nothing on LadybugDB (one transaction, or, into a graph file small enough
    to copy first, LadybugDB's bulk loader undone from that copy on failure:
    ``LadybugStore.bulk_writes``), batches of transactions on Neo4j when it is larger than the
    server should hold at once (a rerun after a crash completes it). Safe to rerun either way.
    With ``--prune`` each export is its own plan, since pruning is per rep. Without it, a folder
    of Connections.csv files is planned in columns (``importers.connection_columns``); one with
    zip archives row by row, 16 MiB of exports or more on two cores, on a machine with two
    (``importers.planning``)."""
    if not folder.is_dir():
        raise UnusableInput(f"{folder} is not a folder")
    jobs: list[tuple[str, Path]] = []
    for entry in sorted(folder.iterdir()):
        if entry.is_dir():
            inside = sorted(entry.glob("*.zip")) or sorted(entry.glob("[Cc]onnections.csv"))
            if inside:
                jobs.append((entry.name, inside[0]))
        elif entry.suffix.lower() in (".csv", ".zip"):
            jobs.append((entry.stem, entry))
    if not jobs:
        raise UnusableInput(
            f"{folder}: no <rep email>.csv, <rep email>.zip or <rep email>/Connections.csv inside"
        )
    report = ImportReport(file=f"{folder.name}/ ({len(jobs)} exports)", kind="linkedin-folder")
    plan = Plan()
    reps = [_rep(store, rep_key) for rep_key, _ in jobs]
    require_consent(store, list({rep.id: rep for rep in reps}.values()), plan, None)
    if prune:
        for number, (rep_key, path) in enumerate(jobs, start=1):
            report.current_file = str(path.relative_to(folder))
            _add_up(report, import_linkedin(store, rep_key, path, prune=True, dry_run=dry_run))
            if progress is not None:
                progress(READING, number, len(jobs))
        report.current_file = None
        report.dry_run = dry_run
        return report
    shown = [
        (rep, path, str(path.relative_to(folder)))
        for (_, path), rep in zip(jobs, reps, strict=True)
    ]
    if all(_csv_file(path) for _, path, _ in shown):
        # Connections.csv files only: planned in columns (imported here, as it imports this)
        from importers.connection_columns import plan_connection_files

        plan_connection_files(plan, report, shown, progress=progress)
    else:
        plan_files(plan, report, shown, plan_linkedin_file, progress=progress)
    return apply_plan(store, plan, report, dry_run=dry_run, progress=progress, bulk=True)


def _csv_file(path: Path) -> bool:
    """Whether an export is a .csv file that is no zip archive (one saved as .csv is read as an
    archive, by its first bytes: ``plan_linkedin_file``)."""
    if path.suffix.lower() != ".csv":
        return False
    try:
        with path.open("rb") as handle:
            return handle.read(4) != b"PK\x03\x04"
    except OSError:
        return True  # read_bytes says why


def _add_up(total: ImportReport, one: ImportReport) -> None:
    total.rows_read += one.rows_read
    total.people_created += one.people_created
    total.people_matched += one.people_matched
    total.ties_created += one.ties_created
    total.ties_unchanged += one.ties_unchanged
    total.ties_removed += one.ties_removed
    total.written.update(one.written)
    total.skipped.update(one.skipped)
    total.repaired_lines += one.repaired_lines
    total.invalid.extend(RowProblem(p.line, p.reason, total.current_file) for p in one.invalid)
