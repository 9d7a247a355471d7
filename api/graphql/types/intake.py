"""Lead intake: the input of submitLead / submitLeads, what a submission did, and the two
fields' bodies (the checks and the writes are routing/intake.py's)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

import strawberry

from api.auth import require_submitter
from api.graphql.context import Context, off
from api.graphql.errors import Problem, answer, problem
from api.graphql.types.leads import LeadType
from routing import activity, intake
from routing.errors import InvalidArgument


@strawberry.input(description="The company of a submitted lead: its name, its domain or both.")
class CompanyInput:
    name: str | None = strawberry.field(
        default=None, description='Matched by normalised name: "U.S. Bank" = "US Bank Inc.".'
    )
    domain: str | None = strawberry.field(
        default=None, description="Its web domain (acme.com; a URL is accepted), matched first."
    )


@strawberry.input(description="A decision-maker of a submitted lead.")
class DecisionMakerInput:
    name: str | None = None
    title: str | None = None
    linkedin_url: str | None = None
    email: str | None = None
    role: str | None = strawberry.field(
        default=None,
        description="economic_buyer, champion, influencer, technical_buyer, user, blocker or "
        "other (the default).",
    )


@strawberry.input(description="A lead from a web form or a marketing system.")
class LeadInput:
    company: CompanyInput | None = None
    decision_makers: list[DecisionMakerInput] = strawberry.field(
        default_factory=list, description="At least one, at most 20."
    )
    grade: str | None = strawberry.field(
        default=None, description="hot, warm (the default for a new lead) or cold."
    )
    score: float | None = None
    value: float | None = None
    product: str | None = None
    industry: str | None = None
    region: str | None = None
    source: str | None = strawberry.field(default=None, description="Where it came from.")
    title: str | None = None
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="The same key gets the first submission's result again, nothing written.",
    )

    def form(self) -> intake.LeadForm:
        company = self.company or CompanyInput()
        return intake.LeadForm(
            company_name=company.name,
            company_domain=company.domain,
            decision_makers=tuple(
                intake.DecisionMakerForm(
                    name=dm.name,
                    title=dm.title,
                    linkedin_url=dm.linkedin_url,
                    email=dm.email,
                    role=dm.role,
                )
                for dm in self.decision_makers
            ),
            grade=self.grade,
            score=self.score,
            value=self.value,
            product=self.product,
            industry=self.industry,
            region=self.region,
            source=self.source,
            title=self.title,
            idempotency_key=self.idempotency_key,
        )


@strawberry.enum
class SubmissionOutcome(enum.Enum):
    CREATED = "created"
    UPDATED = "updated"
    REPLAYED = "replayed"


@strawberry.enum
class AccountMatch(enum.Enum):
    DOMAIN = "domain"
    NAME = "name"
    NONE = "none"


@strawberry.type(description="A lead written (or, replayed, found) by a submission.")
class LeadSubmitted:
    outcome: SubmissionOutcome = strawberry.field(
        description="CREATED; UPDATED: an open lead of the same decision-maker at the same "
        "company; REPLAYED: the idempotency key was used before (nothing written)."
    )
    first_outcome: SubmissionOutcome = strawberry.field(
        description="What the first submission with this key did (the outcome when new)."
    )
    account_match: AccountMatch = strawberry.field(
        description="How the company was found: by domain, by name, or created (NONE)."
    )
    known_decision_makers: int = strawberry.field(
        description="Decision-makers matched to people the graph knew."
    )
    lead: LeadType

    @classmethod
    def of(cls, result: intake.IntakeResult, now: datetime) -> LeadSubmitted:
        return cls(
            outcome=SubmissionOutcome(result.outcome),
            first_outcome=SubmissionOutcome(result.first_outcome),
            account_match=AccountMatch(result.account_match),
            known_decision_makers=result.known_decision_makers,
            lead=LeadType.of(result.lead, now),
        )


@strawberry.type(description="A lead not written: one Problem per bad field, with its path.")
class LeadRefused:
    problems: list[Problem]


SubmitLeadResult = Annotated[
    LeadSubmitted | LeadRefused | Problem, strawberry.union("SubmitLeadResult")
]


async def submit(
    context: Context, inputs: Sequence[LeadInput], paths: Sequence[str]
) -> list[LeadSubmitted | LeadRefused]:
    """Check every input (``paths`` name them in problems), then write them all or nothing,
    and publish the events written (submissions and offers) to the subscriptions."""
    user = require_submitter(context.user)
    forms = [lead.form() for lead in inputs]
    checked, refused = intake.check_batch(forms, paths)
    if refused:
        return [
            LeadRefused(problems=[problem(InvalidArgument(str(p))) for p in problems])
            for problems in refused
        ]
    now = context.now()
    seen = activity.watermark(now)
    results = await off(
        intake.submit_leads,
        context.store,
        checked,
        policy=context.services.policy,
        now=now,
        actor=f"{user.role}:{user.id}",
    )
    for result in results:
        if result.outcome != "replayed":
            events = await off(activity.events_after, context.store, result.lead.id, seen)
            context.services.broker.publish(events)
    return [LeadSubmitted.of(result, now) for result in results]


async def submit_one(context: Context, lead: LeadInput) -> LeadSubmitted | LeadRefused | Problem:
    async def run() -> LeadSubmitted | LeadRefused:
        return (await submit(context, [lead], ["input"]))[0]

    return await answer(run)


async def submit_many(
    context: Context, inputs: Sequence[LeadInput]
) -> list[LeadSubmitted | LeadRefused]:
    return await submit(context, inputs, [f"inputs[{n}]" for n in range(len(inputs))])
