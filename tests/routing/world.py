"""A small sales world built by hand for routing tests: people, reps, ties, a company, leads.

Every name is made up. Keys are short (``"dana"``); ids derive from them (``p:dana``,
``rep:ann@seller.example``) so tests read like the scenario they draw.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from graph.keys import event_id
from graph.model import (
    Company,
    DecisionMaker,
    Employment,
    Event,
    Lead,
    LeadState,
    School,
    Study,
)
from graph.store import GraphStore
from routing.policy import Policy, load_policy
from routing.ranking import SIGNALS
from tests.factories import make_person, make_rep, make_tie

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


def pid(key: str) -> str:
    return f"p:{key}"


def rid(key: str) -> str:
    return f"rep:{key}@seller.example"


@dataclass
class World:
    store: GraphStore
    people: set[str] = field(default_factory=set)

    def person(self, key: str, *, title: str | None = None) -> str:
        if key not in self.people:
            self.store.merge_people([make_person(id=pid(key), name=key.title(), title=title)])
            self.people.add(key)
        return pid(key)

    def rep(self, key: str, **profile: Any) -> str:
        self.person(key)
        self.store.merge_reps(
            [
                make_rep(
                    person_id=pid(key), email=f"{key}@seller.example", name=key.title(), **profile
                )
            ]
        )
        return rid(key)

    def knows(self, *chain: str, source: str = "linkedin") -> None:
        """Ties along a chain of people: knows("ann", "mia", "dana") = ann-mia, mia-dana."""
        for key in chain:
            self.person(key)
        self.store.merge_ties(
            [make_tie(pid(a), pid(b), source=source) for a, b in itertools.pairwise(chain)]
        )

    def company(
        self, key: str = "acme", *, industry: str | None = "software", region: str | None = "EMEA"
    ) -> str:
        self.store.merge_companies(
            [Company(id=f"c:{key}", name=key.title(), industry=industry, region=region)]
        )
        return f"c:{key}"

    def works_at(
        self,
        person: str,
        company: str = "acme",
        *,
        current: bool = True,
        started: date | None = date(2020, 1, 1),
        ended: date | None = None,
    ) -> None:
        self.person(person)
        self.store.merge_employments(
            [
                Employment(
                    person_id=pid(person),
                    company_id=f"c:{company}",
                    current=current,
                    started=started,
                    ended=ended,
                )
            ]
        )

    def studied_at(self, person: str, school: str, *, started: date, ended: date) -> None:
        self.person(person)
        self.store.merge_schools([School(id=f"s:{school}", name=school.title())])
        self.store.merge_studies(
            [Study(person_id=pid(person), school_id=f"s:{school}", started=started, ended=ended)]
        )

    def lead(
        self,
        lead_id: str,
        *committee: tuple[str, str],
        company: str = "acme",
        grade: str = "warm",
        value: float | None = None,
        product: str | None = "platform",
        industry: str | None = None,
        region: str | None = None,
        created_at: datetime = NOW - timedelta(days=1),
    ) -> str:
        self.store.merge_leads(
            [
                Lead(
                    id=lead_id,
                    company_id=f"c:{company}",
                    title=f"Deal {lead_id}",
                    grade=grade,
                    value=value,
                    product=product,
                    industry=industry,
                    region=region,
                    created_at=created_at,
                )
            ]
        )
        for person, _ in committee:
            self.person(person)
        self.store.merge_decision_makers(
            [DecisionMaker(lead_id=lead_id, person_id=pid(p), role=role) for p, role in committee]
        )
        return lead_id

    def event(self, kind: str, rep: str, *, at: datetime, lead_id: str | None = None) -> None:
        self.store.append_events(
            [
                Event(
                    id=event_id(at),
                    at=at,
                    kind=kind,
                    actor="test",
                    lead_id=lead_id,
                    rep_id=rid(rep),
                )
            ]
        )

    def give(self, lead_id: str, rep: str, *, at: datetime = NOW - timedelta(days=2)) -> None:
        """A lead the rep owns as claimed (assigned by a manager)."""
        lead = self.store.lead(lead_id)
        self.store.move_lead(
            lead_id,
            from_statuses=(lead.status,),
            to=LeadState(
                status="claimed",
                owner_rep_id=rid(rep),
                claimed_at=at,
                contact_due_at=at + timedelta(hours=24),
                contacted_at=lead.contacted_at,
                outcome=lead.outcome,
                value=lead.value,
            ),
            event=Event(
                id=event_id(at),
                at=at,
                kind="assigned",
                actor="test",
                lead_id=lead_id,
                rep_id=rid(rep),
                reason="test",
            ),
        )


def only(tmp_path: Path, signal: str, extra: str = "") -> Policy:
    """A policy that scores on one signal alone (every other weight 0)."""
    weights = "\n".join(f"{name} = {1.0 if name == signal else 0.0}" for name in SIGNALS)
    path = tmp_path / f"only-{signal}.toml"
    path.write_text(f"{extra}\n[weights]\n{weights}\n", encoding="utf-8")
    return load_policy(path)
