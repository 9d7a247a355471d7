"""A rep's Facebook friend list: ``your_friends.json`` (``friends_v2``) or the older
``friends.json`` (``friends``).

Facebook writes every string as UTF-8 bytes escaped one by one (``\\u00c3\\u00b1`` for "ñ");
they are re-decoded. There are no ids and names repeat, so a Facebook-only friend is never merged
into anyone on name alone: the person's id is derived from the rep, the name and the friendship's
timestamp (or from the email when ``contact_info`` carries one). Ties keep ``source=facebook``.
Re-importing the same file changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graph import keys
from graph.errors import UnusableInput
from graph.model import Person, Tie
from graph.store import GraphStore
from importers.consent import ConsentGiven, require_consent
from importers.linkedin import _rep
from importers.plan import ImportReport, Plan, Progress, apply_plan
from importers.source import read_bytes

SOURCE = "facebook"
STRENGTH = 0.5


def redecode(text: str) -> str:
    """Facebook's escaped UTF-8 bytes back to text; text that is not like that stays as it is."""
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _entries(data: bytes, path: Path) -> list[Any]:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise UnusableInput(
            f"{path}: not UTF-8 JSON (byte {exc.start}); is this a Facebook export?"
        ) from None
    except json.JSONDecodeError as exc:
        raise UnusableInput(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    if isinstance(document, dict):
        for key in ("friends_v2", "friends"):
            if isinstance(document.get(key), list):
                return list(document[key])
    raise UnusableInput(
        f"{path}: no 'friends_v2' or 'friends' list; is this your_friends.json or friends.json "
        "from a Facebook export?"
    )


def import_facebook(
    store: GraphStore,
    rep_key: str,
    path: Path,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    consent: ConsentGiven | None = None,
) -> ImportReport:
    """Import a rep's Facebook friends as ``facebook`` ties (only with the rep's consent on
    record, or ``consent`` given now)."""
    rep = _rep(store, rep_key)
    plan = Plan()
    require_consent(store, [rep], plan, consent)
    entries = _entries(read_bytes(path), path)
    report = ImportReport(file=path.name, kind="facebook")
    for number, entry in enumerate(entries, start=1):
        report.rows_read += 1
        if not isinstance(entry, dict):
            report.reject(number, "entry is not an object with 'name' and 'timestamp'")
            continue
        raw_name = entry.get("name")
        if not isinstance(raw_name, str) or not raw_name.strip():
            report.skip("friends without a name (deactivated accounts)")
            continue
        name = " ".join(redecode(raw_name).split())
        stamp = entry.get("timestamp")
        since = None
        if stamp is not None:
            if (
                not isinstance(stamp, (int, float))
                or isinstance(stamp, bool)
                or not 0 <= stamp < 4e9
            ):
                report.reject(number, f"timestamp {stamp!r} is not seconds since 1970")
                continue
            since = datetime.fromtimestamp(stamp, tz=UTC).date()
        email = None
        contact = entry.get("contact_info")
        if isinstance(contact, str):
            email = keys.normalise_email(redecode(contact))
        if email is not None:
            person_id = "em:" + email
        else:
            basis = f"{rep.id}|{keys.normalise_name(name)}|{stamp}"
            person_id = "fb:" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:20]
        if person_id in plan.people:
            report.skip("duplicate entries")
            continue
        first, last = keys.split_name(name)
        plan.add_person(
            Person(
                id=person_id,
                name=name,
                first_name=first or None,
                last_name=last or None,
                email=email,
            )
        )
        plan.add_tie(
            Tie(
                a=rep.person_id,
                b=person_id,
                source=SOURCE,
                since=since,
                strength=STRENGTH,
                reported_by=(rep.id,),
            )
        )
        plan.tie_owners.add((rep.person_id, SOURCE))
    return apply_plan(store, plan, report, dry_run=dry_run, progress=progress)
