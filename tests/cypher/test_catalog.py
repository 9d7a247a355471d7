"""The query loader refuses inconsistent Cypher files, naming file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cypher import load_catalogs, load_dialect, parameters_of
from graph.errors import QueryCatalogError


def _write(root: Path, dialect: str, text: str, name: str = "q.cypher") -> None:
    folder = root / dialect
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_shipped_dialects_define_the_same_queries_with_the_same_parameters() -> None:
    catalogs = load_catalogs()
    assert set(catalogs["ladybug"].queries) == set(catalogs["neo4j"].queries)
    assert "person_ties" in catalogs["neo4j"].queries
    assert catalogs["ladybug"]["person_ties"].params == {"person_id"}


def test_every_query_has_a_description() -> None:
    for catalog in load_catalogs().values():
        for query in catalog.queries.values():
            assert query.description, f"{query.file}:{query.line}: {query.name} has no description"


def test_duplicate_name_is_refused_with_both_places(tmp_path: Path) -> None:
    _write(tmp_path, "ladybug", "// name: a\n// d\nRETURN 1\n")
    _write(tmp_path, "ladybug", "// name: a\n// d\nRETURN 2\n", name="r.cypher")
    with pytest.raises(
        QueryCatalogError,
        match=r"r\.cypher:1: duplicate query name 'a' \(first defined at .*q\.cypher:1\)",
    ):
        load_dialect("ladybug", tmp_path)


def test_empty_query_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "ladybug", "// name: a\n// d\nRETURN 1\n\n// name: b\n// nothing here\n")
    with pytest.raises(QueryCatalogError, match=r"q\.cypher:5: query 'b' is empty"):
        load_dialect("ladybug", tmp_path)


def test_parameter_mismatch_between_dialects_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "ladybug", "// name: a\n// d\nMATCH (p {id: $id}) RETURN p\n")
    _write(tmp_path, "neo4j", "\n// name: a\n// d\nMATCH (p {id: $person_id}) RETURN p\n")
    with pytest.raises(
        QueryCatalogError,
        match=r"neo4j/q\.cypher:2: query 'a' parameters differ .*"
        r"only in ladybug: \['id'\], only in neo4j: \['person_id'\]",
    ):
        load_catalogs(tmp_path)


def test_query_missing_from_one_dialect_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "ladybug", "// name: a\n// d\nRETURN 1\n\n// name: b\n// d\nRETURN 2\n")
    _write(tmp_path, "neo4j", "// name: a\n// d\nRETURN 1\n")
    with pytest.raises(
        QueryCatalogError,
        match=r"ladybug/q\.cypher:5: query 'b' has no counterpart in cypher/neo4j/",
    ):
        load_catalogs(tmp_path)


def test_text_before_the_first_header_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "ladybug", "RETURN 1\n// name: a\nRETURN 1\n")
    with pytest.raises(QueryCatalogError, match=r"q\.cypher:1: query text before the first"):
        load_dialect("ladybug", tmp_path)


def test_parameters_in_strings_and_comments_do_not_count() -> None:
    text = "MATCH (p {id: $id}) // not $this\nRETURN '$nope', \"$no\" AS x, $limit"
    assert parameters_of(text) == {"id", "limit"}
