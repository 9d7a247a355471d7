"""Connected leads: how a lead's buying committee reaches our customers and other open deals.

A lead's **connections** are links within 2 hops between one of its decision-makers (a
*member*) and a decision-maker of another lead (a *buyer*) that is won (a customer) or open
(new, offered, claimed, contacted, nurture): hops 0 (the same person sits on both committees),
1 (they know each other) or 2 (they know the same person: the *path* names them). Paths run
through the buyers' own networks only: a person in between who is one of our reps is left out
(that is the rep's network, which the ranking's warmth counts already, and whom a rep knows is
theirs), so a connection never shows whom a rep knows. Each connection names the rep who owns
that customer (the rep who won it) or that lead (its holder: claimed, contacted, nurture).

A lead's **influence** (documented in the README):

    influence = 2 x sum_{customers c} f(hops_c) + sum_{open buyers b} f(hops_b)

with f(0) = f(1) = 1 and f(2) = 0.5; a customer is a company with a won lead, counted once at
its closest link; an open buyer is a person on another open lead's committee, counted once.

How it is computed: every lead's committee and whom its members know (not reps) are read in two
queries and held in memory per store (``BuyerIndex``), tagged with the store's cache generation
(``GraphStore.cache_generation``: a write of ties, people, leads or committees in this process
makes it stale at once; another process's writes show up after ``INDEX_TTL`` seconds, as for the
rep network). A question walks the index from the lead's members (1 hop: whom they know; 2
hops: who knows those) and reads where the leads found stand now (status, owner: one indexed
read), so a won or returned lead shows at the next question.
"""

from __future__ import annotations

import json
import threading
import time
import weakref
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from graph.keys import event_id
from graph.model import BuyerTies, CommitteeMember, Event, LeadStanding, LeadView, PersonRef
from graph.store import REP_NETWORK_TTL, GraphStore
from routing.cadence import HELD_STATUSES
from routing.errors import Forbidden, InvalidArgument
from routing.policy import Policy

CUSTOMER_STATUSES = ("won",)
OPEN_LEAD_STATUSES = ("new", "offered", "claimed", "contacted", "nurture")
INDEXED_STATUSES = (*OPEN_LEAD_STATUSES, "won", "lost", "returned")
"""Every lead's committee is indexed: a closed lead's connections can be asked too."""
OWNED_STATUSES = ("won", *HELD_STATUSES)
"""A lead in these statuses has an owner: the rep who won it or who holds it."""
CUSTOMER_POINTS = 2.0
OPEN_BUYER_POINTS = 1.0
HOP_FACTOR = {0: 1.0, 1: 1.0, 2: 0.5}
INDEX_TTL = REP_NETWORK_TTL
CONNECTIONS_MAX = 100
WORD_TRAVELS = "word_travels"
"""The event an owner of a connected open lead gets when a lead is lost or returned."""


@dataclass(frozen=True)
class Connection:
    """A link from one of the lead's decision-makers to a buyer of another lead."""

    member: CommitteeMember
    """The lead's own decision-maker."""
    buyer: CommitteeMember
    """The other lead's decision-maker, with their role on that lead."""
    lead: LeadStanding
    kind: str
    """``customer`` (the other lead is won) or ``open``."""
    hops: int
    path: tuple[PersonRef, ...]
    """The people in between on one shortest path (none at 0 or 1 hop)."""

    @property
    def owner_rep_id(self) -> str | None:
        """The rep who owns that customer or lead (None: nobody holds it yet)."""
        return self.lead.owner_rep_id if self.lead.status in OWNED_STATUSES else None


@dataclass(frozen=True)
class Influence:
    score: float
    customers: int
    """Companies with a won lead reached."""
    open_buyers: int
    """Decision-makers of other open leads reached."""
    customer_points: float
    open_points: float


@dataclass(frozen=True)
class LeadLinks:
    """A lead's connections, closest first, and its influence."""

    lead_id: str
    connections: tuple[Connection, ...]
    influence: Influence

    @property
    def references(self) -> tuple[Connection, ...]:
        """Customers' buyers who are, or know, one of the lead's decision-makers: whoever owns
        that customer may introduce the rep."""
        return tuple(c for c in self.connections if c.kind == "customer" and c.hops <= 1)

    def connected_owner(self) -> str | None:
        """The owner of the closest connected open lead someone holds (most links first, then
        the lead's id); None when there is none."""
        links: dict[str, list[Connection]] = defaultdict(list)
        for c in self.connections:
            if c.kind == "open" and c.owner_rep_id is not None:
                links[c.lead.id].append(c)
        if not links:
            return None
        best = min(
            links.values(),
            key=lambda found: (min(c.hops for c in found), -len(found), found[0].lead.id),
        )
        return best[0].owner_rep_id


@dataclass(frozen=True)
class _Link:
    member: CommitteeMember
    buyer: CommitteeMember
    lead_id: str
    hops: int
    via: str | None


class BuyerIndex:
    """Every lead's committee and whom its members know (not reps), in memory."""

    def __init__(self, ties: BuyerTies, generation: tuple[int, ...]) -> None:
        self.generation = generation
        self.loaded_at = time.monotonic()
        self.seats: dict[str, list[tuple[str, CommitteeMember]]] = defaultdict(list)
        """Person id -> the leads whose committee they sit on, with their seat."""
        for lead_id, members in ties.committees.items():
            for member in members:
                self.seats[member.person.id].append((lead_id, member))
        self.knows: dict[str, set[str]] = defaultdict(set)
        self.known_by: dict[str, list[str]] = defaultdict(list)
        for person, other in ties.ties:
            if other not in self.knows[person]:
                self.knows[person].add(other)
                self.known_by[other].append(person)

    def links(self, lead: LeadView) -> list[_Link]:
        """Every link of the lead's members to other leads' seats within 2 hops (the closest
        per member, seat and lead; at 2 hops through the first person in between by id)."""
        best: dict[tuple[str, str, str], _Link] = {}

        def add(member: CommitteeMember, person: str, hops: int, via: str | None) -> None:
            for lead_id, seat in self.seats.get(person, ()):
                if lead_id == lead.id:
                    continue
                key = (member.person.id, seat.person.id, lead_id)
                kept = best.get(key)
                if kept is None or (hops, via or "") < (kept.hops, kept.via or ""):
                    best[key] = _Link(member, seat, lead_id, hops, via)

        for member in lead.committee:
            me = member.person.id
            add(member, me, 0, None)
            near = self.knows.get(me, set())
            for other in near:
                add(member, other, 1, None)
            for middle in near:
                for person in self.known_by.get(middle, ()):
                    if person != me and person not in near:
                        add(member, person, 2, middle)
        return list(best.values())


_INDEXES: weakref.WeakKeyDictionary[GraphStore, BuyerIndex] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def buyer_index(store: GraphStore) -> BuyerIndex:
    """The store's index, read again when the graph changed or after INDEX_TTL seconds."""
    generation = store.cache_generation()
    with _LOCK:
        kept = _INDEXES.get(store)
    if (
        kept is not None
        and kept.generation == generation
        and time.monotonic() - kept.loaded_at <= INDEX_TTL
    ):
        return kept
    index = BuyerIndex(store.buyer_ties(INDEXED_STATUSES), generation)
    if store.cache_generation() == generation:  # not changed while it was read
        with _LOCK:
            _INDEXES[store] = index
    return index


def _influence(connections: Iterable[Connection]) -> Influence:
    customers: dict[str, int] = {}
    buyers: dict[str, int] = {}
    for c in connections:
        seen = customers if c.kind == "customer" else buyers
        key = c.lead.company_id if c.kind == "customer" else c.buyer.person.id
        seen[key] = min(c.hops, seen.get(key, c.hops))
    customer_points = CUSTOMER_POINTS * sum(HOP_FACTOR[h] for h in customers.values())
    open_points = OPEN_BUYER_POINTS * sum(HOP_FACTOR[h] for h in buyers.values())
    return Influence(
        score=round(customer_points + open_points, 2),
        customers=len(customers),
        open_buyers=len(buyers),
        customer_points=customer_points,
        open_points=open_points,
    )


def _order(c: Connection) -> tuple[object, ...]:
    return (c.hops, c.kind != "customer", c.lead.id, c.buyer.person.name, c.member.person.name)


def lead_links(store: GraphStore, leads: Sequence[LeadView]) -> dict[str, LeadLinks]:
    """Every lead's connections and influence: the index (in memory) and one read of where
    the leads found stand. The people in between are named by id only (see ``named``)."""
    index = buyer_index(store)
    found = {lead.id: index.links(lead) for lead in leads}
    standings = store.lead_standings(
        sorted({link.lead_id for links in found.values() for link in links})
    )
    result = {}
    for lead in leads:
        connections = []
        for link in found[lead.id]:
            standing = standings.get(link.lead_id)
            if standing is None or standing.status not in (*CUSTOMER_STATUSES, *OPEN_LEAD_STATUSES):
                continue
            connections.append(
                Connection(
                    member=link.member,
                    buyer=link.buyer,
                    lead=standing,
                    kind="customer" if standing.status in CUSTOMER_STATUSES else "open",
                    hops=link.hops,
                    path=() if link.via is None else (PersonRef(id=link.via, name=""),),
                )
            )
        connections.sort(key=_order)
        result[lead.id] = LeadLinks(lead.id, tuple(connections), _influence(connections))
    return result


def named(store: GraphStore, connections: Sequence[Connection]) -> list[Connection]:
    """The connections with the people in their paths named (one read)."""
    ids = sorted({p.id for c in connections for p in c.path})
    people = store.people(ids) if ids else {}
    return [
        Connection(
            member=c.member,
            buyer=c.buyer,
            lead=c.lead,
            kind=c.kind,
            hops=c.hops,
            path=tuple(people.get(p.id, PersonRef(id=p.id, name=p.id)) for p in c.path),
        )
        for c in connections
    ]


@dataclass(frozen=True)
class ConnectionPage:
    connections: list[Connection]
    total_count: int
    influence: Influence


def check_first(first: int) -> None:
    if not 1 <= first <= CONNECTIONS_MAX:
        raise InvalidArgument(f"`first` must be between 1 and {CONNECTIONS_MAX} (got {first})")


def connection_page(store: GraphStore, lead: LeadView, *, first: int) -> ConnectionPage:
    """The lead's ``first`` closest connections, named, with the total and the influence."""
    check_first(first)
    links = lead_links(store, [lead])[lead.id]
    return ConnectionPage(
        connections=named(store, links.connections[:first]),
        total_count=len(links.connections),
        influence=links.influence,
    )


def require_returnable(links: LeadLinks, policy: Policy) -> None:
    """A rep returns a lead to marketing only while its influence is at or below the policy's
    threshold: a Forbidden saying why otherwise (a manager's or an admin's return approves)."""
    influence = links.influence
    threshold = policy.influence_reject_above
    if influence.score <= threshold:
        return
    raise Forbidden(
        f"lead {links.lead_id} is connected: influence {influence.score:g} (it reaches "
        f"{influence.customers} customer(s) and {influence.open_buyers} open buyer(s)) is above "
        f"the policy's {threshold:g} (connections.reject_needs_manager_above): ask a manager "
        "to return it"
    )


_HOW = {0: "is also", 1: "knows", 2: "knows someone who knows"}


def word_travels(
    links: LeadLinks, lead: LeadView, what: str, *, now: datetime, actor: str
) -> list[Event]:
    """One event for the owner of each connected open lead someone holds: ``lead`` was just
    ``what`` (``lost``, ``returned``), and how its committee is connected to theirs."""
    closest: dict[str, Connection] = {}
    for c in links.connections:  # closest first
        if c.kind == "open" and c.owner_rep_id is not None and c.lead.status in HELD_STATUSES:
            closest.setdefault(c.lead.id, c)
    said = "was lost" if what == "lost" else "was returned to marketing"
    return [
        Event(
            id=event_id(now),
            at=now,
            kind=WORD_TRAVELS,
            actor=actor,
            lead_id=c.lead.id,
            rep_id=c.owner_rep_id,
            reason=(
                f"{lead.title} at {lead.company.name} {said}: its {c.member.role} "
                f"{c.member.person.name} {_HOW[c.hops]} your {c.buyer.role} {c.buyer.person.name}"
            ),
            detail=json.dumps(
                {
                    "from_lead": lead.id,
                    "outcome": what,
                    "hops": c.hops,
                    "member": c.member.person.id,
                    "buyer": c.buyer.person.id,
                },
                sort_keys=True,
            ),
        )
        for c in closest.values()
    ]


def word_travelled(store: GraphStore, lead_id: str, seen: str) -> list[Event]:
    """The word-travels events a change of ``lead_id`` wrote after the event id ``seen``
    (to publish them to subscriptions)."""
    lead = store.lead(lead_id)
    links = lead_links(store, [lead])[lead_id]
    targets = sorted({c.lead.id for c in links.connections if c.kind == "open"})
    history = store.events_of_leads(targets)
    return [
        e
        for target in targets
        for e in history.get(target, [])
        if e.id > seen
        and e.kind == WORD_TRAVELS
        and json.loads(e.detail or "{}").get("from_lead") == lead_id
    ]


def links_matter(policy: Policy) -> bool:
    """Whether a ranking under this policy needs the connections to score or order reps."""
    return policy.weights.get("influence", 0.0) > 0 or policy.prefer_connected_owner


class BatchLinks:
    """The connections of a batch of leads, read for all of them the first time one is asked
    (a ranking that shows no evidence and does not score influence never reads them)."""

    def __init__(self, store: GraphStore, leads: Sequence[LeadView]) -> None:
        self._store = store
        self._leads = list(leads)
        self._found: dict[str, LeadLinks] | None = None
        self._lock = threading.Lock()

    def __call__(self, lead_id: str) -> LeadLinks:
        with self._lock:
            if self._found is None:
                self._found = lead_links(self._store, self._leads)
            return self._found[lead_id]
