"""Every Cypher query warmpath runs, as named blocks in ``.cypher`` files, one folder per dialect.

A block starts with a header line ``// name: <query_name>``, followed by ``//`` description lines
and the query text. Values always travel as ``$params``; query text is never built from values.
The loader refuses to start, naming file and line, when a name is duplicated, a query is empty,
or a name or the set of ``$params`` differs between the dialects.

The bottom layer: it imports nothing of warmpath but graph.errors (the root of the exception
hierarchy, a leaf module); graph's adapters import it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from graph.errors import QueryCatalogError

DIALECTS = ("ladybug", "neo4j")
CYPHER_DIR = Path(__file__).resolve().parent

_HEADER = re.compile(r"^//\s*name:\s*(?P<name>\S*)\s*$")
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    text: str
    params: frozenset[str]
    file: Path
    line: int

    @property
    def statements(self) -> list[str]:
        """The query split on ``;`` at line ends (schema blocks hold several statements)."""
        return [part.strip() for part in re.split(r";\s*$", self.text, flags=re.M) if part.strip()]


def parameters_of(text: str) -> frozenset[str]:
    """The ``$param`` names a query uses (string literals and comments are ignored)."""
    code = "\n".join(line.split("//", 1)[0] for line in _STRING.sub("''", text).splitlines())
    return frozenset(_PARAM.findall(code))


def parse_file(path: Path) -> list[NamedQuery]:
    """Parse one ``.cypher`` file into its named blocks."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[NamedQuery] = []
    current: tuple[str, int] | None = None
    description: list[str] = []
    body: list[str] = []
    in_header = False

    def finish() -> None:
        if current is None:
            return
        name, line_no = current
        text = "\n".join(body).strip()
        if not text:
            raise QueryCatalogError(f"{path}:{line_no}: query {name!r} is empty")
        blocks.append(
            NamedQuery(
                name=name,
                description=" ".join(description).strip(),
                text=text,
                params=parameters_of(text),
                file=path,
                line=line_no,
            )
        )

    for number, line in enumerate(lines, start=1):
        header = _HEADER.match(line.strip())
        if header:
            finish()
            name = header.group("name")
            if not _NAME.match(name):
                raise QueryCatalogError(
                    f"{path}:{number}: query name {name!r} must be lower_snake_case"
                )
            current, description, body, in_header = (name, number), [], [], True
            continue
        if current is None:
            if line.strip() and not line.strip().startswith("//"):
                raise QueryCatalogError(
                    f"{path}:{number}: query text before the first '// name:' header"
                )
            continue
        if in_header and line.strip().startswith("//"):
            description.append(line.strip()[2:].strip())
            continue
        in_header = False
        body.append(line)
    finish()
    return blocks


@dataclass(frozen=True)
class QueryCatalog:
    dialect: str
    queries: dict[str, NamedQuery]

    def __getitem__(self, name: str) -> NamedQuery:
        try:
            return self.queries[name]
        except KeyError:
            raise QueryCatalogError(f"no query named {name!r} in cypher/{self.dialect}/") from None


def load_dialect(dialect: str, root: Path = CYPHER_DIR) -> QueryCatalog:
    """Load every block of one dialect, failing on a duplicate name."""
    if dialect not in DIALECTS:
        raise QueryCatalogError(f"unknown Cypher dialect {dialect!r}; known: {', '.join(DIALECTS)}")
    folder = root / dialect
    files = sorted(folder.glob("*.cypher"))
    if not files:
        raise QueryCatalogError(f"{folder}: no .cypher files")
    queries: dict[str, NamedQuery] = {}
    for path in files:
        for query in parse_file(path):
            if query.name in queries:
                first = queries[query.name]
                raise QueryCatalogError(
                    f"{path}:{query.line}: duplicate query name {query.name!r} "
                    f"(first defined at {first.file}:{first.line})"
                )
            queries[query.name] = query
    return QueryCatalog(dialect=dialect, queries=queries)


def load_catalogs(root: Path = CYPHER_DIR) -> dict[str, QueryCatalog]:
    """Load all dialects and check that they define the same names with the same parameters."""
    catalogs = {dialect: load_dialect(dialect, root) for dialect in DIALECTS}
    reference_name = DIALECTS[0]
    reference = catalogs[reference_name]
    for dialect, catalog in catalogs.items():
        if dialect == reference_name:
            continue
        for name, query in catalog.queries.items():
            if name not in reference.queries:
                raise QueryCatalogError(
                    f"{query.file}:{query.line}: query {name!r} has no counterpart in "
                    f"cypher/{reference_name}/"
                )
        for name, ref_query in reference.queries.items():
            other = catalog.queries.get(name)
            if other is None:
                raise QueryCatalogError(
                    f"{ref_query.file}:{ref_query.line}: query {name!r} has no counterpart in "
                    f"cypher/{dialect}/"
                )
            if other.params != ref_query.params:
                only_ref = sorted(ref_query.params - other.params)
                only_other = sorted(other.params - ref_query.params)
                raise QueryCatalogError(
                    f"{other.file}:{other.line}: query {name!r} parameters differ from "
                    f"{ref_query.file}:{ref_query.line}: only in {reference_name}: {only_ref}, "
                    f"only in {dialect}: {only_other}"
                )
    return catalogs
