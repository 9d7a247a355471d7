"""The backend-neutral half of every adapter: every repository over one query runner.

An adapter subclasses ``CypherGraphStore`` and supplies only how to run a query
(``_run_read`` / ``_run_write``, optionally ``_run_read_table``), transactions, the schema and,
optionally, a faster bulk load.
"""

from __future__ import annotations

from graph.model import GraphCounts
from graph.store.audit import CypherAudit
from graph.store.connections import CypherConnections
from graph.store.events import CypherEvents
from graph.store.explorer import CypherExplorer
from graph.store.imports import CypherImports
from graph.store.intake import CypherIntake
from graph.store.leads import CypherLeads
from graph.store.outbox import CypherOutbox
from graph.store.policy_versions import CypherPolicyVersions
from graph.store.privacy import CypherPrivacy
from graph.store.proximity import CypherProximity
from graph.store.quotas import CypherQuotas
from graph.store.users import CypherUsers


class CypherGraphStore(
    CypherImports,
    CypherProximity,
    CypherLeads,
    CypherEvents,
    CypherPrivacy,
    CypherUsers,
    CypherOutbox,
    CypherIntake,
    CypherQuotas,
    CypherConnections,
    CypherExplorer,
    CypherPolicyVersions,
    CypherAudit,
):
    """Everything an adapter shares: named queries in, records out."""

    def counts(self) -> GraphCounts:
        row = self._read("graph_counts")[0]
        return GraphCounts(
            people=int(row["people"]),
            reps=int(row["reps"]),
            companies=int(row["companies"]),
            leads=int(row["leads"]),
            ties=int(row["ties"]),
        )
