"""One setting selects the backend; a missing or bad value is one line naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import ConfigError
from graph.settings import LadybugSettings, Neo4jSettings, graph_settings_from_env


def test_default_is_the_embedded_file_under_data() -> None:
    settings = graph_settings_from_env({})
    assert settings == LadybugSettings(path=Path("./data/warmpath.lbdb"))


def test_ladybug_uri_with_absolute_path() -> None:
    settings = graph_settings_from_env({"WARMPATH_GRAPH_URI": "ladybug:///srv/warmpath/graph.lbdb"})
    assert isinstance(settings, LadybugSettings)
    assert settings.path == Path("/srv/warmpath/graph.lbdb")


def test_neo4j_uri_needs_user_and_password_and_never_prints_the_password() -> None:
    env = {
        "WARMPATH_GRAPH_URI": "neo4j://db.internal:7687",
        "WARMPATH_NEO4J_USER": "warmpath",
        "WARMPATH_NEO4J_PASSWORD": "s3cret",
    }
    settings = graph_settings_from_env(env)
    assert settings == Neo4jSettings(
        uri="neo4j://db.internal:7687", user="warmpath", password="s3cret"
    )
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"WARMPATH_GRAPH_URI": "bolt://localhost:7687"}, "WARMPATH_NEO4J_USER is not set"),
        (
            {"WARMPATH_GRAPH_URI": "bolt://localhost:7687", "WARMPATH_NEO4J_USER": "neo4j"},
            "WARMPATH_NEO4J_PASSWORD is not set",
        ),
        (
            {"WARMPATH_GRAPH_URI": "postgres://x"},
            "WARMPATH_GRAPH_URI='postgres://x' is not supported",
        ),
        (
            {"WARMPATH_GRAPH_URI": "/tmp/graph.lbdb"},
            "is not supported: use ladybug:///path/file.lbdb",
        ),
        ({"WARMPATH_GRAPH_URI": "ladybug://"}, "names no database file"),
        ({"WARMPATH_GRAPH_URI": "neo4j://"}, "has no host"),
        ({"WARMPATH_GRAPH_URI": "neo4j://u:p@host:7687"}, "must not carry credentials"),
        (
            {"WARMPATH_LADYBUG_BUFFER_POOL_MB": "lots"},
            "WARMPATH_LADYBUG_BUFFER_POOL_MB='lots' is not a whole number",
        ),
    ],
)
def test_bad_settings_name_the_key(env: dict[str, str], message: str) -> None:
    with pytest.raises(
        ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")
    ) as caught:
        graph_settings_from_env(env)
    assert "\n" not in str(caught.value)


def test_ladybug_uri_naming_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        graph_settings_from_env({"WARMPATH_GRAPH_URI": f"ladybug://{tmp_path}"})
