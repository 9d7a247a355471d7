"""Copy a whole warmpath graph from one store to another (``warmpath transfer``): LadybugDB to
Neo4j, Neo4j to LadybugDB, or between two stores of one kind.

Every label and relationship type of the model (``KINDS``) is read from the source in pages
ordered by id (a relationship type by the id of its start node); the same id range is read from
the target, and only what the target lacks or holds with other values is written, by MERGE-by-id
queries in batches (``cypher/<dialect>/transfer.cypher``). Safe to rerun: a rerun after an
interruption writes only what is still missing, and nothing is ever written twice.

The target may already hold another graph: it is merged into. The source's values win; nothing
of the target is deleted except a link that exists once per node (a rep's person, a lead's
company, an event's lead), which the source's link replaces.

At the end both graphs are read again and compared per label and relationship type: the number
of rows and a checksum of all rows, normalised so that both backends give the same digest
(timestamps as UTC ISO text, dates ISO, floats rounded to 9 places, list properties sorted).
``lock_token``, which only Neo4j holds (the write lock taken by the queries that move a lead or
lease a message), is not data and is not copied.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graph.errors import InvalidArgument
from graph.store import WRITE_BATCH, CypherGraphStore, GraphStore, Progress
from graph.store.runner import batches
from graph.transfer.kinds import KINDS, Kind, KindRow, row_of

READ_PAGE = 50_000
"""Start nodes per page read: a LadybugDB page read scans the label once, so pages are large."""
WHOLE_RANGE = 2**63 - 1
"""The LIMIT of a read bounded by ids: the whole range."""
EXAMPLES = 3
"""Keys of differing rows named per label and kind of difference in a failed check."""


@dataclass(frozen=True)
class KindCheck:
    """One label or relationship type compared between source and target.

    ``missing``, ``differing`` and ``extra`` count the rows only in the source, in both with
    other values, and only in the target; the ``*_examples`` name a few of them."""

    kind: str
    source_rows: int
    target_rows: int
    source_digest: str
    target_digest: str
    missing: int = 0
    differing: int = 0
    extra: int = 0
    missing_examples: tuple[str, ...] = ()
    differing_examples: tuple[str, ...] = ()
    extra_examples: tuple[str, ...] = ()

    @property
    def matches(self) -> bool:
        return self.source_rows == self.target_rows and self.source_digest == self.target_digest

    def describe(self) -> str:
        """What differs, in one line (``"same"`` when nothing does)."""
        if self.matches:
            return "same"
        parts = []
        for count, what, examples in (
            (self.missing, "missing from the target", self.missing_examples),
            (self.differing, "with other values in the target", self.differing_examples),
            (self.extra, "only in the target", self.extra_examples),
        ):
            if count:
                parts.append(f"{count:,} {what} (e.g. {', '.join(examples)})")
        rows = f"{self.source_rows:,} rows in the source, {self.target_rows:,} in the target"
        return f"{rows}: " + ("; ".join(parts) or "other checksums (a row repeated on one side)")


@dataclass(frozen=True)
class TransferReport:
    """What a transfer wrote, per label and relationship type, and the final comparison."""

    written: Mapping[str, int]
    unchanged: Mapping[str, int]
    checks: tuple[KindCheck, ...]
    seconds: float

    @property
    def differences(self) -> tuple[KindCheck, ...]:
        return tuple(check for check in self.checks if not check.matches)

    @property
    def matches(self) -> bool:
        return not self.differences

    def summary(self) -> str:
        written = sum(self.written.values())
        unchanged = sum(self.unchanged.values())
        copied = (
            f"wrote {written:,} rows ({unchanged:,} were already in the target) "
            f"in {self.seconds:.1f}s"
        )
        if self.matches:
            return (
                f"{copied}; the target matches the source: same counts and checksums for all "
                f"{len(self.checks)} labels and relationship types"
            )
        return (
            f"{copied}; the target differs from the source in {len(self.differences)} of "
            f"{len(self.checks)} labels and relationship types"
        )


def transfer(
    source: GraphStore,
    target: GraphStore,
    *,
    batch_size: int = WRITE_BATCH,
    page_size: int = READ_PAGE,
    progress: Progress | None = None,
) -> TransferReport:
    """Copy every node and relationship of ``source`` into ``target``, then compare the two.

    ``progress(label, done, total)`` is called as rows are copied (label: a label or
    relationship type) and checked (label: ``"<label> (check)"``). Safe to rerun. Both stores
    need the current schema: a LadybugDB file an older warmpath wrote gets it when opened for
    writing (``open_store``), not when opened read-only.
    """
    if batch_size < 1 or page_size < 1:
        raise InvalidArgument(
            f"batch size and page size must be 1 or more (got {batch_size}, {page_size})"
        )
    ours, theirs = _cypher_store(source), _cypher_store(target)
    started = time.perf_counter()
    totals = _totals(ours)
    written: dict[str, int] = {}
    unchanged: dict[str, int] = {}
    # each write tells the target's caches (what it keeps in memory about reps and activity)
    for kind in KINDS:
        written[kind.name], unchanged[kind.name] = _copy(
            ours,
            theirs,
            kind,
            batch_size=batch_size,
            page_size=page_size,
            total=totals[kind.name],
            progress=progress,
        )
    checks = compare(ours, theirs, page_size=page_size, progress=progress, totals=totals)
    return TransferReport(
        written=written,
        unchanged=unchanged,
        checks=checks,
        seconds=time.perf_counter() - started,
    )


def compare(
    source: GraphStore,
    target: GraphStore,
    *,
    page_size: int = READ_PAGE,
    progress: Progress | None = None,
    totals: Mapping[str, int] | None = None,
) -> tuple[KindCheck, ...]:
    """Compare two graphs per label and relationship type: row counts, checksums, and a few
    examples of what differs. Reads both in full; writes nothing."""
    ours, theirs = _cypher_store(source), _cypher_store(target)
    expected = totals if totals is not None else _totals(ours)
    return tuple(
        _check(
            ours, theirs, kind, page_size=page_size, total=expected[kind.name], progress=progress
        )
        for kind in KINDS
    )


def _cypher_store(store: GraphStore) -> CypherGraphStore:
    if not isinstance(store, CypherGraphStore):
        raise InvalidArgument(f"cannot transfer with a {type(store).__name__}: not a Cypher store")
    return store


def _totals(store: CypherGraphStore) -> dict[str, int]:
    row = store._read("transfer_counts")[0]
    return {kind.name: int(row[f"n_{kind.slug}"] or 0) for kind in KINDS}


def _page(
    store: CypherGraphStore, kind: Kind, *, after: str, until: str | None, limit: int
) -> tuple[list[KindRow], str | None]:
    """Rows whose page key is after ``after`` (up to ``until``, else at most ``limit`` start
    nodes), and the last page key read (None when there was nothing)."""
    raw = store._read(
        f"transfer_read_{kind.slug}",
        {"after": after, "until": until or "", "bounded": until is not None, "limit": limit},
    )
    if not raw:
        return [], None
    last = str(raw[-1][kind.page_key])
    if kind.is_relationship:  # a start node without such a relationship: one row, end null
        end = kind.columns[1][0]
        raw = [r for r in raw if r[end] is not None]
    return [row_of(kind, r) for r in raw], last


def _ranges(
    source: CypherGraphStore, target: CypherGraphStore, kind: Kind, page_size: int, *, tail: bool
) -> Iterator[tuple[list[KindRow], list[KindRow]]]:
    """(source rows, target rows) of the same id ranges, a page of the source at a time; with
    ``tail``, then the target's rows after the source's last id, a page at a time.

    Each store orders ids its own way; where two would order an id differently, that row shows
    in different ranges on each side (a harmless extra write; the checksums do not depend on it).
    """
    after = ""
    while True:
        ours, last = _page(source, kind, after=after, until=None, limit=page_size)
        if last is None:
            break
        theirs, _ = _page(target, kind, after=after, until=last, limit=WHOLE_RANGE)
        yield ours, theirs
        after = last
    while tail:
        theirs, last = _page(target, kind, after=after, until=None, limit=page_size)
        if last is None:
            break
        yield [], theirs
        after = last


def _copy(
    source: CypherGraphStore,
    target: CypherGraphStore,
    kind: Kind,
    *,
    batch_size: int,
    page_size: int,
    total: int,
    progress: Progress | None,
) -> tuple[int, int]:
    """Write the source's rows of one kind that the target lacks or holds otherwise; returns
    (rows written, rows the target already held)."""
    written = unchanged = 0
    if progress is not None:
        progress(kind.name, 0, total)
    for ours, theirs in _ranges(source, target, kind, page_size, tail=False):
        held = {row.key: row.text for row in theirs}
        wanted = [row for row in ours if held.get(row.key) != row.text]
        unchanged += len(ours) - len(wanted)
        for batch in batches([row.values for row in wanted], batch_size):
            if kind.replaces:
                target._write(f"transfer_unlink_{kind.slug}", {"rows": batch})
            result = target._write(f"transfer_write_{kind.slug}", {"rows": batch})
            written += int(result[0]["written"]) if result else 0
            if progress is not None:
                done = written + unchanged
                progress(kind.name, done, max(total, done))
        if progress is not None and not wanted:
            progress(kind.name, unchanged + written, max(total, unchanged + written))
    return written, unchanged


def _digest(total: int) -> str:
    return f"{total:064x}"


def _check(
    source: CypherGraphStore,
    target: CypherGraphStore,
    kind: Kind,
    *,
    page_size: int,
    total: int,
    progress: Progress | None,
) -> KindCheck:
    """Both graphs' rows of one kind: counts, checksums (the sum of each row's sha256, so the
    order rows come in does not matter) and examples of the rows that differ."""
    label = f"{kind.name} (check)"
    counts = [0, 0]
    sums = [0, 0]
    found: dict[str, list[str]] = {"missing": [], "differing": [], "extra": []}
    tally = dict.fromkeys(found, 0)
    if progress is not None:
        progress(label, 0, total)
    for ours, theirs in _ranges(source, target, kind, page_size, tail=True):
        for side, rows in enumerate((ours, theirs)):
            counts[side] += len(rows)
            for row in rows:
                sums[side] += int.from_bytes(hashlib.sha256(row.text.encode()).digest(), "big")
        mine = {row.key: row.text for row in ours}
        held = {row.key: row.text for row in theirs}
        for key, text in mine.items():
            difference = "missing" if key not in held else "differing" if held[key] != text else ""
            if difference:
                _note(found, tally, difference, key)
        for key in sorted(held.keys() - mine.keys(), key=str):
            _note(found, tally, "extra", key)
        if progress is not None:
            progress(label, counts[0], max(total, counts[0]))
    return KindCheck(
        kind=kind.name,
        source_rows=counts[0],
        target_rows=counts[1],
        source_digest=_digest(sums[0] % 2**256),
        target_digest=_digest(sums[1] % 2**256),
        missing=tally["missing"],
        differing=tally["differing"],
        extra=tally["extra"],
        missing_examples=tuple(found["missing"]),
        differing_examples=tuple(found["differing"]),
        extra_examples=tuple(found["extra"]),
    )


def _note(
    found: dict[str, list[str]], tally: dict[str, int], difference: str, key: tuple[Any, ...]
) -> None:
    tally[difference] += 1
    if len(found[difference]) < EXAMPLES:
        name = " -> ".join(str(part) for part in key[:2])
        found[difference].append(name + (f" ({key[2]})" if len(key) > 2 else ""))
