"""The GraphQL surface's one error mapping. A domain failure a client can fix becomes a
``Problem`` (a code and words for a person) in the field's result union, or keeps its message
with its code in ``extensions``; anything else (a bug, a database failure, a broken setting) is
logged with the request id and shown as "Unexpected error." with that id."""

from __future__ import annotations

import enum
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from api.observability import current_request_id, problem_returned
from routing.errors import StoreError, StoreUnavailable, WarmpathError

T = TypeVar("T")
log = logging.getLogger(__name__)


@strawberry.enum
class ErrorCode(enum.Enum):
    ALREADY_CLAIMED = "ALREADY_CLAIMED"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    INVALID_STATE = "INVALID_STATE"
    INVALID_ARGUMENT = "INVALID_ARGUMENT"


@strawberry.type(description="An expected failure: a code to branch on and words for a person.")
class Problem:
    code: ErrorCode
    message: str


_CODES = {c.value: c for c in ErrorCode}
CLIENT_CODES = frozenset(_CODES)
"""The codes of failures a client can fix; every other failure is masked."""
DATABASE_FAILURES = (StoreError, StoreUnavailable)
"""Failures of the graph database: shown to clients as "Unexpected error." and logged."""


def _client_failure(exc: BaseException) -> bool:
    return (
        isinstance(exc, WarmpathError)
        and not isinstance(exc, DATABASE_FAILURES)
        and exc.code in _CODES
    )


def problem(exc: WarmpathError) -> Problem:
    """A domain failure as a Problem. Anything else (a database failure, a broken setting or
    catalog) is not the caller's to fix and its text may name internals: it is re-raised, to be
    logged and masked by the schema's ErrorBoundary."""
    if not _client_failure(exc):
        raise exc
    code = _CODES[exc.code]
    problem_returned(code.value)
    return Problem(code=code, message=str(exc))


async def answer(work: Callable[[], Awaitable[T]]) -> T | Problem:
    """What ``work`` returns, or the domain failure it raised as a Problem: the body of every
    field whose result union has a Problem member."""
    try:
        return await work()
    except WarmpathError as exc:
        return problem(exc)


def _unexpected(error: GraphQLError) -> bool:
    """Whether an error's text must not reach the client: anything a resolver raised that is not
    a domain failure (a bug, a database failure, a broken setting). Errors of the request itself
    (syntax, validation, variables that do not fit their types) keep their words: they are
    written by GraphQL about the caller's own text."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    if error.path is None and isinstance(original, (ValueError, TypeError)):
        return False  # a variable's value that its scalar cannot parse
    return not _client_failure(original)


class ErrorBoundary(MaskErrors):
    """The GraphQL surface's one error boundary. A domain failure keeps its message and gets its
    code in ``extensions``; anything else is logged with the request id and answered
    "Unexpected error." with that id in ``extensions.requestId``, for operators to find."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_unexpected)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = current_request_id() or uuid.uuid4().hex
        original = error.original_error
        log.error(
            "unexpected error in %s (request %s)",
            ".".join(str(p) for p in error.path or ()) or "the request",
            request_id,
            exc_info=(type(original), original, original.__traceback__) if original else None,
        )
        return GraphQLError(
            message="Unexpected error.",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "INTERNAL", "requestId": request_id},
        )

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = []
        for error in super()._process_errors(errors):
            original = error.original_error
            if isinstance(original, WarmpathError) and not error.extensions:
                error.extensions = {"code": original.code}
            processed.append(error)
        return processed
