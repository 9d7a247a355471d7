"""The Neo4j adapter (production, teams, clustering).

One driver per process; reads are routed to readers (``routing_="r"``) of an explicit database,
writes go through managed write transactions that the driver retries on transient errors.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

import neo4j
from neo4j import GraphDatabase, NotificationMinimumSeverity, RoutingControl
from neo4j.exceptions import (
    AuthError,
    ClientError,
    DriverError,
    IncompleteCommit,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from cypher import QueryCatalog, load_catalogs
from graph import neo4j_times
from graph.errors import StoreError, StoreUnavailable
from graph.model import OrgSnapshot
from graph.neo4j_bulk import load_empty_graph
from graph.settings import Neo4jSettings
from graph.store import CypherGraphStore, Progress, Row, utc_params
from graph.store.caches import changed_by
from graph.store.runner import first_count

T = TypeVar("T")
RETRYABLE = (TransientError, SessionExpired, ServiceUnavailable)
RETRY_SECONDS = 10.0
"""How long the driver keeps retrying a transaction (or connecting): a request of the API waits
at most about this long for a restarting server before it fails."""


def _line(exc: Exception) -> str:
    """The first line of an error's message: the driver's messages run over several lines."""
    text = str(getattr(exc, "message", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


_SCHEMA_OBJECT = re.compile(r"^CREATE\s+(?:CONSTRAINT|INDEX)\s+(\w+)\s+IF\s+NOT\s+EXISTS\b", re.I)


def schema_object(statement: str) -> str | None:
    """The name a ``CREATE CONSTRAINT|INDEX <name> IF NOT EXISTS`` statement creates (comment
    lines aside), or None for any other statement."""
    code = "\n".join(line for line in statement.splitlines() if not line.lstrip().startswith("//"))
    found = _SCHEMA_OBJECT.match(code.strip())
    return found.group(1) if found else None


def _native(value: Any) -> Any:
    """Neo4j temporal values to Python's, recursively."""
    if hasattr(value, "to_native"):
        return value.to_native()
    if isinstance(value, list):
        return [_native(v) for v in value]
    if isinstance(value, dict):
        return {k: _native(v) for k, v in value.items()}
    return value


class Neo4jStore(CypherGraphStore):
    backend = "neo4j"
    transaction_rows: int | None = 50_000
    """A transaction lives in the server's heap (1 GB in docker-compose.yml): larger imports
    are written in batches (importers/plan.py)."""
    reads_id_lists = True
    shares_graph = True
    keeps_person_ties = True
    reads_lead_whole = True

    def __init__(self, settings: Neo4jSettings, *, catalog: QueryCatalog | None = None) -> None:
        super().__init__(catalog or load_catalogs()["neo4j"])
        self.settings = settings
        self.database = settings.database
        self._local = threading.local()
        self.caches.announces_leads = True  # every process announces the leads it moves
        neo4j_times.install()  # timestamps read as Python's directly (graph/neo4j_times.py)
        try:
            self._driver = GraphDatabase.driver(
                settings.uri,
                auth=(settings.user, settings.password),
                max_transaction_retry_time=RETRY_SECONDS,
                connection_timeout=RETRY_SECONDS,
                # notices such as "this property key does not exist yet" are about queries
                # written for a schema-less graph, not about anything a user can act on
                notifications_min_severity=NotificationMinimumSeverity.OFF,
            )
        except (DriverError, ValueError) as exc:
            raise StoreUnavailable(
                f"WARMPATH_GRAPH_URI={settings.uri!r} is not usable: {_line(exc)}"
            ) from None
        try:
            self._driver.verify_connectivity()
        except AuthError:
            self._driver.close()
            raise StoreUnavailable(
                f"Neo4j at {settings.uri} refused user {settings.user!r}: check "
                "WARMPATH_NEO4J_USER and WARMPATH_NEO4J_PASSWORD"
            ) from None
        except (ServiceUnavailable, DriverError, Neo4jError, ValueError, OSError):
            self._driver.close()
            raise StoreUnavailable(
                f"cannot reach Neo4j at {settings.uri}: check that the server runs and that "
                "WARMPATH_GRAPH_URI names its Bolt address (`make neo4j` starts one here)"
            ) from None

    def _run(
        self, text: str, params: Mapping[str, Any] | None, routing: RoutingControl
    ) -> list[Row]:
        try:
            if routing is RoutingControl.READ:
                return self._read_once(text, params)
            records, _, _ = self._driver.execute_query(
                neo4j.Query(text),
                utc_params(dict(params or {})),
                database_=self.database,
                routing_=routing,
            )
        except (ServiceUnavailable, SessionExpired) as exc:
            raise StoreUnavailable(f"lost Neo4j at {self.settings.uri}: {_line(exc)}") from None
        except (ClientError, Neo4jError) as exc:
            raise StoreError(f"Neo4j refused the query: {_line(exc)}") from None
        except DriverError as exc:  # e.g. the store was closed (shutdown under a request)
            raise StoreUnavailable(f"Neo4j at {self.settings.uri}: {_line(exc)}") from None
        return [{k: _native(v) for k, v in record.data().items()} for record in records]

    def _read_once(self, text: str, params: Mapping[str, Any] | None) -> list[Row]:
        """A read as one auto-commit statement: a round trip fewer than a managed transaction
        (no COMMIT; a third less time per read on the demo). It changes nothing, so a lost
        connection or a transient error is tried again, for ``RETRY_SECONDS`` like the
        driver's transactions. Every session of this store shares the driver's bookmark
        manager, so on a cluster a read sees what this process wrote before it."""
        deadline = time.monotonic() + RETRY_SECONDS
        pause = 0.05
        while True:
            try:
                with self._driver.session(
                    database=self.database,
                    default_access_mode=neo4j.READ_ACCESS,
                    bookmark_manager=self._driver.execute_query_bookmark_manager,
                ) as session:
                    result = session.run(neo4j.Query(text), utc_params(dict(params or {})))
                    return [{k: _native(v) for k, v in record.data().items()} for record in result]
            except RETRYABLE:
                if time.monotonic() + pause > deadline:
                    raise
                time.sleep(pause)
                pause = min(2 * pause, 1.0)

    def _in_transaction(self, text: str, params: Mapping[str, Any] | None) -> list[Row] | None:
        tx = getattr(self._local, "tx", None)
        if tx is None:
            return None
        try:
            result = tx.run(text, utc_params(dict(params or {})))
            return [{k: _native(v) for k, v in record.data().items()} for record in result]
        except RETRYABLE as exc:
            if getattr(self._local, "managed", False):
                raise  # the driver runs the unit of work again
            if isinstance(exc, TransientError) and "MemoryPool" in (exc.code or ""):
                raise StoreError(
                    "the transaction needs more memory than Neo4j allows it "
                    "(dbms.memory.transaction.total.max): nothing was written"
                ) from None
            raise StoreUnavailable(
                f"Neo4j at {self.settings.uri} gave up the transaction, nothing was written: "
                f"{_line(exc)}"
            ) from None
        except (ClientError, Neo4jError) as exc:
            raise StoreError(f"Neo4j refused the query: {_line(exc)}") from None

    def _run_read(self, name: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        inside = self._in_transaction(self.catalog[name].text, params)
        if inside is not None:
            return inside
        return self._run(self.catalog[name].text, params, RoutingControl.READ)

    def _run_write(self, name: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        inside = self._in_transaction(self.catalog[name].text, params)
        if inside is not None:
            return inside
        rows = self._run(self.catalog[name].text, params, RoutingControl.WRITE)
        self._announce(changed_by(name))
        return rows

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Everything written inside is one Neo4j transaction: committed together or not at all.
        Not retried (an import is long): a failure leaves nothing written and says so."""
        if getattr(self._local, "tx", None) is not None:
            yield
            return
        session = self._driver.session(
            database=self.database, bookmark_manager=self._driver.execute_query_bookmark_manager
        )
        try:
            tx = session.begin_transaction()
        except (ServiceUnavailable, SessionExpired, DriverError, OSError) as exc:
            session.close()
            raise StoreUnavailable(f"lost Neo4j at {self.settings.uri}: {_line(exc)}") from None
        except Neo4jError as exc:
            session.close()
            raise StoreError(f"Neo4j refused the transaction: {_line(exc)}") from None
        self._local.tx = tx
        self.caches.began()
        maybe_written = False  # a commit whose outcome is unknown is announced all the same
        try:
            try:
                yield
            except BaseException:
                self._local.tx = None
                self.caches.rolled_back()
                with suppress(Neo4jError, DriverError, OSError):
                    tx.rollback()
                raise
            self._local.tx = None
            try:
                tx.commit()
            except IncompleteCommit:
                self.caches.rolled_back()
                maybe_written = True
                raise StoreUnavailable(
                    f"lost Neo4j at {self.settings.uri} while committing: the import may or "
                    "may not have been written; rerun it (imports are safe to rerun)"
                ) from None
            except (ServiceUnavailable, SessionExpired) as exc:
                self.caches.rolled_back()
                raise StoreUnavailable(
                    f"lost Neo4j at {self.settings.uri} while committing; nothing was "
                    f"written: {_line(exc)}"
                ) from None
            except Neo4jError as exc:
                self.caches.rolled_back()
                raise StoreError(f"commit failed, nothing was written: {_line(exc)}") from None
        finally:
            written = self.caches.ended()
            with suppress(Neo4jError, DriverError, OSError):
                session.close()
            if maybe_written:
                self._announce(written)
        self._announce(written)

    def run_atomic(self, unit: Callable[[], T], *, one_write: bool = False) -> T:
        """One managed write transaction (``execute_write``): the driver runs ``unit`` again
        on transient errors (a deadlock between two writers, a lost connection); with
        ``one_write`` too (its statement takes locks that the transaction holds)."""
        if getattr(self._local, "tx", None) is not None:
            return unit()

        attempts = 0

        def work(tx: neo4j.ManagedTransaction) -> T:
            nonlocal attempts
            attempts += 1
            if attempts > 1:  # the driver runs it again: the last attempt did not commit
                self.caches.rolled_back()
            self._local.tx, self._local.managed = tx, True
            try:
                return unit()
            finally:
                self._local.tx, self._local.managed = None, False

        try:
            with self._driver.session(
                database=self.database,
                bookmark_manager=self._driver.execute_query_bookmark_manager,
            ) as session:
                self.caches.began()
                try:
                    done = session.execute_write(work)
                except BaseException:
                    self.caches.rolled_back()
                    raise
                finally:
                    written = self.caches.ended()
            self._announce(written)
            return done
        except (ServiceUnavailable, SessionExpired) as exc:
            raise StoreUnavailable(f"lost Neo4j at {self.settings.uri}: {_line(exc)}") from None
        except TransientError as exc:
            raise StoreError(
                f"Neo4j stayed busy after several tries, nothing was written: {_line(exc)}"
            ) from None
        except (ClientError, Neo4jError) as exc:
            raise StoreError(f"Neo4j refused the transaction: {_line(exc)}") from None

    def bulk_load(self, snapshot: OrgSnapshot, progress: Progress | None = None) -> dict[str, int]:
        """Load an organisation with CREATE in large batches when the graph is empty
        (graph/neo4j_bulk.py: the snapshot is checked before anything is written). On a graph
        that already holds data, or inside a transaction (whose batches cannot be spread over
        sessions), this falls back to the idempotent merge path (safe to rerun). The fast path
        is for a new graph nobody else writes yet (``warmpath demo``, the benchmarks): it does
        not lock the emptiness it checked against another writer."""
        counts = self.counts()
        inside = getattr(self._local, "tx", None) is not None
        if inside or counts.people or counts.companies or counts.leads or counts.reps:
            return super().bulk_load(snapshot, progress)
        try:
            return load_empty_graph(snapshot, self._write_batch, progress)
        finally:
            self.caches.forget()

    def _write_batch(self, name: str, rows: list[Row]) -> int:
        return first_count(self._write(name, {"rows": rows}), "written")

    def setup_schema(self) -> None:
        """Create the constraints and indexes the graph lacks, then run the schema's other
        statements (the one-off link-up of events). Which exist is asked first (two reads), so
        a command on a graph that has them all makes three round trips instead of one per
        constraint and index (0.2 s of every CLI command); a user who may not list them gets
        every statement, each a no-op when its constraint or index exists (IF NOT EXISTS)."""
        existing: set[str] = set()
        with suppress(StoreError):
            for listing in ("SHOW CONSTRAINTS YIELD name", "SHOW INDEXES YIELD name"):
                existing.update(
                    str(r["name"]) for r in self._run(listing, None, RoutingControl.READ)
                )
        for statement in self.catalog["schema"].statements:
            if schema_object(statement) not in existing:
                self._run(statement, None, RoutingControl.WRITE)

    def close(self) -> None:
        self._close_background()  # what waits is sent while the driver is still open
        self._driver.close()
