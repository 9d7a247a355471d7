"""The network explorer through the ASGI app, on both backends: a node's neighbours a page at a
time (ordered, counted, capped, with each tie's sources and dates), the shortest paths between
reps, people and companies, and who may explore what."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from graph.backends import open_store
from graph.settings import GraphSettings
from tests.api.apiworld import Api, build_world, running_api
from tests.routing.world import World, pid, rid

NEIGHBOURS = """query($kind: NodeKind!, $id: ID!, $first: Int!, $after: String) {
  neighbours(kind: $kind, id: $id, first: $first, after: $after) {
    __typename
    ... on NeighbourPage {
      node { id kind name degree }
      nodes { id kind name degree }
      ties { from to kind sources since until }
      totalCount endCursor hasNextPage
    }
    ... on Problem { code message }
  }
}"""
PATHS = """query($fk: NodeKind!, $f: ID!, $tk: NodeKind!, $t: ID!, $hops: Int!) {
  graphPaths(fromKind: $fk, fromId: $f, toKind: $tk, toId: $t, maxHops: $hops) {
    __typename
    ... on GraphPaths { paths { id kind } ties { from to kind sources until } truncated }
    ... on Problem { code message }
  }
}"""
CROWD = 30


@pytest.fixture
def api(graph_settings: GraphSettings) -> Iterator[Api]:
    """The API world (ann knows dana; bob knows mia who knows dana), with dana working at Acme,
    mia formerly, ann and dana also tied on Facebook, and a crowd of 30 who know dana."""
    tokens = build_world(graph_settings)
    store = open_store(graph_settings)
    try:
        world = World(store)
        world.works_at("dana")
        world.works_at("mia", current=False, ended=date(2022, 6, 30))
        world.knows("ann", "dana", source="facebook")
        for n in range(CROWD):
            world.knows(f"fan{n:02d}", "dana")
    finally:
        store.close()
    with running_api(graph_settings, tokens) as api:
        yield api


def neighbours(api: Api, who: str, kind: str, node: str, first: int, after: Any = None) -> Any:
    variables = {"kind": kind, "id": node, "first": first, "after": after}
    return api.data(who, NEIGHBOURS, variables)["neighbours"]


def test_neighbours_page_by_name_with_count_cursor_and_ties(api: Api) -> None:
    first = neighbours(api, "manager", "PERSON", pid("dana"), 10)
    assert first["node"] == {
        "id": pid("dana"),
        "kind": "PERSON",
        "name": "Dana",
        "degree": first["totalCount"],
    }
    assert first["totalCount"] == CROWD + 3  # the fans, ann (a rep), mia and Acme
    names = [n["name"] for n in first["nodes"]]
    assert names[:2] == ["Acme", "Ann"] and names == sorted(names)
    assert first["nodes"][1] == {"id": rid("ann"), "kind": "REP", "name": "Ann", "degree": 1}
    assert first["ties"][0] == {
        "from": pid("dana"),
        "to": "c:acme",
        "kind": "works_at",
        "sources": [],
        "since": "2020-01-01",
        "until": None,
    }
    assert first["ties"][1]["from"] == pid("dana") and first["ties"][1]["to"] == rid("ann")
    assert first["ties"][1]["sources"] == ["facebook", "linkedin"]
    assert first["hasNextPage"] is True
    seen = [n["id"] for n in first["nodes"]]
    page = first
    while page["hasNextPage"]:
        page = neighbours(api, "manager", "PERSON", pid("dana"), 10, page["endCursor"])
        assert page["totalCount"] == first["totalCount"]
        seen += [n["id"] for n in page["nodes"]]
    assert len(seen) == len(set(seen)) == first["totalCount"]

    # a rep's neighbours are their person's; a company's are its employees, past and present
    ann = neighbours(api, "ann", "REP", rid("ann"), 5)
    assert ann["node"]["kind"] == "REP" and [n["id"] for n in ann["nodes"]] == [pid("dana")]
    assert ann["ties"][0]["from"] == rid("ann")
    acme = neighbours(api, "admin", "COMPANY", "c:acme", 5)
    assert acme["totalCount"] == 2
    assert [(t["from"], t["kind"], t["until"]) for t in acme["ties"]] == [
        (pid("dana"), "works_at", None),
        (pid("mia"), "worked_at", "2022-06-30"),
    ]


def test_neighbours_refusals(api: Api) -> None:
    capped = neighbours(api, "admin", "PERSON", pid("dana"), 101)
    assert capped == {
        "__typename": "Problem",
        "code": "INVALID_ARGUMENT",
        "message": "first must be between 1 and 100 (got 101)",
    }
    cursor = neighbours(api, "admin", "PERSON", pid("dana"), 1)["endCursor"]
    other = neighbours(api, "admin", "PERSON", pid("mia"), 1, cursor)
    assert (other["code"], other["message"][:8]) == ("INVALID_ARGUMENT", "`after` ")
    missing = neighbours(api, "admin", "PERSON", "p:nobody", 5)
    assert missing["code"] == "NOT_FOUND"
    # a rep explores only themselves; a manager not another team's rep
    for who, kind, node in (
        ("ann", "REP", rid("bob")),
        ("ann", "PERSON", pid("dana")),
        ("ann", "COMPANY", "c:acme"),
        ("na_manager", "REP", rid("ann")),
        ("na_manager", "PERSON", pid("ann")),
    ):
        assert neighbours(api, who, kind, node, 5)["code"] == "FORBIDDEN", (who, node)
    assert neighbours(api, "na_manager", "PERSON", pid("dana"), 5)["__typename"] == "NeighbourPage"


def paths(api: Api, who: str, ends: tuple[str, str, str, str], hops: int = 4) -> Any:
    fk, f, tk, t = ends
    variables = {"fk": fk, "f": f, "tk": tk, "t": t, "hops": hops}
    return api.data(who, PATHS, variables)["graphPaths"]


def test_shortest_paths_between_reps_people_and_companies(api: Api) -> None:
    found = paths(api, "manager", ("REP", rid("ann"), "PERSON", pid("mia")))
    assert found["paths"] == [
        [
            {"id": rid("ann"), "kind": "REP"},
            {"id": pid("dana"), "kind": "PERSON"},
            {"id": pid("mia"), "kind": "PERSON"},
        ]
    ]
    ties = {(t["from"], t["to"]): t["sources"] for t in found["ties"]}
    assert ties == {
        (rid("ann"), pid("dana")): ["facebook", "linkedin"],
        (pid("dana"), pid("mia")): ["linkedin"],
    }
    assert found["truncated"] is False
    # to a company: through an employee, current or former
    to_acme = paths(api, "admin", ("REP", rid("bob"), "COMPANY", "c:acme"))
    assert [[n["id"] for n in p] for p in to_acme["paths"]] == [[rid("bob"), pid("mia"), "c:acme"]]
    assert {
        "from": pid("mia"),
        "to": "c:acme",
        "kind": "worked_at",
        "sources": [],
        "until": "2022-06-30",
    } in to_acme["ties"]
    # from a company: the same path, reversed
    from_acme = paths(api, "admin", ("COMPANY", "c:acme", "PERSON", pid("fan07")))
    assert [[n["id"] for n in p] for p in from_acme["paths"]] == [
        ["c:acme", pid("dana"), pid("fan07")]
    ]
    # nothing within reach
    assert paths(api, "admin", ("REP", rid("ann"), "PERSON", pid("fan07")), hops=1)["paths"] == []


def test_paths_refusals(api: Api) -> None:
    ends = ("REP", rid("ann"), "PERSON", pid("dana"))
    assert paths(api, "ann", ends)["code"] == "FORBIDDEN"
    assert paths(api, "na_manager", ends)["code"] == "FORBIDDEN"
    too_far = paths(api, "admin", ends, hops=7)
    assert too_far["message"] == "maxHops must be between 1 and 6 (got 7)"
    both = paths(api, "admin", ("COMPANY", "c:acme", "COMPANY", "c:acme"))
    assert both["code"] == "INVALID_ARGUMENT" and both["message"].startswith("toKind")
