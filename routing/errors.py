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

__all__ = [
    "ConfigError",
    "DatabaseLocked",
    "InvalidArgument",
    "NotFound",
    "QueryCatalogError",
    "StoreError",
    "StoreUnavailable",
    "WarmpathError",
]
