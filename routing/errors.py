"""warmpath's one exception hierarchy, as seen by the domain and the surfaces above it.

The root classes are defined in :mod:`graph.errors` (the lowest layer, so the graph adapters can
raise them without importing upward) and re-exported here; domain errors are added here.
"""

from graph.errors import (
    ConfigError,
    DatabaseLocked,
    InvalidArgument,
    NotFound,
    QueryCatalogError,
    StoreError,
    StoreUnavailable,
    WarmpathError,
)


class AlreadyClaimed(WarmpathError):
    """Someone else claimed the lead first."""

    code = "ALREADY_CLAIMED"


class NotEligible(WarmpathError):
    """The policy's rules keep this rep from this lead (the message says which rule)."""

    code = "NOT_ELIGIBLE"


class InvalidState(WarmpathError):
    """The lead is not in a state that allows this step (the message says which it is in)."""

    code = "INVALID_STATE"


class Forbidden(WarmpathError):
    """The caller's role does not allow this."""

    code = "FORBIDDEN"


__all__ = [
    "AlreadyClaimed",
    "ConfigError",
    "DatabaseLocked",
    "Forbidden",
    "InvalidArgument",
    "InvalidState",
    "NotEligible",
    "NotFound",
    "QueryCatalogError",
    "StoreError",
    "StoreUnavailable",
    "WarmpathError",
]
