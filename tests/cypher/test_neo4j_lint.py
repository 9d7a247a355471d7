"""The Neo4j dialect is checked offline by Neo4j's own Cypher language support (npm package
@neo4j-cypher/language-support, run on Node): syntax, functions, labels, types, properties and
parameters. ``make test`` installs it (cypher/lint)."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from cypher import CYPHER_DIR, load_dialect
from graph.model import (
    Company,
    DecisionMaker,
    Employment,
    Lead,
    Person,
    Rep,
    School,
    Study,
    Tie,
)

LINT_DIR = CYPHER_DIR / "lint"
pytestmark = pytest.mark.node


def _schema() -> dict[str, list[str]]:
    """Labels, relationship types and property keys, read from the LadybugDB schema file."""
    text = (CYPHER_DIR / "ladybug" / "schema.cypher").read_text(encoding="utf-8")
    labels = re.findall(r"CREATE NODE TABLE IF NOT EXISTS (\w+)", text)
    rel_types = re.findall(r"CREATE REL TABLE IF NOT EXISTS (\w+)", text)
    properties = set()
    for body in re.findall(r"\(([^;]*)\);", text, flags=re.S):
        for part in body.split(","):
            words = part.split()
            if len(words) >= 2 and words[0] not in (
                "FROM",
                "PRIMARY",
                "MANY_MANY",
                "ONE_ONE",
                "MANY_ONE",
            ):
                properties.add(words[0])
    properties.update(re.findall(r"ADD IF NOT EXISTS (\w+)", text))  # columns added later
    # the fields of the records written as $rows are map keys the queries read too
    for record in (Person, Rep, Company, School, Tie, Employment, Study, Lead, DecisionMaker):
        properties.update(f.name for f in dataclasses.fields(record))
    return {"labels": labels, "relationshipTypes": rel_types, "propertyKeys": sorted(properties)}


def _lint(queries: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    node = shutil.which("node")
    if node is None or not (LINT_DIR / "node_modules" / "@neo4j-cypher").exists():
        pytest.fail("Node.js or cypher/lint/node_modules is missing: run `make install`")
    done = subprocess.run(
        [node, str(LINT_DIR / "lint.cjs")],
        input=json.dumps({"schema": _schema(), "queries": queries}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return {r["id"]: r["diagnostics"] for r in json.loads(done.stdout)["results"]}


def test_every_neo4j_query_is_valid_cypher_5() -> None:
    catalog = load_dialect("neo4j")
    queries = []
    for query in catalog.queries.values():
        for number, statement in enumerate(query.statements):
            queries.append(
                {
                    "id": f"{query.file.name}:{query.line}:{query.name}#{number}",
                    "text": statement,
                    "parameters": sorted(query.params),
                }
            )
    results = _lint(queries)
    problems = {qid: diags for qid, diags in results.items() if diags}
    assert problems == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MATCH (p:Person {id: $person_id} RETURN p", "Invalid input"),
        (
            "MATCH (p:Person {id: $person_id}) RETURN shortest_path(p)",
            "Function shortest_path is not present",
        ),
        ("MATCH (p:Persn {id: $person_id}) RETURN p", "Label Persn is not present"),
        ("MATCH (p:Person {id: $personid}) RETURN p", "Parameter $personid is not defined"),
    ],
)
def test_the_lint_catches_what_it_must(text: str, expected: str) -> None:
    diagnostics = _lint([{"id": "q", "text": text, "parameters": ["person_id"]}])["q"]
    assert any(expected in d["message"] for d in diagnostics), diagnostics


def test_schema_for_the_lint_has_the_model() -> None:
    schema = _schema()
    assert {"Person", "Rep", "Company", "Lead", "Event"} <= set(schema["labels"])
    assert {"KNOWS", "IS", "WORKS_AT", "DECISION_MAKER"} <= set(schema["relationshipTypes"])
    assert {"linkedin_url", "strength", "current", "contact_due_at"} <= set(schema["propertyKeys"])


def test_lint_dir_is_where_the_makefile_installs_it() -> None:
    assert (LINT_DIR / "package.json").exists()
    assert Path(LINT_DIR / "package-lock.json").exists()
