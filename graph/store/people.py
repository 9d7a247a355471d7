"""Looking people, reps, companies and ties up: by id, email, LinkedIn URL or name."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping, Sequence

from graph import keys
from graph.errors import InvalidArgument, NotFound
from graph.model import MAX_HOPS, Company, PersonRef, RepRef, Tie
from graph.store.mappers import person_ref
from graph.store.reps import CypherReps

MAX_KEY_LENGTH = 500


def check_key(text: str, what: str) -> str:
    """A key or search text as typed by a caller: stripped, not absurdly long."""
    text = text.strip()
    if len(text) > MAX_KEY_LENGTH:
        raise InvalidArgument(f"the {what} is longer than {MAX_KEY_LENGTH} characters")
    return text


def check_hops(max_hops: int) -> None:
    if not isinstance(max_hops, int) or isinstance(max_hops, bool) or not 1 <= max_hops <= MAX_HOPS:
        raise InvalidArgument(f"max_hops must be 1, 2 or 3 (got {max_hops!r})")


def stored_ties(ties: Sequence[Tie]) -> list[Tie]:
    """Ties as stored: from the smaller id to the larger."""
    return [t if t.a < t.b else dataclasses.replace(t, a=t.b, b=t.a) for t in ties]


class CypherPeople(CypherReps):
    """Who is who: people, reps, companies, and the ties between people."""

    def people(self, ids: Sequence[str]) -> dict[str, PersonRef]:
        """The people that exist among these ids, by id."""
        return {
            r["id"]: person_ref(r)
            for r in self._read_in_batches("people_by_ids", "ids", list(dict.fromkeys(ids)))
        }

    def person_ids_if_at_most(self, count: int) -> set[str] | None:
        """Every person's id if the graph holds at most ``count`` people, else None (one read of
        at most ``count + 1`` ids)."""
        rows = self._read("some_person_ids", {"limit": count + 1})
        return {row["id"] for row in rows} if len(rows) <= count else None

    def person(self, person_id: str) -> PersonRef:
        found = self.people([person_id]).get(person_id)
        if found is None:
            raise NotFound(f"no person with id {person_id!r}")
        return found

    def people_by_emails(self, emails: Sequence[str]) -> dict[str, PersonRef]:
        """People by stored email (lower-cased); an address held by several people is left out."""
        wanted = sorted({e.lower() for e in emails if e})
        if not wanted:
            return {}
        hits: dict[str, list[PersonRef]] = defaultdict(list)
        for row in self._read("people_by_emails", {"emails": wanted}):
            hits[(row["email"] or "").lower()].append(person_ref(row))
        return {email: refs[0] for email, refs in hits.items() if len(refs) == 1}

    def companies(self, ids: Sequence[str]) -> dict[str, Company]:
        """The companies that exist among these ids (id and name)."""
        return {
            r["id"]: Company(id=r["id"], name=r["name"] or "")
            for r in self._read_in_batches("companies_by_ids", "ids", list(dict.fromkeys(ids)))
        }

    def lead_companies(self, lead_ids: Sequence[str]) -> dict[str, Company]:
        """The company of each existing lead among these ids."""
        return {
            r["id"]: Company(id=r["company_id"], name=r["company_name"] or "")
            for r in self._read_in_batches("leads_by_ids", "ids", list(dict.fromkeys(lead_ids)))
        }

    def has_ties(self) -> bool:
        """Whether any KNOWS tie exists (one row at most)."""
        return bool(self._read("any_tie"))

    def ties_of(self, person_id: str, source: str) -> dict[str, Tie]:
        """The person's ties of one source, by the other person's id, with their reporters."""
        return {
            row["id"]: Tie(
                a=person_id,
                b=row["id"],
                source=source,
                since=row["since"],
                strength=row["strength"],
                reported_by=self._reporters(row["reported_by"], source, (person_id, row["id"])),
            )
            for row in self._read("ties_of_person", {"person_id": person_id, "source": source})
        }

    def existing_ties(
        self, rows: Sequence[Mapping[str, str]]
    ) -> dict[tuple[str, str, str], tuple[str, ...]]:
        """Which of these ``{a, b, source}`` ties exist, as sorted (a, b, source) keys, each
        with its reporters."""
        found: dict[tuple[str, str, str], tuple[str, ...]] = {}
        for row in self._read_in_batches("ties_between", "rows", [dict(r) for r in rows]):
            a, b = sorted((row["a"], row["b"]))
            found[(a, b, row["source"])] = self._reporters(
                row["reported_by"], row["source"], (a, b)
            )
        return found

    def resolve_person(self, key: str) -> PersonRef:
        """A person by LinkedIn profile URL, email or internal id."""
        text = check_key(key, "person key")
        if not text:
            raise InvalidArgument(
                "empty person key: give a LinkedIn profile URL, an email or an id"
            )
        url = keys.normalise_linkedin_url(text) if "linkedin." in text.lower() else None
        email = keys.normalise_email(text) if "@" in text and url is None else None
        candidates: list[PersonRef] = []
        if url is not None:
            pid = keys.person_id_from_linkedin_url(url)
            candidates = list(self.people([pid]).values()) if pid else []
            if not candidates:
                candidates = [
                    person_ref(r) for r in self._read("people_by_linkedin_url", {"url": url})
                ]
        elif email is not None:
            candidates = list(self.people(["em:" + email]).values())
            if not candidates:
                candidates = [
                    person_ref(r) for r in self._read("people_by_email", {"email": email})
                ]
        else:
            candidates = list(self.people([text]).values())
        if not candidates:
            raise NotFound(
                f"no person with key {key!r} (tried it as a "
                f"{'LinkedIn URL' if url else 'email' if email else 'person id'})"
            )
        if len(candidates) > 1:
            ids = ", ".join(sorted(c.id for c in candidates)[:5])
            raise InvalidArgument(
                f"key {key!r} matches {len(candidates)} people ({ids}): use the LinkedIn URL or id"
            )
        return candidates[0]

    def people_named(self, text: str, *, limit: int = 20) -> list[PersonRef]:
        """People whose name, or whose current employer's name, contains ``text``
        (case-insensitive): name matches first."""
        wanted = check_key(text, "search text").lower()
        if len(wanted) < 2:
            raise InvalidArgument("type at least 2 letters of the name")
        most = max(1, min(limit, 100))
        params = {"text": wanted, "limit": most}
        found = {r["id"]: person_ref(r) for r in self._read("people_named", params)}
        for row in self._read("people_at_company_named", params):
            found.setdefault(row["id"], person_ref(row))
        return list(found.values())[:most]

    def resolve_rep(self, key: str) -> RepRef:
        """A rep by id (``rep:...``), email, LinkedIn profile URL or the id of the rep's person."""
        text = check_key(key, "rep key")
        if not text:
            raise InvalidArgument("empty rep key: give the rep's email, LinkedIn URL or id")
        directory = self._rep_directory()
        if text in directory.by_id:
            return directory.by_id[text]
        if text in directory.by_person:
            return directory.by_person[text]
        email = (
            keys.normalise_email(text) if "@" in text and "linkedin." not in text.lower() else None
        )
        if email is not None and email in directory.by_email:
            return directory.by_email[email]
        if email is None:
            try:
                person = self.resolve_person(text)
            except (NotFound, InvalidArgument):
                person = None
            if person is not None and person.id in directory.by_person:
                return directory.by_person[person.id]
        raise NotFound(f"no rep with key {key!r}")
