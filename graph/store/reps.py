"""The reps as a store keeps them in memory: the directory (by id, email, person) and the rep
side of proximity questions (the rep network and the reps' stints), read through the caches."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence

from cypher import QueryCatalog
from graph.errors import NotFound
from graph.model import Rep, RepRef, Stint
from graph.network import RepNetwork
from graph.store.caches import GRAPH, REPS, RepDirectory, RepSide
from graph.store.mappers import rep_profile, rep_ref, stint
from graph.store.runner import QueryRunner, needs_graph

REP_EXPORT_SOURCES = ("linkedin", "facebook")
"""Tie sources of reps' own exports: every such tie has the rep's person at one end."""


class CypherReps(QueryRunner):
    """Reads of the reps that the other repositories share."""

    def __init__(self, catalog: QueryCatalog) -> None:
        super().__init__(catalog)
        self._rep_side_lock = threading.Lock()
        self._rep_directory_read = threading.Lock()
        self._activity_read = threading.Lock()

    def _rep_directory(self) -> RepDirectory:
        """Every rep, kept in memory: reps are few and change rarely.

        Refreshed after this process writes reps and at most every REP_DIRECTORY_TTL seconds,
        so a rep added by another process (another API replica on Neo4j) shows up soon after.
        """
        self._fresh_changes()
        return self._one_read_at_a_time(
            self._rep_directory_read,
            "all_reps",
            self.caches.directory,
            self._read_directory,
            self.caches.directory_due,
        )

    def _read_directory(self) -> RepDirectory:
        (before,) = self.caches.generation(REPS)
        rows = self._read("all_reps")
        directory = RepDirectory([rep_ref(r) for r in rows], [rep_profile(r) for r in rows])
        self.caches.keep_directory(directory, before)
        return directory

    def forget_rep_network(self) -> None:
        """Drop the rep directory and network kept in memory, so that the next question reads
        them again: for a unit of work that changed ties, once it has committed (a question
        answered meanwhile may have read them before the commit)."""
        self.caches.forget(frozenset({REPS}))

    def _reps(self, ids: Sequence[str]) -> dict[str, RepRef]:
        by_id = self._rep_directory().by_id
        return {rep_id: by_id[rep_id] for rep_id in ids if rep_id in by_id}

    def rep(self, rep_id: str) -> RepRef:
        found = self._reps([rep_id]).get(rep_id)
        if found is None:
            raise NotFound(f"no rep with id {rep_id!r}")
        return found

    def rep_profiles(self) -> Mapping[str, Rep]:
        """Every rep's profile (region, products, capacity, ...) by rep id. The same object
        until the directory is refreshed: callers may memoise what they derive from it."""
        return self._rep_directory().profiles

    def _reporters(
        self, stored: Sequence[str] | None, source: str, ends: tuple[str, str]
    ) -> tuple[str, ...]:
        """Who reported a tie: as stored, or, for a tie written before provenance existed, the
        reps at its ends when its source is one of the reps' own exports (REP_EXPORT_SOURCES);
        nobody known otherwise."""
        if stored is not None:
            return tuple(stored)
        if source not in REP_EXPORT_SOURCES:
            return ()
        by_person = self._rep_directory().by_person
        return tuple(sorted(by_person[end].id for end in ends if end in by_person))

    def _rep_side_cache(self) -> RepSide:
        """The rep network and stints, read once and rebuilt after this process writes ties,
        stints or reps, here or in another process (caches.py ``changes_seen``)."""
        self._fresh_changes()
        side = self.caches.rep_side()
        if side is not None:
            return side
        needs_graph("rep network")  # not behind the lock another thread may read it under
        with self._rep_side_lock:
            side = self.caches.rep_side()
            if side is not None:
                return side
            (before,) = self.caches.generation(REPS)
            directory = self._rep_directory()
            rep_ids = sorted(directory.by_id)
            network = RepNetwork(
                rep_ids,
                [directory.by_id[r].person_id for r in rep_ids],
                self._read_table("rep_contacts"),
                self._read_table("rep_contacts_employers"),
            )
            by_place: dict[str, list[tuple[str, Stint]]] = defaultdict(list)
            for row in self._read("rep_stints"):
                found = stint(row)
                by_place[f"{found.kind}:{found.place_id}"].append((row["owner_id"], found))
            side = RepSide(
                network=network, stints_by_place=dict(by_place), loaded_at=time.monotonic()
            )
            self.caches.keep_rep_side(side, before)
            return side

    def warm_up(self) -> None:
        """Read what is kept in memory now rather than on the first question."""
        self._rep_side_cache()

    def cache_generation(self) -> tuple[int, ...]:
        """Changes whenever warmpath writes what a lead's reach is read from (people,
        companies, committees, ties, employments, studies, reps): what is derived from the
        graph and kept elsewhere (routing/reach.py) is stale once it moves. Another process's
        writes move it too, within about a second (caches.py ``CHANGES_POLL``)."""
        self._fresh_changes()
        return self.caches.generation(REPS, GRAPH)

    def rep_network_age(self) -> float | None:
        """Seconds since the rep network was last read from the graph into memory (None: not
        yet). After this process writes reps or ties it is dropped and read again on the next
        question; the age runs on from the last read until then."""
        read_at = self.caches.rep_network_read_at
        return None if read_at is None else time.monotonic() - read_at
