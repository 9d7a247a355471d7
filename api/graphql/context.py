"""What a GraphQL request runs with: the services every request shares, and a per-request
``Context`` with the signed-in user, the leads already read and the ranking DataLoader."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from api.auth import Access
from api.broker import EventBroker
from graph.model import LeadView, User
from graph.store import GraphStore
from routing import leads
from routing.connections import LeadLinks, lead_links
from routing.errors import Forbidden, WarmpathError
from routing.policy import Policy
from routing.policy_versions import PolicyInForce
from routing.ranking import Ranking

T = TypeVar("T")


class Services:
    """What every request shares: the store, the policy in force, the clock and the event
    broker. ``policy`` is the latest version applied in the graph (checked every few seconds:
    routing/policy_versions.py), else the configured one; setting it routes by it at once."""

    def __init__(
        self,
        store: GraphStore,
        policy: Policy,
        clock: Callable[[], datetime],
        broker: EventBroker | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.broker = broker or EventBroker()
        self.policies = PolicyInForce(store, policy)

    @property
    def policy(self) -> Policy:
        return self.policies.current()

    @policy.setter
    def policy(self, policy: Policy) -> None:
        self.policies.use(policy)


async def off(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking store call in a worker thread, off the event loop."""
    return await asyncio.to_thread(function, *args, **kwargs)


class Context(BaseContext):
    def __init__(self, services: Services, user: User | None) -> None:
        super().__init__()
        self.services = services
        self.user = user
        self.pages: dict[str, LeadView] = {}
        """The leads this request has read and checked, by id (a page's leads, a lead asked for)."""
        self._every_lead: list[LeadView] | None = None
        self._every_lead_read = threading.Lock()

    @cached_property
    def rankings(self) -> DataLoader[tuple[str, int], Ranking]:
        """A page's leads' rankings, asked together. Made when first asked: a loader holds
        its context (a reference cycle, freed only by the cyclic garbage collector), and most
        requests (a claim, ``me``) never ask."""
        return DataLoader(self._load_rankings)

    @cached_property
    def links(self) -> DataLoader[str, LeadLinks]:
        """Leads' connections and influence (checked leads only: see ``visible_lead``)."""
        return DataLoader(self._load_links)

    @property
    def store(self) -> GraphStore:
        return self.services.store

    @property
    def access(self) -> Access:
        if self.user is None:
            raise Forbidden("sign in with a bearer token")
        return Access(self.user, self.store)

    def now(self) -> datetime:
        return self.services.clock()

    @property
    def actor(self) -> str:
        """Who the activity log says took a step."""
        user = self.access.user
        return f"{user.role}:{user.rep_id or user.id}"

    def every_lead(self) -> list[LeadView]:
        """Every lead, without committees, read once per request however many fields of the
        request list leads (the lead queue asks a count per status and a page: one read)."""
        with self._every_lead_read:
            if self._every_lead is None:
                store = self.store
                self._every_lead = store.kept_answer("every lead", lambda: leads.all_leads(store))
            return self._every_lead

    def visible_lead(self, lead_id: str) -> LeadView:
        """The lead, when the caller may see it (blocking: run it ``off`` the loop)."""
        lead = leads.visible_lead(self.store, self.access, lead_id, known=self.pages.get(lead_id))
        self.pages[lead_id] = lead
        return lead

    def ranking(self, lead_id: str) -> Ranking:
        """One lead's ranking (blocking: run it ``off`` the loop); a page's leads are ranked
        together through ``rankings``."""
        return self._rank([lead_id])[lead_id]

    def _rank(self, lead_ids: list[str]) -> dict[str, Ranking]:
        return leads.rankings(
            self.store, lead_ids, policy=self.services.policy, now=self.now(), known=self.pages
        )

    async def _load_rankings(self, keys: list[tuple[str, int]]) -> list[Ranking | BaseException]:
        lead_ids = list(dict.fromkeys(k[0] for k in keys))
        try:
            found = await off(self._rank, lead_ids)
        except WarmpathError as exc:
            return [exc for _ in keys]
        return [found[k[0]] for k in keys]

    async def _load_links(self, lead_ids: list[str]) -> list[LeadLinks | BaseException]:
        def read() -> dict[str, LeadLinks]:
            found = [self.pages.get(i) or self.store.lead(i) for i in lead_ids]
            return lead_links(self.store, found)

        try:
            found = await off(read)
        except WarmpathError as exc:
            return [exc for _ in lead_ids]
        return [found[i] for i in lead_ids]
