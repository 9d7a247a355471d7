"""The GraphStore protocol (role by role, protocols.py) and the backend-neutral half of every
adapter (adapter.py): repositories by subject (imports, people, proximity, leads, events,
users, outbox, privacy, intake, connections) over one query runner (runner.py), with the caches
behind one invalidation interface (caches.py) and rows turned into records by one mapper
(mappers.py).

May import ``cypher`` and the rest of ``graph``; never ``routing`` or ``api``.
"""

from graph.store.adapter import CypherGraphStore
from graph.store.caches import ACTIVITY_TTL, REP_DIRECTORY_TTL, REP_NETWORK_TTL
from graph.store.imports import SNAPSHOT_LOAD_ORDER
from graph.store.people import MAX_KEY_LENGTH, check_hops, check_key
from graph.store.protocols import (
    ConnectionsReader,
    EventLog,
    GraphStore,
    ImportWriter,
    IntakeRepository,
    LeadRepository,
    Outbox,
    PeopleReader,
    PrivacyStore,
    ProximityReader,
    StoreAdmin,
    UserDirectory,
)
from graph.store.reps import REP_EXPORT_SOURCES
from graph.store.runner import (
    POINT_QUERY_LEADS,
    WRITE_BATCH,
    Progress,
    QueryObserver,
    Row,
    from_memory,
    in_place,
    needs_graph,
    utc,
    utc_params,
)

__all__ = [
    "ACTIVITY_TTL",
    "MAX_KEY_LENGTH",
    "POINT_QUERY_LEADS",
    "REP_DIRECTORY_TTL",
    "REP_EXPORT_SOURCES",
    "REP_NETWORK_TTL",
    "SNAPSHOT_LOAD_ORDER",
    "WRITE_BATCH",
    "ConnectionsReader",
    "CypherGraphStore",
    "EventLog",
    "GraphStore",
    "ImportWriter",
    "IntakeRepository",
    "LeadRepository",
    "Outbox",
    "PeopleReader",
    "PrivacyStore",
    "Progress",
    "ProximityReader",
    "QueryObserver",
    "Row",
    "StoreAdmin",
    "UserDirectory",
    "check_hops",
    "check_key",
    "from_memory",
    "in_place",
    "needs_graph",
    "utc",
    "utc_params",
]
