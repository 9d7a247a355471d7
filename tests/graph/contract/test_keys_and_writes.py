"""Key resolution, idempotent writes and bulk loading, on every backend."""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import date
from typing import Any

import pytest

from demo.organisation import SCALES, generate_org
from graph.errors import InvalidArgument, NeedsGraph, NotFound
from graph.model import Company, Employment, Lead, Person, Tie
from graph.store import CypherGraphStore, GraphStore, from_memory
from tests.factories import SmallOrg, build_small_org


@pytest.fixture
def org(store: GraphStore) -> SmallOrg:
    return build_small_org(store)


@pytest.mark.parametrize(
    "key",
    [
        "https://www.linkedin.com/in/dana-whitfield",
        "http://uk.linkedin.com/in/Dana-Whitfield/",
        "linkedin.com/in/dana-whitfield?trk=abc",
        "li:dana-whitfield",
    ],
)
def test_resolve_person_by_url_variants_or_id(store: GraphStore, org: SmallOrg, key: str) -> None:
    assert store.resolve_person(key).id == org.dana


def test_resolve_person_percent_encoded_url(store: GraphStore, org: SmallOrg) -> None:
    assert store.resolve_person("https://de.linkedin.com/in/j%C3%B6rg-m%C3%BCller/").id == org.jorg


def test_resolve_person_by_email_is_case_insensitive(store: GraphStore, org: SmallOrg) -> None:
    assert store.resolve_person("  Mia.Chen@Example.org ").id == org.mia


@pytest.mark.parametrize(
    "key", ["https://www.linkedin.com/in/nobody", "ghost@example.org", "li:ghost"]
)
def test_resolve_person_unknown_key_is_not_found(
    store: GraphStore, org: SmallOrg, key: str
) -> None:
    with pytest.raises(NotFound, match="no person with key"):
        store.resolve_person(key)


def test_resolve_rep_by_email_url_person_or_id(store: GraphStore, org: SmallOrg) -> None:
    assert store.resolve_rep("Alice@Seller.example").id == org.alice
    assert store.resolve_rep("https://www.linkedin.com/in/alice-rep").id == org.alice
    assert store.resolve_rep(org.pb).id == org.bob
    assert store.resolve_rep(org.carol).id == org.carol
    with pytest.raises(NotFound, match="no rep with key 'dana-whitfield'"):
        store.resolve_rep("dana-whitfield")
    with pytest.raises(InvalidArgument):
        store.resolve_rep("   ")


def test_merging_the_same_records_twice_changes_nothing(store: GraphStore, org: SmallOrg) -> None:
    before = store.counts()
    build_small_org(store)
    assert store.counts() == before
    assert before.people == 12 and before.reps == 5 and before.ties == 12


def test_a_null_field_keeps_the_stored_value(store: GraphStore, org: SmallOrg) -> None:
    store.merge_people([Person(id=org.dana, name="Dana Whitfield", title=None)])
    assert store.resolve_person(org.dana).title == "CFO"


def _stored(store: GraphStore, table: str) -> list[dict[str, Any]]:
    """Every row of a table with every property, as the transfer reads them (both backends)."""
    page = {"after": "", "until": "", "bounded": False, "limit": 1_000}
    return [dict(row) for row in store._read(f"transfer_read_{table}", page)]


def test_people_that_change_nothing_are_not_written(store: GraphStore, org: SmallOrg) -> None:
    """An import of what the graph holds already writes nothing (LadybugDB logs a SET of the
    stored value as a change, and its checkpoint rewrites the columns around it): the writes
    count the rows that set a value, and store what writing every row in turn would have."""
    people = _stored(store, "person")
    dana = next(p for p in people if p["id"] == org.dana)
    name = dana["name"]
    assert store.update_people([Person(**dana)]) == 0
    assert store.update_people([Person(id=org.dana, name=name, title=None)]) == 0
    assert store.merge_people([Person(**dana), Person(id=org.dana, name=name)]) == 0
    assert store.update_people([Person(id=org.dana, name=name, location="Lisbon")]) == 1  # was null
    assert store.update_people([Person(id=org.dana, name=name, title="CEO")]) == 1  # was CFO
    assert store.merge_people([Person(id=org.dana, name=name, email="dana@new.example")]) == 1
    # two rows of one person in one call: as if written in turn (the last non-null value)
    assert (
        store.update_people([Person(id=org.dana, name="D. W."), Person(id=org.dana, name=name)])
        == 0
    )
    assert store.merge_people([Person(id="li:new-1", name="New One")]) == 1
    changed = {"location": "Lisbon", "title": "CEO", "email": "dana@new.example"}
    new_one = dict.fromkeys(dana, None) | {"id": "li:new-1", "name": "New One"}
    expected = [p | changed if p["id"] == org.dana else p for p in people] + [new_one]
    assert _stored(store, "person") == sorted(expected, key=lambda p: str(p["id"]))


def test_companies_that_change_nothing_are_not_written(store: GraphStore, org: SmallOrg) -> None:
    companies = _stored(store, "company")
    acme = Company(id=org.acme, name="Acme Corp", domain="acme.example", industry="software")
    assert store.merge_companies([acme, dataclasses.replace(acme, name="Acme")]) == 0  # first name
    assert store.merge_companies([Company(id=org.initech, name="Initech", size=50)]) == 1
    assert store.merge_companies([Company(id=org.initech, name="Initech", size=50)]) == 0
    assert store.merge_companies([Company(id=org.initech, name="Initech", size=60)]) == 1
    assert store.merge_companies([dataclasses.replace(acme, domain="acme.test")]) == 1
    two = [Company(id=org.globex, name="Globex", region="EU"), Company(id=org.globex, name="G")]
    assert store.merge_companies(two) == 1  # one company, its region set
    expected = {c["id"]: c for c in companies}
    expected[org.acme] = expected[org.acme] | {"domain": "acme.test"}
    expected[org.initech] = expected[org.initech] | {"size": 60}
    expected[org.globex] = expected[org.globex] | {"region": "EU"}
    assert {c["id"]: c for c in _stored(store, "company")} == expected


def test_employments_that_change_nothing_are_not_written(store: GraphStore, org: SmallOrg) -> None:
    jobs = _stored(store, "works_at")
    job = Employment(org.dana, org.acme, "CFO", current=True, started=date(2021, 7, 1))
    assert store.merge_employments([job, dataclasses.replace(job, title=None, started=None)]) == 0
    ended = dataclasses.replace(job, ended=date(2024, 1, 31))
    assert store.merge_employments([ended]) == 1
    assert store.merge_employments([ended]) == 0
    assert store.merge_employments([job]) == 1  # the end cleared
    assert store.merge_employments([dataclasses.replace(job, current=False)]) == 1
    assert store.merge_employments([job]) == 1  # current again
    promoted = dataclasses.replace(job, title="CEO")
    assert store.merge_employments([promoted]) == 1
    earlier = Employment(org.dana, org.acme, "VP", False, date(2015, 1, 1), date(2019, 12, 31))
    assert store.merge_employments([earlier, promoted]) == 0  # in turn: the last one stays
    assert store.merge_employments([Employment(org.mia, org.globex, current=False)]) == 1  # new
    mia = {"person_id": org.mia, "company_id": org.globex, "title": None, "current": False}
    expected = [
        j | {"title": "CEO"} if (j["person_id"], j["company_id"]) == (org.dana, org.acme) else j
        for j in jobs
    ]
    expected = [
        mia | {"started": None, "ended": None} if j["person_id"] == org.mia else j for j in expected
    ]
    assert _stored(store, "works_at") == expected


def test_a_lead_imported_again_at_another_company_moves_there(
    store: GraphStore, org: SmallOrg
) -> None:
    """A lead is at one company: importing it again with another company moves it (the old
    link goes, in the same transaction), and importing it unchanged keeps it where it is."""
    lead = Lead(id="lead:moving", company_id=org.acme, title="Platform deal")
    store.merge_leads([lead])
    assert store.lead("lead:moving").company.id == org.acme
    store.merge_leads([dataclasses.replace(lead, company_id=org.globex)])
    assert store.lead("lead:moving").company.id == org.globex
    store.merge_leads([dataclasses.replace(lead, company_id=org.globex)])
    assert store.lead("lead:moving").company.id == org.globex
    assert isinstance(store, CypherGraphStore)
    rows = store._read("lead_by_id", {"lead_id": "lead:moving"})  # one row per company link
    assert [r["company_id"] for r in rows] == [org.globex]


def test_a_tie_to_oneself_is_refused(store: GraphStore, org: SmallOrg) -> None:
    with pytest.raises(InvalidArgument, match="cannot know themselves"):
        store.merge_ties([Tie(a=org.dana, b=org.dana, source="linkedin")])


def test_bulk_load_and_merge_path_give_the_same_graph(store: GraphStore, backend: str) -> None:
    snapshot = generate_org(SCALES["tiny"])
    loaded = store.bulk_load(snapshot)
    assert loaded["Person"] == snapshot.rows("Person")
    assert loaded["KNOWS"] == snapshot.rows("KNOWS")
    counts = store.counts()
    assert (counts.people, counts.reps, counts.leads, counts.ties) == (
        snapshot.rows("Person"),
        snapshot.rows("Rep"),
        snapshot.rows("Lead"),
        snapshot.rows("KNOWS"),
    )
    # Loading again goes through the idempotent merge path and changes nothing.
    assert isinstance(store, CypherGraphStore)
    CypherGraphStore.bulk_load(store, snapshot)
    assert store.counts() == counts


def test_atomic_writes_all_or_nothing(store: GraphStore, org: SmallOrg) -> None:
    before = store.counts()
    with pytest.raises(RuntimeError, match="crash in the middle"), store.atomic():
        store.merge_people([Person(id="li:new-1", name="New One")])
        store.merge_ties([Tie(a=org.dana, b="li:new-1", source="linkedin")])
        raise RuntimeError("crash in the middle")
    assert store.counts() == before
    with store.atomic():
        store.merge_people([Person(id="li:new-1", name="New One")])
        store.merge_ties([Tie(a=org.dana, b="li:new-1", source="linkedin")])
    assert store.counts().people == before.people + 1
    assert store.counts().ties == before.ties + 1


def test_a_unit_of_one_write_commits_it_and_may_not_write_twice(
    store: GraphStore, org: SmallOrg
) -> None:
    """``run_atomic(one_write=True)``: LadybugDB runs the unit under its write lock without a
    transaction around it (its one statement commits on its own, besides the statements that
    only take a lock), and refuses a second write before it runs; Neo4j runs it as any unit,
    in one transaction."""
    before = store.counts()

    def one() -> str:
        store.caches.forget()  # type: ignore[attr-defined]  # the workload: counted in the graph
        store.lock_rep(org.alice, ("claimed",))  # a lock, besides the one write
        store.merge_people([Person(id="li:new-1", name="New One")])
        return "done"

    assert store.run_atomic(one, one_write=True) == "done"
    assert store.counts().people == before.people + 1

    def two() -> None:
        store.merge_people([Person(id="li:new-2", name="New Two")])
        store.merge_ties([Tie(a=org.dana, b="li:new-2", source="linkedin")])

    if store.backend == "ladybug":
        with pytest.raises(RuntimeError, match="a second write in a unit run as one write"):
            store.run_atomic(two, one_write=True)
        assert store.counts().ties == before.ties  # refused before it ran
        with pytest.raises(RuntimeError, match="a transaction inside a unit run as one write"):
            store.run_atomic(lambda: store.run_atomic(one), one_write=True)
    else:
        store.run_atomic(two, one_write=True)
        assert store.counts().ties == before.ties + 1
    assert store.run_atomic(one, one_write=True) == "done"  # the next unit writes again


def test_ties_of_and_delete_ties_by_source(store: GraphStore, org: SmallOrg) -> None:
    assert sorted(store.ties_of(org.dana, "linkedin")) == sorted(
        [org.pa, org.mia, org.noah, org.omar]
    )
    assert list(store.ties_of(org.dana, "facebook")) == [org.pa]
    gone = [Tie(a=org.dana, b=other, source="linkedin") for other in (org.pa, org.noah)]
    assert store.delete_ties(gone) == 2
    assert sorted(store.ties_of(org.dana, "linkedin")) == sorted([org.mia, org.omar])
    assert list(store.ties_of(org.dana, "facebook")) == [org.pa]  # other sources stay


def test_people_by_emails(store: GraphStore, org: SmallOrg) -> None:
    found = store.people_by_emails(["mia.chen@example.org", "nobody@example.org"])
    assert {email: p.id for email, p in found.items()} == {"mia.chen@example.org": org.mia}


def test_person_ids_if_at_most(store: GraphStore, org: SmallOrg) -> None:
    """All of the graph's person ids when it holds that few people (what an import reads
    instead of looking up each planned person in a nearly empty graph), else None."""
    everyone = store.counts().people
    ids = store.person_ids_if_at_most(everyone)
    assert ids is not None and len(ids) == everyone
    assert {org.dana, org.mia, org.noah, org.omar, org.pa} <= ids
    assert store.people(sorted(ids)).keys() == ids
    assert store.person_ids_if_at_most(everyone - 1) is None


def test_a_store_asked_to_answer_from_memory_runs_no_query(
    store: GraphStore, org: SmallOrg
) -> None:
    """Inside ``from_memory`` every query raises NeedsGraph before it runs (a read, a write):
    nothing is written, and outside it the store answers as before."""
    with from_memory():
        with pytest.raises(NeedsGraph):
            store.people([org.mia])
        with pytest.raises(NeedsGraph):
            store.merge_people([Person(id="li:new-person", name="New Person")])
        with from_memory():  # nested: still from memory after the inner one ends
            pass
        with pytest.raises(NeedsGraph):
            store.people([org.noah])
    assert store.people(["li:new-person"]) == {}
    assert store.people([org.mia])[org.mia].name == "Mia Chen"


def test_a_question_from_memory_does_not_wait_for_a_read_of_the_rep_network_elsewhere(
    store: GraphStore, org: SmallOrg
) -> None:
    """While another thread reads the rep network (holding its lock), a question asked from
    memory gives up at once instead of waiting behind that read."""
    store.forget_rep_network()
    held, release = threading.Event(), threading.Event()

    def reading() -> None:
        with store._rep_side_lock:  # type: ignore[attr-defined]
            held.set()
            release.wait(10)

    reader = threading.Thread(target=reading)
    reader.start()
    try:
        assert held.wait(10)
        started = time.monotonic()
        with from_memory(), pytest.raises(NeedsGraph):
            store.warm_up()  # the rep network, straight away
        assert time.monotonic() - started < 5  # the reader holds the lock for 10 s
    finally:
        release.set()
        reader.join()
    assert store.reps_near(org.dana, max_hops=2)  # read once the lock is free
