"""rank(lead): every signal and every rule on its own, against rankings computed by hand.

Each test scores with a policy that weighs one signal only (``only``), so the score is that
signal's value and the expected numbers below are worked out from the drawn graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import pytest

from graph.model import LeadView
from graph.store import GraphStore
from routing import connections
from routing.connections import LeadLinks
from routing.errors import InvalidArgument, NotFound
from routing.policy import load_policy
from routing.ranking import Ranking, rank_lead, rep_standing
from routing.reach import reach_cache
from tests.routing.world import NOW, TODAY, World, only, pid, rid


def scores(ranking: Ranking, signal: str) -> dict[str, float]:
    return {
        item.rep.id: next(s.value for s in item.signals if s.name == signal)
        for item in ranking.ranked
    }


def order(ranking: Ranking) -> list[str]:
    return [item.rep.id for item in ranking.ranked]


@pytest.fixture
def world(store: GraphStore) -> World:
    w = World(store)
    w.company("acme")
    return w


def committee_world(world: World) -> None:
    """Dana (economic buyer, 1.0) and Noah (champion, 0.7) decide; total role weight 1.7.

    ann -- dana                      ann: dana 1 hop; noah 3 hops (ann-dana-mia? no: see below)
    bob -- noah                      bob: noah 1 hop
    cat -- mia -- dana               cat: dana 2 hops via mia
    dev -- yuki -- omar -- dana      dev: dana 3 hops via yuki, omar
    eve -- zed                       eve: nobody within 3 hops
    """
    for key in ("ann", "bob", "cat", "dev", "eve"):
        world.rep(key)
    world.knows("ann", "dana")
    world.knows("bob", "noah")
    world.knows("cat", "mia", "dana")
    world.knows("dev", "yuki", "omar", "dana")
    world.knows("eve", "zed")
    world.lead("L1", ("dana", "economic_buyer"), ("noah", "champion"))


def test_warmth_weighs_each_decision_maker_by_role_and_hops(
    world: World, store: GraphStore, tmp_path: Path
) -> None:
    committee_world(world)
    ranking = rank_lead(store, "L1", policy=only(tmp_path, "warmth"), now=NOW)
    warmth = scores(ranking, "warmth")
    # ann: dana 1 hop (1.0 x 1.0); noah: ann-dana-? no tie to noah: 0
    assert warmth[rid("ann")] == pytest.approx(1.0 / 1.7, abs=1e-4)
    assert warmth[rid("bob")] == pytest.approx(0.7 / 1.7, abs=1e-4)
    assert warmth[rid("cat")] == pytest.approx(0.5 / 1.7, abs=1e-4)
    assert warmth[rid("dev")] == pytest.approx(0.2 / 1.7, abs=1e-4)
    assert warmth[rid("eve")] == 0.0
    assert order(ranking) == [rid(k) for k in ("ann", "bob", "cat", "dev", "eve")]
    top = ranking.ranked[0]
    assert top.score == pytest.approx(1.0 / 1.7, abs=1e-4)
    contribution = next(s for s in top.signals if s.name == "warmth")
    assert contribution.weight == 1.0 and contribution.contribution == pytest.approx(top.score)
    assert sum(s.contribution for s in top.signals) == pytest.approx(top.score, abs=1e-3)


def test_evidence_names_who_introduces_whom(
    world: World, store: GraphStore, tmp_path: Path
) -> None:
    committee_world(world)
    ranking = rank_lead(store, "L1", policy=only(tmp_path, "warmth"), now=NOW)
    by_rep = {item.rep.id: item for item in ranking.ranked}

    def path_to(rep: str, member: str) -> tuple[int | None, list[list[str]]]:
        evidence = by_rep[rid(rep)].evidence
        assert evidence is not None
        found = next(m for m in evidence.committee if m.member.id == pid(member))
        return found.hops, [[p.id for p in chain] for chain in found.paths]

    assert path_to("ann", "dana") == (1, [[]])
    assert path_to("cat", "dana") == (2, [[pid("mia")]])
    assert path_to("dev", "dana") == (3, [[pid("yuki"), pid("omar")]])
    assert path_to("eve", "dana") == (None, [])
    assert path_to("bob", "noah") == (1, [[]])
    cat = by_rep[rid("cat")].evidence
    assert cat is not None
    dana = next(m for m in cat.committee if m.member.id == pid("dana"))
    assert [p.name for p in dana.mutuals] == ["Mia"] and dana.mutual_count == 1


def test_colleague_who_can_introduce_and_three_hops_through_a_colleague(
    world: World, store: GraphStore, tmp_path: Path
) -> None:
    """ann knows dana; bob knows ann (a colleague who can introduce him); cat shares a contact
    (kim) with ann, so cat reaches dana in 3 hops: cat - kim - ann - dana."""
    for key in ("ann", "bob", "cat"):
        world.rep(key)
    world.knows("ann", "dana")
    world.knows("bob", "ann")
    world.knows("cat", "kim", "ann")
    world.lead("L1", ("dana", "economic_buyer"))
    ranking = rank_lead(store, "L1", policy=only(tmp_path, "warmth"), now=NOW)
    by_rep = {item.rep.id: item for item in ranking.ranked}
    bob = by_rep[rid("bob")].evidence
    assert bob is not None
    assert bob.committee[0].hops == 2
    assert [p.id for p in bob.committee[0].colleagues] == [pid("ann")]
    cat = by_rep[rid("cat")].evidence
    assert cat is not None
    assert cat.committee[0].hops == 3
    assert [[p.id for p in chain] for chain in cat.committee[0].paths] == [[pid("kim"), pid("ann")]]


def test_coverage_counts_decision_makers_within_two_hops(
    world: World, store: GraphStore, tmp_path: Path
) -> None:
    committee_world(world)
    coverage = scores(
        rank_lead(store, "L1", policy=only(tmp_path, "coverage"), now=NOW), "coverage"
    )
    assert coverage[rid("ann")] == pytest.approx(1.0 / 1.7, abs=1e-4)
    assert coverage[rid("cat")] == pytest.approx(1.0 / 1.7, abs=1e-4)
    assert coverage[rid("bob")] == pytest.approx(0.7 / 1.7, abs=1e-4)
    assert coverage[rid("dev")] == 0.0


def test_mutual_connections_saturate(world: World, store: GraphStore, tmp_path: Path) -> None:
    """ann and dana both know mia and max (m = 2: 2/5); bob and dana both know mia (1/4)."""
    for key in ("ann", "bob", "cat"):
        world.rep(key)
    world.knows("ann", "mia", "dana")
    world.knows("ann", "max", "dana")
    world.knows("bob", "mia")
    world.lead("L1", ("dana", "economic_buyer"))
    mutuals = scores(rank_lead(store, "L1", policy=only(tmp_path, "mutuals"), now=NOW), "mutuals")
    assert mutuals == {
        rid("ann"): pytest.approx(0.4),
        rid("bob"): pytest.approx(0.25),
        rid("cat"): 0.0,
    }


def test_account_reach_counts_current_employees_known(
    world: World, store: GraphStore, tmp_path: Path
) -> None:
    for key in ("ann", "bob", "cat"):
        world.rep(key)
    world.works_at("noah")
    world.works_at("pat")
    world.works_at("omar", current=False, ended=date(2022, 1, 1))
    world.knows("ann", "noah")
    world.knows("ann", "pat")
    world.knows("bob", "pat")
    world.knows("cat", "omar")
    world.lead("L1", ("dana", "economic_buyer"))
    ranking = rank_lead(store, "L1", policy=only(tmp_path, "account_reach"), now=NOW)
    reach = scores(ranking, "account_reach")
    assert reach == {
        rid("ann"): pytest.approx(0.4),
        rid("bob"): pytest.approx(0.25),
        rid("cat"): 0.0,
    }
    ann = ranking.ranked[0].evidence
    assert ann is not None and ann.known_at_company_count == 2
    assert sorted(p.id for p in ann.known_at_company) == [pid("noah"), pid("pat")]


def test_shared_background_prefers_overlapping_years(
    world: World, store: GraphStore, tmp_path: Path
) -> None:
    """ann and dana overlapped at Globex (1.0); bob and dana at the same school in overlapping
    years (0.6); cat worked at Globex long before dana (0.5)."""
    world.company("globex")
    for key in ("ann", "bob", "cat", "dev"):
        world.rep(key)
    world.works_at(
        "dana", "globex", current=False, started=date(2018, 1, 1), ended=date(2021, 1, 1)
    )
    world.works_at("ann", "globex", current=False, started=date(2019, 1, 1), ended=date(2020, 1, 1))
    world.works_at("cat", "globex", current=False, started=date(2005, 1, 1), ended=date(2008, 1, 1))
    world.studied_at("dana", "state", started=date(2010, 9, 1), ended=date(2014, 6, 30))
    world.studied_at("bob", "state", started=date(2012, 9, 1), ended=date(2016, 6, 30))
    world.lead("L1", ("dana", "economic_buyer"))
    ranking = rank_lead(store, "L1", policy=only(tmp_path, "shared_background"), now=NOW)
    shared = scores(ranking, "shared_background")
    assert shared == {
        rid("ann"): 1.0,
        rid("bob"): pytest.approx(0.6),
        rid("cat"): pytest.approx(0.5),
        rid("dev"): 0.0,
    }
    ann = ranking.ranked[0].evidence
    assert ann is not None
    assert ann.shared[0].background.employers[0].company_name == "Globex"
    assert ann.shared[0].background.employers[0].overlap_years == 1.0


def test_profile_signals(world: World, store: GraphStore, tmp_path: Path) -> None:
    """industry, product, geography, deal size and track record, each on its own."""
    world.rep(
        "ann",
        industries=("software",),
        products=("platform",),
        deal_min=10_000.0,
        deal_max=100_000.0,
        close_rate=0.4,
    )
    world.rep(
        "bob",
        region="NA",
        timezone="America/New_York",
        industries=("finance",),
        products=("security",),
        deal_min=200_000.0,
        deal_max=500_000.0,
        close_rate=0.2,
    )
    world.rep(
        "cat",
        region="APAC",
        timezone="Asia/Singapore",
        industries=(),
        products=(),
        deal_min=None,
        deal_max=None,
        close_rate=None,
    )
    world.lead("L1", ("dana", "economic_buyer"), value=50_000.0, product="Platform")

    def signal(name: str) -> dict[str, float]:
        return scores(rank_lead(store, "L1", policy=only(tmp_path, name), now=NOW), name)

    assert signal("industry") == {rid("ann"): 1.0, rid("bob"): 0.0, rid("cat"): 0.0}
    assert signal("product") == {rid("ann"): 1.0, rid("bob"): 0.0, rid("cat"): 0.0}
    # EMEA is centred on UTC+1; New York is UTC-5 in November (6 h apart), Singapore UTC+8
    assert signal("geography") == {
        rid("ann"): 1.0,
        rid("bob"): pytest.approx((1 - 6 / 8) * 0.5),
        rid("cat"): pytest.approx((1 - 7 / 8) * 0.5),
    }
    assert signal("deal_size") == {rid("ann"): 1.0, rid("bob"): 0.25, rid("cat"): 0.5}
    assert signal("track_record") == {rid("ann"): 1.0, rid("bob"): 0.5, rid("cat"): 0.0}


def test_track_record_counts_more_on_hot_leads(
    world: World, store: GraphStore, tmp_path: Path
) -> None:
    world.rep("ann", close_rate=0.4)
    world.lead("HOT", ("dana", "economic_buyer"), grade="hot")
    world.lead("WARM", ("dana", "economic_buyer"), grade="warm")
    policy = load_policy()

    def weight(lead: str) -> float:
        ranking = rank_lead(store, lead, policy=policy, now=NOW)
        return next(s.weight for s in ranking.ranked[0].signals if s.name == "track_record")

    assert weight("HOT") == pytest.approx(weight("WARM") * policy.hot_close_rate_boost)


def test_load_is_spare_capacity(world: World, store: GraphStore, tmp_path: Path) -> None:
    world.rep("ann", capacity=10)
    world.rep("bob", capacity=None)
    world.rep("cat", capacity=4)
    for n in range(3):
        world.lead(f"OLD{n}", ("dana", "economic_buyer"))
        world.give(f"OLD{n}", "cat")
    world.lead("L1", ("dana", "economic_buyer"))
    ranking = rank_lead(store, "L1", policy=only(tmp_path, "load"), now=NOW)
    assert scores(ranking, "load") == {rid("ann"): 1.0, rid("bob"): 1.0, rid("cat"): 0.25}
    cat = next(item for item in ranking.ranked if item.rep.id == rid("cat"))
    assert (cat.open_leads, cat.capacity) == (3, 4)


def test_account_owner_is_preferred_or_scored(
    world: World, store: GraphStore, tmp_path: Path
) -> None:
    """bob owns an earlier Acme deal; ann is warmer. With prefer_account_owner bob comes first;
    without it the owner is only a signal."""
    world.rep("ann")
    world.rep("bob")
    world.knows("ann", "dana")
    world.lead("OLD", ("noah", "champion"))
    world.give("OLD", "bob")
    world.lead("L1", ("dana", "economic_buyer"))
    preferring = rank_lead(store, "L1", policy=only(tmp_path, "warmth"), now=NOW)
    assert order(preferring)[0] == rid("bob")
    assert preferring.ranked[0].note is not None
    assert preferring.ranked[0].evidence is not None and preferring.ranked[0].evidence.account_owner
    neutral = only(tmp_path, "warmth", "[rules]\nprefer_account_owner = false")
    assert order(rank_lead(store, "L1", policy=neutral, now=NOW))[0] == rid("ann")
    owner_only = only(tmp_path, "account_owner", "[rules]\nprefer_account_owner = false")
    assert scores(rank_lead(store, "L1", policy=owner_only, now=NOW), "account_owner") == {
        rid("ann"): 0.0,
        rid("bob"): 1.0,
    }


def test_hard_rules_exclude_with_the_reason(
    world: World, store: GraphStore, tmp_path: Path
) -> None:
    world.rep("ann")
    world.rep("bob", active=False)
    world.rep("cat", out_until=date(2026, 12, 1))
    world.rep("dev", out_until=TODAY)  # back today: eligible
    world.rep("eve", capacity=1)
    world.rep("fay", hired_on=TODAY - timedelta(days=45))
    world.rep("gus")
    for day in (3, 10, 20):  # three breaches within 30 days, the last 3 days ago
        world.event("sla_breach", "gus", at=NOW - timedelta(days=day))
    world.rep("hal")
    for day in (40, 50, 60):  # long ago: the penalty is over
        world.event("sla_breach", "hal", at=NOW - timedelta(days=day))
    world.lead("OLD", ("noah", "champion"))
    world.give("OLD", "eve")
    world.lead("HOT", ("dana", "economic_buyer"), grade="hot")
    world.lead("WARM", ("dana", "economic_buyer"), grade="warm")

    hot = rank_lead(store, "HOT", policy=load_policy(), now=NOW)
    reasons = {e.rep.id: (e.rule, e.reason) for e in hot.excluded}
    assert reasons == {
        rid("bob"): ("inactive", "inactive"),
        rid("cat"): ("out_of_office", "out of office until 2026-12-01"),
        rid("eve"): ("at_capacity", "at capacity 1/1"),
        rid("fay"): ("tenure", "tenure 45 days < 90 days for hot leads"),
        rid("gus"): (
            "penalty_box",
            "penalty box until 2026-12-03 (3 SLA breaches within 30 days)",
        ),
    }
    assert sorted(order(hot)) == [rid("ann"), rid("dev"), rid("hal")]
    assert hot.eligible == 3

    warm = rank_lead(store, "WARM", policy=load_policy(), now=NOW)
    assert {e.rep.id for e in warm.excluded} == {rid("bob"), rid("cat"), rid("eve")}
    assert {rid("fay"), rid("gus")} <= set(order(warm))


def test_explicit_exclusions_carry_their_reason(
    world: World, store: GraphStore, tmp_path: Path
) -> None:
    world.rep("ann")
    world.rep("bob")
    world.lead("L1", ("dana", "economic_buyer"))
    ranking = rank_lead(
        store,
        "L1",
        policy=load_policy(),
        now=NOW,
        excluded={rid("ann"): "released this lead on 2026-11-20"},
    )
    assert order(ranking) == [rid("bob")]
    assert [(e.rule, e.reason) for e in ranking.excluded] == [
        ("excluded", "released this lead on 2026-11-20")
    ]


def test_ranking_records_the_policy_version_and_is_deterministic(
    world: World, store: GraphStore, tmp_path: Path
) -> None:
    committee_world(world)
    policy = load_policy()
    first = rank_lead(store, "L1", policy=policy, now=NOW)
    second = rank_lead(store, "L1", policy=policy, now=NOW)
    assert first.policy_version == policy.version
    assert list(first.ranked) == list(second.ranked)
    assert first.excluded == second.excluded
    other = only(tmp_path, "warmth")
    assert (
        rank_lead(store, "L1", policy=other, now=NOW).policy_version
        == other.version
        != policy.version
    )


def test_limit_and_bad_arguments(world: World, store: GraphStore) -> None:
    committee_world(world)
    assert len(rank_lead(store, "L1", policy=load_policy(), now=NOW, limit=2).ranked) == 2
    with pytest.raises(InvalidArgument, match="limit must be 1 or more"):
        rank_lead(store, "L1", policy=load_policy(), now=NOW, limit=0)
    with pytest.raises(NotFound, match="no lead with id 'nope'"):
        rank_lead(store, "nope", policy=load_policy(), now=NOW)


def test_reps_explained_together_have_the_evidence_each_has_alone(
    world: World, store: GraphStore, tmp_path: Path
) -> None:
    """The reps a ranking shows are explained together (their mutuals, the people they know
    at the company and every name in one pass): the same evidence as each explained alone."""
    committee_world(world)
    world.works_at("noah")
    world.works_at("pat")
    world.knows("ann", "pat")
    world.knows("cat", "pat")
    policy = only(tmp_path, "warmth")
    together = list(rank_lead(store, "L1", policy=policy, now=NOW).ranked[:])
    lead = store.lead("L1")
    reach = reach_cache(store).reaches(store, [lead], explain=True)["L1"]
    assert set(reach.explained) == {item.rep.id for item in together}
    reach.explained.clear()  # what was explained together is forgotten: explain one by one
    again = rank_lead(store, "L1", policy=policy, now=NOW).ranked
    alone = [again[row] for row in range(len(again))]
    assert [item.evidence for item in alone] == [item.evidence for item in together]
    by_rep = {item.rep.id: item.evidence for item in together}
    bob, cat, dev = by_rep[rid("bob")], by_rep[rid("cat")], by_rep[rid("dev")]
    assert bob is not None and cat is not None and dev is not None
    assert [p.id for p in bob.known_at_company] == [pid("noah")]
    assert [p.id for p in cat.known_at_company] == [pid("pat")]
    cat_dana = next(m for m in cat.committee if m.member.id == pid("dana"))
    dev_dana = next(m for m in dev.committee if m.member.id == pid("dana"))
    assert [p.name for p in cat_dana.mutuals] == ["Mia"]
    assert [[p.id for p in chain] for chain in dev_dana.paths] == [[pid("yuki"), pid("omar")]]


def test_the_references_are_read_once_and_only_when_asked(
    world: World, store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    committee_world(world)
    reads: list[list[str]] = []
    read_links = connections.lead_links

    def counted(store: GraphStore, leads: Sequence[LeadView]) -> dict[str, LeadLinks]:
        reads.append([lead.id for lead in leads])
        return read_links(store, leads)

    monkeypatch.setattr(connections, "lead_links", counted)
    shown = rank_lead(store, "L1", policy=only(tmp_path, "warmth"), now=NOW).ranked[:]
    evidence = [item.evidence for item in shown]
    assert len(evidence) == 5 and all(e is not None and e.committee for e in evidence)
    assert reads == []  # the paths shown: the lead's connections are not read
    assert [list(e.references) for e in evidence if e is not None] == [[]] * 5
    assert reads == [["L1"]]  # one read for every rep's references


def test_more_reps_shown_than_a_reach_keeps_are_all_explained(
    world: World, store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reach keeps the explanations of EXPLAINED_PER_LEAD reps; showing more than that,
    after fewer, explains every rep shown (those kept before included), each time."""
    committee_world(world)
    monkeypatch.setattr("routing.evidence.EXPLAINED_PER_LEAD", 3)
    policy = only(tmp_path, "warmth")
    few = rank_lead(store, "L1", policy=policy, now=NOW).ranked[:2]
    for _ in range(2):
        many = rank_lead(store, "L1", policy=policy, now=NOW).ranked[:5]
        assert [item.rep.id for item in many[:2]] == [item.rep.id for item in few]
        assert all(item.evidence is not None for item in many)
        assert [e.committee for e in (item.evidence for item in many) if e] == [
            e.committee for e in (item.evidence for item in few + many[2:]) if e
        ]


def test_one_reps_standing_is_their_score_and_rules_in_the_whole_ranking(
    world: World, store: GraphStore
) -> None:
    """What a claim asks of one rep (``rep_standing``, which scores that rep alone) equals
    that rep's score and verdicts in the ranking of every rep: each signal and each rule is
    in play for some rep (warmth, shared background, account owner, profiles, load; inactive,
    out of office, at capacity, tenure, penalty box, an explicit exclusion)."""
    world.company("globex")
    world.rep("ann", industries=("software",), close_rate=0.4, capacity=5)
    world.rep("bob", active=False)
    world.rep("cat", out_until=date(2026, 12, 1), region="NA", timezone="America/New_York")
    world.rep("eve", capacity=1, close_rate=0.2)
    world.rep("fay", hired_on=TODAY - timedelta(days=45), deal_min=1.0, deal_max=10.0)
    world.rep("gus", products=("platform",))
    for day in (3, 10, 20):
        world.event("sla_breach", "gus", at=NOW - timedelta(days=day))
    world.rep("hal", close_rate=0.3)
    world.rep("ivy", out_until=date(2026, 12, 1))  # two verdicts: out of office, excluded
    world.knows("ann", "dana")
    world.knows("hal", "mia", "noah")
    world.knows("gus", "yuki", "omar", "dana")
    world.works_at(
        "dana", "globex", current=False, started=date(2018, 1, 1), ended=date(2021, 1, 1)
    )
    world.works_at("fay", "globex", current=False, started=date(2019, 1, 1), ended=date(2020, 1, 1))
    world.lead("OLD", ("noah", "champion"))
    world.give("OLD", "hal")  # hal owns an Acme deal: the account owner
    world.lead("OLD2", ("noah", "champion"), company="globex")
    world.give("OLD2", "eve")  # eve is at capacity
    world.lead("OLD3", ("noah", "champion"), company="globex")
    world.give("OLD3", "ann")
    for grade in ("hot", "warm"):
        lead_id = f"L-{grade}"
        world.lead(
            lead_id, ("dana", "economic_buyer"), ("noah", "champion"), grade=grade, value=5.0
        )
        excluded = {rid("ivy"): "released this lead on 2026-11-20"}
        ranking = rank_lead(store, lead_id, policy=load_policy(), now=NOW, excluded=excluded)
        lead = store.lead(lead_id)
        scored = {item.rep.id: item.score for item in ranking.ranked}
        reasons = {e.rep.id: e.reason for e in ranking.excluded}
        assert len(scored) >= 2 and len(reasons) >= 4  # the world puts every rule in play
        for rep_id in [rid(k) for k in ("ann", "bob", "cat", "eve", "fay", "gus", "hal", "ivy")]:
            score, reason = rep_standing(
                store, lead, rep_id, policy=load_policy(), now=NOW, excluded=excluded
            )
            assert reason == reasons.get(rep_id), (grade, rep_id)
            if rep_id in scored:
                assert score == scored[rep_id], (grade, rep_id)  # both rounded to 4 places
    assert rep_standing(store, lead, "rep:nobody", policy=load_policy(), now=NOW) == (
        0.0,
        "rep:nobody is not an active rep in the graph",
    )
