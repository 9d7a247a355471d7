"""The root of warmpath's exception hierarchy.

The hierarchy lives at the lowest layer (``graph``) so that every layer can raise it without
depending upward; ``routing.errors`` re-exports it and adds the domain errors. Each surface
(CLI, GraphQL, HTTP) translates these exceptions in one place.
"""

from __future__ import annotations


class WarmpathError(Exception):
    """Any expected failure: its message is written for the person who has to fix it."""

    code = "ERROR"


class ConfigError(WarmpathError):
    """A setting is missing or has a value that cannot be used."""

    code = "BAD_CONFIG"


class InvalidArgument(WarmpathError):
    """A caller passed a value outside what the operation accepts."""

    code = "INVALID_ARGUMENT"


class NotFound(WarmpathError):
    """A key names no person, rep, company or lead in the graph."""

    code = "NOT_FOUND"


class QueryCatalogError(WarmpathError):
    """The Cypher files are inconsistent (duplicate or missing names, parameter mismatch)."""

    code = "QUERY_CATALOG"


class StoreUnavailable(WarmpathError):
    """The graph database cannot be opened or reached."""

    code = "STORE_UNAVAILABLE"


class DatabaseLocked(StoreUnavailable):
    """Another process holds the embedded database file."""

    code = "DATABASE_LOCKED"


class StoreError(WarmpathError):
    """The database refused an operation (constraint, write conflict, bad data)."""

    code = "STORE_ERROR"


class UnusableInput(WarmpathError):
    """A whole input file cannot be used (wrong format, missing columns, unreadable)."""

    code = "UNUSABLE_INPUT"
