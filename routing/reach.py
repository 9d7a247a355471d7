"""Each lead's reach (graph/model.py ``LeadReach``), kept between rankings.

The reach is the graph's side of a ranking: how every rep reaches the lead's buying committee
and company. It is the costly part (queries around each decision-maker), and it changes only
when the graph does: the lead's committee or company, people, ties, employments, studies or
reps. What changes with every claim (workloads, last assignments, penalty boxes: the roster)
and the policy are applied on top at each ranking, so a ranking asked twice costs a lookup
and a few array operations over the reps.

An entry is kept with the store's generations of what it was read from
(``GraphStore.cache_generation``): a write in this process to any of it makes it stale at
once, and another process's within about a second of its announcement (its writes are
announced in the graph: graph/store/caches.py, graph/store/announcer.py). ``REACH_TTL`` is
only a backstop for writes made outside warmpath, as for the rep network the reach is
computed with (``REP_NETWORK_TTL``).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from graph.model import LeadReach, LeadView
from graph.store import GraphStore
from graph.store.caches import REP_NETWORK_TTL

REACH_TTL = REP_NETWORK_TTL
REACH_KEPT = 20_000
"""How many leads' reach one process keeps (least recently used first out)."""
WARM_BATCH = 500

_Key = tuple[tuple[str, ...], str]


@dataclass(frozen=True)
class _Kept:
    key: _Key
    generation: tuple[int, ...]
    explain: bool
    loaded_at: float
    reach: LeadReach


def _key(lead: LeadView) -> _Key:
    return tuple(m.person.id for m in lead.committee), lead.company.id


class ReachCache:
    """The reach of the leads ranked lately, by lead id."""

    def __init__(self, kept: int = REACH_KEPT) -> None:
        self._kept: OrderedDict[str, _Kept] = OrderedDict()
        self._limit = kept
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._kept)

    def _fresh(
        self, lead: LeadView, generation: tuple[int, ...], explain: bool
    ) -> LeadReach | None:
        kept = self._kept.get(lead.id)
        if (
            kept is None
            or kept.generation != generation
            or kept.key != _key(lead)
            or (explain and not kept.explain)
            or time.monotonic() - kept.loaded_at > REACH_TTL
        ):
            return None
        self._kept.move_to_end(lead.id)
        return kept.reach

    def reaches(
        self, store: GraphStore, leads: Sequence[LeadView], *, explain: bool
    ) -> dict[str, LeadReach]:
        """The reach of each lead: kept ones as they are, the others read in one go."""
        generation = store.cache_generation()
        found: dict[str, LeadReach] = {}
        missing: list[LeadView] = []
        with self._lock:
            for lead in leads:
                reach = self._fresh(lead, generation, explain)
                if reach is None:
                    missing.append(lead)
                else:
                    found[lead.id] = reach
            self.hits += len(found)
            self.misses += len(missing)
        if missing:
            read = store.lead_reach(missing, explain=explain)
            self._keep(store, missing, read, generation, explain)
            found.update(read)
        return found

    def _keep(
        self,
        store: GraphStore,
        leads: Sequence[LeadView],
        read: dict[str, LeadReach],
        generation: tuple[int, ...],
        explain: bool,
    ) -> None:
        if store.cache_generation() != generation:  # the graph changed while it was read
            return
        now = time.monotonic()
        with self._lock:
            for lead in leads:
                self._kept[lead.id] = _Kept(_key(lead), generation, explain, now, read[lead.id])
                self._kept.move_to_end(lead.id)
            while len(self._kept) > self._limit:
                self._kept.popitem(last=False)

    def warm(self, store: GraphStore, leads: Sequence[LeadView]) -> Iterator[int]:
        """Read the reach of these leads ahead of the first question about them, in batches;
        yields how many are done after each batch."""
        for start in range(0, len(leads), WARM_BATCH):
            batch = leads[start : start + WARM_BATCH]
            self.reaches(store, batch, explain=True)
            yield start + len(batch)


def reach_cache(store: GraphStore) -> ReachCache:
    """The one reach cache of this store in this process (kept with the store)."""
    return store.kept("routing.reach", ReachCache)
