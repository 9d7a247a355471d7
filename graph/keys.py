"""Person and rep keys: how a LinkedIn URL, an email or an external id becomes a graph id.

A person's id is derived from the normalised LinkedIn profile URL when present (``li:<slug>``),
else the lower-cased email (``em:<email>``), else a fingerprint of normalised name + company
(``fp:<hash>``). Imports merge on it, so re-importing the same file changes nothing.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
import uuid
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from urllib.parse import unquote, urlsplit

_LINKEDIN_HOST = re.compile(r"^(?:[a-z]{2,3}\.|www\.)?linkedin\.com$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


PROFILE_URL = "https://www.linkedin.com/in/"
"""The canonical profile URL, before its slug."""
PROFILE_ID = "li:"
"""The person id of a LinkedIn profile, before its slug."""
PLAIN_PROFILE_URL = (
    r"https?://(?:[a-z]{2,3}\.|www\.)?linkedin\.com/(?:in|pub)/(?P<slug>[a-z0-9_-]+)/?"
)
"""A profile URL that needs nothing decoded or folded (group ``slug``): most of them. Its
canonical form is ``PROFILE_URL`` and the slug, its person id ``PROFILE_ID`` and the slug.
Written for Python's ``re`` and RE2 alike (Arrow's kernels match it too)."""
_PLAIN_PROFILE_URL = re.compile(PLAIN_PROFILE_URL)


def normalise_linkedin_url(url: str) -> str | None:
    """Canonical ``https://www.linkedin.com/in/<slug>`` for a profile URL, or None if it is not one.

    Tolerates a missing scheme, ``www``/country subdomains, a trailing slash, a query or fragment,
    percent-encoding and letter case.
    """
    text = url.strip()
    if not text:
        return None
    fast = _PLAIN_PROFILE_URL.fullmatch(text)
    if fast:  # the common case: already lower-case ASCII, nothing to decode
        return PROFILE_URL + fast.group(1)
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
    except ValueError:  # a '[' or ']' in the host: "Invalid IPv6 URL"
        return None
    host = (parts.hostname or "").lower()
    if not _LINKEDIN_HOST.match(host):
        return None
    segments = [s for s in unquote(parts.path).split("/") if s]
    if len(segments) < 2 or segments[0].lower() not in ("in", "pub"):
        return None
    slug = unicodedata.normalize("NFC", segments[1]).strip().lower()
    if not slug:
        return None
    return PROFILE_URL + slug


def normalise_email(email: str) -> str | None:
    text = email.strip().lower()
    return text if _EMAIL.match(text) else None


_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def normalise_domain(text: str) -> str | None:
    """A company's web domain, lower-cased, without scheme, ``www.``, port, path or trailing dot
    (``https://WWW.Acme.com/contact`` -> ``acme.com``), or None if it is not a domain name."""
    value = text.strip().lower()
    if "://" in value:
        value = value.split("://", 1)[1]
    value = re.split(r"[/?#]", value, maxsplit=1)[0].rsplit("@", 1)[-1].split(":", 1)[0]
    value = value.rstrip(".").removeprefix("www.")
    return value if _DOMAIN.match(value) else None


def normalise_role(text: str) -> str:
    """A decision-maker's role as a key: ``Economic Buyer`` and ``economic-buyer`` are
    ``economic_buyer``."""
    return re.sub(r"[\s-]+", "_", text.strip().lower())


def split_name(name: str) -> tuple[str | None, str | None]:
    """First and last name of a full name: the first word, and the rest (None when empty)."""
    first, _, last = name.partition(" ")
    return first or None, last or None


_NOT_WORD = re.compile(r"[^\w]+")


def _without_accents(text: str) -> str:
    """The text with its accents taken off (``é`` -> ``e``): decomposed, then the combining
    marks left out. ASCII text has none, and is most names (a bootstrap folds 43,000)."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalise_name(name: str) -> str:
    """Case-, accent- and spacing-insensitive form of a name, for fingerprints."""
    return " ".join(_NOT_WORD.sub(" ", _without_accents(name.casefold())).split())


def person_id_from_linkedin_url(url: str) -> str | None:
    canonical = normalise_linkedin_url(url)
    return None if canonical is None else person_id_from_canonical_url(canonical)


def person_id_from_canonical_url(canonical: str) -> str:
    """The id for a URL that normalise_linkedin_url already returned."""
    return PROFILE_ID + canonical.rsplit("/", 1)[1]


def linkedin_profile(url: str) -> tuple[str, str] | None:
    """A profile URL's canonical form and the person id it gives (``normalise_linkedin_url``
    and ``person_id_from_canonical_url``), or None when it is no LinkedIn profile URL. Most
    URLs, as LinkedIn writes them, need one match (a bootstrap reads 1.6M)."""
    plain = _PLAIN_PROFILE_URL.fullmatch(url)
    if plain is not None:
        slug = plain.group(1)
        return PROFILE_URL + slug, PROFILE_ID + slug
    canonical = normalise_linkedin_url(url)
    return None if canonical is None else (canonical, person_id_from_canonical_url(canonical))


def person_id_from_email(email: str) -> str | None:
    canonical = normalise_email(email)
    return None if canonical is None else "em:" + canonical


def person_id_from_fingerprint(name: str, company: str) -> str:
    basis = normalise_name(name) + "|" + normalise_company(company)
    return "fp:" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:20]


def person_id(
    *, linkedin_url: str | None = None, email: str | None = None, name: str = "", company: str = ""
) -> str:
    """The id a person gets, by the precedence URL > email > name + company."""
    if linkedin_url:
        derived = person_id_from_linkedin_url(linkedin_url)
        if derived:
            return derived
    if email:
        derived = person_id_from_email(email)
        if derived:
            return derived
    return person_id_from_fingerprint(name, company)


def rep_id_from_email(email: str) -> str | None:
    canonical = normalise_email(email)
    return None if canonical is None else "rep:" + canonical


_LEGAL_SUFFIXES = {
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "ltd",
    "limited",
    "llc",
    "llp",
    "lp",
    "plc",
    "gmbh",
    "ag",
    "sa",
    "sas",
    "sarl",
    "bv",
    "nv",
    "oy",
    "ab",
    "as",
    "aps",
    "spa",
    "srl",
    "pty",
    "pte",
    "kk",
    "kg",
    "se",
}


_INNER_DOT = re.compile(r"(?<=\w)\.(?=\w)")


@lru_cache(maxsize=65_536)
def normalise_company(name: str) -> str:
    """Case-, punctuation- and legal-suffix-insensitive form: 'U.S. Bank' = 'US Bank Inc.'."""
    letters = _without_accents(name.casefold()).replace("&", " and ")
    letters = _INNER_DOT.sub("", letters)  # U.S. -> US
    words = _NOT_WORD.sub(" ", letters).split()
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def company_id(name: str) -> str | None:
    canonical = normalise_company(name)
    return "c:" + canonical.replace(" ", "-") if canonical else None


def school_id(name: str) -> str | None:
    canonical = normalise_name(name)
    return "s:" + canonical.replace(" ", "-") if canonical else None


_EVENT_SEQUENCE = itertools.count()


def event_id(at: datetime) -> str:
    """An event id that sorts like the events happened: the time in microseconds, then a
    sequence number for events of the same instant in this process, then random bits (ids
    from several processes never collide)."""
    micros = int(at.timestamp() * 1_000_000)
    return f"{micros:017d}-{next(_EVENT_SEQUENCE) % 1_000_000:06d}-{uuid.uuid4().hex[:10]}"


TOMBSTONE_PREFIX = "warmpath-tombstone-v1|"


def tombstone_hash(key: str) -> str:
    """The SHA-256 (hex) that stands for one identity key of an erased person: nothing readable
    is kept, but the same key met again hashes the same."""
    return hashlib.sha256((TOMBSTONE_PREFIX + key).encode("utf-8")).hexdigest()


def identity_keys(
    person_id: str,
    *,
    linkedin_url: str | None = None,
    email: str | None = None,
    name: str = "",
    companies: Iterable[str] = (),
) -> set[str]:
    """Every id an import could give this person: their id, the ids of their profile URL and
    email, and the name + company fingerprint for each of their employers."""
    found = {person_id}
    if linkedin_url and (by_url := person_id_from_linkedin_url(linkedin_url)):
        found.add(by_url)
    if email and (by_email := person_id_from_email(email)):
        found.add(by_email)
    if name:
        found.update(person_id_from_fingerprint(name, company) for company in companies if company)
    return found
