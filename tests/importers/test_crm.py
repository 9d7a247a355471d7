"""The formats warmpath defines: reps, leads with decision-makers, relationships."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from benchmarks.exports import Connection, connections_csv
from graph.store import GraphStore
from importers.crm import import_leads, import_relationships, import_reps
from importers.linkedin import import_linkedin
from tests.importers.conftest import write

LEADS = (
    "id,title,company,domain,industry,region,value,product,grade,score,source,created_at\n"
    "L-1,Platform deal,Acme GmbH,acme.example,software,EMEA,120000,platform,hot,88,webinar,2026-11-01T09:30:00\n"
    'L-2,Analytics,U.S. Bank,usbank.example,finance,NA,"45,000",analytics,Warm,40,inbound,2026-11-02\n'
    "L-3,Broken,Acme GmbH,,,,lots,,hot,,,\n"
    "L-4,Bad grade,Acme GmbH,,,,1,,scorching,,,\n"
    "L-1,Duplicate,Acme GmbH,,,,1,,hot,,,\n"
)
CONTACTS = (
    "lead_id,name,title,email,linkedin_url,role\n"
    "L-1,Dana Whitfield,CFO,,https://de.linkedin.com/in/dana-w/,economic buyer\n"
    "L-1,Mia Chen,Controller,Mia.Chen@Example.org,,champion\n"
    "L-2,Ben Ode,CFO,,,Economic-Buyer\n"
    "L-9,Nobody,CEO,,,champion\n"
    "L-2,Odd Role,CEO,,,decider\n"
)


def test_reps_roster_creates_reps_linked_to_people(roster: GraphStore) -> None:
    alice = roster.resolve_rep("alice@seller.example")
    assert (alice.id, alice.person_id, alice.name) == (
        "rep:alice@seller.example",
        "li:alice-rep",
        "Alice Adams",
    )
    assert roster.resolve_rep("bob@seller.example").person_id == "em:bob@seller.example"
    assert roster.counts().reps == 3


def test_reps_roster_lists_each_bad_row(store: GraphStore, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "reps.csv",
        (
            "email,name,capacity,close_rate,active,hired_on,deal_min,deal_max\n"
            "ok@seller.example,Ok,10,0.2,true,2020-01-01,,\n"
            "not-an-email,X,,,,,,\n"
            "c@seller.example,,,,,,,\n"
            "d@seller.example,D,ten,,,,,\n"
            "e@seller.example,E,,1.5,,,,\n"
            "f@seller.example,F,,,maybe,,,\n"
            "g@seller.example,G,,,,someday,,\n"
            "h@seller.example,H,,,,,9,1\n"
        ),
    )
    report = import_reps(store, path)
    assert [(p.line, p.reason) for p in report.invalid] == [
        (3, "email 'not-an-email' is not an email address"),
        (4, "name is empty"),
        (5, "capacity 'ten': is not a number"),
        (6, "close_rate '1.5': must be between 0 and 1 (or 0% and 100%)"),
        (7, "active 'maybe': is not true/false"),
        (
            8,
            "hired_on 'someday': 'someday' is not a date this importer knows (e.g. '16 Mar 2021', '2021-03-16')",
        ),
        (9, "deal_min 9 is above deal_max 1"),
    ]
    assert store.counts().reps == 1


def test_leads_with_decision_makers_matched_by_url_email_then_name_and_company(
    roster: GraphStore, tmp_path: Path
) -> None:
    import_linkedin(
        roster,
        "alice@seller.example",
        write(
            tmp_path,
            "c.csv",
            connections_csv(
                [
                    Connection(
                        "Dana",
                        "Whitfield",
                        "https://www.linkedin.com/in/dana-w",
                        "",
                        "Acme",
                        "CFO",
                        date(2021, 1, 1),
                    ),
                    Connection(
                        "Mia",
                        "Chen",
                        "https://www.linkedin.com/in/mia-c",
                        "mia.chen@example.org",
                        "Acme",
                        "",
                        None,
                    ),
                    Connection("Ben", "Ode", "", "", "US Bank Inc.", "CFO", None),
                ],
                with_url=True,
            ),
        ),
    )
    report = import_leads(
        roster, write(tmp_path, "leads.csv", LEADS), contacts=write(tmp_path, "dms.csv", CONTACTS)
    )
    assert [(p.line, p.reason) for p in report.invalid] == [
        (4, "value 'lots': is not a number"),
        (5, "grade 'scorching' must be one of hot, warm, cold"),
        (5, "dms.csv:5: lead_id 'L-9' is in neither the leads file nor the graph"),
        (
            6,
            "dms.csv:6: role 'decider' must be one of economic_buyer, champion, influencer, technical_buyer, user, blocker, other",
        ),
    ]
    assert report.skipped == {"duplicate rows": 1}
    assert report.written["leads"] == 2 and report.written["decision-makers"] == 3
    assert report.people_matched == 3 and report.people_created == 0
    # the decision-makers are the people Alice already knows: she is 1 hop from all three
    near = {r.rep.id: r.hops for r in roster.reps_near("li:dana-w", max_hops=1)}
    assert near == {"rep:alice@seller.example": 1}
    assert roster.lead_companies(["L-1", "L-2"])["L-2"].id == "c:us-bank"


def test_decision_makers_for_leads_already_in_the_graph(roster: GraphStore, tmp_path: Path) -> None:
    import_leads(roster, write(tmp_path, "leads.csv", LEADS))
    report = import_leads(
        roster,
        write(tmp_path, "none.csv", "id,company\n"),
        contacts=write(tmp_path, "dms.csv", CONTACTS),
    )
    assert report.written["decision-makers"] == 3


def test_relationships_by_url_email_and_external_id(roster: GraphStore, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "edges.csv",
        (
            "a,b,source,strength,since\n"
            "https://www.linkedin.com/in/alice-rep,crm-123,crm,0.9,2020-05-01\n"
            "bob@seller.example,crm-123,referral,50%,\n"
            "crm-123,crm-123,crm,,\n"
            "crm-123,crm-456,crm,2,\n"
            "crm-123,crm-456,Bad Source!,,\n"
            "bob@seller.example,crm-123,referral,,\n"
        ),
    )
    report = import_relationships(roster, path)
    assert [(p.line, p.reason) for p in report.invalid] == [
        (4, "a and b are the same person ('crm-123')"),
        (5, "strength '2': must be between 0 and 1 (or 0% and 100%)"),
        (6, "source 'bad source!' must be a short lower-case word like 'crm'"),
    ]
    assert report.skipped == {"duplicate rows": 1}
    assert roster.ties_of("x:crm-123", "crm")["li:alice-rep"].strength == 0.9
    assert list(roster.ties_of("x:crm-123", "referral")) == ["em:bob@seller.example"]
    assert roster.resolve_person("bob@seller.example").name == "Bob Brown"  # name kept
