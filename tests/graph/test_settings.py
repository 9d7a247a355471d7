"""One setting selects the backend; a missing or bad value is one line naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import ConfigError
from graph.settings import (
    LadybugSettings,
    Neo4jSettings,
    WarmpathSettings,
    graph_settings_from_env,
    settings_table,
)


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


def test_every_setting_reads_its_variable(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('mode = "round_robin"\n', encoding="utf-8")
    settings = WarmpathSettings.from_env(
        {
            "WARMPATH_GRAPH_URI": "bolt://db.internal:7687",
            "WARMPATH_NEO4J_USER": "warmpath",
            "WARMPATH_NEO4J_PASSWORD": "s3cret",
            "WARMPATH_NEO4J_DATABASE": "sales",
            "WARMPATH_LADYBUG_BUFFER_POOL_MB": "512",
            "WARMPATH_POLICY": str(policy),
            "WARMPATH_ENV": " Development ",
            "WARMPATH_SLA_SWEEP_SECONDS": "0",
            "WARMPATH_MARKETING_WEBHOOK": "https://marketing.example/returned",
            "WARMPATH_LOG_FORMAT": "json",
            "WARMPATH_TO_NEO4J_PASSWORD": "other",
        }
    )
    assert settings.graph == Neo4jSettings(
        uri="bolt://db.internal:7687", user="warmpath", password="s3cret", database="sales"
    )
    assert settings.ladybug_buffer_pool_mb == 512 and settings.policy == policy
    assert settings.development and settings.sla_sweep_seconds == 0
    assert settings.marketing_webhook == "https://marketing.example/returned"
    assert settings.log_format == "json"
    assert settings.to_neo4j_password.get_secret_value() == "other"
    assert "s3cret" not in repr(settings) and "other" not in repr(settings)


def test_defaults_and_blank_values() -> None:
    blank = {f"WARMPATH_{name.upper()}": "  " for name in WarmpathSettings.model_fields}
    for env in ({}, blank):
        settings = WarmpathSettings.from_env(env)
        assert settings.graph == LadybugSettings(path=Path("./data/warmpath.lbdb"))
        assert (settings.env, settings.sla_sweep_seconds, settings.log_format) == (
            "production",
            60.0,
            "text",
        )
        assert settings.policy is None and settings.marketing_webhook is None


def test_each_bad_value_is_one_line_naming_key_value_and_what_is_valid(tmp_path: Path) -> None:
    env = {
        "WARMPATH_ENV": "staging",
        "WARMPATH_SLA_SWEEP_SECONDS": "-5",
        "WARMPATH_MARKETING_WEBHOOK": "ftp://files.example",
        "WARMPATH_LOG_FORMAT": "xml",
        "WARMPATH_POLICY": str(tmp_path / "none.toml"),
        "WARMPATH_LADYBUG_BUFFER_POOL_MB": "0",
        "WARMPATH_NEO4J_PASSWORD": "s3cret",
    }
    with pytest.raises(ConfigError) as caught:
        WarmpathSettings.from_env(env)
    lines = str(caught.value).splitlines()
    assert lines == [
        "WARMPATH_LADYBUG_BUFFER_POOL_MB='0' must be greater than 0 (megabytes, e.g. 2048)",
        f"WARMPATH_POLICY='{tmp_path / 'none.toml'}' names no file: give the path of a policy "
        "TOML file (check it with `warmpath policy check`), or unset it for the built-in defaults",
        "WARMPATH_ENV='staging' is not valid: use production or development",
        "WARMPATH_SLA_SWEEP_SECONDS='-5' must be 0 (off) or more seconds",
        "WARMPATH_MARKETING_WEBHOOK='ftp://files.example' is not an http(s) URL: use e.g. "
        "https://marketing.example/leads/returned",
        "WARMPATH_LOG_FORMAT='xml' is not valid: use text or json",
    ]
    assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize("seconds", ["soon", "nan", "inf"])
def test_the_sweep_interval_is_a_finite_number(seconds: str) -> None:
    with pytest.raises(ConfigError, match=r"is not a number of seconds: use e\.g\. 60, or 0"):
        WarmpathSettings.from_env({"WARMPATH_SLA_SWEEP_SECONDS": seconds})


def test_readme_settings_table_is_generated_from_the_class() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    start = readme.index("| variable | meaning | default |")
    documented = readme[start : readme.index("\n\n", start)]
    assert documented == settings_table(), "regenerate it: python -m graph.settings"
    for name in WarmpathSettings.model_fields:
        assert f"| `WARMPATH_{name.upper()}` |" in documented


@pytest.mark.parametrize(
    "uri", ["neo4js://neo4j:s3cret@db:7687", "neo4j://neo4j:s3cret@", "s3cret@db:7687"]
)
def test_a_password_typed_into_a_bad_uri_is_never_printed(uri: str) -> None:
    with pytest.raises(ConfigError) as caught:
        graph_settings_from_env({"WARMPATH_GRAPH_URI": uri})
    assert "s3cret" not in str(caught.value)
    assert str(caught.value).startswith("WARMPATH_GRAPH_URI=")


def test_paths_the_system_refuses_are_one_line_not_a_traceback(tmp_path: Path) -> None:
    too_long = "/" + "x" * 5000
    with pytest.raises(ConfigError) as caught:
        WarmpathSettings.from_env({"WARMPATH_POLICY": too_long})
    assert str(caught.value).startswith("WARMPATH_POLICY=") and "cannot be read" in str(
        caught.value
    )
    assert len(str(caught.value).splitlines()) == 1
    with pytest.raises(ConfigError) as caught:
        graph_settings_from_env({"WARMPATH_GRAPH_URI": "ladybug://" + too_long})
    assert "cannot be used" in str(caught.value) and len(str(caught.value)) < 400
