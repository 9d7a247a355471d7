"""Lead intake: leads submitted by web forms and marketing systems (``submitLead``).

Every field of every lead is checked first; each bad field is its own problem, named by its
path in the API (``inputs[2].decisionMakers[0].email``), and a batch with any bad field writes
nothing. A good lead is then written in one transaction:

- its company is matched by domain, then by normalised name (graph/identity.py), or created;
- its decision-makers are matched to known people by LinkedIn URL, email, then name + company
  (the CRM import's rule, graph/identity.py), or created;
- when one of them is a decision-maker of an open lead at that company, that lead is updated
  (the fields given replace the stored ones, new decision-makers join its committee) instead
  of a second lead being created;
- with an idempotency key, what the first submission did is kept in the graph, and the same key
  gets that result again (``replayed``) without writing anything, from any API process.

With the policy's ``[intake] route_on_arrival``, a new lead is then offered at once
(``lifecycle.route_lead``); a lead no rep is eligible for stays new.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial

from graph import keys
from graph.identity import PersonDetails, match_company, match_people
from graph.keys import event_id
from graph.model import (
    DECISION_MAKER_ROLES,
    Company,
    DecisionMaker,
    Event,
    Lead,
    LeadView,
    Person,
    Submission,
)
from graph.store import GraphStore
from routing import lifecycle
from routing.errors import InvalidState, NotEligible
from routing.policy import GRADES, Policy

MAX_BATCH = 100
MAX_DECISION_MAKERS = 20
MAX_NAME = 200
MAX_WORD = 100
MAX_KEY = 200
MAX_URL = 500
MAX_EMAIL = 254
OPEN_LEAD_CLOSED = lifecycle.CLOSED_STATUSES
"""A lead in none of these statuses is open: a new submission for its buyers updates it."""


@dataclass(frozen=True)
class DecisionMakerForm:
    """A decision-maker as submitted (raw text), or checked (see ``LeadForm``)."""

    name: str | None = None
    title: str | None = None
    linkedin_url: str | None = None
    email: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class LeadForm:
    """A lead as submitted (raw values), or as ``check_lead`` returns it: every field checked,
    text trimmed (empty is None), the URL, email, domain and roles normalised."""

    company_name: str | None = None
    company_domain: str | None = None
    decision_makers: tuple[DecisionMakerForm, ...] = ()
    grade: str | None = None
    score: float | None = None
    value: float | None = None
    product: str | None = None
    industry: str | None = None
    region: str | None = None
    source: str | None = None
    title: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class FieldProblem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class IntakeResult:
    """What a submission did: ``created``, ``updated`` (an open lead of the same buyer) or
    ``replayed`` (the idempotency key was seen: ``first_outcome`` is what the first did)."""

    outcome: str
    first_outcome: str
    lead: LeadView
    account_match: str  # domain | name | none
    known_decision_makers: int


class _Checker:
    """Collects the problems of one lead's fields under its path."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[FieldProblem] = []

    def bad(self, field: str, message: str) -> None:
        self.problems.append(FieldProblem(f"{self.path}.{field}", message))

    def text(self, field: str, value: str | None, limit: int) -> str | None:
        """Trimmed text, None when empty; a problem when too long or not one line."""
        if value is None or not value.strip():
            return None
        text = value.strip()
        if len(text) > limit:
            self.bad(field, f"at most {limit} characters (got {len(text)})")
        elif any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
            self.bad(field, "must be one line of text without control characters")
        return text

    def number(self, field: str, value: float | None) -> float | None:
        if value is not None and (not math.isfinite(value) or value < 0):
            self.bad(field, f"must be a number >= 0 (got {value!r})")
        return value

    def choice(self, field: str, value: str | None, allowed: Sequence[str]) -> str | None:
        text = self.text(field, value, MAX_WORD)
        if text is None:
            return None
        key = keys.normalise_role(text)
        if key not in allowed:
            self.bad(field, f"{text!r} is not one of {', '.join(allowed)}")
        return key


def check_lead(form: LeadForm, path: str) -> tuple[LeadForm | None, list[FieldProblem]]:
    """The lead with every field checked, or the problems (each with its field's path)."""
    check = _Checker(path)
    name = check.text("company.name", form.company_name, MAX_NAME)
    if name is not None and keys.company_id(name) is None:
        check.bad("company.name", f"{name!r} has no letters or digits")
    raw_domain = check.text("company.domain", form.company_domain, MAX_NAME)
    domain = keys.normalise_domain(raw_domain) if raw_domain else None
    if raw_domain and domain is None:
        check.bad("company.domain", f"{raw_domain!r} is not a domain name like example.com")
    if not name and not raw_domain:
        check.bad("company", "give the company's name or its domain (or both)")
    if not form.decision_makers:
        check.bad("decisionMakers", "give at least one decision-maker")
    elif len(form.decision_makers) > MAX_DECISION_MAKERS:
        check.bad("decisionMakers", f"at most {MAX_DECISION_MAKERS} decision-makers per lead")
    people = []
    for n, dm in enumerate(form.decision_makers[:MAX_DECISION_MAKERS]):
        at = f"decisionMakers[{n}]"
        person_name = check.text(f"{at}.name", dm.name, MAX_NAME)
        if person_name is None:
            check.bad(f"{at}.name", "give the decision-maker's name")
        raw_url = check.text(f"{at}.linkedinUrl", dm.linkedin_url, MAX_URL)
        url = keys.normalise_linkedin_url(raw_url) if raw_url else None
        if raw_url and url is None:
            check.bad(f"{at}.linkedinUrl", f"{raw_url!r} is not a LinkedIn profile URL")
        raw_email = check.text(f"{at}.email", dm.email, MAX_EMAIL)
        email = keys.normalise_email(raw_email) if raw_email else None
        if raw_email and email is None:
            check.bad(f"{at}.email", f"{raw_email!r} is not an email address")
        role = check.choice(f"{at}.role", dm.role, DECISION_MAKER_ROLES) or "other"
        title = check.text(f"{at}.title", dm.title, MAX_NAME)
        people.append(DecisionMakerForm(person_name, title, url, email, role))
    lead = LeadForm(
        company_name=name,
        company_domain=domain,
        decision_makers=tuple(people),
        grade=check.choice("grade", form.grade, GRADES),
        score=check.number("score", form.score),
        value=check.number("value", form.value),
        product=check.text("product", form.product, MAX_WORD),
        industry=check.text("industry", form.industry, MAX_WORD),
        region=check.text("region", form.region, MAX_WORD),
        source=check.text("source", form.source, MAX_WORD),
        title=check.text("title", form.title, MAX_NAME),
        idempotency_key=check.text("idempotencyKey", form.idempotency_key, MAX_KEY),
    )
    return (None, check.problems) if check.problems else (lead, [])


def check_batch(
    forms: Sequence[LeadForm], paths: Sequence[str], *, list_path: str = "inputs"
) -> tuple[list[LeadForm], list[list[FieldProblem]]]:
    """Every lead checked (``paths`` name them in problems). When any field is bad, nothing
    may be written: each bad lead gets its problems, each good one a problem saying why it
    was not written either."""
    if len(forms) > MAX_BATCH:
        problem = FieldProblem(list_path, f"at most {MAX_BATCH} leads per call (got {len(forms)})")
        return [], [[problem] for _ in forms]
    checked = [check_lead(form, path) for form, path in zip(forms, paths, strict=True)]
    bad = [path for path, (_, problems) in zip(paths, checked, strict=True) if problems]
    if not bad:
        return [lead for lead, _ in checked if lead is not None], []
    held = f"not written: nothing of this batch is written while {', '.join(bad)} has bad fields"
    return [], [
        problems or [FieldProblem(path, held)]
        for path, (_, problems) in zip(paths, checked, strict=True)
    ]


def submit_leads(
    store: GraphStore,
    leads: Sequence[LeadForm],
    *,
    policy: Policy,
    now: datetime,
    actor: str,
) -> list[IntakeResult]:
    """Write checked leads, one transaction each, in order (a later lead of the batch sees the
    earlier ones: the same buyer twice updates the lead the first created); then, with
    ``route_on_arrival``, offer each lead that is still new."""
    results = []
    for lead in leads:
        submission, replayed = store.run_atomic(partial(_write, store, lead, now, actor))
        lead_id = submission.lead_id or ""
        if policy.route_on_arrival and not replayed:
            _route_if_new(store, lead_id, policy=policy, now=now, actor=actor)
        detail = json.loads(submission.detail or "{}")
        first = submission.outcome or "created"
        results.append(
            IntakeResult(
                outcome="replayed" if replayed else first,
                first_outcome=first,
                lead=store.lead(lead_id),
                account_match=str(detail.get("account_match", "none")),
                known_decision_makers=int(detail.get("known_decision_makers", 0)),
            )
        )
    return results


def _route_if_new(
    store: GraphStore, lead_id: str, *, policy: Policy, now: datetime, actor: str
) -> None:
    """Offer the lead as routeLead would; a lead no rep is eligible for (or that someone
    routed meanwhile) is left as it is."""
    if store.lead(lead_id).status != "new":
        return
    with suppress(NotEligible, InvalidState):
        lifecycle.route_lead(store, lead_id, policy=policy, now=now, actor=actor)


def _write(store: GraphStore, lead: LeadForm, now: datetime, actor: str) -> tuple[Submission, bool]:
    """One lead's transaction (run again from the start by Neo4j on a transient error): the
    submission recorded under its key, and whether it is a replay of an earlier one."""
    if lead.idempotency_key is not None:
        taken = store.take_submission(lead.idempotency_key, at=now)
        if taken.outcome is not None and taken.lead_id is not None:
            return taken, True
    company, account_match = _company(store, lead)
    store.lock_company(company.id)
    people = match_people(
        store,
        [
            PersonDetails(p.name or "", company.name, p.linkedin_url, p.email)
            for p in lead.decision_makers
        ],
    )
    known = store.people(people)
    existing = store.open_lead_of(people, company.id, closed=OPEN_LEAD_CLOSED)
    fields = Lead(
        id=existing or f"lead:{uuid.uuid4().hex[:16]}",
        company_id=company.id,
        title=lead.title or f"{company.name} lead",
        grade=lead.grade or "warm",
        score=lead.score,
        value=lead.value,
        product=lead.product,
        industry=lead.industry,
        region=lead.region,
        source=lead.source,
        created_at=now,
    )
    if existing is not None:  # only the fields given replace the stored ones
        store.update_lead_details(replace(fields, title=lead.title or "", grade=lead.grade or ""))
    else:
        store.merge_leads([fields])
    pairs = list(zip(people, lead.decision_makers, strict=True))
    store.merge_people([_person(person_id, p) for person_id, p in pairs])
    store.merge_decision_makers(
        [
            DecisionMaker(lead_id=fields.id, person_id=pid, role=p.role or "other")
            for pid, p in pairs
        ]
    )
    outcome = "updated" if existing is not None else "created"
    detail = {"account_match": account_match, "known_decision_makers": len(known)}
    store.append_events(
        [
            Event(
                id=event_id(now),
                at=now,
                kind="submitted",
                actor=actor,
                lead_id=fields.id,
                detail=json.dumps(
                    {"outcome": outcome, "source": lead.source, **detail}, sort_keys=True
                ),
            )
        ]
    )
    submission = Submission(
        key=lead.idempotency_key or "",
        at=now,
        lead_id=fields.id,
        outcome=outcome,
        actor=actor,
        detail=json.dumps(detail, sort_keys=True),
    )
    if lead.idempotency_key is not None:
        store.record_submission(submission)
    return submission, False


def _company(store: GraphStore, lead: LeadForm) -> tuple[Company, str]:
    """The lead's company, matched (by domain, then by normalised name) or created, with how it
    was found. A matched company keeps its name; a domain given fills or replaces its own."""
    found, matched_by = match_company(store, name=lead.company_name, domain=lead.company_domain)
    if found is not None:
        company = Company(
            id=found.id,
            name=found.name,
            domain=lead.company_domain if matched_by == "name" else None,
        )
    else:
        name = lead.company_name or lead.company_domain or ""
        company = Company(
            id=keys.company_id(name) or "",
            name=name,
            domain=lead.company_domain,
            industry=lead.industry,
            region=lead.region,
        )
    store.merge_companies([company])
    return company, matched_by


def _person(person_id: str, person: DecisionMakerForm) -> Person:
    name = person.name or ""
    first, last = keys.split_name(name)
    return Person(
        id=person_id,
        name=name,
        first_name=first,
        last_name=last,
        linkedin_url=person.linkedin_url,
        email=person.email,
        title=person.title,
    )
