"""Who a decision-maker is and which company an account is: the identity rules of the CRM
import and of lead intake, written once.

A company is matched by its web domain, then by its normalised name ("U.S. Bank" = "US Bank
Inc.": case, punctuation and legal suffixes aside), first as the id an import gives that name,
then among the companies whose name contains its longest word.

A decision-maker given by LinkedIn URL, email, name and company is matched to a person the graph
knows by the URL (the ``li:`` id), then by the email (any person holding that address), then by
name + company (the ``fp:`` fingerprint, so "U.S. Bank" and "US Bank Inc." are one company);
when none is known, the new person gets the id of ``keys.person_id`` (URL > email > name +
company). Two reads answer a whole batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from graph import keys
from graph.model import Company
from graph.store.protocols import GraphStore, PeopleReader

MatchedBy = Literal["domain", "name", "none"]


@dataclass(frozen=True)
class PersonDetails:
    """What a form or a CSV row says about a person (URL and email already normalised)."""

    name: str
    company: str
    linkedin_url: str | None = None
    email: str | None = None

    @property
    def url_id(self) -> str | None:
        return None if self.linkedin_url is None else keys.person_id(linkedin_url=self.linkedin_url)

    @property
    def fingerprint(self) -> str | None:
        if not self.name or not self.company:
            return None
        return keys.person_id_from_fingerprint(self.name, self.company)

    @property
    def new_id(self) -> str:
        return keys.person_id(
            linkedin_url=self.linkedin_url, email=self.email, name=self.name, company=self.company
        )


def match_people(store: PeopleReader, people: Sequence[PersonDetails]) -> list[str]:
    """The id of each person, in order: a known person's id when one matches, else a new id."""
    candidates = sorted({i for p in people for i in (p.url_id, p.fingerprint) if i is not None})
    known = set(store.people(candidates)) if candidates else set()
    emails = sorted({p.email for p in people if p.email})
    by_email = {email: ref.id for email, ref in store.people_by_emails(emails).items()}
    return [matched_id(p, known=known, by_email=by_email) for p in people]


def matched_id(person: PersonDetails, *, known: set[str], by_email: dict[str, str]) -> str:
    """The rule itself: ``known`` holds the candidate ids the graph has, ``by_email`` the id of
    the person holding each known email."""
    if person.url_id is not None and person.url_id in known:
        return person.url_id
    if person.email is not None and person.email in by_email:
        return by_email[person.email]
    if person.fingerprint is not None and person.fingerprint in known:
        return person.fingerprint
    return person.new_id


def match_company(
    store: GraphStore, *, name: str | None, domain: str | None
) -> tuple[Company | None, MatchedBy]:
    """The known company a name and (normalised) domain stand for, and how it was found."""
    if domain:
        by_domain = store.companies_by_domain(domain)
        if by_domain:
            return by_domain[0], "domain"
    if not name:
        return None, "none"
    wanted = keys.normalise_company(name)
    company_key = keys.company_id(name)
    if company_key is not None:
        found = store.companies([company_key]).get(company_key)
        if found is not None:
            return found, "name"
    lowered = name.casefold()
    words = sorted((w for w in wanted.split() if w in lowered), key=len, reverse=True)
    if not words:
        return None, "none"
    for candidate in store.companies_named_like(words[0]):
        if keys.normalise_company(candidate.name) == wanted:
            return candidate, "name"
    return None, "none"
