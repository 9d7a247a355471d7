"""The formats warmpath defines: the rep roster (reps.csv), leads (leads.csv) with their
decision-makers (decision_makers.csv), and generic person-to-person ties (relationships.csv).
Every row is checked; an invalid row is listed with its line and reason and the others are
imported. Re-importing the same file changes nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypeVar

from graph import keys
from graph.errors import UnusableInput
from graph.identity import PersonDetails, match_people
from graph.model import (
    DECISION_MAKER_ROLES,
    Company,
    DecisionMaker,
    Lead,
    Person,
    PersonRef,
    Rep,
    Tie,
)
from graph.store import GraphStore
from importers.consent import parse_roster_consent, roster_consent
from importers.dates import parse_date, parse_timestamp
from importers.plan import ImportReport, Plan, Progress, apply_plan
from importers.source import read_bytes
from importers.tabular import Record, read_table

T = TypeVar("T")

REP_COLUMNS: dict[str, list[str]] = {
    c: []
    for c in (
        "email",
        "name",
        "linkedin_url",
        "region",
        "timezone",
        "industries",
        "products",
        "deal_min",
        "deal_max",
        "capacity",
        "close_rate",
        "hired_on",
        "active",
        "out_until",
        "team",
        "consent",
    )
}
LEAD_COLUMNS: dict[str, list[str]] = {
    c: []
    for c in (
        "id",
        "title",
        "company",
        "domain",
        "industry",
        "region",
        "value",
        "product",
        "grade",
        "score",
        "source",
        "created_at",
    )
}
DM_COLUMNS: dict[str, list[str]] = {
    c: [] for c in ("lead_id", "name", "title", "email", "linkedin_url", "role")
}
RELATIONSHIP_COLUMNS: dict[str, list[str]] = {
    c: [] for c in ("a", "b", "source", "strength", "since")
}
GRADES = ("hot", "warm", "cold")
RELATIONSHIPS_REPORTER = "relationships.csv"
"""The reporter of ties imported from relationships.csv (reps' exports report as their rep id)."""
ROLES = DECISION_MAKER_ROLES
_TRUE = {"true", "yes", "y", "1", "active"}
_FALSE = {"false", "no", "n", "0", "inactive"}


class RowError(ValueError):
    """One cell of one row is wrong; the message names the column."""


def _cell(record: Record, column: str) -> str:
    return record.cells.get(column, "")


def _required(record: Record, column: str) -> str:
    value = _cell(record, column)
    if not value:
        raise RowError(f"{column} is empty")
    return value


def _optional(record: Record, column: str, parse: Callable[[str], T]) -> T | None:
    value = _cell(record, column)
    if not value:
        return None
    try:
        return parse(value)
    except ValueError as exc:
        raise RowError(f"{column} {value!r}: {exc}") from None


def _number(text: str) -> float:
    cleaned = text.replace(" ", "").replace("_", "")
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", cleaned):
        cleaned = cleaned.replace(",", "")
    try:
        return float(cleaned)
    except ValueError:
        raise ValueError("is not a number") from None


def _whole(text: str) -> int:
    value = _number(text)
    if value != int(value) or value < 0:
        raise ValueError("is not a whole number >= 0")
    return int(value)


def _fraction(text: str) -> float:
    value = _number(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    if not 0 <= value <= 1:
        raise ValueError("must be between 0 and 1 (or 0% and 100%)")
    return value


def _flag(text: str) -> bool:
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise ValueError("is not true/false")


def _day(text: str) -> date:
    value = parse_date(text)
    if value is None:
        raise ValueError("is empty")
    return value


def _moment(text: str) -> datetime:
    value = parse_timestamp(text)
    if value is None:
        raise ValueError("is empty")
    return value


def _list(text: str) -> tuple[str, ...]:
    return tuple(part.strip().lower() for part in text.split(";") if part.strip())


def _table(
    path: Path, columns: dict[str, list[str]], required: list[str], what: str
) -> tuple[list[Record], ImportReport]:
    table = read_table(
        read_bytes(path),
        path=str(path),
        columns=columns,
        required=required,
        what=what,
        hint="See the README for the columns.",
    )
    report = ImportReport(file=path.name, kind=what, repaired_lines=table.repaired_lines)
    return table.records, report


def import_reps(
    store: GraphStore, path: Path, *, dry_run: bool = False, progress: Progress | None = None
) -> ImportReport:
    """Import the rep roster: one rep per row, keyed by email. The ``consent`` column records
    each rep's consent to have their exports imported: ``yes`` (today) or the date they agreed;
    empty leaves what is on record, and ``no`` is refused for a rep whose consent is on record
    (withdrawal is ``warmpath forget-network``)."""
    records, report = _table(path, REP_COLUMNS, ["email", "name"], "rep roster (reps.csv)")
    plan = Plan()
    now = datetime.now(UTC)
    rep_ids = {keys.rep_id_from_email(_cell(r, "email")) for r in records}
    on_record = store.rep_consents(sorted(rid for rid in rep_ids if rid))
    withdrawn = store.consent_withdrawals(sorted(rid for rid in rep_ids if rid))
    for record in report.readable(records):
        try:
            email = keys.normalise_email(_required(record, "email"))
            if email is None:
                raise RowError(f"email {_cell(record, 'email')!r} is not an email address")
            name = _required(record, "name")
            raw_url = _cell(record, "linkedin_url")
            url = keys.normalise_linkedin_url(raw_url) if raw_url else None
            if raw_url and url is None:
                raise RowError(f"linkedin_url {raw_url!r} is not a LinkedIn profile URL")
            deal_min = _optional(record, "deal_min", _number)
            deal_max = _optional(record, "deal_max", _number)
            if deal_min is not None and deal_max is not None and deal_min > deal_max:
                raise RowError(f"deal_min {deal_min:g} is above deal_max {deal_max:g}")
            active = _optional(record, "active", _flag)
            rep = Rep(
                id="rep:" + email,
                person_id=keys.person_id(linkedin_url=url, email=email),
                email=email,
                name=name,
                region=_cell(record, "region") or None,
                timezone=_cell(record, "timezone") or None,
                industries=_list(_cell(record, "industries")),
                products=_list(_cell(record, "products")),
                deal_min=deal_min,
                deal_max=deal_max,
                capacity=_optional(record, "capacity", _whole),
                close_rate=_optional(record, "close_rate", _fraction),
                hired_on=_optional(record, "hired_on", _day),
                active=True if active is None else active,
                out_until=_optional(record, "out_until", _day),
                team=_cell(record, "team") or None,
            )
            consent = roster_consent(
                rep.id,
                _optional(
                    record, "consent", lambda text: parse_roster_consent(text, today=now.date())
                ),
                on_record.get(rep.id),
                by=f"consent column of {path.name}",
                now=now,
                withdrawn_at=withdrawn.get(rep.id),
            )
        except RowError as exc:
            report.reject(record.line, str(exc))
            continue
        except ValueError as exc:  # a consent that contradicts the one on record
            report.reject(record.line, f"consent {_cell(record, 'consent')!r} {exc}")
            continue
        if rep.id in plan.reps:
            report.skip("duplicate rows")
            continue
        if consent is not None:
            plan.consents[rep.id] = consent
        first, last = keys.split_name(name)
        plan.add_person(
            Person(
                id=rep.person_id,
                name=name,
                first_name=first or None,
                last_name=last or None,
                linkedin_url=url,
                email=email,
            )
        )
        plan.reps[rep.id] = rep
    return apply_plan(store, plan, report, dry_run=dry_run, progress=progress)


def import_leads(
    store: GraphStore,
    path: Path,
    *,
    contacts: Path | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import leads (and, with ``contacts``, their decision-makers) in one transaction."""
    records, report = _table(path, LEAD_COLUMNS, ["id", "company"], "leads file (leads.csv)")
    plan = Plan()
    for record in report.readable(records):
        try:
            lead_id = _required(record, "id")
            company = _required(record, "company")
            company_key = keys.company_id(company)
            if company_key is None:
                raise RowError(f"company {company!r} has no letters or digits")
            grade = (_cell(record, "grade") or "warm").lower()
            if grade not in GRADES:
                raise RowError(f"grade {grade!r} must be one of {', '.join(GRADES)}")
            lead = Lead(
                id=lead_id,
                company_id=company_key,
                title=_cell(record, "title") or f"{company} lead",
                grade=grade,
                score=_optional(record, "score", _number),
                value=_optional(record, "value", _number),
                product=_cell(record, "product") or None,
                industry=_cell(record, "industry") or None,
                region=_cell(record, "region") or None,
                source=_cell(record, "source") or None,
                created_at=_optional(record, "created_at", _moment),
            )
        except RowError as exc:
            report.reject(record.line, str(exc))
            continue
        if lead.id in plan.leads:
            report.skip("duplicate rows")
            continue
        plan.add_company(
            Company(
                id=company_key,
                name=company,
                domain=_cell(record, "domain") or None,
                industry=lead.industry,
                region=lead.region,
            )
        )
        plan.leads[lead.id] = lead
    if contacts is not None:
        _plan_decision_makers(store, plan, report, contacts)
    return apply_plan(store, plan, report, dry_run=dry_run, progress=progress)


def _plan_decision_makers(store: GraphStore, plan: Plan, report: ImportReport, path: Path) -> None:
    records, _ = _table(
        path, DM_COLUMNS, ["lead_id", "name"], "decision-makers file (decision_makers.csv)"
    )
    lead_ids = {_cell(r, "lead_id") for r in records} - set(plan.leads)
    stored_leads = store.lead_companies(sorted(lead_ids))
    rows: list[tuple[Record, str, str, PersonDetails]] = []
    for record in report.readable(records, file=path.name):
        where = f"{path.name}:{record.line}"
        try:
            lead_id = _required(record, "lead_id")
            name = _required(record, "name")
            role = keys.normalise_role(_cell(record, "role") or "other")
            if role not in ROLES:
                raise RowError(f"role {role!r} must be one of {', '.join(ROLES)}")
            if lead_id in plan.leads:
                company = plan.companies[plan.leads[lead_id].company_id].name
            elif lead_id in stored_leads:
                company = stored_leads[lead_id].name
            else:
                raise RowError(f"lead_id {lead_id!r} is in neither the leads file nor the graph")
            raw_url = _cell(record, "linkedin_url")
            url = keys.normalise_linkedin_url(raw_url) if raw_url else None
            if raw_url and url is None:
                raise RowError(f"linkedin_url {raw_url!r} is not a LinkedIn profile URL")
            email = keys.normalise_email(_cell(record, "email")) if _cell(record, "email") else None
        except RowError as exc:
            report.reject(record.line, f"{where}: {exc}")
            continue
        rows.append((record, lead_id, role, PersonDetails(name, company, url, email)))
    # matched to existing people by URL, then email, then name + company (graph/identity.py)
    person_ids = match_people(store, [details for *_, details in rows])
    for (record, lead_id, role, details), person_id in zip(rows, person_ids, strict=True):
        first, last = keys.split_name(details.name)
        plan.add_person(
            Person(
                id=person_id,
                name=details.name,
                first_name=first or None,
                last_name=last or None,
                linkedin_url=details.linkedin_url,
                email=details.email,
                title=_cell(record, "title") or None,
            )
        )
        plan.decision_makers[(lead_id, person_id)] = DecisionMaker(
            lead_id=lead_id, person_id=person_id, role=role
        )


def _person_key(key: str, by_email: dict[str, PersonRef], known_ids: set[str]) -> str:
    url = keys.normalise_linkedin_url(key) if "linkedin." in key.lower() else None
    if url is not None:
        return keys.person_id(linkedin_url=url)
    email = keys.normalise_email(key) if "@" in key else None
    if email is not None:
        found = by_email.get(email)
        return found.id if found is not None else "em:" + email
    return key if key in known_ids else "x:" + key


def import_relationships(
    store: GraphStore, path: Path, *, dry_run: bool = False, progress: Progress | None = None
) -> ImportReport:
    """Import generic ties between people (a, b, source, strength, since)."""
    records, report = _table(
        path, RELATIONSHIP_COLUMNS, ["a", "b"], "relationships file (relationships.csv)"
    )
    if not records:
        raise UnusableInput(f"{path}: no rows after the header")
    raw_keys = {_cell(r, c) for r in records for c in ("a", "b") if _cell(r, c)}
    by_email: dict[str, PersonRef] = dict(
        store.people_by_emails(
            [e for k in raw_keys if "@" in k and (e := keys.normalise_email(k) or "")]
        )
    )
    known_ids = set(
        store.people(sorted(k for k in raw_keys if ":" in k and "linkedin." not in k.lower()))
    )
    plan = Plan()
    for record in report.readable(records):
        try:
            a_key, b_key = _required(record, "a"), _required(record, "b")
            source = (_cell(record, "source") or "crm").lower()
            if not re.fullmatch(r"[a-z][a-z0-9_-]{0,31}", source):
                raise RowError(f"source {source!r} must be a short lower-case word like 'crm'")
            strength = _optional(record, "strength", _fraction)
            since = _optional(record, "since", _day)
        except RowError as exc:
            report.reject(record.line, str(exc))
            continue
        a = _person_key(a_key, by_email, known_ids)
        b = _person_key(b_key, by_email, known_ids)
        if a == b:
            report.reject(record.line, f"a and b are the same person ({a_key!r})")
            continue
        for person_id, key in ((a, a_key), (b, b_key)):
            if person_id not in plan.people:
                url = keys.normalise_linkedin_url(key) if person_id.startswith("li:") else None
                email = person_id[3:] if person_id.startswith("em:") else None
                plan.add_person(Person(id=person_id, name=key, linkedin_url=url, email=email))
        tie = Tie(
            a=a,
            b=b,
            source=source,
            since=since,
            strength=strength,
            reported_by=(RELATIONSHIPS_REPORTER,),
        )
        if not plan.add_tie(tie):
            report.skip("duplicate rows")
    # names only for people new to the graph: existing people keep theirs
    existing = store.people(sorted(plan.people))
    for person_id, ref in existing.items():
        plan.people[person_id] = Person(id=person_id, name=ref.name)
    return apply_plan(store, plan, report, dry_run=dry_run, progress=progress)
