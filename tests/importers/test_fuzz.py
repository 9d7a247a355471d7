"""Arbitrary bytes never crash an importer: they yield a report or one clear error."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.errors import UnusableInput
from graph.store import GraphStore
from importers.crm import import_leads, import_relationships, import_reps
from importers.facebook import import_facebook
from importers.linkedin import import_education, import_linkedin, import_positions

HEADERS = [
    b"First Name,Last Name,URL,Email Address,Company,Position,Connected On\n",
    b"Company Name,Title,Description,Location,Started On,Finished On\n",
    b"email,name,capacity\n",
    b"a,b,source,strength,since\n",
    b"",
]
CSV_BYTES = st.one_of(
    st.binary(max_size=400),
    st.tuples(st.sampled_from(HEADERS), st.binary(max_size=300)).map(lambda t: t[0] + t[1]),
    st.tuples(st.sampled_from(HEADERS), st.text(max_size=300)).map(
        lambda t: t[0] + t[1].encode("utf-8", "surrogatepass")
    ),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=CSV_BYTES)
def test_arbitrary_bytes_never_crash_the_csv_importers(
    roster: GraphStore, tmp_path: Path, data: bytes
) -> None:
    path = tmp_path / "input.csv"
    path.write_bytes(data)
    before = roster.counts()
    for run in (
        lambda: import_linkedin(roster, "alice@seller.example", path, dry_run=True),
        lambda: import_positions(roster, "alice@seller.example", path, dry_run=True),
        lambda: import_education(roster, "alice@seller.example", path, dry_run=True),
        lambda: import_reps(roster, path, dry_run=True),
        lambda: import_leads(roster, path, dry_run=True),
        lambda: import_relationships(roster, path, dry_run=True),
    ):
        try:
            report = run()
        except UnusableInput as exc:
            assert str(exc).startswith(str(path))
            assert "\n" not in str(exc)
        else:
            assert report.rows_read >= len(report.invalid)
    assert roster.counts() == before


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=200).map(
            lambda s: ('{"friends_v2": [' + s).encode("utf-8", "surrogatepass")
        ),
    )
)
def test_arbitrary_bytes_never_crash_the_facebook_importer(
    roster: GraphStore, tmp_path: Path, data: bytes
) -> None:
    path = tmp_path / "your_friends.json"
    path.write_bytes(data)
    try:
        import_facebook(roster, "alice@seller.example", path, dry_run=True)
    except UnusableInput as exc:
        assert str(exc).startswith(str(path))
