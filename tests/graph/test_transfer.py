"""``warmpath transfer`` (graph/transfer/): a whole graph crosses between backends, every
property intact; an interrupted copy finishes when run again; the final check names what
differs; the CLI's one-line errors.

``store`` is the backend under test (LadybugDB or Neo4j, see tests/conftest.py); the other end is
a LadybugDB file in tmp_path, so both directions run ladybug <-> neo4j and ladybug <-> ladybug.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import ladybug
import neo4j
import pytest
from typer.testing import CliRunner

from api.auth import add_user, token_hash
from cli import app
from cypher import load_dialect
from graph.backends import open_store
from graph.errors import ConfigError
from graph.keys import tombstone_hash
from graph.ladybug_store import LadybugStore
from graph.model import Company, Consent, Lead, OutboxMessage, Person, Tie
from graph.settings import GraphSettings, LadybugSettings, Neo4jSettings
from graph.store import GraphStore
from graph.transfer import KINDS, compare, transfer, transfer_settings
from routing import intake
from routing.background import shared_background
from routing.lifecycle import assign_lead, reject_lead
from routing.policy import load_policy
from routing.policy_versions import apply_policy
from tests.conftest import graph_env
from tests.factories import SmallOrg, build_small_org
from tests.routing.world import NOW, World, rid

runner = CliRunner()


@dataclass(frozen=True)
class Facts:
    """What the world below holds, to look for after a transfer."""

    org: SmallOrg
    admin_token: str
    rep_token: str
    returned_message: str
    failing_message: str


def _fill(store: GraphStore) -> Facts:
    """The hand-drawn organisation, a lead claimed through a manager's assignment, a lead
    returned to marketing (an undelivered message), a message that failed once, API users."""
    org = build_small_org(store)
    store.merge_ties(
        [
            Tie(
                a=org.pb,
                b=org.zed,
                source="crm",
                since=date(2019, 5, 4),
                strength=0.35,
                reported_by=("relationships.csv",),
            )
        ]
    )
    world = World(store)
    world.company("acme")
    world.rep(
        "ann",
        industries=("software", "fintech"),
        products=("platform", "analytics"),
        out_until=date(2026, 12, 24),
        team="EMEA",
    )
    world.knows("ann", "cfo", "cto")
    world.works_at("cto", current=False, started=date(2015, 3, 1), ended=date(2019, 6, 30))
    world.studied_at("cfo", "state", started=date(2001, 9, 1), ended=date(2005, 6, 30))
    world.lead("lead-a", ("cfo", "economic_buyer"), ("cto", "technical"), value=52_000.5)
    world.lead("lead-b", ("cfo", "economic_buyer"), grade="hot")
    world.event("note", "ann", at=NOW - timedelta(hours=5))  # about no lead
    policy = load_policy()
    assign_lead(store, "lead-a", rid("ann"), "owns the account", policy=policy, now=NOW, actor="m")
    assign_lead(store, "lead-b", rid("ann"), "covering", policy=policy, now=NOW, actor="m")
    reject_lead(
        store,
        "lead-b",
        rid("ann"),
        "no budget this year",
        policy=policy,
        now=NOW,
        actor="ann",
        approved_by="manager:m",  # before its cadence is done: a manager returns it
    )
    [returned] = store.due_outbox(NOW)
    failing = OutboxMessage(id="msg-failing", at=NOW, kind="lead_returned", payload='{"n": 1}')
    store.add_outbox(failing)
    store.mark_outbox(
        failing.id,
        attempts=2,
        next_at=NOW + timedelta(minutes=10),
        error="HTTP 503 from the marketing webhook",
        delivered_at=None,
    )
    _, admin_token = add_user(store, role="admin", name="Ops", now=NOW)
    _, rep_token = add_user(store, role="rep", name="Ann", now=NOW, rep_key=rid("ann"))
    store.record_consents([Consent(rep_id=rid("ann"), consented_at=NOW, consent_by="reps.csv")])
    store.add_tombstones([tombstone_hash("li:an-erased-person")], at=NOW)
    web_form = intake.LeadForm(
        company_name="Initech",
        decision_makers=(intake.DecisionMakerForm(name="Pat Lee"),),
        idempotency_key="form-4711",
    )
    checked, _ = intake.check_batch([web_form], ["input"])
    intake.submit_leads(store, checked, policy=policy, now=NOW, actor="intake:web")
    apply_policy(store, 'mode = "round_robin"\n', actor="admin:ops", now=NOW)
    return Facts(
        org=org,
        admin_token=admin_token,
        rep_token=rep_token,
        returned_message=returned.id,
        failing_message=failing.id,
    )


def _assert_same_answers(source: GraphStore, target: GraphStore, facts: Facts) -> None:
    """The target answers like the source, down to the values the brief names."""
    org = facts.org
    tie = target.ties_of(org.pb, "crm")[org.zed]
    assert (tie.since, tie.strength) == (date(2019, 5, 4), 0.35)
    assert target.ties_of(org.pa, "facebook") == source.ties_of(org.pa, "facebook")
    assert tie.reported_by == ("relationships.csv",)
    assert target.rep_consents([rid("ann")]) == source.rep_consents([rid("ann")])
    assert target.tombstone_hashes() == {tombstone_hash("li:an-erased-person")}

    events = target.events(lead_id="lead-a")
    assert events == source.events(lead_id="lead-a")
    [assigned] = [e for e in events if e.kind == "assigned"]
    assert assigned.at == NOW and assigned.at.tzinfo is not None
    assert assigned.lead_id == "lead-a" and assigned.rep_id == rid("ann")
    assert json.loads(assigned.detail or "{}")["contact_due_at"].startswith("2026-11-2")
    assert [e.kind for e in target.events(lead_id="lead-b")] == ["assigned", "returned"]
    assert target.events(rep_id=rid("ann")) == source.events(rep_id=rid("ann"))

    for lead_id in ("lead-a", "lead-b"):
        assert target.lead(lead_id) == source.lead(lead_id)
    claimed = target.lead("lead-a")
    assert claimed.status == "claimed" and claimed.claimed_at == NOW
    assert claimed.company.id == "c:acme" and claimed.value == 52_000.5
    assert {m.role for m in claimed.committee} == {"economic_buyer", "technical"}

    assert target.rep_profiles() == source.rep_profiles()
    ann = target.rep_profiles()[rid("ann")]
    assert ann.industries == ("software", "fintech") and ann.out_until == date(2026, 12, 24)
    assert shared_background(target, rid("ann"), org.dana, today=NOW.date()) == (
        shared_background(source, rid("ann"), org.dana, today=NOW.date())
    )

    admin = target.user_by_token_hash(token_hash(facts.admin_token))
    assert admin == source.user_by_token_hash(token_hash(facts.admin_token))
    assert admin is not None and admin.role == "admin"
    rep_user = target.user_by_token_hash(token_hash(facts.rep_token))
    assert rep_user is not None and rep_user.rep_id == rid("ann")

    due = target.due_outbox(NOW + timedelta(hours=1))
    assert due == source.due_outbox(NOW + timedelta(hours=1))
    by_id = {m.id: m for m in due}
    returned = by_id[facts.returned_message]
    assert returned.kind == "lead_returned" and returned.at == NOW
    assert json.loads(returned.payload)["reason"] == "no budget this year"
    failing = by_id[facts.failing_message]
    assert (failing.attempts, failing.last_error) == (2, "HTTP 503 from the marketing webhook")
    assert [m.id for m in target.due_outbox(NOW)] == [facts.returned_message]
    assert target.counts() == source.counts()


@pytest.fixture
def ladybug_file(tmp_path: Path) -> Iterator[GraphStore]:
    """The other end: a new LadybugDB file."""
    opened = open_store(
        LadybugSettings(path=tmp_path / "other.lbdb", buffer_pool_bytes=256 * 1024**2)
    )
    try:
        yield opened
    finally:
        opened.close()


def test_a_whole_graph_crosses_into_the_backend(
    ladybug_file: GraphStore, store: GraphStore
) -> None:
    facts = _fill(ladybug_file)
    seen: list[tuple[str, int, int]] = []

    report = transfer(ladybug_file, store, progress=lambda *p: seen.append(p))

    assert report.matches, [c.describe() for c in report.differences]
    assert [c.kind for c in report.checks] == [k.name for k in KINDS]
    for check in report.checks:
        assert check.source_rows == check.target_rows > 0, check
        assert check.source_digest == check.target_digest
        assert report.written[check.kind] == check.source_rows
    assert sum(report.unchanged.values()) == 0
    ties = ladybug_file.counts().ties
    assert ("KNOWS", ties, ties) in seen and ("KNOWS (check)", ties, ties) in seen
    _assert_same_answers(ladybug_file, store, facts)


def test_a_whole_graph_crosses_out_of_the_backend(
    store: GraphStore, ladybug_file: GraphStore
) -> None:
    facts = _fill(store)

    report = transfer(store, ladybug_file)

    assert report.matches, [c.describe() for c in report.differences]
    assert sum(report.written.values()) == sum(c.source_rows for c in report.checks)
    _assert_same_answers(store, ladybug_file, facts)


class Interrupted(Exception):
    """Stands for Ctrl-C, a lost connection or a killed process between two batches."""


def test_an_interrupted_transfer_finishes_when_run_again(
    ladybug_file: GraphStore, store: GraphStore
) -> None:
    facts = _fill(ladybug_file)
    people = ladybug_file.counts().people

    def stop_after_first_batch(label: str, done: int, total: int) -> None:
        if done:
            raise Interrupted

    with pytest.raises(Interrupted):
        transfer(ladybug_file, store, batch_size=5, progress=stop_after_first_batch)
    assert store.counts().people == 5

    report = transfer(ladybug_file, store, batch_size=5)

    assert report.matches, [c.describe() for c in report.differences]
    assert (report.unchanged["Person"], report.written["Person"]) == (5, people - 5)
    _assert_same_answers(ladybug_file, store, facts)
    again = transfer(ladybug_file, store, batch_size=5)
    assert again.matches and sum(again.written.values()) == 0
    assert again.unchanged == {c.kind: c.source_rows for c in again.checks}


def test_a_target_holding_another_graph_is_merged_into(
    ladybug_file: GraphStore, store: GraphStore
) -> None:
    _fill(ladybug_file)
    store.merge_people([Person(id="p:stranger", name="Stranger")])
    store.merge_companies([Company(id="c:elsewhere", name="Elsewhere")])
    store.merge_leads([Lead(id="lead-a", company_id="c:elsewhere", title="Old title")])

    report = transfer(ladybug_file, store)

    lead = store.lead("lead-a")  # the source's lead, at the source's company: one company
    assert (lead.title, lead.company.id, lead.status) == ("Deal lead-a", "c:acme", "claimed")
    assert store.people(["p:stranger"])  # nothing of the target is deleted
    assert {c.kind for c in report.differences} == {"Person", "Company"}
    person = next(c for c in report.checks if c.kind == "Person")
    assert (person.extra, person.extra_examples, person.missing) == (1, ("p:stranger",), 0)
    assert person.describe().endswith("1 only in the target (e.g. p:stranger)")


def test_the_check_names_rows_with_other_values(
    ladybug_file: GraphStore, store: GraphStore
) -> None:
    facts = _fill(ladybug_file)
    transfer(ladybug_file, store)
    store.merge_ties([Tie(a=facts.org.pb, b=facts.org.zed, source="crm", strength=0.9)])

    checks = {c.kind: c for c in compare(ladybug_file, store)}

    assert [kind for kind, c in checks.items() if not c.matches] == ["KNOWS"]
    knows = checks["KNOWS"]
    assert knows.source_rows == knows.target_rows
    assert knows.differing_examples == (f"{facts.org.pb} -> {facts.org.zed} (crm)",)


def test_every_property_of_the_schema_is_copied(
    store: GraphStore, graph_settings: GraphSettings
) -> None:
    """A property added to the schema (or written by a query) fails here until the transfer
    copies it: LadybugDB's tables, and the keys Neo4j nodes and relationships really hold."""
    _fill(store)
    copied = {
        kind.name: {name for name, _ in kind.columns[2 if kind.is_relationship else 0 :]}
        for kind in KINDS
    }
    if isinstance(store, LadybugStore):
        held = {kind.name: {name for name, _ in store._columns(kind.name)} for kind in KINDS}
        assert held == copied
        return
    assert isinstance(graph_settings, Neo4jSettings)
    auth = (graph_settings.user, graph_settings.password)
    with neo4j.GraphDatabase.driver(graph_settings.uri, auth=auth) as driver:
        records, _, _ = driver.execute_query(
            "MATCH (n) UNWIND labels(n) AS label UNWIND keys(n) AS key RETURN DISTINCT label, key "
            "UNION MATCH ()-[r]->() UNWIND keys(r) AS key RETURN DISTINCT type(r) AS label, key",
            database_=graph_settings.database,
        )
    held_keys: dict[str, set[str]] = {}
    for record in records:
        held_keys.setdefault(record["label"], set()).add(record["key"])
    # CacheGeneration: the counters processes announce their writes with, and the leads they
    # moved (not data: a new graph starts its own)
    assert {"kind", "seq"} <= held_keys.pop("CacheGeneration", set()) <= {"kind", "seq", "recent"}
    assert set(held_keys) <= set(copied)
    for label, keys in held_keys.items():
        # lock_token: the write lock Neo4j's lifecycle queries take, not data
        assert keys - {"lock_token"} <= copied[label], label


def _cli_env(settings: GraphSettings) -> dict[str, str]:
    env = graph_env(settings)
    env.pop("WARMPATH_GRAPH_URI")
    return env


def _uri(settings: GraphSettings) -> str:
    return graph_env(settings)["WARMPATH_GRAPH_URI"]


def test_cli_copies_prints_progress_and_the_check(
    tmp_path: Path, graph_settings: GraphSettings
) -> None:
    source = tmp_path / "embedded.lbdb"
    opened = open_store(LadybugSettings(path=source, buffer_pool_bytes=256 * 1024**2))
    try:
        _fill(opened)
        counts = opened.counts()
    finally:
        opened.close()
    args = ["transfer", "--from", f"ladybug://{source}", "--to", _uri(graph_settings)]

    result = runner.invoke(app, args, env=_cli_env(graph_settings))

    assert result.exit_code == 0, result.stderr
    assert "the target matches the source: same counts and checksums for all 18" in result.stdout
    assert "(0 were already in the target)" in result.stdout
    assert f"KNOWS (check) {counts.ties:,} / {counts.ties:,}" in " ".join(result.stderr.split())

    target = open_store(graph_settings)
    try:
        target.merge_people([Person(id="p:stranger", name="Stranger")])
    finally:
        target.close()
    again = runner.invoke(app, [*args, "--batch-size", "3"], env=_cli_env(graph_settings))

    assert again.exit_code == 1
    assert "wrote 0 rows" in again.stdout
    assert (
        f"Person: {counts.people} rows in the source, {counts.people + 1} in the target: "
        "1 only in the target (e.g. p:stranger)"
    ) in " ".join(again.stdout.split())
    assert again.stderr.strip().splitlines()[-1] == (
        "error: the target differs from the source in 1 of 18 labels and relationship types "
        "(listed above): rerun to finish an interrupted copy"
    )


def test_cli_copies_a_file_an_older_warmpath_wrote(
    tmp_path: Path, graph_settings: GraphSettings
) -> None:
    """A LadybugDB file from before the columns added since (ALTER TABLE in the schema) gets
    them when opened for the copy, and crosses whole."""
    old = tmp_path / "old.lbdb"
    database = ladybug.Database(str(old), buffer_pool_size=64 * 1024**2)
    connection = ladybug.Connection(database)
    for statement in load_dialect("ladybug")["schema"].statements:
        if "ADD IF NOT EXISTS" not in statement:
            connection.execute(statement)
    connection.execute("CREATE (:Person {id: 'p:ann', name: 'Ann'})")
    connection.execute("CREATE (:Outbox {id: 'm:1', kind: 'lead_returned', payload: '{}'})")
    connection.close()
    database.close()
    args = ["transfer", "--from", f"ladybug://{old}", "--to", _uri(graph_settings)]

    result = runner.invoke(app, args, env=_cli_env(graph_settings))

    assert result.exit_code == 0, result.stderr
    assert "wrote 2 rows (0 were already in the target)" in result.stdout


@pytest.mark.parametrize(
    ("args", "env", "message", "code"),
    [
        (
            ["--from", "ladybug://{tmp}/a.lbdb", "--to", "ladybug://{tmp}/../{name}/a.lbdb"],
            {},
            "--from and --to name the same graph",
            2,
        ),
        (
            ["--from", "neo4j://db.example:7687", "--to", "bolt://DB.example"],
            {"WARMPATH_NEO4J_USER": "neo4j", "WARMPATH_NEO4J_PASSWORD": "secret"},
            "--from and --to name the same graph",
            2,
        ),
        (
            ["--from", "postgres://db/warmpath", "--to", "ladybug://{tmp}/b.lbdb"],
            {},
            "--from='postgres://db/warmpath' is not supported",
            2,
        ),
        (
            ["--from", "ladybug://{tmp}/missing.lbdb", "--to", "ladybug://{tmp}/b.lbdb"],
            {},
            "--from: no database at",
            3,  # the database is unavailable
        ),
        (
            ["--from", "ladybug://{tmp}/a.lbdb", "--to", "bolt://127.0.0.1:1"],
            {"WARMPATH_NEO4J_USER": "neo4j"},
            "WARMPATH_NEO4J_PASSWORD is not set (needed for --to=bolt://127.0.0.1:1); or set "
            "WARMPATH_TO_NEO4J_PASSWORD for --to alone",
            2,
        ),
        (
            ["--from", "ladybug://{tmp}/a.lbdb", "--to", "bolt://127.0.0.1:1"],
            {"WARMPATH_NEO4J_USER": "neo4j", "WARMPATH_TO_NEO4J_PASSWORD": "secret"},
            "--to: cannot reach Neo4j at bolt://127.0.0.1:1",
            3,
        ),
    ],
)
def test_cli_mistakes_exit_2_and_unreachable_graphs_3_with_one_line(
    tmp_path: Path, args: list[str], env: dict[str, str], message: str, code: int
) -> None:
    open_store(LadybugSettings(path=tmp_path / "a.lbdb", buffer_pool_bytes=64 * 1024**2)).close()
    given = [a.format(tmp=tmp_path, name=tmp_path.name) for a in args]
    clean = {"WARMPATH_NEO4J_USER": "", "WARMPATH_NEO4J_PASSWORD": ""}

    result = runner.invoke(app, ["transfer", *given], env={**clean, **env})

    assert result.exit_code == code, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert message in result.stderr
    assert not (tmp_path / "b.lbdb").exists()


def test_each_end_may_have_its_own_neo4j_user_and_password() -> None:
    environ = {
        "WARMPATH_NEO4J_USER": "neo4j",
        "WARMPATH_NEO4J_PASSWORD": "shared",
        "WARMPATH_TO_NEO4J_PASSWORD": "cloud-secret",
    }

    source, target = transfer_settings(
        "bolt://127.0.0.1:7687", "neo4j+s://abc.databases.example", to_user="admin", environ=environ
    )

    assert isinstance(source, Neo4jSettings) and isinstance(target, Neo4jSettings)
    assert (source.user, source.password) == ("neo4j", "shared")
    assert (target.user, target.password) == ("admin", "cloud-secret")
    with pytest.raises(ConfigError, match=r"--to is empty"):
        transfer_settings("bolt://127.0.0.1:7687", " ", environ=environ)
    lone, _ = transfer_settings("ladybug://./data/warmpath.lbdb", "bolt://h:1", environ=environ)
    assert lone == LadybugSettings(path=Path("data/warmpath.lbdb"))
