"""The SLA sweep: claims past their contact deadline are breached against the rep, and the
lead goes back to new and is routed again without that rep (the penalty box counts breaches:
routing/roster.py)."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime

from graph.store import GraphStore
from routing.errors import InvalidState, NotEligible
from routing.lifecycle import route_lead
from routing.policy import Policy
from routing.steps import lead_event, lead_state, locked_lead


@dataclass(frozen=True)
class SweepResult:
    breaches: tuple[tuple[str, str], ...]  # (lead id, rep id)
    rerouted: tuple[str, ...]

    def summary(self) -> str:
        return (
            f"{len(self.breaches)} overdue claim(s) breached, {len(self.rerouted)} lead(s) "
            "re-routed; safe to rerun"
        )


def sweep_sla(
    store: GraphStore, *, policy: Policy, now: datetime, actor: str = "sla-sweeper"
) -> SweepResult:
    """Find claims past their contact deadline: record a breach against the rep, return the
    lead to new and route it again without that rep. Running it twice changes nothing more."""
    breaches: list[tuple[str, str]] = []
    rerouted: list[str] = []
    for lead_id, rep_id in store.overdue_leads(now):

        def breach(lead_id: str = lead_id, rep_id: str | None = rep_id) -> bool:
            lead = locked_lead(store, lead_id)
            if (
                lead.status != "claimed"
                or lead.owner_rep_id != rep_id  # reassigned since the overdue list was read
                or lead.contact_due_at is None
                or lead.contact_due_at >= now
            ):
                return False
            # guarded by the status: of several sweepers (one per API process) one records it
            return store.move_lead(
                lead_id,
                from_statuses=("claimed",),
                to=lead_state(
                    lead, status="new", owner_rep_id=None, claimed_at=None, contact_due_at=None
                ),
                event=lead_event(
                    "sla_breach",
                    lead_id,
                    rep_id,
                    actor,
                    now,
                    reason=f"no contact by {lead.contact_due_at.isoformat()}",
                ),
            )

        if not store.run_atomic(breach):
            continue
        breaches.append((lead_id, rep_id or ""))
        with suppress(NotEligible, InvalidState):
            route_lead(store, lead_id, policy=policy, now=now, actor=actor)
            rerouted.append(lead_id)
    return SweepResult(breaches=tuple(breaches), rerouted=tuple(rerouted))
