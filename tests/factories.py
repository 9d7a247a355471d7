"""Test-data factories (keyword-only, with defaults) and the hand-drawn organisation.

The hand-drawn organisation (``build_small_org``), every distance computed by hand:

    Alice(pa) -- Dana (linkedin 0.9 and facebook 0.4)     Alice: 1 hop, mutual {Mia}
    Alice -- Mia -- Dana                                  Bob: 2 hops via Mia, Noah (mutual 2)
    Bob(pb) -- Mia ; Bob -- Noah -- Dana                  Dan: 2 hops via Omar (mutual 1)
    Carol(pc) -- Yuki -- Omar -- Dana                     Carol: 3 hops (Yuki, Omar)
    Dan(pd) -- Omar                                       Erin: not within 3 hops
    Erin(pe) -- Zed

Dana, Noah work at Acme now; Omar worked there before. Alice and Dana overlap 2 years at Globex
(2018-01-01..2019-12-31) and 1.8 years at State University; Dan (at Initech since 2021) and
Dana (Initech 2020..2022-01-01) overlap 1.0 year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from graph.model import Company, Employment, Person, Rep, School, Study, Tie
from graph.store import GraphStore


def make_person(
    *,
    id: str,
    name: str,
    title: str | None = None,
    linkedin_url: str | None = None,
    email: str | None = None,
) -> Person:
    first, _, last = name.partition(" ")
    return Person(
        id=id,
        name=name,
        first_name=first,
        last_name=last or None,
        linkedin_url=linkedin_url,
        email=email,
        title=title,
    )


def make_rep(
    *,
    person_id: str,
    email: str,
    name: str,
    region: str = "EMEA",
    timezone: str = "Europe/Berlin",
    industries: tuple[str, ...] = ("software",),
    products: tuple[str, ...] = ("platform",),
    deal_min: float | None = 0.0,
    deal_max: float | None = 100_000.0,
    capacity: int | None = 20,
    close_rate: float | None = 0.25,
    hired_on: date | None = date(2020, 1, 1),
    active: bool = True,
    out_until: date | None = None,
    team: str | None = None,
) -> Rep:
    return Rep(
        id="rep:" + email.lower(),
        person_id=person_id,
        email=email.lower(),
        name=name,
        region=region,
        timezone=timezone,
        industries=industries,
        products=products,
        deal_min=deal_min,
        deal_max=deal_max,
        capacity=capacity,
        close_rate=close_rate,
        hired_on=hired_on,
        active=active,
        out_until=out_until,
        team=team,
    )


def make_tie(
    a: str, b: str, *, source: str = "linkedin", strength: float = 0.5, since: date | None = None
) -> Tie:
    return Tie(a=a, b=b, source=source, strength=strength, since=since)


@dataclass(frozen=True)
class SmallOrg:
    dana: str = "li:dana-whitfield"
    mia: str = "em:mia.chen@example.org"
    noah: str = "li:noah-park"
    omar: str = "li:omar-said"
    yuki: str = "li:yuki-tan"
    zed: str = "li:zed-ray"
    jorg: str = "li:jörg-müller"
    alice: str = "rep:alice@seller.example"
    bob: str = "rep:bob@seller.example"
    carol: str = "rep:carol@seller.example"
    dan: str = "rep:dan@seller.example"
    erin: str = "rep:erin@seller.example"
    pa: str = "li:alice-rep"
    pb: str = "li:bob-rep"
    pc: str = "li:carol-rep"
    pd: str = "li:dan-rep"
    pe: str = "li:erin-rep"
    acme: str = "c:acme"
    globex: str = "c:globex"
    initech: str = "c:initech"
    state_u: str = "s:state"


def build_small_org(store: GraphStore) -> SmallOrg:
    """Write the hand-drawn organisation through the store's merge operations."""
    org = SmallOrg()
    people = [
        make_person(
            id=org.dana,
            name="Dana Whitfield",
            title="CFO",
            linkedin_url="https://www.linkedin.com/in/dana-whitfield",
        ),
        make_person(id=org.mia, name="Mia Chen", title="Controller", email="mia.chen@example.org"),
        make_person(
            id=org.noah,
            name="Noah Park",
            title="CTO",
            linkedin_url="https://www.linkedin.com/in/noah-park",
        ),
        make_person(id=org.omar, name="Omar Said", title="Consultant"),
        make_person(id=org.yuki, name="Yuki Tan"),
        make_person(id=org.zed, name="Zed Ray"),
        make_person(
            id=org.jorg, name="Jörg Müller", linkedin_url="https://www.linkedin.com/in/jörg-müller"
        ),
        make_person(
            id=org.pa, name="Alice Adams", linkedin_url="https://www.linkedin.com/in/alice-rep"
        ),
        make_person(id=org.pb, name="Bob Brown"),
        make_person(id=org.pc, name="Carol Cruz"),
        make_person(id=org.pd, name="Dan Duarte"),
        make_person(id=org.pe, name="Erin Eze"),
    ]
    store.merge_people(people)
    store.merge_reps(
        [
            make_rep(person_id=org.pa, email="alice@seller.example", name="Alice Adams"),
            make_rep(person_id=org.pb, email="bob@seller.example", name="Bob Brown"),
            make_rep(person_id=org.pc, email="carol@seller.example", name="Carol Cruz"),
            make_rep(person_id=org.pd, email="dan@seller.example", name="Dan Duarte"),
            make_rep(person_id=org.pe, email="erin@seller.example", name="Erin Eze"),
        ]
    )
    store.merge_ties(
        [
            make_tie(org.pa, org.dana, strength=0.9),
            make_tie(org.dana, org.pa, source="facebook", strength=0.4),
            make_tie(org.pa, org.mia, strength=0.8),
            make_tie(org.mia, org.dana, strength=0.7),
            make_tie(org.pb, org.mia, strength=0.5),
            make_tie(org.pb, org.noah, source="crm", strength=0.9),
            make_tie(org.noah, org.dana, strength=0.9),
            make_tie(org.pc, org.yuki, strength=0.6),
            make_tie(org.yuki, org.omar, source="facebook", strength=0.5),
            make_tie(org.omar, org.dana, strength=0.8),
            make_tie(org.pd, org.omar, strength=0.6),
            make_tie(org.pe, org.zed, strength=0.5),
        ]
    )
    store.merge_companies(
        [
            Company(id=org.acme, name="Acme Corp", domain="acme.example", industry="software"),
            Company(id=org.globex, name="Globex", domain="globex.example"),
            Company(id=org.initech, name="Initech"),
        ]
    )
    store.merge_employments(
        [
            Employment(
                person_id=org.dana,
                company_id=org.acme,
                title="CFO",
                current=True,
                started=date(2021, 7, 1),
            ),
            Employment(
                person_id=org.noah,
                company_id=org.acme,
                title="CTO",
                current=True,
                started=date(2019, 1, 1),
            ),
            Employment(
                person_id=org.omar,
                company_id=org.acme,
                title="Analyst",
                current=False,
                started=date(2010, 1, 1),
                ended=date(2015, 1, 1),
            ),
            Employment(
                person_id=org.pa,
                company_id=org.globex,
                current=False,
                started=date(2015, 1, 1),
                ended=date(2019, 12, 31),
            ),
            Employment(
                person_id=org.dana,
                company_id=org.globex,
                current=False,
                started=date(2018, 1, 1),
                ended=date(2021, 6, 30),
            ),
            Employment(
                person_id=org.pd, company_id=org.initech, current=True, started=date(2021, 1, 1)
            ),
            Employment(
                person_id=org.dana,
                company_id=org.initech,
                current=False,
                started=date(2020, 1, 1),
                ended=date(2022, 1, 1),
            ),
        ]
    )
    store.merge_schools([School(id=org.state_u, name="State University")])
    store.merge_studies(
        [
            Study(
                person_id=org.pa,
                school_id=org.state_u,
                started=date(2008, 9, 1),
                ended=date(2012, 6, 30),
            ),
            Study(
                person_id=org.dana,
                school_id=org.state_u,
                started=date(2010, 9, 1),
                ended=date(2014, 6, 30),
            ),
        ]
    )
    return org
