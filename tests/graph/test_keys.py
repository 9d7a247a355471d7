"""Identity keys: what counts as the same person or company."""

from __future__ import annotations

import pytest

from graph import keys


@pytest.mark.parametrize(
    "url",
    [
        "https://www.linkedin.com/in/dana-whitfield",
        "http://linkedin.com/in/dana-whitfield/",
        "https://uk.linkedin.com/in/Dana-Whitfield?trk=people",
        "www.linkedin.com/in/dana-whitfield#about",
        " https://de.linkedin.com/pub/dana-whitfield ",
    ],
)
def test_profile_urls_normalise_to_one_id(url: str) -> None:
    assert keys.person_id_from_linkedin_url(url) == "li:dana-whitfield"
    assert keys.linkedin_profile(url) == (
        "https://www.linkedin.com/in/dana-whitfield",
        "li:dana-whitfield",
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://www.linkedin.com/company/acme",
        "https://example.org/in/dana",
        "linkedin.com/in/",
        "",
        "https://www.linkedin.com]/in/dana",  # urlsplit: "Invalid IPv6 URL"
        "https://[x/in/dana",
    ],
)
def test_non_profile_urls_are_not_person_keys(url: str) -> None:
    assert keys.normalise_linkedin_url(url) is None
    assert keys.linkedin_profile(url) is None


def test_percent_encoded_and_plain_unicode_slugs_match() -> None:
    assert keys.person_id_from_linkedin_url(
        "https://www.linkedin.com/in/j%C3%B6rg-m%C3%BCller"
    ) == (keys.person_id_from_linkedin_url("https://www.linkedin.com/in/Jörg-Müller/"))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("U.S. Bank", "US Bank Inc."),
        ("Acme GmbH", "ACME"),
        ("Procter & Gamble Co.", "procter and gamble"),
        ("Globex, Inc.", "Globex"),
    ],
)
def test_company_names_match_across_punctuation_case_and_legal_suffixes(a: str, b: str) -> None:
    assert keys.company_id(a) == keys.company_id(b)


def test_different_companies_stay_different() -> None:
    assert keys.company_id("Bank of America") != keys.company_id("US Bank")
    assert keys.company_id("Co") == "c:co"  # a suffix alone is a name, not nothing


def test_person_id_precedence_url_then_email_then_fingerprint() -> None:
    assert keys.person_id(linkedin_url="https://www.linkedin.com/in/x", email="a@b.org") == "li:x"
    assert keys.person_id(email="A@B.org", name="Ann") == "em:a@b.org"
    fingerprint = keys.person_id(name="Ben Ode", company="U.S. Bank")
    assert fingerprint.startswith("fp:")
    assert fingerprint == keys.person_id(name="  ben  ODE ", company="US Bank Inc.")
    assert fingerprint != keys.person_id(name="Ben Ode", company="Globex")


def test_split_name_first_word_and_the_rest() -> None:
    assert keys.split_name("Ann Lee") == ("Ann", "Lee")
    assert keys.split_name("Maria de la Cruz") == ("Maria", "de la Cruz")
    assert keys.split_name("Cher") == ("Cher", None)
    assert keys.split_name("") == (None, None)
