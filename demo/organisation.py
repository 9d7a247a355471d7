"""Seeded synthetic organisation: the demo (``warmpath demo``), the benchmark data set and the
tests' larger fixtures.

Shape (see the foundation issue): R reps with ~N(mean, sd) connections each, drawn from P people
with Zipf-like popularity (weight 1/(rank + 100)); some rep-to-rep edges (colleagues) and some
person-to-person edges between coworkers; companies with current and former employees; schools;
leads with 1-5 decision-makers picked among their company's better-connected employees.
Every name, URL and email is made up by this code: nothing here is real personal data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from demo.vocabulary import (
    COMPANY_KINDS,
    COMPANY_WORDS,
    FIRST_NAMES,
    INDUSTRIES,
    LAST_NAMES,
    LEGAL_SUFFIXES,
    PRODUCTS,
    REGIONS,
    ROLES,
    TIMEZONES,
    TITLES,
)
from graph.model import OrgSnapshot

SELLER_COMPANY = "c:seller"


@dataclass(frozen=True)
class OrgShape:
    reps: int
    people: int
    leads: int
    mean_connections: float = 800.0
    sd_connections: float = 400.0
    rep_colleagues: int = 15
    coworker_edges_per_company: float = 2.0
    seed: int = 7

    @property
    def companies(self) -> int:
        return max(self.people // 40, 10)

    @property
    def schools(self) -> int:
        return max(self.people // 1000, 5)


SCALES = {
    "full": OrgShape(reps=2000, people=2_000_000, leads=10_000),
    # 4x the full organisation, same proportions (the growth table in the README)
    "large": OrgShape(reps=8000, people=8_000_000, leads=40_000),
    "small": OrgShape(
        reps=200, people=100_000, leads=2_000, mean_connections=400, sd_connections=200
    ),
    "demo": OrgShape(reps=200, people=60_000, leads=500, mean_connections=300, sd_connections=150),
    "tiny": OrgShape(
        reps=12, people=400, leads=20, mean_connections=30, sd_connections=10, rep_colleagues=3
    ),
}


def _days(rng: np.random.Generator, start: str, end: str, n: int) -> np.ndarray:
    lo = np.datetime64(start, "D").astype(np.int64)
    hi = np.datetime64(end, "D").astype(np.int64)
    return rng.integers(lo, hi, size=n).astype("datetime64[D]")


def _date_array(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    mask = None if valid is None else ~valid
    return pa.array(values.astype("datetime64[D]"), type=pa.date32(), mask=mask)


def _pick(rng: np.random.Generator, options: tuple[str, ...] | list[str], n: int) -> pa.Array:
    return pa.array(
        np.asarray(options, dtype=object)[rng.integers(0, len(options), size=n)], type=pa.string()
    )


def _strings(prefix: str, ids: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pa.array(ids).cast(pa.string()), "")


def _pairs_unique(a: np.ndarray, b: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keep = lo != hi
    code = np.unique(lo[keep].astype(np.int64) * n + hi[keep].astype(np.int64))
    return code // n, code % n


def generate_org(shape: OrgShape) -> OrgSnapshot:
    """Build the organisation. Same shape and seed, same organisation."""
    rng = np.random.default_rng(shape.seed)
    P, R = shape.people, shape.reps
    if R >= P:
        raise ValueError("an organisation needs more people than reps")
    # popularity: a random permutation of ranks; weight 1/(rank+100)
    rank = rng.permutation(P)
    weight = 1.0 / (rank + 100.0)
    cdf = np.cumsum(weight)
    cdf /= cdf[-1]

    first_idx = rng.integers(0, len(FIRST_NAMES), size=P)
    last_idx = rng.integers(0, len(LAST_NAMES), size=P)
    first = pa.array(np.asarray(FIRST_NAMES, dtype=object)[first_idx], type=pa.string())
    last = pa.array(np.asarray(LAST_NAMES, dtype=object)[last_idx], type=pa.string())
    names = pc.binary_join_element_wise(first, last, " ")
    slugs = pc.binary_join_element_wise(
        pc.utf8_lower(first),
        pc.utf8_lower(last),
        _strings("", (np.arange(P, dtype=np.int64) * 2654435761) % 2**32),
        "-",
    )
    ids = pc.binary_join_element_wise("li:", slugs, "")
    urls = pc.binary_join_element_wise("https://www.linkedin.com/in/", slugs, "")
    emails = pc.if_else(
        pa.array(rng.random(P) < 0.05),
        pc.binary_join_element_wise(slugs, "@example.com", ""),
        pa.scalar(None, pa.string()),
    )
    titles = _pick(rng, TITLES, P)
    locations = _pick(rng, REGIONS, P)
    people = pa.table(
        {
            "id": ids,
            "name": names,
            "first_name": first,
            "last_name": last,
            "linkedin_url": urls,
            "email": emails,
            "title": titles,
            "location": locations,
        }
    )

    # companies: index 0 is the seller (where the reps work)
    C = shape.companies
    comp_ids = pc.binary_join_element_wise("c:", _strings("", np.arange(C)), "")
    comp_ids = pa.concat_arrays([pa.array([SELLER_COMPANY]), comp_ids.slice(1)])
    w1 = np.asarray(COMPANY_WORDS, dtype=object)[rng.integers(0, len(COMPANY_WORDS), size=C)]
    w2 = np.asarray(COMPANY_KINDS, dtype=object)[rng.integers(0, len(COMPANY_KINDS), size=C)]
    suffix = np.asarray(LEGAL_SUFFIXES, dtype=object)[rng.integers(0, len(LEGAL_SUFFIXES), size=C)]
    comp_names = [
        f"{a} {b} {s}".strip() + ("" if i == 0 else f" {i}")
        for i, (a, b, s) in enumerate(zip(w1, w2, suffix, strict=True))
    ]
    comp_names[0] = "Warmpath Demo Seller Inc."
    domains = [
        f"{a.lower()}{b.lower()}{i}.example" for i, (a, b) in enumerate(zip(w1, w2, strict=True))
    ]
    comp_size_w = 1.0 / (np.arange(C) + 5.0)
    comp_size_w[0] = 0.0
    comp_cdf = np.cumsum(comp_size_w)
    comp_cdf /= comp_cdf[-1]
    employer = np.searchsorted(comp_cdf, rng.random(P))
    employer = np.minimum(employer, C - 1)
    employer[:R] = 0
    sizes = np.bincount(employer, minlength=C)
    companies = pa.table(
        {
            "id": comp_ids,
            "name": pa.array(comp_names),
            "domain": pa.array(domains),
            "industry": _pick(rng, INDUSTRIES, C),
            "region": _pick(rng, REGIONS, C),
            "size": pa.array(sizes.astype(np.int64)),
        }
    )

    # reps are people 0..R-1
    rep_regions = np.asarray(REGIONS, dtype=object)[rng.integers(0, len(REGIONS), size=R)]
    rep_emails = pc.binary_join_element_wise(slugs.slice(0, R), "@seller.example", "")
    deal_min = rng.choice([0.0, 10_000.0, 50_000.0, 100_000.0], size=R)
    out_valid = rng.random(R) < 0.03
    reps = pa.table(
        {
            "id": pc.binary_join_element_wise("rep:", rep_emails, ""),
            "email": rep_emails,
            "name": names.slice(0, R),
            "region": pa.array(rep_regions, type=pa.string()),
            "timezone": pa.array([TIMEZONES[r] for r in rep_regions], type=pa.string()),
            "industries": pa.array(
                [
                    list(rng.choice(INDUSTRIES, size=rng.integers(1, 4), replace=False))
                    for _ in range(R)
                ],
                type=pa.list_(pa.string()),
            ),
            "products": pa.array(
                [
                    list(rng.choice(PRODUCTS, size=rng.integers(1, 3), replace=False))
                    for _ in range(R)
                ],
                type=pa.list_(pa.string()),
            ),
            "deal_min": pa.array(deal_min),
            "deal_max": pa.array(deal_min * 10 + 50_000.0),
            "capacity": pa.array(rng.integers(10, 41, size=R).astype(np.int64)),
            "close_rate": pa.array(np.round(rng.uniform(0.05, 0.45, size=R), 3)),
            "hired_on": _date_array(_days(rng, "2015-01-01", "2026-10-01", R)),
            "active": pa.array(rng.random(R) > 0.04),
            "out_until": _date_array(_days(rng, "2026-11-25", "2027-01-31", R), out_valid),
            "team": pa.array(rep_regions, type=pa.string()),
            # the demo's reps agreed to have their (synthetic) exports imported
            "consented_at": pa.array(
                np.full(R, np.datetime64("2026-10-01T00:00:00", "us")), type=pa.timestamp("us")
            ),
            "consent_by": pa.array(["demo organisation"] * R, type=pa.string()),
        }
    )
    is_edges = pa.table({"from": reps.column("id"), "to": ids.slice(0, R)})

    # KNOWS: rep connections (Zipf), rep colleagues, coworkers
    counts = np.clip(
        rng.normal(shape.mean_connections, shape.sd_connections, size=R), 10, P - 1
    ).astype(np.int64)
    total = int(counts.sum())
    src = np.repeat(np.arange(R), counts)
    dst = np.searchsorted(cdf, rng.random(total))
    col_a = np.repeat(np.arange(R), shape.rep_colleagues)
    col_b = rng.integers(0, R, size=R * shape.rep_colleagues)
    by_company = np.argsort(employer[R:], kind="stable") + R
    starts = np.concatenate([[0], np.cumsum(np.bincount(employer[R:], minlength=C))])
    n_cow = int(C * shape.coworker_edges_per_company)
    cow_company = rng.integers(1, C, size=n_cow)
    span = starts[cow_company + 1] - starts[cow_company]
    ok = span >= 2
    cow_company, span = cow_company[ok], span[ok]
    cow_a = by_company[starts[cow_company] + rng.integers(0, span)]
    cow_b = by_company[starts[cow_company] + rng.integers(0, span)]
    a_idx, b_idx = _pairs_unique(
        np.concatenate([src, col_a, cow_a]), np.concatenate([dst, col_b, cow_b]), P
    )
    E = len(a_idx)
    source_roll = rng.random(E)
    sources = np.where(
        source_roll < 0.9, "linkedin", np.where(source_roll < 0.95, "facebook", "crm")
    )
    knows = pa.table(
        {
            "from": pc.take(ids, pa.array(a_idx)),
            "to": pc.take(ids, pa.array(b_idx)),
            "source": pa.array(sources.astype(object), type=pa.string()),
            "since": _date_array(_days(rng, "2008-01-01", "2026-11-01", E)),
            "strength": pa.array(np.round(rng.uniform(0.3, 1.0, size=E), 2)),
        }
    )

    # employment: current for everyone, a former employer for 40% (and every rep)
    cur_start = _days(rng, "2012-01-01", "2026-06-01", P)
    has_former = rng.random(P) < 0.4
    has_former[:R] = True
    former_people = np.nonzero(has_former)[0]
    former_company = np.minimum(np.searchsorted(comp_cdf, rng.random(len(former_people))), C - 1)
    clash = former_company == employer[former_people]
    former_company[clash] = (former_company[clash] % (C - 1)) + 1
    former_end = cur_start[former_people] - rng.integers(0, 200, size=len(former_people)).astype(
        "timedelta64[D]"
    )
    former_start = former_end - rng.integers(300, 3000, size=len(former_people)).astype(
        "timedelta64[D]"
    )
    works_at = pa.table(
        {
            "from": pa.concat_arrays([ids, pc.take(ids, pa.array(former_people))]),
            "to": pa.concat_arrays(
                [pc.take(comp_ids, pa.array(employer)), pc.take(comp_ids, pa.array(former_company))]
            ),
            "title": pa.concat_arrays([titles, pc.take(titles, pa.array(former_people))]),
            "current": pa.array(
                np.concatenate([np.ones(P, bool), np.zeros(len(former_people), bool)])
            ),
            "started": pa.concat_arrays([_date_array(cur_start), _date_array(former_start)]),
            "ended": pa.concat_arrays([pa.nulls(P, pa.date32()), _date_array(former_end)]),
        }
    )

    S = shape.schools
    schools = pa.table(
        {
            "id": pc.binary_join_element_wise("s:", _strings("", np.arange(S)), ""),
            "name": pa.array(
                [f"{COMPANY_WORDS[i % len(COMPANY_WORDS)]} University {i}" for i in range(S)]
            ),
        }
    )
    studied = np.nonzero((rng.random(P) < 0.5) | (np.arange(P) < R))[0]
    school_of = rng.integers(0, S, size=len(studied))
    study_start = _days(rng, "1990-09-01", "2020-09-01", len(studied))
    studied_at = pa.table(
        {
            "from": pc.take(ids, pa.array(studied)),
            "to": pc.take(schools.column("id"), pa.array(school_of)),
            "started": _date_array(study_start),
            "ended": _date_array(
                study_start + rng.integers(700, 1900, size=len(studied)).astype("timedelta64[D]")
            ),
        }
    )

    # leads at companies weighted by size; decision-makers = better-connected employees
    L = shape.leads
    lead_company = np.minimum(np.searchsorted(comp_cdf, rng.random(L)), C - 1)
    lead_ids = pc.binary_join_element_wise("lead-", _strings("", np.arange(1, L + 1)), "")
    grades = rng.choice(["hot", "warm", "cold"], size=L, p=[0.2, 0.5, 0.3])
    dm_lead: list[int] = []
    dm_person: list[int] = []
    dm_role: list[str] = []
    for lead_no, company in enumerate(lead_company):
        staff = by_company[starts[company] : starts[company + 1]]
        if len(staff) == 0:
            continue
        k = min(int(rng.integers(1, 6)), len(staff))
        p = weight[staff] / weight[staff].sum()
        chosen = rng.choice(staff, size=k, replace=False, p=p)
        for j, person in enumerate(chosen):
            dm_lead.append(lead_no)
            dm_person.append(int(person))
            dm_role.append(ROLES[min(j, len(ROLES) - 1)])
    leads = pa.table(
        {
            "id": lead_ids,
            "title": pa.array([f"{PRODUCTS[i % len(PRODUCTS)].title()} deal" for i in range(L)]),
            "status": pa.array(["new"] * L),
            "grade": pa.array(grades.astype(object), type=pa.string()),
            "score": pa.array(np.round(rng.uniform(0, 100, size=L), 1)),
            "value": pa.array(np.round(rng.lognormal(10.5, 1.0, size=L), -2)),
            "product": _pick(rng, PRODUCTS, L),
            "industry": pc.take(companies.column("industry"), pa.array(lead_company)),
            "region": pc.take(companies.column("region"), pa.array(lead_company)),
            "source": _pick(rng, ("webinar", "inbound", "event", "partner", "outbound"), L),
            "created_at": pa.array(
                (
                    np.datetime64("2026-11-01T00:00:00", "s")
                    + rng.integers(0, 20 * 86400, size=L).astype("timedelta64[s]")
                ),
                type=pa.timestamp("us"),
            ),
        }
    )
    return OrgSnapshot(
        tables={
            "Person": people,
            "Rep": reps,
            "Company": companies,
            "School": schools,
            "Lead": leads,
            "KNOWS": knows,
            "IS": is_edges,
            "WORKS_AT": works_at,
            "STUDIED_AT": studied_at,
            "AT": pa.table({"from": lead_ids, "to": pc.take(comp_ids, pa.array(lead_company))}),
            "DECISION_MAKER": pa.table(
                {
                    "from": pc.take(lead_ids, pa.array(dm_lead, type=pa.int64())),
                    "to": pc.take(ids, pa.array(dm_person, type=pa.int64())),
                    "role": pa.array(dm_role, type=pa.string()),
                }
            ),
        }
    )
