"""Connected leads: the buying committees of the won and open leads with the people their
members know (read whole, held in memory by routing/connections.py), and where other leads
stand now."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from graph.model import BuyerTies, CommitteeMember, LeadStanding
from graph.store.mappers import committee_member, record
from graph.store.runner import QueryRunner


class CypherConnections(QueryRunner):
    def buyer_ties(self, statuses: Sequence[str]) -> BuyerTies:
        """The decision-makers of every lead in these statuses and the people each knows who
        are not reps: two reads."""
        params = {"statuses": list(statuses)}
        committees: dict[str, list[CommitteeMember]] = defaultdict(list)
        for row in self._read_table("committees_with_status", params).to_pylist():
            committees[row["lead_id"]].append(committee_member(row))
        table = self._read_table("buyer_ties", params)
        ties: tuple[tuple[str, str], ...] = ()
        if table.num_rows:
            ties = tuple(
                zip(
                    table.column("person_id").to_pylist(),
                    table.column("id").to_pylist(),
                    strict=True,
                )
            )
        return BuyerTies(
            committees={lead: tuple(members) for lead, members in committees.items()}, ties=ties
        )

    def lead_standings(self, lead_ids: Sequence[str]) -> dict[str, LeadStanding]:
        """Each of these leads' status, owner, title and company (leads that do not exist are
        absent). Kept like the leads themselves (graph/store/caches.py)."""
        self._fresh_changes()
        found: dict[str, LeadStanding] = {}
        missing = []
        for lead_id in dict.fromkeys(lead_ids):
            kept = self.caches.standing(lead_id)
            if isinstance(kept, LeadStanding):
                found[lead_id] = kept
            else:
                missing.append(lead_id)
        changes_before = self.caches.lead_changes()
        for row in self._read_in_batches("lead_standings", "ids", missing):
            found[row["id"]] = record(LeadStanding, row, empty={"title": ""})
            self.caches.keep_standing(row["id"], found[row["id"]], changes_before)
        return found
