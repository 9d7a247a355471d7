"""On the Neo4j server, every named query of the Neo4j dialect finds its first nodes through an
index (a seek), not by reading a whole label or relationship type, unless it reads the whole
table by design (``SCANS_BY_DESIGN``, each with its reason).

The plans are Neo4j's own (``EXPLAIN``, nothing runs) on a generated organisation with a
realistic mix of lead statuses, event kinds, users and delivered messages, after Neo4j has
sampled its indexes, so the planner chooses as it would in production. A query that loses its
index (a filter on a projected value, a dropped index, a property spelled differently from the
index) fails here with its plan.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import neo4j
import pyarrow as pa
import pytest

from cypher import load_dialect
from demo.organisation import OrgShape, generate_org
from graph.backends import open_store
from graph.model import Event, LeadState, OutboxMessage, User
from graph.neo4j_store import schema_object
from graph.settings import Neo4jSettings
from graph.store import GraphStore
from routing.assignment import ROUTABLE_STATUSES
from routing.roster import ASSIGNMENT_EVENTS, BREACH_EVENT, OPEN_STATUSES, OWNER_STATUSES
from tests.conftest import _neo4j_settings, wipe_neo4j

pytestmark = pytest.mark.neo4j

CATALOG = load_dialect("neo4j")

# Queries that read a whole label or relationship type on purpose (never every node: an
# AllNodesScan fails every query). Anything else that scans is a regression.
SCANS_BY_DESIGN: dict[str, str] = {
    "all_reps": "the rep directory: every rep, read whole and cached",
    "rep_contacts": "every rep's contacts, read whole into the in-memory rep network",
    "rep_contacts_employers": "the employers of every rep's contacts, read with rep_contacts",
    "rep_stints": "every rep's employers and schools, read whole with rep_contacts",
    "any_tie": "stops at the first KNOWS tie (LIMIT 1)",
    "some_person_ids": "stops after $limit people: an import of 4x as many reads a graph that "
    "small whole rather than look each planned person up",
    "people_named": "a case-insensitive substring of a name: no index serves toLower(..) CONTAINS",
    "people_at_company_named": "a case-insensitive substring of a company name, as people_named",
    "companies_named_like": "a case-insensitive substring of a company name (lead intake's "
    "match by normalised name, after the id and the domain missed)",
    # the one-off link-up of events from before ABOUT: its plan reads the events, but it runs
    # only on a graph without ABOUT (test_event_link_up_reads_nothing_once_events_are_linked)
    "schema": "the one-off link-up of events written before ABOUT",
    # once per `warmpath transfer`: progress totals; patterns with a label on both ends are not
    # in Neo4j's count store
    "transfer_counts": "how much `warmpath transfer` copies, counted once per transfer",
    # per /metrics scrape: a delivered message has no next_at, so the index holds the backlog
    "outbox_backlog": "every entry of the outbox_next_at index: the undelivered messages",
    "tombstone_hashes": "every tombstone (erased people's key hashes: few), read by imports",
    "events_mentioning": "a text search of the activity log, once per erasure (forget-person)",
    "policy_versions": "the routing policy versions applied (a handful)",
    "latest_policy_version": "the routing policy versions applied (a handful), polled every 5 s",
    "read_changes": "the write announcement counters (one node per kind: two), polled every 1 s",
    "ties_beyond_reps": "every tie between two people who are not reps' people, read whole "
    "into memory with the rep network on Neo4j (KeptTies)",
    "rep_people": "every rep's own person record, read whole with ties_beyond_reps",
}

# Operators that read every node or relationship of a label or type (or every node, or a whole
# index) instead of seeking: their names end in "Scan" (AllNodesScan, NodeByLabelScan,
# NodeIndexScan, DirectedRelationshipTypeScan, ...). Count-store reads are not scans.
NEVER = {"AllNodesScan"}

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SHAPE = OrgShape(reps=30, people=3000, leads=600, mean_connections=30, sd_connections=10, seed=11)
# a lead's life: most leads of a running organisation are closed, few are open
STATUS_MIX = (
    ["won"] * 5 + ["lost"] * 6 + ["returned"] * 4 + ["contacted"] * 2 + ["new"] * 2 + ["offered"]
)
EVENT_KINDS = (
    ["offered"] * 8
    + ["claimed"] * 5
    + ["contacted"] * 4
    + ["rejected"] * 2
    + ["won", "lost", "assigned", "released", "intro_requested", BREACH_EVENT]
)


def operator(plan: Mapping[str, Any]) -> str:
    """``NodeUniqueIndexSeek(Locking)@neo4j`` -> ``NodeUniqueIndexSeek``."""
    return str(plan["operatorType"]).split("@", 1)[0].split("(", 1)[0]


def steps(plan: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every operator of a plan tree (``summary.plan`` / ``summary.profile``), root first."""
    yield plan
    for child in plan.get("children", []):
        yield from steps(child)


def operators(plan: Mapping[str, Any]) -> list[str]:
    return [operator(step) for step in steps(plan)]


def render(plan: Mapping[str, Any], depth: int = 0) -> str:
    details = str(plan.get("args", {}).get("Details", ""))[:160]
    lines = [f"{'  ' * depth}{operator(plan)}  {details}"]
    lines += [render(child, depth + 1) for child in plan.get("children", [])]
    return "\n".join(lines)


def scans(plan: Mapping[str, Any]) -> list[str]:
    return [op for op in operators(plan) if op.endswith("Scan")]


def _populate(store: GraphStore) -> dict[str, Any]:
    """A generated organisation with leads in every state, an activity log, users and
    messages, written through the store; returns ids to use as query parameters."""
    rng = random.Random(SHAPE.seed)
    snapshot = generate_org(SHAPE)
    leads = snapshot.tables["Lead"]
    statuses = [rng.choice(STATUS_MIX) for _ in range(leads.num_rows)]
    snapshot.tables["Lead"] = leads.set_column(
        leads.column_names.index("status"), "status", pa.array(statuses)
    )
    store.bulk_load(snapshot)
    lead_ids = [str(i) for i in snapshot.tables["Lead"].column("id").to_pylist()]
    rep_ids = [str(i) for i in snapshot.tables["Rep"].column("id").to_pylist()]
    new_leads = [lead for lead, status in zip(lead_ids, statuses, strict=True) if status == "new"]
    values = dict(zip(lead_ids, snapshot.tables["Lead"].column("value").to_pylist(), strict=True))
    for n, lead_id in enumerate(new_leads[: len(new_leads) // 2]):
        at = NOW - timedelta(days=n % 5)
        store.move_lead(
            lead_id,
            from_statuses=("new",),
            to=LeadState(
                status="claimed",
                owner_rep_id=rep_ids[n % len(rep_ids)],
                claimed_at=at,
                contact_due_at=NOW + timedelta(days=(n % 7) - 3),
                value=values[lead_id],
            ),
            event=Event(
                id=f"ev:assign:{n}",
                at=at,
                kind="assigned",
                actor="manager",
                lead_id=lead_id,
                rep_id=rep_ids[n % len(rep_ids)],
                reason="account owner",
            ),
        )
    store.append_events(
        [
            Event(
                id=f"ev:{n}",
                at=NOW - timedelta(minutes=rng.randrange(365 * 24 * 60)),
                kind=rng.choice(EVENT_KINDS),
                actor="system",
                lead_id=rng.choice(lead_ids),
                rep_id=rng.choice(rep_ids),
            )
            for n in range(6000)
        ]
    )
    users = [
        User(id=f"user:{n}", name=f"User {n}", role="rep", rep_id=rep_ids[n % len(rep_ids)])
        for n in range(40)
    ]
    for n, user in enumerate(users):
        store.create_user(user, f"hash-{n:04d}", at=NOW)
    for n in range(120):
        at = NOW - timedelta(hours=120 - n)
        store.add_outbox(OutboxMessage(id=f"msg:{n}", at=at, kind="lead_returned", payload="{}"))
        if n < 110:
            store.mark_outbox(f"msg:{n}", attempts=1, next_at=None, error=None, delivered_at=at)
    person_ids = snapshot.tables["IS"].column("to").to_pylist()
    committee = snapshot.tables["DECISION_MAKER"].column("to").to_pylist()
    return {
        "lead_ids": lead_ids,
        "rep_ids": rep_ids,
        "rep_person_ids": [str(i) for i in person_ids],
        "committee": [str(i) for i in committee],
        "company_ids": [str(i) for i in snapshot.tables["Company"].column("id").to_pylist()],
    }


@pytest.fixture(scope="module")
def planner() -> Iterator[tuple[neo4j.Session, dict[str, Any]]]:
    """A session on the suite's Neo4j server holding the populated graph (its schema made by
    open_store), with fresh index samples and no cached plans."""
    settings: Neo4jSettings = _neo4j_settings()
    wipe_neo4j(settings)
    store = open_store(settings)
    try:
        ids = _populate(store)
    finally:
        store.close()
    with (
        neo4j.GraphDatabase.driver(
            settings.uri,
            auth=(settings.user, settings.password),
            notifications_min_severity="OFF",
        ) as driver,
        driver.session(database=settings.database) as session,
    ):
        session.run("CALL db.prepareForReplanning(120)").consume()
        yield session, ids


def parameters(name: str, ids: Mapping[str, Any]) -> dict[str, Any]:
    """Representative values of every ``$param`` of a query (what the store passes)."""
    person, other = ids["committee"][0], ids["committee"][1]
    row = {
        "id": "x:1",
        "a": person,
        "b": other,
        "source": "linkedin",
        "person_id": person,
        "company_id": ids["company_ids"][0],
        "school_id": "s:1",
        "lead_id": ids["lead_ids"][0],
        "rep_id": ids["rep_ids"][0],
        "name": "Ann Lee",
        "at": NOW,
        "kind": "offered",
        "actor": "system",
        "role": "CFO",
        "reported_by": [ids["rep_ids"][0]],
        "consented_at": NOW,
        "consent_by": "test",
        "reason": None,
        "detail": None,
    }
    values: dict[str, Any] = {
        "person_id": person,
        "rep_person_id": ids["rep_person_ids"][0],
        "a_id": person,
        "b_id": other,
        "lead_id": ids["lead_ids"][0],
        "lead_ids": ids["lead_ids"][:40],
        "rep_id": ids["rep_ids"][0],
        "company_id": ids["company_ids"][0],
        "token_hash": "hash-0001",
        "statuses": list(OPEN_STATUSES),
        "held_statuses": list(OPEN_STATUSES),
        "from_statuses": ["offered"],
        "kinds": list(ASSIGNMENT_EVENTS),
        "since": NOW - timedelta(days=30),
        "now": NOW,
        "at": NOW,
        "limit": 100,
        "row_limit": 1000,
        "kept": 1000,  # announcements of moved leads kept (announce_changes)
        "leads_seen": -1,
        "ids": [person, other],
        "emails": ["ann.lee@example.org"],
        "email": "ann.lee@example.org",
        "url": "https://www.linkedin.com/in/ann-lee",
        "text": "lee",
        "source": "linkedin",
        "rows": [row],
        "status": "claimed",
        "event_id": "ev:x",
        "kind": "claimed",
        "actor": "system",
        "owner_rep_id": ids["rep_ids"][0],
        "claimed_at": NOW,
        "contact_due_at": NOW + timedelta(days=2),
        "contacted_at": None,
        "outcome": None,
        "value": 1000.0,
        "reason": None,
        "detail": None,
        "id": "x:1",
        "name": "Ann Lee",
        "role": "rep",
        "team": None,
        "created_at": NOW,
        "payload": "{}",
        "attempts": 1,
        "next_at": NOW,
        "last_error": None,
        "delivered_at": None,
        "until": NOW + timedelta(minutes=5),
        "worker": "api-1",
        "token": "t-1",
        "after": "",
        "bounded": True,
        "hashes": ["0" * 64],
        "texts": ["ann lee", "li:ann-lee"],
        # lead intake
        "key": "form-4711",
        "domain": "acme.example",
        "person_ids": [person, other],
        "closed": ["won", "lost", "returned"],
        "title": "Acme lead",
        "grade": "hot",
        "score": 80.0,
        "product": "crm",
        "industry": "software",
        "region": "EMEA",
        # the manager views: the network explorer, policy versions, the audit log
        "after_name": "",
        "after_id": "",
        "pairs": [{"a": person, "b": other}],
        "version": "0123456789ab",
        "toml": 'mode = "proximity"',
        "applied_by": "admin:x",
        "applied_at": NOW,
        "before_at": NOW,
        "before_id": "",
        "everyone": False,
        "reps": [ids["rep_ids"][0]],
        "org_kinds": ["policy_applied"],
    }
    # where the store passes other values than the common ones above
    by_query: dict[str, dict[str, Any]] = {
        "leads_with_status": {"statuses": list(ROUTABLE_STATUSES)},
        "committees_with_status": {"statuses": list(ROUTABLE_STATUSES)},
        "committee_stints": {"statuses": list(ROUTABLE_STATUSES)},
        "committee_neighbours": {"statuses": list(ROUTABLE_STATUSES)},
        "account_owners": {"statuses": list(OWNER_STATUSES)},
        "company_owners": {"statuses": list(OWNER_STATUSES)},
        "rep_events_since": {"kinds": [BREACH_EVENT]},
    }
    query = CATALOG[name]
    missing = sorted(query.params - values.keys())
    assert not missing, f"{name}: give test_neo4j_plans.parameters a value for {missing}"
    if name.startswith("transfer_read_"):  # pages of ids: (after, until]
        by_query[name] = {"after": "m", "until": "n"}
    chosen = {**values, **by_query.get(name, {})}
    return {param: chosen[param] for param in query.params}


def _statements() -> list[tuple[str, int]]:
    """Every statement of the dialect except the DDL of the schema block."""
    return [
        (name, number)
        for name, query in CATALOG.queries.items()
        for number, statement in enumerate(query.statements)
        if schema_object(statement) is None
    ]


def _link_up() -> str:
    """The schema's one statement that is not DDL: the link-up of events from before ABOUT."""
    (statement,) = [s for s in CATALOG["schema"].statements if schema_object(s) is None]
    return statement


@pytest.mark.parametrize(("name", "number"), _statements(), ids=lambda v: str(v))
def test_query_plan_seeks_through_an_index(
    planner: tuple[neo4j.Session, dict[str, Any]], name: str, number: int
) -> None:
    session, ids = planner
    statement = CATALOG[name].statements[number]
    plan = session.run(f"EXPLAIN {statement}", parameters(name, ids)).consume().plan
    assert plan is not None
    found = scans(plan)
    where = f"{CATALOG[name].file.name}:{CATALOG[name].line} {name}"
    assert not NEVER.intersection(found), f"{where} reads every node:\n{render(plan)}"
    if name not in SCANS_BY_DESIGN:
        assert not found, f"{where} scans ({', '.join(found)}):\n{render(plan)}"


@pytest.mark.parametrize("everyone", [True, False])
def test_an_audit_page_walks_the_time_index_and_stops_at_its_limit(
    planner: tuple[neo4j.Session, dict[str, Any]], everyone: bool
) -> None:
    """A page of the audit log reads the events newest first in the event_at index's order and
    stops after the page (PartialTop over the seek), whatever the size of the log: no union of
    two seeks of the whole range, no sort of every event."""
    session, ids = planner
    values = {**parameters("audit_events", ids), "everyone": everyone, "before_at": NOW}
    plan = session.run(f"EXPLAIN {CATALOG['audit_events'].text}", values).consume().plan
    assert plan is not None
    found = operators(plan)
    assert "PartialTop" in found and not {"Top", "Sort", "Union"} & set(found), render(plan)


def test_scans_by_design_name_queries_of_the_catalog() -> None:
    assert set(SCANS_BY_DESIGN) <= set(CATALOG.queries)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MATCH (n) WHERE n.id = $id RETURN n", "AllNodesScan"),
        ("MATCH (p:Person) WITH p, p.id AS pid WHERE pid = $id RETURN p", "NodeByLabelScan"),
        ("MATCH (l:Lead) WHERE l.id IS NOT NULL RETURN l", "Scan"),
        ("MATCH ()-[k:KNOWS]->() WHERE k.source = $id RETURN k", "RelationshipTypeScan"),
    ],
)
def test_the_check_sees_a_scan(
    planner: tuple[neo4j.Session, dict[str, Any]], text: str, expected: str
) -> None:
    session, _ = planner
    plan = session.run(f"EXPLAIN {text}", {"id": "x"}).consume().plan
    assert plan is not None
    assert any(expected in op for op in scans(plan)), render(plan)


def test_the_check_sees_a_seek(planner: tuple[neo4j.Session, dict[str, Any]]) -> None:
    session, _ = planner
    plan = session.run("EXPLAIN MATCH (p:Person {id: $id}) RETURN p", {"id": "x"}).consume().plan
    assert plan is not None
    assert scans(plan) == [] and "NodeUniqueIndexSeek" in operators(plan), render(plan)


def test_event_link_up_reads_nothing_once_events_are_linked(
    planner: tuple[neo4j.Session, dict[str, Any]],
) -> None:
    """On every start after the first, the link-up is one count from Neo4j's count store."""
    session, _ = planner
    profile = session.run(f"PROFILE {_link_up()}").consume().profile
    assert profile is not None
    busy = [operator(step) for step in steps(profile) if step.get("rows")]
    hits = sum(int(step.get("dbHits", 0)) for step in steps(profile))
    assert not [op for op in busy if op.endswith(("Scan", "Seek"))], render(profile)
    assert hits <= 10, f"{hits} db hits:\n{render(profile)}"
