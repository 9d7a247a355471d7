"""Lead intake: submissions kept by idempotency key, companies by domain or name, the open
lead of a decision-maker at a company, and a resubmitted lead's details."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from graph.errors import NotFound
from graph.model import Company, Lead, Submission
from graph.store.mappers import record
from graph.store.runner import QueryRunner

NAME_CANDIDATES = 1_000
"""At most this many companies whose name contains a word are compared by normalised name."""


class CypherIntake(QueryRunner):
    def take_submission(self, key: str, *, at: datetime) -> Submission:
        """Inside a write transaction: the submission with this idempotency key, created empty
        (no lead, no outcome) when the key is new. On Neo4j a second transaction with the same
        key waits here until the first commits, then reads its result."""
        return record(Submission, self._write("take_submission", {"key": key, "at": at})[0])

    def record_submission(self, submission: Submission) -> None:
        """Record what a submission did (its key must have been taken in this transaction)."""
        if not self._write(
            "record_submission",
            {
                "key": submission.key,
                "at": submission.at,
                "lead_id": submission.lead_id,
                "outcome": submission.outcome,
                "actor": submission.actor,
                "detail": submission.detail,
            },
        ):
            raise NotFound(f"no submission with key {submission.key!r}")

    def companies_by_domain(self, domain: str) -> list[Company]:
        """Companies whose stored web domain is this (normalised) one, by id."""
        return [record(Company, r) for r in self._read("companies_by_domain", {"domain": domain})]

    def companies_named_like(self, text: str) -> list[Company]:
        """Companies whose lower-cased name contains ``text``, by id (at most NAME_CANDIDATES)."""
        rows = self._read("companies_named_like", {"text": text, "limit": NAME_CANDIDATES})
        return [record(Company, r) for r in rows]

    def lock_company(self, company_id: str) -> None:
        """Inside a write transaction: take the company's write lock (Neo4j), so submissions
        for one account are matched one after the other. NotFound when it does not exist."""
        token = uuid.uuid4().hex
        if not self._write("lock_company", {"company_id": company_id, "token": token}):
            raise NotFound(f"no company with id {company_id!r}")

    def open_lead_of(
        self, person_ids: Sequence[str], company_id: str, *, closed: Sequence[str]
    ) -> str | None:
        """The oldest lead at this company, in none of the ``closed`` statuses, with one of
        these people as a decision-maker; None when there is none."""
        if not person_ids:
            return None
        rows = self._read(
            "open_lead_of",
            {"person_ids": list(person_ids), "company_id": company_id, "closed": list(closed)},
        )
        return str(rows[0]["id"]) if rows else None

    def update_lead_details(self, lead: Lead) -> None:
        """A lead submitted again: its title, grade, score, value, product, industry, region
        and source are replaced by those of ``lead`` that are not None."""
        if not self._write(
            "update_lead_details",
            {
                "lead_id": lead.id,
                "title": lead.title or None,
                "grade": lead.grade or None,
                "score": lead.score,
                "value": lead.value,
                "product": lead.product,
                "industry": lead.industry,
                "region": lead.region,
                "source": lead.source,
            },
        ):
            raise NotFound(f"no lead with id {lead.id!r}")
