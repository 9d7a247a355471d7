"""Privacy rights of the people in the graph: withdrawing a rep's network, erasing a person.

Reps share their personal networks; the people in them never agreed to anything. So:

- **Withdrawal** (``forget_network``): the ties that came only from a rep's exports go; a tie
  someone else reported too (another rep's export, relationships.csv) stays without this rep's
  report. People the graph then holds for nothing (no tie left, neither a rep nor a
  decision-maker) go too, and so do the rep's own employers and schools (their Positions and
  Education exports). The rep's consent is cleared: their next export needs it again.
- **Erasure** (``forget_person``): the person goes with their ties, employments, studies and
  decision-maker links; their name, id, email and profile URL are scrubbed from the activity
  log; tombstones (SHA-256 hashes of their identity keys, nothing readable) make every import
  skip them from then on.

Both are one write transaction, leave an audit event that holds counts (no name, no key) and
make this process's rankings read the rep network again at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from graph import keys
from graph.model import Event, PersonRef, Tie
from graph.store import GraphStore
from routing.errors import InvalidState
from routing.lifecycle import CLOSED_STATUSES

NETWORK_FORGOTTEN = "network_forgotten"
PERSON_ERASED = "person_erased"
ERASED = "[erased]"
"""What replaces an erased person's name or key in the activity log."""


@dataclass(frozen=True)
class NetworkForgotten:
    """What ``forget_network`` removed."""

    rep_id: str
    ties_removed: int
    ties_kept: int  # reported by someone else too: only this rep's report went
    people_removed: int
    employments_removed: int
    studies_removed: int
    consent_cleared: bool

    def summary(self) -> str:
        return (
            f"forgot the network of {self.rep_id}: {self.ties_removed} ties removed, "
            f"{self.ties_kept} kept (reported by others too, without this rep's report), "
            f"{self.people_removed} people removed (known only through this rep), "
            f"{self.employments_removed} employments and {self.studies_removed} studies of "
            f"the rep removed; consent "
            + ("cleared" if self.consent_cleared else "was not on record")
        )


@dataclass(frozen=True)
class PersonErased:
    """What ``forget_person`` removed (counts only: nothing that names the person)."""

    ties_removed: int
    employments_removed: int
    studies_removed: int
    decision_maker_links_removed: int
    open_leads: int  # of those links, in leads still open
    events_scrubbed: int
    tombstones: int

    def summary(self) -> str:
        return (
            f"erased 1 person: {self.ties_removed} ties, {self.employments_removed} "
            f"employments, {self.studies_removed} studies, "
            f"{self.decision_maker_links_removed} decision-maker links "
            f"({self.open_leads} in open leads) removed; {self.events_scrubbed} events "
            f"scrubbed; {self.tombstones} tombstones keep imports from bringing them back"
        )


def _audit(kind: str, *, actor: str, now: datetime, rep_id: str | None, counts: Any) -> Event:
    return Event(
        id=keys.event_id(now),
        at=now,
        kind=kind,
        actor=actor,
        rep_id=rep_id,
        detail=json.dumps(
            {k: v for k, v in asdict(counts).items() if k != "rep_id"}, sort_keys=True
        ),
    )


def forget_network(
    store: GraphStore, rep_key: str, *, actor: str, now: datetime
) -> NetworkForgotten:
    """Withdraw a rep's network (see the module's docstring). Safe to rerun: a second run
    finds nothing of the rep's left and removes nothing."""
    rep = store.resolve_rep(rep_key)

    def unit() -> NetworkForgotten:
        dropped: list[Tie] = []
        kept: list[Tie] = []
        for tie in store.reported_ties(rep.person_id):
            reporters = tie.reported_by or ()
            if rep.id not in reporters:
                continue  # not from this rep's exports (relationships.csv, another rep)
            rest = tuple(r for r in reporters if r != rep.id)
            (kept if rest else dropped).append(replace(tie, reported_by=rest))
        removed = store.delete_ties(dropped)
        store.set_tie_reporters(kept)
        others = sorted({t.b if t.a == rep.person_id else t.a for t in dropped})
        people = store.delete_lonely_people(others)
        employments, studies = store.delete_background(rep.person_id)
        result = NetworkForgotten(
            rep_id=rep.id,
            ties_removed=removed,
            ties_kept=len(kept),
            people_removed=people,
            employments_removed=employments,
            studies_removed=studies,
            consent_cleared=store.clear_consent(rep.id, at=now),
        )
        audit = _audit(NETWORK_FORGOTTEN, actor=actor, now=now, rep_id=rep.id, counts=result)
        store.append_events([audit])
        return result

    try:
        return store.run_atomic(unit)
    finally:
        store.forget_rep_network()


def identity_texts(person: PersonRef) -> list[str]:
    """What names a person in free text: their name, id, email and profile URL."""
    texts = [person.name, person.id, person.email or "", person.linkedin_url or ""]
    return [t for t in dict.fromkeys(t.strip() for t in texts) if len(t) >= 2]


def _pattern(texts: Sequence[str]) -> re.Pattern[str]:
    """Any of the texts as a whole word or key, in any case ("Dana Lee" but not "Dana Leeds";
    "li:dana" but not "li:dana-w")."""
    alternatives = sorted((re.escape(t) for t in texts), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])", re.IGNORECASE)


def _scrub_value(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, list):
        return [_scrub_value(v, pattern) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_value(v, pattern) for k, v in value.items()}
    return value


def scrub_event(event: Event, texts: Sequence[str]) -> Event:
    """The event with every mention of the texts replaced by ``[erased]``: in the reason, and
    in every string of the detail (JSON, whose escapes would hide a name from a plain
    search; plain text when it is not JSON)."""
    pattern = _pattern(texts)
    reason = None if event.reason is None else pattern.sub(ERASED, event.reason)
    detail = event.detail
    if detail is not None:
        try:
            parsed = json.loads(detail)
        except ValueError:
            detail = pattern.sub(ERASED, detail)
        else:
            detail = json.dumps(_scrub_value(parsed, pattern))
    return replace(event, reason=reason, detail=detail)


def forget_person(store: GraphStore, key: str, *, actor: str, now: datetime) -> PersonErased:
    """Erase a person (see the module's docstring), found by LinkedIn URL, email or id.

    Refused for a rep's own person while the rep is on the roster (withdraw their network
    instead). A decision-maker of an open lead is erased too: the lead stays, with the rest of
    its buying committee; the report counts those leads.
    """
    person = store.resolve_person(key)
    for rep in store.rep_profiles().values():
        if rep.person_id == person.id:
            raise InvalidState(
                f"{key.strip()} is rep {rep.email}, who is on the roster: a rep is not erased; "
                f"to stop using their network, run warmpath forget-network {rep.email}"
            )
    texts = identity_texts(person)
    # the log holds details as JSON, where "Zoë" is "Zo\\u00eb": search for both forms
    searched = (
        {t.lower() for t in texts}
        | {json.dumps(t.lower())[1:-1] for t in texts}
        | {json.dumps(t)[1:-1].lower() for t in texts}  # "\u00c9lise", as stored, lowered
    )

    def unit() -> PersonErased:
        footprint = store.person_footprint(person.id)
        scrubbed = []
        for event in store.events_mentioning(sorted(searched)):
            clean = scrub_event(event, texts)
            if clean != event:
                scrubbed.append(clean)
        store.rewrite_events(scrubbed)
        store.erase_person(person.id)
        identity = keys.identity_keys(
            person.id,
            linkedin_url=person.linkedin_url,
            email=person.email,
            name=person.name,
            companies=footprint.employer_names,
        )
        hashes = sorted(keys.tombstone_hash(k) for k in identity)
        store.add_tombstones(hashes, at=now)
        result = PersonErased(
            ties_removed=footprint.ties,
            employments_removed=footprint.employments,
            studies_removed=footprint.studies,
            decision_maker_links_removed=len(footprint.decision_maker_of),
            open_leads=sum(
                1 for _, status in footprint.decision_maker_of if status not in CLOSED_STATUSES
            ),
            events_scrubbed=len(scrubbed),
            tombstones=len(hashes),
        )
        store.append_events(
            [_audit(PERSON_ERASED, actor=actor, now=now, rep_id=None, counts=result)]
        )
        return result

    try:
        return store.run_atomic(unit)
    finally:
        store.forget_rep_network()
