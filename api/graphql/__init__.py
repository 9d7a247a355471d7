"""The GraphQL schema (Strawberry): context, the one error mapping, types by subject, queries,
mutations and the lead-event subscription. Resolvers check access and call ``routing`` services;
they never see the store's queries. May import ``api.auth``, ``api.broker``,
``api.observability``, ``routing`` and ``graph`` records, never ``api.app``."""

from api.graphql.context import Context, Services, off
from api.graphql.errors import (
    CLIENT_CODES,
    DATABASE_FAILURES,
    ErrorBoundary,
    ErrorCode,
    Problem,
    answer,
    problem,
)
from api.graphql.mutations import Mutation
from api.graphql.queries import Query
from api.graphql.schema import schema
from api.graphql.subscriptions import Subscription

__all__ = [
    "CLIENT_CODES",
    "DATABASE_FAILURES",
    "Context",
    "ErrorBoundary",
    "ErrorCode",
    "Mutation",
    "Problem",
    "Query",
    "Services",
    "Subscription",
    "answer",
    "off",
    "problem",
    "schema",
]
