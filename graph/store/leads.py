"""Leads: one or many with their company and committee, the reps' workload, who owns which
accounts, and the lifecycle writes (offer, lock, move)."""

from __future__ import annotations

import dataclasses
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from graph.errors import InvalidArgument, NotFound
from graph.model import (
    ClaimedMove,
    CommitteeMember,
    Event,
    LeadState,
    LeadView,
    OwnedLead,
    RepActivity,
)
from graph.store.caches import ActivityKey, LeadMove
from graph.store.mappers import (
    NEVER,
    committee_member,
    event_stream,
    lead_view,
    record,
    sorted_committee,
)
from graph.store.reps import CypherReps
from graph.store.runner import Row, utc, utc_params


class CypherLeads(CypherReps):
    reads_lead_whole = False
    """Whether ``lead`` reads the lead with its committee in one query (``lead_with_committee``),
    and with its stream too when that is not kept either (``lead_with_committee_and_events``):
    where every read is a round trip (Neo4j: 1.5 ms against 2.2 for two reads on the demo);
    LadybugDB answers the two simpler reads in half the time of the join (0.45 / 0.9 ms)."""

    def lead(self, lead_id: str) -> LeadView:
        """One lead with its company and buying committee; NotFound when it does not exist.
        Kept in memory for a moment (graph/store/caches.py LEAD_TTL) until a write drops it."""
        self._fresh_changes()
        kept = self.caches.lead(lead_id)
        if kept is not None:
            return kept
        changes_before = self.caches.lead_changes()
        params = {"lead_id": lead_id}
        with_events = False
        if self.reads_lead_whole:
            # its stream too, when it is not kept either (what asks for the lead asks for it
            # next) and would be kept (nothing read in a write transaction is)
            with_events = not self.caches.in_transaction() and self.caches.stream(lead_id) is None
            name = "lead_with_committee_and_events" if with_events else "lead_with_committee"
            rows = self._read(name, params)
            members = rows[0]["committee"] if rows else []
        else:
            rows = self._read("lead_by_id", params)
            members = self._read("lead_committee", params) if rows else []
        if not rows:
            raise NotFound(f"no lead with id {lead_id!r}")
        committee = [committee_member(member) for member in members]
        found = lead_view(rows[0], sorted_committee(committee))
        self.caches.keep_lead(found, changes_before)
        if with_events:
            stream = event_stream(rows[0]["events"])
            self.caches.keep_stream(lead_id, stream, changes_before)
        return found

    def leads_with_status(
        self, statuses: Sequence[str], *, with_committees: bool = True, keep: bool = False
    ) -> list[LeadView]:
        """Every lead in these statuses with its company (and committee), oldest first.

        ``keep`` (the server's warm-up of the open leads): with their committees, the views are
        kept like ``lead``'s, so that a claim or a ranking finds its lead in memory, where the
        store is the only writer of its graph (``keeps_bulk_reads``)."""
        params = {"statuses": list(statuses)}
        if keep:
            self._fresh_changes()  # kept after the announcements read (caches.changes_seen)
        changes_before = self.caches.lead_changes()
        committees: dict[str, list[CommitteeMember]] = defaultdict(list)
        if with_committees:
            for row in self._read_table("committees_with_status", params).to_pylist():
                committees[row["lead_id"]].append(committee_member(row))
        leads = [
            lead_view(row, sorted_committee(committees.get(row["id"], [])))
            for row in self._read_table("leads_with_status", params).to_pylist()
        ]
        leads.sort(key=lambda lead: (lead.created_at or NEVER, lead.id))
        if keep and with_committees and self.keeps_bulk_reads:
            self.caches.keep_leads(leads, changes_before)
        return leads

    def committees(self, lead_ids: Sequence[str]) -> dict[str, tuple[CommitteeMember, ...]]:
        """The buying committee of each of these leads."""
        found: dict[str, list[CommitteeMember]] = {lead_id: [] for lead_id in lead_ids}
        if lead_ids:
            rows = self._read("committees_of_leads", {"lead_ids": list(lead_ids)})
            for row in rows:
                found.setdefault(row["lead_id"], []).append(committee_member(row))
        return {lead_id: sorted_committee(members) for lead_id, members in found.items()}

    def rep_activity(
        self,
        *,
        open_statuses: Sequence[str],
        assignment_kinds: Sequence[str],
        breach_kinds: Sequence[str],
        breaches_since: datetime,
    ) -> dict[str, RepActivity]:
        """Per rep: leads owned in the open statuses, the last event of an assignment kind,
        and the breach events since a time. Reps without any are absent.

        Three scans of the lead table and the log (44 ms with 100,000 events), so the answer is
        kept for ACTIVITY_TTL seconds and dropped when this process writes a lead or an event
        (another process's writes show up within the TTL); a lead's move updates it in place."""
        key = (tuple(open_statuses), tuple(assignment_kinds), tuple(breach_kinds))
        return self._one_read_at_a_time(
            self._activity_read,
            "open_leads_per_rep",
            lambda: self.caches.activity(key, breaches_since),
            lambda: self._read_activity(key, breaches_since),
            self.caches.activity_due,
        )

    def _read_activity(self, key: ActivityKey, breaches_since: datetime) -> dict[str, RepActivity]:
        open_statuses, assignment_kinds, breach_kinds = key
        changes_before = self.caches.activity_changes()
        open_leads = {
            r["rep_id"]: int(r["open_leads"])
            for r in self._read("open_leads_per_rep", {"statuses": list(open_statuses)})
        }
        last = {
            r["rep_id"]: utc(r["last_at"])
            for r in self._read("last_event_per_rep", {"kinds": list(assignment_kinds)})
        }
        breaches: dict[str, list[datetime]] = defaultdict(list)
        for row in self._read(
            "rep_events_since", {"kinds": list(breach_kinds), "since": breaches_since}
        ):
            at = utc(row["at"])
            if at is not None:
                breaches[row["rep_id"]].append(at)
        found = {
            rep_id: RepActivity(
                open_leads=open_leads.get(rep_id, 0),
                last_assigned_at=last.get(rep_id),
                breaches=tuple(sorted(breaches.get(rep_id, ()))),
            )
            for rep_id in set(open_leads) | set(last) | set(breaches)
        }
        self.caches.keep_activity(key, breaches_since, found, changes_before)
        return found

    def account_owners(
        self, statuses: Sequence[str], company_id: str | None = None
    ) -> list[OwnedLead]:
        """The leads in these statuses that have an owner, at every company: which rep owns
        them, since when. routing/accounts.py says who owns the account. At one company, only
        the lead that makes its rep the owner (none: no owner), by the same rule; kept until
        one of its leads moves (StoreCaches.owners: what is kept may hold more owned leads, and
        names the same owner)."""
        if company_id is None:
            rows = self._read("account_owners", {"statuses": list(statuses)})
            return [record(OwnedLead, row) for row in rows]
        self._fresh_changes()
        kept = self.caches.owners(company_id, statuses)
        if kept is not None:
            return kept
        changes_before = self.caches.lead_changes()
        params = {"statuses": list(statuses), "company_id": company_id}
        found = [record(OwnedLead, row) for row in self._read("company_owners", params)]
        self.caches.keep_owners(statuses, {company_id: found}, changes_before)
        return found

    def keep_company_owners(self, statuses: Sequence[str], companies: Sequence[str]) -> None:
        """Read the owned leads of every company at once (one scan) and keep those of these
        companies (none owned: kept as none; all of a company's, where a read of one company
        keeps the lead that makes the owner: the same owner): the server's warm-up, where the
        store keeps what it reads of many leads (``keeps_bulk_reads``)."""
        if not self.keeps_bulk_reads:
            return
        self._fresh_changes()
        changes_before = self.caches.lead_changes()
        found: dict[str, list[OwnedLead]] = {company_id: [] for company_id in companies}
        for row in self._read("account_owners", {"statuses": list(statuses)}):
            if row["company_id"] in found:
                found[row["company_id"]].append(record(OwnedLead, row))
        self.caches.keep_owners(statuses, found, changes_before)

    def offer_leads(self, offers: Sequence[Event]) -> list[str]:
        """Offer new leads: each event (kind ``offered``) names the lead and the rep. The lead
        becomes ``offered`` with that rep as owner. Returns the ids of the leads offered; a
        lead that was no longer new is skipped."""
        for event in offers:
            if event.kind != "offered" or not event.lead_id or not event.rep_id:
                raise InvalidArgument(f"an offer needs kind 'offered', a lead and a rep: {event}")
        return [row["lead_id"] for row in self._write_rows("offer_leads", offers)]

    def lock_rep(self, rep_id: str, statuses: Sequence[str], *, besides: str = "") -> int:
        """Inside a write transaction: take the rep's write lock (Neo4j; LadybugDB's one writer
        holds it already) and count the leads they hold in ``statuses`` as committed, not as
        kept in memory, so that two claims by one rep at once (in two workers) count one after
        the other; the lead ``besides`` is not counted. NotFound when there is no such rep.

        Where this store is the only writer of its graph (LadybugDB), the workload kept in
        memory is what the graph holds (every move here updates it, any other lead write drops
        it), and the writer holds every lock: it answers without the scan of the lead table."""
        held = self._held_in_memory(rep_id, statuses, besides)
        if held is not None:
            return held
        params = {
            "rep_id": rep_id,
            "statuses": list(statuses),
            "lead_id": besides,
            "token": uuid.uuid4().hex,
        }
        rows = self._write("lock_rep", params)
        if not rows:
            raise NotFound(f"no rep with id {rep_id!r}")
        return int(rows[0]["held"])

    def _held_in_memory(self, rep_id: str, statuses: Sequence[str], besides: str) -> int | None:
        if not self.writes_alone or rep_id not in self.rep_profiles():
            return None
        held = self.caches.held(statuses, rep_id)
        if held is None or not besides:
            return held
        lead = self.caches.lead(besides)  # a move drops it: as the graph has it
        if lead is None:
            return None
        counted = lead.owner_rep_id == rep_id and lead.status in statuses
        return held - 1 if counted else held

    def lock_lead(self, lead_id: str) -> None:
        """Inside a write transaction: take the lead's write lock (Neo4j; LadybugDB's one
        writer holds every lock already), so what is read next is the latest committed state
        and stays so until commit. NotFound when there is no such lead."""
        if not self._write("lock_lead", {"lead_id": lead_id, "token": uuid.uuid4().hex}):
            raise NotFound(f"no lead with id {lead_id!r}")
        self.caches.forget_lead(lead_id)  # what is read next under the lock comes from the graph

    def move_lead(
        self, lead_id: str, *, from_statuses: Sequence[str], to: LeadState, event: Event
    ) -> bool:
        """Move a lead that is in one of ``from_statuses`` to the state ``to`` and append the
        event, in one statement. False when the lead was not in those statuses (another
        request moved it first)."""
        rows = self._move("move_lead", lead_id, from_statuses, to, event, {})
        return bool(rows)

    def move_claimed(
        self, lead_id: str, *, to: LeadState, event: Event, held_statuses: Sequence[str]
    ) -> ClaimedMove | None:
        """A claim's move where several processes write the graph, inside the claim's write
        transaction: in one statement, take the lock of the claiming rep (``event.rep_id``)
        and count the leads they hold in ``held_statuses`` as committed (this one not
        counted), move the lead from ``offered`` to ``to`` with the event, and read the lead's
        activity stream after the move. What ``lock_rep``, ``move_lead`` and ``events`` do in
        three round trips; the claim checks the count and the offers after it and rolls the
        move back when they refuse it. None when the lead was not offered (someone moved it
        first) or there is no such rep."""
        rows = self._move(
            "move_claimed",
            lead_id,
            ("offered",),
            to,
            event,
            {"held_statuses": list(held_statuses)},
        )
        if not rows:
            return None
        stream = event_stream(rows[0]["events"])
        return ClaimedMove(held=int(rows[0]["held"]), events=stream)

    def _move(
        self,
        name: str,
        lead_id: str,
        from_statuses: Sequence[str],
        to: LeadState,
        event: Event,
        extra: dict[str, object],
    ) -> list[Row]:
        """Run a move statement (``move_lead`` or ``move_claimed``) and follow the move in what
        is kept: the rows it returned (none when the lead did not move)."""
        try:
            rows = self._write(
                name,
                {
                    "lead_id": lead_id,
                    "from_statuses": list(from_statuses),
                    **to.values(),
                    "event_id": event.id,
                    "at": event.at,
                    "kind": event.kind,
                    "actor": event.actor,
                    "rep_id": event.rep_id,
                    "reason": event.reason,
                    "detail": event.detail,
                    **extra,
                },
            )
        except BaseException:
            self.caches.rolled_back()
            raise
        if not rows:
            return rows
        self.caches.lead_moved(
            LeadMove(
                lead_id=lead_id,
                before_status=rows[0]["before_status"],
                before_owner=rows[0]["before_owner"],
                after_status=to.status,
                after_owner=to.owner_rep_id,
                event_kind=event.kind,
                event_rep=event.rep_id,
                at=utc(event.at) or event.at,
                state=LeadState(**utc_params(to.values())),  # as the graph holds them
                event=dataclasses.replace(event, at=utc(event.at) or event.at),
            )
        )
        self._announce_moves()
        return rows

    def overdue_leads(self, now: datetime) -> list[tuple[str, str | None]]:
        """Claimed leads past their contact deadline: (lead id, owner rep id)."""
        return [(r["id"], r["rep_id"]) for r in self._read("overdue_leads", {"now": now})]
