"""Consent: a rep's exports (LinkedIn, Facebook, Positions, Education) are imported only when the
rep's consent is on record, or given with the import (``--consent``), which records it.

Consent is recorded on the rep (``consented_at``, ``consent_by``) by the roster's ``consent``
column (``yes`` or the date the rep agreed) or by ``--consent``; ``warmpath forget-network``
withdraws it. A missing consent stops the import before anything is read or written.
"""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from graph.errors import ConsentMissing
from graph.model import Consent, RepRef
from graph.store import GraphStore
from importers.dates import parse_date
from importers.plan import Plan

YES = frozenset({"yes", "y", "true", "1", "agreed", "given"})
NO = frozenset({"no", "n", "false", "0"})


@dataclass(frozen=True)
class ConsentGiven:
    """Consent given with an import command (``--consent``): who recorded it, and when."""

    by: str
    at: datetime


def given_on_command_line(now: datetime | None = None) -> ConsentGiven:
    """``--consent``: recorded by the operating-system user who ran the command, now."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        user = "unknown"
    return ConsentGiven(by=f"--consent by {user}", at=now or datetime.now(UTC))


def require_consent(
    store: GraphStore, reps: Sequence[RepRef], plan: Plan, given: ConsentGiven | None
) -> None:
    """Stop unless every rep has consented: on record, or ``given`` now (then the plan records
    it with the import, in the same transaction). Raises ConsentMissing, one line."""
    on_record = store.rep_consents([rep.id for rep in reps])
    missing = [rep for rep in reps if rep.id not in on_record]
    if not missing:
        return
    if given is not None:
        for rep in missing:
            plan.consents[rep.id] = Consent(
                rep_id=rep.id, consented_at=given.at, consent_by=given.by
            )
        return
    if len(reps) == 1:
        raise ConsentMissing(
            f"no consent on record for rep {missing[0].email or missing[0].id}: nothing was "
            "imported; if they agreed, run the command again with --consent, or record it in "
            "the consent column of reps.csv (warmpath import reps)"
        )
    named = ", ".join(rep.email or rep.id for rep in missing[:5])
    more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
    raise ConsentMissing(
        f"no consent on record for {len(missing)} of {len(reps)} reps ({named}{more}): nothing "
        "was imported; record it in the consent column of reps.csv (yes, or the date they "
        "agreed) and run warmpath import reps again"
    )


def parse_roster_consent(text: str, *, today: date) -> date | bool | None:
    """A roster's ``consent`` cell: True (yes), a date (the day they agreed), False (no) or
    None (empty). ValueError, naming what is accepted, for anything else."""
    value = text.strip()
    if not value:
        return None
    if value.lower() in YES:
        return True
    if value.lower() in NO:
        return False
    try:
        day = parse_date(value)
    except ValueError:
        raise ValueError("must be yes, no, or the date the rep agreed") from None
    if day is None:
        return None
    if day > today:
        raise ValueError("is in the future")
    return day


def roster_consent(
    rep_id: str,
    cell: date | bool | None,
    on_record: Consent | None,
    *,
    by: str,
    now: datetime,
    withdrawn_at: datetime | None = None,
) -> Consent | None:
    """What a roster row records: nothing when the cell is empty or no (raise ValueError for a
    "no" that contradicts the consent on record: withdrawal is forget-network), nothing when a
    "yes" is on record already, else the consent (a date: midnight UTC that day). After a
    withdrawal (forget-network) the same roster cannot bring the consent back: only a consent
    dated after the withdrawal, or ``--consent`` on an import, does (ValueError otherwise)."""
    if cell is None:
        return None
    if cell is False:
        if on_record is not None:
            raise ValueError(
                "is no, but the rep's consent is on record: to withdraw it, run "
                "warmpath forget-network for this rep"
            )
        return None
    if (
        withdrawn_at is not None
        and on_record is None
        and (cell is True or datetime.combine(cell, time(), tzinfo=UTC) <= withdrawn_at)
    ):
        raise ValueError(
            f"cannot renew a consent the rep withdrew on {withdrawn_at.date().isoformat()}: "
            "write the date they agreed again (after the withdrawal), or import their export "
            "with --consent"
        )
    if cell is True:
        return None if on_record is not None else Consent(rep_id, now, by)
    at = datetime.combine(cell, time(), tzinfo=UTC)
    if on_record is not None and on_record.consented_at == at:
        return None
    return Consent(rep_id=rep_id, consented_at=at, consent_by=by)
