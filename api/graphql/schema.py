"""The schema: queries, mutations and the subscription, with the request limits and the one
error boundary."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
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

_LIMITS = (
    *QueryDepthLimiter(max_depth=10).validation_rules,
    *MaxAliasesLimiter(max_alias_count=15).validation_rules,
)
"""The depth and alias limits as validation rules, made once: Strawberry's limiters make a new
rule class each time one is built, and an extension is built for every request (a text that
passed before is not validated again: ``KnownDocuments``)."""


class RequestLimits(AddValidationRules):
    """At most 10 levels deep and 15 aliases (the rules of ``_LIMITS``)."""

    def __init__(self) -> None:
        super().__init__(list(_LIMITS))


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
        RequestLimits,
        lambda: MaxTokensLimiter(max_token_count=2000),
        ErrorBoundary,
        lambda: ParserCache(maxsize=KNOWN_DOCUMENTS),  # each text parsed once
        KnownDocuments,  # and validated once (api/graphql/documents.py)
    ],
)
