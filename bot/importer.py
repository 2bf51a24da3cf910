"""`python -m bot import FILE`: customers and subscriptions from CSV or XLSX, one row each.

Bad rows are reported with their line number and reason; good rows are imported; importing
the same file twice changes nothing.
"""

from __future__ import annotations

import dataclasses
from array import array
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from bot.errors import InvalidInput
from bot.import_files import TableFile, open_table
from bot.import_rows import (
    CUSTOMER_FIELDS,
    FILE_START,
    SUBSCRIPTION_FIELDS,
    Parsed,
    Rejected,
    RowError,
    parse_or_reject,
    parse_part,
    read_header,
    rows_from,
)
from bot.workers import available_cpus, ordered_map
from storage.db import Database, Session
from storage.repositories import imports as import_repo

BATCH_SIZE = 5000
# From this many records on, a CSV's rows are parsed by several processes (starting them costs
# about a second of CPU each).
PARALLEL_RECORDS = 50_000

# Called with the contracts whose expiry a batch moved, in that batch's transaction.
ExpiryMoved = Callable[[Session, Sequence[str]], int]


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    source: TableFile | None = None  # how the file was read
    cancelled_orders: int = 0  # open storage orders of accounts the file renewed

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged + self.rejected


class _Seen:
    """What the file has shown so far, by the 64-bit hash of a key (a contract number, a tax
    code): its first line, and a fingerprint when asked, in flat arrays of 12 or 20 bytes a
    slot, at most 70% full (a dict of strings and tuples took about 150 bytes a key: 1.25
    million rows must fit in a few dozen MB). Linear probing; a hash of 0 is stored as 1.
    Sized for `expected` keys when told (a CSV's records): growing keeps the old arrays and
    the new ones at once, and costs a pass over every key."""

    def __init__(self, fingerprints: bool = False, expected: int = 0) -> None:
        self.count = 0
        self.mask = 0
        self.fingerprints = fingerprints
        self.keys, self.lines, self.prints = array("q"), array("i"), array("q")
        size = 1 << 16
        while size * 7 <= expected * 10:
            size *= 2
        self._grow(size)

    def _grow(self, size: int) -> None:
        keys, lines, prints = self.keys, self.lines, self.prints
        self.mask = size - 1
        self.keys = array("q", bytes(8 * size))
        self.lines = array("i", bytes(4 * size))
        self.prints = array("q", bytes(8 * size if self.fingerprints else 0))
        for index, key in enumerate(keys):
            if key:
                slot = self._slot(key)
                self.keys[slot], self.lines[slot] = key, lines[index]
                if self.fingerprints:
                    self.prints[slot] = prints[index]

    def _slot(self, key: int) -> int:
        """Where `key` is, or the empty slot where it would go."""
        keys, mask = self.keys, self.mask
        slot = key & mask
        while True:
            found = keys[slot]
            if found == key or not found:
                return slot
            slot = (slot + 1) & mask

    def first(self, text: str, line: int, fingerprint: int = 0) -> tuple[int, int]:
        """(first line, fingerprint) of `text`, kept as (line, fingerprint) if it is new."""
        key = hash(text) or 1
        slot = self._slot(key)
        if self.keys[slot]:
            return self.lines[slot], (self.prints[slot] if self.fingerprints else 0)
        self.keys[slot], self.lines[slot] = key, line
        if self.fingerprints:
            self.prints[slot] = fingerprint
        self.count += 1
        if self.count * 10 > self.mask * 7:
            self._grow((self.mask + 1) * 2)
        return line, fingerprint


class _FileChecks:
    """Consistency across rows of one file: unique contracts, one version of each customer."""

    def __init__(self, expected: int = 0) -> None:
        self._contracts = _Seen(expected=expected)
        self._customers = _Seen(fingerprints=True, expected=expected)

    def check(self, row: Parsed) -> None:
        line, customer, subscription = row
        contract = subscription[_CONTRACT_NO]
        first, _ = self._contracts.first(contract, line)
        if first != line:
            raise InvalidInput("import.duplicate_contract", contract_no=contract, first_line=first)
        tax_code = customer[_TAX_CODE]
        fingerprint = hash(customer)
        first_line, first_fingerprint = self._customers.first(tax_code, line, fingerprint)
        if first_fingerprint != fingerprint:
            raise InvalidInput("import.customer_conflict", tax_code=tax_code, first_line=first_line)


_CONTRACT_NO = SUBSCRIPTION_FIELDS.index("contract_no")
_TAX_CODE = CUSTOMER_FIELDS.index("tax_code")


def import_file(
    db: Database,
    path: Path,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[ImportReport], None] | None = None,
    expiry_moved: ExpiryMoved | None = None,
    workers: int | None = None,
) -> ImportReport:
    """Import every good row of `path` in batches; report the bad ones. `progress` is called
    with the report so far after each batch (its `source.records` tells a CSV's size).
    `expiry_moved` is called in each batch's transaction with the contracts whose expiry the
    batch moved (a renewal), and returns how many open storage orders it cancelled.
    A CSV of PARALLEL_RECORDS records or more has its rows parsed by `workers` processes (by
    default one a CPU); the checks across rows and the writes stay here, in the file's order."""
    table = open_table(path)
    if workers is None:
        workers = workers_for(table)
    report = ImportReport(source=table)
    batch: list[Parsed] = []
    try:
        with closing(_checked_rows(table, report, workers)) as rows:
            for row in rows:
                batch.append(row)
                if len(batch) >= batch_size:
                    _apply(db, batch, report, expiry_moved)
                    batch = []
                    if progress:
                        progress(report)
    except InvalidInput:
        _apply(
            db, batch, report, expiry_moved
        )  # a sheet damaged halfway: the good rows before it are kept
        raise
    _apply(db, batch, report, expiry_moved)
    if progress:
        progress(report)
    if report.added or report.updated:
        with db.session() as session:
            import_repo.refresh_statistics(session)
    return report


def workers_for(table: TableFile) -> int:
    """Processes that parse a file's rows: one a CPU for a large CSV, none for a small file (it
    would wait longer for them to start than they save)."""
    return available_cpus() if (table.records or 0) >= PARALLEL_RECORDS else 1


def _checked_rows(table: TableFile, report: ImportReport, workers: int) -> Iterator[Parsed]:
    """The file's valid rows; each bad one is counted and its problems kept in `report`."""
    checks = _FileChecks(table.records or 0)
    for row in _parsed_rows(table, workers):
        if len(row) == 2:  # rejected by the row rule
            report.rejected += 1
            report.errors.extend(row[1])
            continue
        try:
            checks.check(row)
        except InvalidInput as error:
            report.rejected += 1
            report.errors.append(RowError(row[0], error.key, error.params))
            continue
        yield row


def _parsed_rows(table: TableFile, workers: int) -> Iterator[Parsed | Rejected]:
    """Each row parsed on its own, in the file's order: by `workers` processes a part of the
    file each when there are several (and the file has parts: a CSV), else here."""
    if workers < 2 or not table.parts:
        for line, cells in rows_from(table):
            yield parse_or_reject(line, cells)
        return
    with closing(table.rows()) as rows:
        header = read_header(enumerate(rows, 1), table.path.name)
    alone = dataclasses.replace(table, parts=())
    starts = [FILE_START, *table.parts]
    counts = [b.record - a.record for a, b in pairwise(starts)] + [None]
    tasks = [(alone, start, count, header) for start, count in zip(starts, counts, strict=True)]
    for part in ordered_map(parse_part, tasks, workers):
        yield from part


def _apply(
    db: Database, batch: list[Parsed], report: ImportReport, expiry_moved: ExpiryMoved | None
) -> None:
    if not batch:
        return
    with db.session() as session:
        import_repo.prepare_batch(session)
        outcome = import_repo.upsert_values(session, [(c, s) for _, c, s in batch])
        if expiry_moved is not None and outcome.expiry_moved:
            report.cancelled_orders += expiry_moved(session, outcome.expiry_moved)
    report.added += outcome.added
    report.updated += outcome.updated
    report.unchanged += outcome.unchanged
