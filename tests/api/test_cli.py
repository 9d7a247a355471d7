"""The warmpath CLI: exit codes, readable tables, JSON, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from cli import app
from graph.settings import GraphSettings, LadybugSettings
from tests.conftest import graph_env
from tests.factories import SmallOrg

runner = CliRunner()


def _invoke(settings: GraphSettings, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=graph_env(settings))
    return result.exit_code, result.stdout, result.stderr


def test_every_command_has_help_text() -> None:
    group = get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        assert command.help, f"warmpath {name} has no help text"


def test_paths_json_lists_nodes_and_edge_sources(small_org: tuple[GraphSettings, SmallOrg]) -> None:
    path, org = small_org
    code, out, _ = _invoke(
        path,
        "paths",
        "--rep",
        "bob@seller.example",
        "--person",
        "https://www.linkedin.com/in/dana-whitfield",
        "--json",
    )
    assert code == 0
    answer = json.loads(out)
    assert answer["rep"]["id"] == org.bob
    assert [[n["name"] for n in p["nodes"]] for p in answer["paths"]] == [
        ["Bob Brown", "Noah Park", "Dana Whitfield"],
        ["Bob Brown", "Mia Chen", "Dana Whitfield"],
    ]
    assert answer["paths"][0]["steps"][0]["sources"] == ["crm"]


def test_paths_table_shows_names_and_sources(small_org: tuple[GraphSettings, SmallOrg]) -> None:
    path, _ = small_org
    code, out, _ = _invoke(
        path, "paths", "--rep", "carol@seller.example", "--person", "li:dana-whitfield"
    )
    assert code == 0
    assert "Carol Cruz -> Dana Whitfield: 3 hop(s), 1 path(s)" in out
    assert "-[facebook]- Omar Said" in " ".join(out.split())


def test_near_table_and_json(small_org: tuple[GraphSettings, SmallOrg]) -> None:
    path, org = small_org
    code, out, _ = _invoke(path, "near", "--person", "li:dana-whitfield")
    assert code == 0
    assert "Reps within 2 hops of Dana Whitfield" in out and "3 reps" in out
    code, out, _ = _invoke(
        path, "near", "--person", "li:dana-whitfield", "--max-hops", "3", "--json"
    )
    assert code == 0
    assert [(r["rep"]["id"], r["hops"]) for r in json.loads(out)["reps"]] == [
        (org.alice, 1),
        (org.bob, 2),
        (org.dan, 2),
        (org.carol, 3),
    ]
    carol = json.loads(out)["reps"][-1]
    assert [[p["name"] for p in chain] for chain in carol["via"]] == [["Yuki Tan", "Omar Said"]]
    code, out, _ = _invoke(path, "near", "--person", "li:dana-whitfield", "--max-hops", "3")
    assert code == 0
    assert "Yuki Tan > Omar Said" in " ".join(out.split())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("paths", "--rep", "ghost@seller.example", "--person", "li:dana-whitfield"),
            "error: no rep with key 'ghost@seller.example'",
        ),
        (
            ("near", "--person", "https://www.linkedin.com/in/nobody"),
            "error: no person with key 'https://www.linkedin.com/in/nobody'"
            " (tried it as a LinkedIn URL)",
        ),
        (
            ("near", "--person", "li:dana-whitfield", "--max-hops", "4"),
            "error: max_hops must be 1, 2 or 3 (got 4)",
        ),
        (
            (
                "paths",
                "--rep",
                "bob@seller.example",
                "--person",
                "li:dana-whitfield",
                "--max-hops",
                "0",
            ),
            "error: max_hops must be 1, 2 or 3 (got 0)",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(
    small_org: tuple[GraphSettings, SmallOrg], args: tuple[str, ...], message: str
) -> None:
    path, _ = small_org
    code, out, err = _invoke(path, *args)
    assert code == 2
    assert err.strip() == message
    assert out == ""


def test_missing_database_tells_how_to_create_one(tmp_path: Path) -> None:
    code, _, err = _invoke(LadybugSettings(path=tmp_path / "none.lbdb"), "stats")
    assert code == 3  # the database is unavailable
    assert "no database at" in err and "warmpath demo" in err


def test_bad_backend_setting_names_the_key(tmp_path: Path) -> None:
    result = runner.invoke(app, ["stats"], env={"WARMPATH_GRAPH_URI": "mysql://x"})
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(
        "error: WARMPATH_GRAPH_URI='mysql://x' is not supported"
    )


def test_demo_loads_once_and_is_safe_to_rerun(graph_settings: GraphSettings) -> None:
    path = graph_settings
    code, out, _ = _invoke(path, "demo", "--reps", "10", "--people", "300", "--leads", "12")
    assert code == 0 and "loaded demo organisation" in out
    code, out, _ = _invoke(path, "stats", "--json")
    counts = json.loads(out)
    assert (counts["reps"], counts["people"], counts["leads"]) == (10, 300, 12)
    code, out, _ = _invoke(path, "demo", "--reps", "10", "--people", "300", "--leads", "12")
    assert code == 0 and "graph already holds data; left as it is" in out
