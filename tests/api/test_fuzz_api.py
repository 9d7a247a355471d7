"""Hypothesis-generated GraphQL requests against the real ASGI app, on both backends: every query
and mutation field of the schema, with values of the right types (and awkward ones: empty, long,
NUL, Cypher-looking, naive times), by every role. Whatever the values: no HTTP 500, no masked
"Unexpected error." (a well-formed request with bad values is the caller's problem, and gets
words), and no internal text in any answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.graphql import schema
from graph.settings import GraphSettings
from tests.api.apiworld import Api, build_world, running_api
from tests.api.test_error_boundary import assert_clean
from tests.routing.world import rid

SCHEMA: GraphQLSchema = build_schema(schema.as_str())
WHO = ("admin", "manager", "na_manager", "ann", "dan", "intake")

known = st.sampled_from(
    [
        "L1",
        "L2",
        "L4",
        "NOPE",
        rid("ann"),
        rid("dan"),
        "ann@seller.example",
        "p:dana",
        "p:mia",
        "c:acme",
        "https://www.linkedin.com/in/dana",
        "EMEA",
        "hot",
        "offered",
        "won",
    ]
)
awkward = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "x" * 600,
        "MATCH (n) DETACH DELETE n",
        "' OR 1=1 --",
        "{}",
        "%s",
        "\u202e\u0000\ud7ff",
        "../../etc/passwd",
        "null",
        "🙂" * 300,
    ]
)
text = st.one_of(known, awkward, st.text(max_size=40))
times = st.one_of(
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)).map(
        lambda d: d.isoformat()  # naive
    ),
    st.datetimes(
        min_value=datetime(1900, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=-14)), timezone(timedelta(hours=14))]
        ),
    ).map(lambda d: d.isoformat()),
    text,
)


def values(kind: Any) -> st.SearchStrategy[Any]:
    if isinstance(kind, GraphQLNonNull):
        return values(kind.of_type)
    if isinstance(kind, GraphQLList):
        return st.lists(values(kind.of_type), max_size=3)
    if isinstance(kind, GraphQLEnumType):
        return st.sampled_from(sorted(kind.values))
    if isinstance(kind, GraphQLInputObjectType):
        return st.fixed_dictionaries(
            {}, optional={name: nullable(f.type) for name, f in kind.fields.items()}
        )
    assert isinstance(kind, GraphQLScalarType), kind
    return {
        "Int": st.one_of(st.integers(-3, 30), st.integers(-(2**31), 2**31 - 1)),
        "Float": st.floats(allow_nan=False, allow_infinity=False, width=64),
        "Boolean": st.booleans(),
        "DateTime": times,
    }.get(kind.name, text)


def nullable(kind: Any) -> st.SearchStrategy[Any]:
    if isinstance(kind, GraphQLNonNull):
        return values(kind)
    return st.one_of(st.none(), values(kind))


def selection(kind: Any) -> str:
    while isinstance(kind, (GraphQLNonNull, GraphQLList)):
        kind = kind.of_type
    if isinstance(kind, GraphQLUnionType):
        return "{ __typename ... on Problem { code message } }"
    if isinstance(kind, GraphQLObjectType):
        scalars = [
            name
            for name, f in kind.fields.items()
            if not f.args and isinstance(_named(f.type), (GraphQLScalarType, GraphQLEnumType))
        ]
        return "{ __typename %s }" % " ".join(scalars)
    return ""


def _named(kind: Any) -> Any:
    while isinstance(kind, (GraphQLNonNull, GraphQLList)):
        kind = kind.of_type
    return kind


FIELDS: list[tuple[str, str, GraphQLField]] = [
    (operation, name, f)
    for operation, root in (("query", SCHEMA.query_type), ("mutation", SCHEMA.mutation_type))
    if root is not None
    for name, f in root.fields.items()
]


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, dict[str, Any]]:
    operation, name, f = draw(st.sampled_from(FIELDS))
    variables = {}
    for arg, definition in f.args.items():
        if isinstance(definition.type, GraphQLNonNull) and definition.default_value is None:
            variables[arg] = draw(values(definition.type))
        elif draw(st.booleans()):
            variables[arg] = draw(nullable(definition.type))
    declared = ", ".join(f"${a}: {f.args[a].type}" for a in variables)
    passed = ", ".join(f"{a}: ${a}" for a in variables)
    query = "%s%s { %s%s %s }" % (
        operation,
        f"({declared})" if declared else "",
        name,
        f"({passed})" if passed else "",
        selection(f.type),
    )
    return draw(st.sampled_from(WHO)), query, variables


@pytest.fixture
def api(graph_settings: GraphSettings) -> Iterator[Api]:
    tokens = build_world(graph_settings)
    with running_api(graph_settings, tokens) as running:
        running.data("manager", 'mutation { routeLead(leadId: "L1") { __typename } }')
        running.data("ann", 'mutation { claimLead(leadId: "L1") { __typename } }')
        yield running


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=requests())
def test_no_request_gets_a_500_a_masked_error_or_internal_text(
    api: Api, request: tuple[str, str, dict[str, Any]]
) -> None:
    who, query, variables = request
    response = api.client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {api.tokens[who]}"},
    )
    assert response.status_code == 200, (query, variables, response.text[:500])
    assert_clean(response.text, sent=json.dumps(variables) + query)
    for error in response.json().get("errors") or ():
        assert error["message"] != "Unexpected error.", (who, query, variables)
