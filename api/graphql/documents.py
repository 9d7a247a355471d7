"""Each distinct GraphQL text is parsed and validated once per process, not on every request.

Validation walks the document once per rule (graphql-core's rules, the depth and alias
limiters): most of what a small query costs. The rules are the same for every request, so a
text that passed passes again: ``KnownDocuments`` keeps the texts that passed (a bounded LRU;
a text that fails is validated every time and answered with its errors as before). Parsing is
kept by Strawberry's ``ParserCache`` (the token limit still applies to a new text).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from threading import Lock

from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

KNOWN_DOCUMENTS = 512
"""How many distinct texts are kept (the manager page sends a few dozen)."""


class _Passed:
    """The texts that passed validation, least recently used first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._texts: OrderedDict[str, None] = OrderedDict()
        self._lock = Lock()

    def __contains__(self, text: object) -> bool:
        with self._lock:
            if text not in self._texts:
                return False
            self._texts.move_to_end(str(text))
            return True

    def add(self, text: str) -> None:
        with self._lock:
            self._texts[text] = None
            while len(self._texts) > self.size:
                self._texts.popitem(last=False)


_passed = _Passed(KNOWN_DOCUMENTS)


class KnownDocuments(SchemaExtension):
    """Validate a text once: a text that passed before skips validation (set as passed)."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        text = context.query
        if text is not None and context.graphql_document is not None:
            if text in _passed:
                context.pre_execution_errors = []
            else:
                errors = validate_document(
                    context.schema._schema,
                    context.graphql_document,
                    tuple(context.validation_rules),
                )
                context.pre_execution_errors = errors
                if not errors:
                    _passed.add(text)
        yield
