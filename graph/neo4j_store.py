"""The Neo4j adapter (production, teams, clustering).

One driver per process; reads are routed to readers (``routing_="r"``) of an explicit database,
writes go through managed write transactions that the driver retries on transient errors.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import neo4j
from neo4j import GraphDatabase, RoutingControl
from neo4j.exceptions import AuthError, ClientError, DriverError, Neo4jError, ServiceUnavailable

from cypher import QueryCatalog, load_catalogs
from graph.errors import StoreError, StoreUnavailable
from graph.settings import Neo4jSettings
from graph.store import CypherGraphStore, Row


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

    def __init__(self, settings: Neo4jSettings, *, catalog: QueryCatalog | None = None) -> None:
        super().__init__(catalog or load_catalogs()["neo4j"])
        self.settings = settings
        self.database = settings.database
        self._local = threading.local()
        try:
            self._driver = GraphDatabase.driver(
                settings.uri, auth=(settings.user, settings.password)
            )
            self._driver.verify_connectivity()
        except AuthError:
            raise StoreUnavailable(
                f"Neo4j at {settings.uri} refused user {settings.user!r}: check "
                "WARMPATH_NEO4J_USER and WARMPATH_NEO4J_PASSWORD"
            ) from None
        except (ServiceUnavailable, DriverError, ValueError, OSError) as exc:
            raise StoreUnavailable(f"cannot reach Neo4j at {settings.uri}: {exc}") from None

    def _run(
        self, text: str, params: Mapping[str, Any] | None, routing: RoutingControl
    ) -> list[Row]:
        try:
            records, _, _ = self._driver.execute_query(
                neo4j.Query(text),
                dict(params or {}),
                database_=self.database,
                routing_=routing,
            )
        except ServiceUnavailable as exc:
            raise StoreUnavailable(f"lost Neo4j at {self.settings.uri}: {exc}") from None
        except (ClientError, Neo4jError) as exc:
            raise StoreError(f"Neo4j refused the query: {exc.message or exc}") from None
        return [{k: _native(v) for k, v in record.data().items()} for record in records]

    def _in_transaction(self, text: str, params: Mapping[str, Any] | None) -> list[Row] | None:
        tx = getattr(self._local, "tx", None)
        if tx is None:
            return None
        try:
            result = tx.run(text, dict(params or {}))
            return [{k: _native(v) for k, v in record.data().items()} for record in result]
        except (ClientError, Neo4jError) as exc:
            raise StoreError(f"Neo4j refused the query: {exc.message or exc}") from None

    def _read(self, name: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        inside = self._in_transaction(self.catalog[name].text, params)
        if inside is not None:
            return inside
        return self._run(self.catalog[name].text, params, RoutingControl.READ)

    def _write(self, name: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        inside = self._in_transaction(self.catalog[name].text, params)
        if inside is not None:
            return inside
        return self._run(self.catalog[name].text, params, RoutingControl.WRITE)

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Everything written inside is one Neo4j transaction: committed together or not at all."""
        if getattr(self._local, "tx", None) is not None:
            yield
            return
        with self._driver.session(database=self.database) as session:
            tx = session.begin_transaction()
            self._local.tx = tx
            try:
                yield
            except BaseException:
                self._local.tx = None
                tx.rollback()
                raise
            self._local.tx = None
            tx.commit()

    def setup_schema(self) -> None:
        for statement in self.catalog["schema"].statements:
            self._run(statement, None, RoutingControl.WRITE)

    def close(self) -> None:
        self._driver.close()
