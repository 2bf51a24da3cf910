"""A known history for the reports, with the figures worked out by hand in docs/reports.md's
terms (the tests compare the bot's figures with the literal numbers below).

As of 01/12/2026 (TODAY), month 10/2026 and the month before, 09/2026:

AMIS Kế toán terms ending in October (expired 8):
  A 05/10 renewed by a re-import (now 05/10/2027)                         → renewed
  B 10/10 ordered 12/10 09:00, paid 14/10 10:00, 1.200.000 đ              → saved
  C 15/10 ordered 25/10, paid 31/10 23:30, 2.400.000 đ                    → saved
  L 28/10 ordered 30/10, paid 01/11 00:30 (November's revenue), 900.000 đ → saved
  D 20/10 ordered 21/10, order expired, swept on 21/11                    → deleted
  E 25/10 no order, day 31 passed                                         → deleted
  H 08/10 only a paid order of its term before (2025)                     → deleted
  F 31/10 order 10/11 cancelled, order 20/11 awaiting payment until 27/11+ → in grace (held)
  (G 31/10 is iGOV and I 02/11 is November: not counted)
  ordered 5 (B C L D F); save rate 3 / (8 − 1) = 42,9 %
  expiry → first order: B 2, C 10, L 2, D 1, F 10 days → median 2
  order → payment: B 2, C 6, L 2 days → median 2
  revenue paid in October: B + C + J = 4.200.000 đ (3 orders)
September: J 28/09 ordered 30/09 paid 02/10 (saved), M 10/09 no order (deleted):
  expired 2, ordered 1, saved 1, deleted 1, save rate 50 %; medians 2 and 2; revenue 0.

iGOV orders: October 2 (03/10 5.000.000 đ, 20/10 3.000.000 đ), September 1 (1.000.000 đ),
November 1 (01/11 00:10). Licence requests submitted in October: R1 approved, R2 rejected,
R3 approved, R4 returned, R5 pending, R6 withdrawn, R8 approved (decided in November): 7.
Decided in October: R1 4 h, R2 24 h, R3 48 h, R7 48 h (submitted in September) → median 36 h,
90th percentile 48 h. September: R7 approved, R9 pending (submitted 20/09: the oldest pending,
72 days on 01/12/2026); no decision in September.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.importer import import_file
from storage.db import Database
from storage.models import Subscription
from tests.factories import igov_order, licence_request, local, row, storage_order, tax_code
from tests.factories import write_csv as write_rows

TODAY = date(2026, 12, 1)

ACCOUNTS = {
    # contract: expiry (AMIS Kế toán unless said)
    "HD-A": date(2026, 10, 5),
    "HD-B": date(2026, 10, 10),
    "HD-C": date(2026, 10, 15),
    "HD-L": date(2026, 10, 28),
    "HD-D": date(2026, 10, 20),
    "HD-E": date(2026, 10, 25),
    "HD-H": date(2026, 10, 8),
    "HD-F": date(2026, 10, 31),
    "HD-G": date(2026, 10, 31),  # iGOV
    "HD-I": date(2026, 11, 2),
    "HD-J": date(2026, 9, 28),
    "HD-M": date(2026, 9, 10),
}
IGOV = {"HD-G"}


def _rows(renewed: bool = False) -> list[dict[str, str]]:
    rows = []
    for serial, (contract, expires_on) in enumerate(sorted(ACCOUNTS.items()), start=700):
        if renewed and contract == "HD-A":
            expires_on = date(2027, 10, 5)
        igov = contract in IGOV
        rows.append(
            row(
                tax_code(serial),
                f"Công ty Báo Cáo {contract}",
                contract,
                expires_on,
                product="IGOV" if igov else "AMIS_KT",
                segment="public" if igov else "enterprise",
                budget_code="1234567" if igov else "",
            )
        )
    return rows


def load(db: Database, folder: Path) -> None:
    """Import the accounts, renew A by a second import, then write orders and requests."""
    for renewed in (False, True):
        report = import_file(db, write_rows(folder / f"accounts-{renewed}.csv", _rows(renewed)))
        assert not report.errors, report.errors
    with db.session() as session:
        _storage_orders(session)
        _igov(session)


def _storage_orders(session: Session) -> None:
    d = date
    storage_order(
        session, "HD-B", local(d(2026, 10, 12)), status="paid", paid_at=local(d(2026, 10, 14), 10)
    )
    storage_order(
        session,
        "HD-C",
        local(d(2026, 10, 25)),
        status="paid",
        total=2_400_000,
        paid_at=local(d(2026, 10, 31), 23, 30),
    )
    storage_order(
        session,
        "HD-L",
        local(d(2026, 10, 30)),
        status="paid",
        total=900_000,
        paid_at=local(d(2026, 11, 1), 0, 30),
    )
    storage_order(session, "HD-D", local(d(2026, 10, 21)), status="expired")
    storage_order(session, "HD-F", local(d(2026, 11, 10)), status="cancelled")
    storage_order(session, "HD-F", local(d(2026, 11, 20)), deadline_days=14)
    # H's order saved the term before (expired 08/10/2025): not this term's.
    storage_order(
        session, "HD-H", local(d(2025, 10, 9)), status="paid", paid_at=local(d(2025, 10, 10))
    )
    storage_order(
        session,
        "HD-J",
        local(d(2026, 9, 30)),
        status="paid",
        total=600_000,
        paid_at=local(d(2026, 10, 2)),
    )
    session.execute(
        update(Subscription)
        .where(Subscription.contract_no == "HD-D")
        .values(data_deleted_on=date(2026, 11, 21))
    )


def _igov(session: Session) -> None:
    d = date
    o1 = igov_order(session, "HD-G", local(d(2026, 10, 3)), amount=5_000_000)
    igov_order(session, "HD-G", local(d(2026, 10, 20)), amount=3_000_000)
    o3 = igov_order(session, "HD-G", local(d(2026, 9, 15)), amount=1_000_000)
    igov_order(session, "HD-G", local(d(2026, 11, 1), 0, 10), amount=7_000_000)

    def request(
        code: str,
        created: datetime,
        status: str = "pending",
        decided: datetime | None = None,
        returned: datetime | None = None,
    ) -> None:
        order = o3 if created < local(d(2026, 10, 1), 0) else o1
        licence_request(
            session, order, code, created, status=status, decided_at=decided, returned_at=returned
        )

    request("R1", local(d(2026, 10, 5), 8), "approved", local(d(2026, 10, 5), 12))
    request("R2", local(d(2026, 10, 6), 9), "rejected", local(d(2026, 10, 7), 9))
    request("R3", local(d(2026, 10, 10), 10), "approved", local(d(2026, 10, 12), 10))
    request("R4", local(d(2026, 10, 20), 8), "returned", returned=local(d(2026, 10, 21), 8))
    request("R5", local(d(2026, 10, 25), 8))
    request("R6", local(d(2026, 10, 26), 8), "withdrawn", local(d(2026, 10, 27), 8))
    request("R7", local(d(2026, 9, 29), 8), "approved", local(d(2026, 10, 1), 8))
    request("R8", local(d(2026, 10, 30), 8), "approved", local(d(2026, 11, 2), 8))
    request("R9", local(d(2026, 9, 20), 8))
