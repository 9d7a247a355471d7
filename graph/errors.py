"""The root of warmpath's exception hierarchy.

The hierarchy lives at the lowest layer (``graph``) so that every layer can raise it without
depending upward; ``routing.errors`` re-exports it and adds the domain errors. Each surface
(CLI, GraphQL, HTTP) translates these exceptions in one place.

Every ``warmpath`` command exits with one of these codes (README, "Exit codes"): 0 done; 1 the
command ran but found problems (invalid rows, differences, undelivered messages); 2 bad input,
usage or settings; 3 the graph database is unavailable or failed (cannot be reached or opened,
locked by another process, refused the credentials or an operation). ``exit_code`` on each
exception class says which, so that every command translates an error the same way.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_DATABASE = 3


class WarmpathError(Exception):
    """Any expected failure: its message is written for the person who has to fix it."""

    code = "ERROR"
    exit_code = EXIT_USAGE


class ConfigError(WarmpathError):
    """A setting is missing or has a value that cannot be used."""

    code = "BAD_CONFIG"


class InvalidArgument(WarmpathError):
    """A caller passed a value outside what the operation accepts."""

    code = "INVALID_ARGUMENT"


class NotFound(WarmpathError):
    """A key names no person, rep, company or lead in the graph."""

    code = "NOT_FOUND"


class ConsentMissing(WarmpathError):
    """A rep's export was to be imported without the rep's consent on record (raised by
    ``importers.consent``; here so that the command line's uploads name it without loading
    the importers)."""

    code = "CONSENT_MISSING"


class QueryCatalogError(WarmpathError):
    """The Cypher files are inconsistent (duplicate or missing names, parameter mismatch)."""

    code = "QUERY_CATALOG"


class StoreUnavailable(WarmpathError):
    """The graph database cannot be opened or reached."""

    code = "STORE_UNAVAILABLE"
    exit_code = EXIT_DATABASE


class DatabaseLocked(StoreUnavailable):
    """Another process holds the embedded database file."""

    code = "DATABASE_LOCKED"


class StoreError(WarmpathError):
    """The database refused an operation (constraint, write conflict, bad data)."""

    code = "STORE_ERROR"
    exit_code = EXIT_DATABASE


class UnusableInput(WarmpathError):
    """A whole input file cannot be used (wrong format, missing columns, unreadable)."""

    code = "UNUSABLE_INPUT"


class NeedsGraph(BaseException):
    """A query asked for inside ``graph.store.from_memory()``: the work needs the graph, so
    its caller runs it again where blocking is fine (a worker thread). A BaseException, as
    KeyboardInterrupt is, so that no ``except Exception`` on the way turns it into an answer;
    every handler between the query and ``from_memory`` re-raises it."""
