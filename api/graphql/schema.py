"""The schema: queries, mutations and the subscription, with the request limits and the one
error boundary."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
)

from api.graphql.documents import KNOWN_DOCUMENTS, KnownDocuments
from api.graphql.errors import ErrorBoundary
from api.graphql.mutations import Mutation
from api.graphql.queries import Query
from api.graphql.subscriptions import Subscription
from api.observability import GraphQLMetrics


class _Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Log nothing here: a domain failure or a malformed request is the caller's (counted
        in the metrics), and ErrorBoundary logs everything else with its request id."""


schema = _Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    extensions=[
        GraphQLMetrics,
        lambda: QueryDepthLimiter(max_depth=10),
        lambda: MaxTokensLimiter(max_token_count=2000),
        lambda: MaxAliasesLimiter(max_alias_count=15),
        ErrorBoundary,
        lambda: ParserCache(maxsize=KNOWN_DOCUMENTS),  # each text parsed once
        KnownDocuments,  # and validated once (api/graphql/documents.py)
    ],
)
