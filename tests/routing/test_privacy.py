"""Withdrawal (forget_network) and erasure (forget_person), on both backends: what goes, what
stays, the audit events, the tombstones that keep imports from bringing a person back, and
rankings that stop using a withdrawn network at once."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from graph.errors import ConsentMissing
from graph.model import DecisionMaker, Event, Lead, School, Study, Tie
from graph.store import GraphStore
from importers.crm import import_reps
from importers.linkedin import import_linkedin, import_positions
from routing.errors import InvalidState, NotFound
from routing.lifecycle import request_intro
from routing.privacy import (
    NETWORK_FORGOTTEN,
    PERSON_ERASED,
    forget_network,
    forget_person,
    scrub_event,
)
from routing.ranking import rank_lead
from tests.factories import make_person
from tests.routing.world import NOW, World, only, pid, rid

HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
ROSTER = (
    "email,name,linkedin_url,consent\n"
    "ann@seller.example,Ann Rep,https://www.linkedin.com/in/ann-rep,yes\n"
    "bob@seller.example,Bob Rep,https://www.linkedin.com/in/bob-rep,yes\n"
)
ANN, BOB = "rep:ann@seller.example", "rep:bob@seller.example"
ANN_P, BOB_P = "li:ann-rep", "li:bob-rep"
DANA_URL = "https://www.linkedin.com/in/dana-whitfield"
DANA = "li:dana-whitfield"


def _file(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _team(store: GraphStore, folder: Path) -> None:
    """Ann's export lists Bob (a rep), Xena (only Ann knows her) and Yuri (Bob knows him too);
    Bob's lists Ann and Yuri. Ann also imported her Positions."""
    assert not import_reps(store, _file(folder, "reps.csv", ROSTER)).invalid
    ann = _file(
        folder,
        "ann.csv",
        HEADER + "Bob,Rep,https://www.linkedin.com/in/bob-rep,,Seller,AE,1 Jan 2020\n"
        "Xena,Xu,https://www.linkedin.com/in/xena,,Acme,CFO,2 Jan 2020\n"
        "Yuri,Yo,https://www.linkedin.com/in/yuri,,Acme,CTO,3 Jan 2020\n",
    )
    bob = _file(
        folder,
        "bob.csv",
        HEADER + "Ann,Rep,https://www.linkedin.com/in/ann-rep,,Seller,AE,1 Jan 2020\n"
        "Yuri,Yo,https://www.linkedin.com/in/yuri,,Acme,CTO,4 Jan 2020\n",
    )
    assert import_linkedin(store, ANN, ann).ties_created == 3
    assert import_linkedin(store, BOB, bob).ties_created == 1  # Ann-Bob exists: Bob reports it too
    positions = _file(
        folder,
        "Positions.csv",
        "Company Name,Title,Description,Location,Started On,Finished On\n"
        "Globex,AE,,,Jan 2018,Dec 2019\n",
    )
    assert not import_positions(store, ANN, positions).invalid


def _ties(store: GraphStore, person: str) -> dict[str, tuple[str, ...]]:
    return {
        (t.b if t.a == person else t.a): t.reported_by or () for t in store.reported_ties(person)
    }


def test_withdrawal_keeps_ties_others_reported_and_removes_the_rest(
    store: GraphStore, tmp_path: Path
) -> None:
    _team(store, tmp_path)
    assert _ties(store, ANN_P) == {
        BOB_P: (ANN, BOB),
        "li:xena": (ANN,),
        "li:yuri": (ANN,),
    }

    result = forget_network(store, "ann@seller.example", actor="admin:ops", now=NOW)

    assert (result.ties_removed, result.ties_kept, result.people_removed) == (2, 1, 1)
    assert result.consent_cleared is True
    assert result.employments_removed == 2  # Globex (her Positions) and Seller (Bob's export)
    assert _ties(store, ANN_P) == {BOB_P: (BOB,)}  # Bob reported it: it stays, without Ann
    assert _ties(store, BOB_P) == {ANN_P: (BOB,), "li:yuri": (BOB,)}
    assert set(store.people(["li:xena", "li:yuri"])) == {"li:yuri"}  # Xena: known only via Ann
    assert store.rep_consents([ANN, BOB]).keys() == {BOB}
    audit = [e for e in store.events(rep_id=ANN) if e.kind == NETWORK_FORGOTTEN]
    assert len(audit) == 1 and audit[0].actor == "admin:ops"
    assert json.loads(audit[0].detail or "{}")["ties_removed"] == 2
    assert "xena" not in (audit[0].detail or "").lower()

    again = forget_network(store, ANN, actor="admin:ops", now=NOW)  # safe to rerun
    assert (again.ties_removed, again.ties_kept, again.people_removed) == (0, 0, 0)
    assert again.consent_cleared is False
    with pytest.raises(
        ConsentMissing, match=re.escape("no consent on record for rep ann@seller.example")
    ):
        import_linkedin(store, ANN, tmp_path / "ann.csv")  # consent is needed again
    assert _ties(store, ANN_P) == {BOB_P: (BOB,)}

    # the same roster, imported again, does not bring back the consent she withdrew
    roster = import_reps(store, tmp_path / "reps.csv")
    assert len(roster.invalid) == 1 and "withdrew" in roster.invalid[0].reason
    assert ANN not in store.rep_consents([ANN])
    assert store.consent_withdrawals([ANN, BOB]).keys() == {ANN}
    agreed_again = _file(tmp_path, "reps2.csv", ROSTER.replace(",yes\n", ",2026-11-25\n", 1))
    assert not import_reps(store, agreed_again).invalid  # dated after the withdrawal: recorded
    assert ANN in store.rep_consents([ANN])


def test_withdrawal_reads_ties_from_before_provenance_as_reported_by_the_reps_at_their_ends(
    store: GraphStore,
) -> None:
    world = World(store)
    world.rep("ann")
    world.rep("bob")
    world.knows("ann", "dana")  # no reported_by: written before provenance existed
    world.knows("ann", "bob")
    world.knows("ann", "cid", source="crm")  # not from a rep's export
    world.person("eve")
    store.merge_ties([Tie(a=pid("ann"), b=pid("eve"), source="linkedin", reported_by=("x",))])

    result = forget_network(store, rid("ann"), actor="test", now=NOW)

    assert (result.ties_removed, result.ties_kept, result.people_removed) == (1, 1, 1)
    assert _ties(store, pid("ann")) == {
        pid("bob"): (rid("bob"),),
        pid("cid"): (),
        pid("eve"): ("x",),
    }


def test_ranking_stops_using_a_withdrawn_network_at_once(store: GraphStore, tmp_path: Path) -> None:
    world = World(store)
    world.company("acme")
    world.rep("ann")
    world.rep("bob")
    world.knows("ann", "dana")
    world.knows("bob", "mia", "dana")
    world.lead("L1", ("dana", "economic_buyer"))
    policy = only(tmp_path, "warmth")
    before = rank_lead(store, "L1", policy=policy, now=NOW)  # reads the rep network into memory
    assert [item.rep.id for item in before.ranked][:2] == [rid("ann"), rid("bob")]

    forget_network(store, rid("ann"), actor="test", now=NOW)

    after = rank_lead(store, "L1", policy=policy, now=NOW)
    assert after.ranked[0].rep.id == rid("bob")
    warmth = {
        item.rep.id: next(s.value for s in item.signals if s.name == "warmth")
        for item in after.ranked
    }
    assert warmth[rid("ann")] == 0.0 and warmth[rid("bob")] > 0.0


def _erasable(store: GraphStore, folder: Path) -> Path:
    """Ann imported Dana; Dana studied at State U, decides on the open lead L1 and the won lead
    L2, and the log names her: an intro request (id in the detail, name in the note) and a
    rejection whose reason names her and her email."""
    assert not import_reps(store, _file(folder, "reps.csv", ROSTER)).invalid
    export = _file(
        folder,
        "Connections.csv",
        HEADER + f"Dana,Whitfield,{DANA_URL},dana@acme.example,Acme,CFO,1 Jan 2020\n"
        "Mia,Chen,https://www.linkedin.com/in/mia-chen,,Acme,CTO,1 Jan 2020\n",
    )
    assert import_linkedin(store, ANN, export).ties_created == 2
    store.merge_schools([School(id="s:state", name="State U")])
    store.merge_studies([Study(person_id=DANA, school_id="s:state", started=date(2010, 9, 1))])
    store.merge_leads(
        [
            Lead(id="L1", company_id="c:acme", title="Platform", created_at=NOW),
            Lead(id="L2", company_id="c:acme", title="Renewal", status="won", created_at=NOW),
        ]
    )
    store.merge_decision_makers(
        [
            DecisionMaker(lead_id="L1", person_id=DANA, role="economic_buyer"),
            DecisionMaker(lead_id="L1", person_id="li:mia-chen", role="champion"),
            DecisionMaker(lead_id="L2", person_id=DANA, role="economic_buyer"),
        ]
    )
    request_intro(store, "L1", ANN, DANA, "Dana Whitfield owes me one", now=NOW, actor="rep:ann")
    store.append_events(
        [
            Event(
                id="ev:named",
                at=NOW,
                kind="rejected",
                actor="rep:ann",
                lead_id="L2",
                rep_id=ANN,
                reason="called DANA WHITFIELD (dana@acme.example), not Dana Whitfields",
            )
        ]
    )
    return export


def test_erasure_removes_the_person_scrubs_the_log_and_blocks_reimports(
    store: GraphStore, tmp_path: Path
) -> None:
    export = _erasable(store, tmp_path)

    result = forget_person(store, DANA_URL + "/?trk=x", actor="admin:ops", now=NOW)

    assert (result.ties_removed, result.employments_removed, result.studies_removed) == (1, 1, 1)
    assert (result.decision_maker_links_removed, result.open_leads) == (2, 1)
    assert result.events_scrubbed == 2
    assert result.tombstones == 3  # her id, her email's id, name + Acme
    with pytest.raises(NotFound):
        store.resolve_person(DANA)
    assert [m.person.id for m in store.lead("L1").committee] == ["li:mia-chen"]
    assert store.lead("L2").committee == ()
    intro = next(e for e in store.events(lead_id="L1") if e.kind == "intro_requested")
    assert json.loads(intro.detail or "{}") == {"via": "[erased]"}
    assert intro.reason == "[erased] owes me one"
    named = next(e for e in store.events(lead_id="L2") if e.id == "ev:named")
    assert named.reason == "called [erased] ([erased]), not Dana Whitfields"
    (audit,) = [e for e in store.events_mentioning(["tombstones"]) if e.kind == PERSON_ERASED]
    assert audit.actor == "admin:ops" and audit.rep_id is None and audit.lead_id is None
    for text in ("dana", "whitfield", "acme.example", "linkedin"):
        assert text not in (audit.detail or "").lower()
        assert text not in (audit.reason or "").lower()

    again = import_linkedin(store, ANN, export)  # the same export, imported again
    assert again.skipped["erased people"] == 1
    assert (again.people_created, again.ties_created) == (0, 0)
    by_email = _file(
        tmp_path,
        "old.csv",
        HEADER + "Dana,Whitfield,,dana@acme.example,Acme,CFO,1 Jan 2020\n"
        "Dana,Whitfield,,,Acme Inc.,CFO,1 Jan 2020\n",
    )
    report = import_linkedin(store, BOB, by_email)  # no URL: her email, then name + company
    assert report.skipped["erased people"] == 2 and report.people_created == 0
    assert store.counts().people == 3  # Ann, Bob, Mia
    with pytest.raises(NotFound):
        store.resolve_person("dana@acme.example")


def test_erasure_refuses_a_rep_and_an_unknown_key_and_changes_nothing(
    store: GraphStore, tmp_path: Path
) -> None:
    _erasable(store, tmp_path)
    before = store.counts()
    with pytest.raises(
        InvalidState, match=re.escape("is rep ann@seller.example, who is on the roster")
    ):
        forget_person(store, "https://www.linkedin.com/in/ann-rep", actor="test", now=NOW)
    with pytest.raises(NotFound):
        forget_person(store, "nobody@acme.example", actor="test", now=NOW)
    assert store.counts() == before
    assert store.tombstone_hashes() == frozenset()


def test_scrubbing_keeps_longer_names_and_keys_and_reads_json_escapes() -> None:
    event = Event(
        id="e",
        at=NOW - timedelta(days=1),
        kind="note",
        actor="x",
        reason="Zoë Ng met zoë ng-park and li:zoe-ng-2",
        detail=json.dumps({"via": "li:zoe-ng", "who": ["Zoë Ng"], "n": 2}),
    )
    clean = scrub_event(event, ["Zoë Ng", "li:zoe-ng"])
    assert clean.reason == "[erased] met zoë ng-park and li:zoe-ng-2"
    assert json.loads(clean.detail or "{}") == {"via": "[erased]", "who": ["[erased]"], "n": 2}


def test_erasure_finds_a_capitalised_accented_name_inside_json_details(store: GraphStore) -> None:
    """JSON writes "Élise" as "\\u00c9lise": the search must find that form too."""
    store.merge_people([make_person(id="p:elise", name="Élise Dupont")])
    store.append_events(
        [
            Event(
                id="ev:call",
                at=NOW - timedelta(days=1),
                kind="contacted",
                actor="rep:x",
                detail=json.dumps({"channel": "phone with Élise Dupont"}),
            )
        ]
    )
    assert forget_person(store, "p:elise", actor="admin:ops", now=NOW).events_scrubbed == 1
    (call,) = [e for e in store.events_mentioning(["[erased]"]) if e.id == "ev:call"]
    assert json.loads(call.detail or "{}") == {"channel": "phone with [erased]"}
