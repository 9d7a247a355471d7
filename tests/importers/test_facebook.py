"""Facebook friend lists: both file shapes, Facebook's escaped UTF-8, no merging on names."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from benchmarks.exports import Connection, connections_csv, facebook_json
from graph.errors import UnusableInput
from graph.store import GraphStore
from importers.facebook import import_facebook, redecode
from importers.linkedin import import_linkedin
from tests.importers.conftest import write

ALICE = "alice@seller.example"


def test_your_friends_json_is_redecoded_and_tied_with_source_facebook(
    roster: GraphStore, tmp_path: Path
) -> None:
    path = write(
        tmp_path, "your_friends.json", facebook_json(["Zoë Ångström", "José Núñez", "Mia Chen"])
    )
    report = import_facebook(roster, ALICE, path)
    assert (report.rows_read, report.people_created, report.ties_created) == (3, 3, 3)
    ties = roster.ties_of("li:alice-rep", "facebook")
    names = sorted(p.name for p in roster.people(list(ties)).values())
    assert names == ["José Núñez", "Mia Chen", "Zoë Ångström"]
    assert {t.since for t in ties.values()} == {
        date(2017, 7, 14),
        date(2017, 7, 15),
        date(2017, 7, 16),
    }
    again = import_facebook(roster, ALICE, path)
    assert (again.people_created, again.ties_created, again.ties_unchanged) == (0, 0, 3)


def test_legacy_friends_json_is_read_too(roster: GraphStore, tmp_path: Path) -> None:
    report = import_facebook(
        roster, ALICE, write(tmp_path, "friends.json", facebook_json(["A B"], legacy=True))
    )
    assert report.ties_created == 1


def test_a_facebook_friend_is_never_merged_into_a_linkedin_person_by_name(
    roster: GraphStore, tmp_path: Path
) -> None:
    import_linkedin(
        roster,
        ALICE,
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
                        None,
                    )
                ]
            ),
        ),
    )
    import_facebook(
        roster,
        ALICE,
        write(tmp_path, "f.json", facebook_json(["Dana Whitfield", "Dana Whitfield"])),
    )
    facebook_friends = roster.ties_of("li:alice-rep", "facebook")
    assert len(facebook_friends) == 2  # two friends with one name: two people
    assert "li:dana-w" not in facebook_friends


def test_contact_email_links_to_the_person_with_that_email(
    roster: GraphStore, tmp_path: Path
) -> None:
    data = facebook_json(["Bob Brown"], emails={"Bob Brown": "bob@seller.example"})
    import_facebook(roster, ALICE, write(tmp_path, "f.json", data))
    assert list(roster.ties_of("li:alice-rep", "facebook")) == ["em:bob@seller.example"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{", "not valid JSON"),
        (b'{"messages": []}', "no 'friends_v2' or 'friends' list"),
        (b"\xff\xfe{", "not UTF-8 JSON"),
    ],
)
def test_unusable_files_are_refused(
    roster: GraphStore, tmp_path: Path, data: bytes, message: str
) -> None:
    with pytest.raises(UnusableInput, match=message):
        import_facebook(roster, ALICE, write(tmp_path, "f.json", data))


def test_bad_entries_are_listed(roster: GraphStore, tmp_path: Path) -> None:
    data = b'{"friends_v2": [{"name": "Ok Person", "timestamp": 1500000000}, "oops", {"name": "", "timestamp": 1}, {"name": "Bad Time", "timestamp": "yesterday"}]}'
    report = import_facebook(roster, ALICE, write(tmp_path, "f.json", data))
    assert [(p.line, p.reason) for p in report.invalid] == [
        (2, "entry is not an object with 'name' and 'timestamp'"),
        (4, "timestamp 'yesterday' is not seconds since 1970"),
    ]
    assert report.skipped == {"friends without a name (deactivated accounts)": 1}
    assert report.ties_created == 1


def test_redecode_leaves_proper_text_alone() -> None:
    assert redecode("Ã±") == "ñ"
    assert redecode("Zoë") == "Zoë"
    assert redecode("محمد") == "محمد"
