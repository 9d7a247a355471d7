"""Privacy: who reported each tie, reps' consent, withdrawing a network, erasing a person and
the tombstones that keep them out of later imports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from graph.errors import NotFound
from graph.model import Consent, PersonFootprint, Tie
from graph.store.mappers import NEVER
from graph.store.people import stored_ties
from graph.store.reps import CypherReps
from graph.store.runner import first_count, utc


class CypherPrivacy(CypherReps):
    def reported_ties(self, person_id: str) -> list[Tie]:
        """Every tie of the person, of any source, with its reporters (``a`` < ``b``)."""
        ties = []
        for row in self._read("reported_ties", {"person_id": person_id}):
            a, b = sorted((person_id, row["id"]))
            reporters = self._reporters(row["reported_by"], row["source"], (a, b))
            ties.append(Tie(a=a, b=b, source=row["source"], reported_by=reporters))
        return ties

    def set_tie_reporters(self, ties: Sequence[Tie]) -> int:
        """Replace the reporters of these stored ties with each tie's ``reported_by``."""
        return self._write_records("set_tie_reporters", stored_ties(ties))

    def delete_ties(self, ties: Sequence[Tie]) -> int:
        """Delete these ties (pair and source); returns how many went."""
        rows = self._write_rows("delete_ties", stored_ties(ties))
        return sum(int(row["removed"]) for row in rows)

    def delete_lonely_people(self, person_ids: Sequence[str]) -> int:
        """Delete those of these people with no tie left who are neither a rep nor a
        decision-maker (with their employments and studies); returns how many went."""
        ids = list(dict.fromkeys(person_ids))
        return self._write_in_batches("delete_lonely_people", "ids", ids, count="removed")

    def delete_background(self, person_id: str) -> tuple[int, int]:
        """Delete a person's employments and studies: (employments, studies) removed."""
        params = {"person_id": person_id}
        jobs = first_count(self._write("delete_employments_of", params), "removed")
        studies = first_count(self._write("delete_studies_of", params), "removed")
        return jobs, studies

    def rep_consents(self, rep_ids: Sequence[str]) -> dict[str, Consent]:
        """The consent on record of each of these reps (those without one are absent)."""
        return {
            r["rep_id"]: Consent(
                rep_id=r["rep_id"],
                consented_at=utc(r["consented_at"]) or NEVER,
                consent_by=r["consent_by"] or "",
            )
            for r in self._read_in_batches("rep_consents", "ids", list(dict.fromkeys(rep_ids)))
        }

    def record_consents(self, consents: Sequence[Consent]) -> int:
        """Record reps' consent to import their exports (the reps exist)."""
        return self._write_records("record_consents", consents)

    def clear_consent(self, rep_id: str, *, at: datetime) -> bool:
        """Withdraw a rep's consent, recording when (a roster cannot bring back a consent
        given before it); False when none was on record."""
        had = bool(self.rep_consents([rep_id]))
        self._write("clear_consent", {"rep_id": rep_id, "at": at})
        return had

    def consent_withdrawals(self, rep_ids: Sequence[str]) -> dict[str, datetime]:
        """When each of these reps last withdrew their consent (those who never did are absent)."""
        return {
            r["rep_id"]: utc(r["withdrawn_at"]) or NEVER
            for r in self._read_in_batches(
                "consent_withdrawals", "ids", list(dict.fromkeys(rep_ids))
            )
        }

    def person_footprint(self, person_id: str) -> PersonFootprint:
        """What the graph holds about a person (what erasing them removes)."""
        params = {"person_id": person_id}
        rows = self._read("person_footprint", params)
        if not rows:
            raise NotFound(f"no person with id {person_id!r}")
        return PersonFootprint(
            ties=int(rows[0]["ties"]),
            employments=int(rows[0]["employments"]),
            studies=int(rows[0]["studies"]),
            decision_maker_of=tuple(
                sorted(
                    (r["id"], r["status"] or "new")
                    for r in self._read("person_decision_leads", params)
                )
            ),
            employer_names=tuple(
                sorted(
                    {r["name"] for r in self._read("person_employer_names", params) if r["name"]}
                )
            ),
        )

    def erase_person(self, person_id: str) -> int:
        """Delete a person with every tie, employment, study and decision-maker link."""
        return first_count(self._write("erase_person", {"person_id": person_id}), "removed")

    def tombstone_hashes(self) -> frozenset[str]:
        """Every tombstone: the hashes of erased people's identity keys (graph.keys)."""
        return frozenset(r["hash"] for r in self._read("tombstone_hashes"))

    def add_tombstones(self, hashes: Sequence[str], *, at: datetime) -> int:
        """Keep these hashes so that imports skip whoever they stand for."""
        return self._write_in_batches(
            "add_tombstones", "hashes", sorted(set(hashes)), count="written", at=at
        )
