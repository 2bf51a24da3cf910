"""Lookup by tax code and by name, on SQLite (FTS5) and PostgreSQL (pg_trgm)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.authz import Authorizer, NoGroups
from bot.config import load_settings
from bot.customer_fields import Segment
from bot.customers import lookup, lookup_customers
from bot.errors import InvalidInput, NotAuthorized
from bot.importer import import_file
from bot.services import Services
from bot.subscriptions import LifecycleState, Product
from storage.db import Database
from storage.models import Customer, Subscription
from tests.factories import row, tax_code, write_csv
from tests.reminders_dataset import storage_order

TODAY = date(2026, 11, 22)
MISA = "0101243150"


@pytest.fixture
def customers(db: Database, tmp_path: Path) -> Database:
    rows = [
        row(MISA, "Công ty Cổ phần MISA", "HD-001", TODAY - timedelta(days=12)),
        row(MISA, "Công ty Cổ phần MISA", "HD-002", TODAY + timedelta(days=40), product="IGOV"),
        row(f"{MISA}-001", "Chi nhánh Công ty Cổ phần MISA tại Đà Nẵng", "HD-003", TODAY),
        row(tax_code(1), "Công ty TNHH Misaki Việt Nam", "HD-004", TODAY - timedelta(days=45)),
        row(tax_code(2), "Công ty Cổ phần Sữa Việt", "HD-005", TODAY - timedelta(days=3)),
        row(
            tax_code(3),
            "Sở Giáo dục và Đào tạo Đà Nẵng",
            "HD-006",
            TODAY + timedelta(days=7),
            segment="public",
            budget_code="1012345",
            product="IGOV",
        ),
    ]
    rows += [
        row(tax_code(100 + i), f"Công ty TNHH Thương mại Hòa Bình {i}", f"HB-{i}", TODAY)
        for i in range(13)
    ]
    report = import_file(db, write_csv(tmp_path / "c.csv", rows))
    assert report.rejected == 0, report.errors
    return db


@pytest.mark.parametrize("query", ["0101243150", "0101 243 150", "0101.243.150"])
def test_tax_code_finds_company_then_branches(customers: Database, query: str) -> None:
    result = lookup_customers(customers, query, TODAY)
    assert [c.tax_code for c in result.customers] == [MISA, f"{MISA}-001"]
    misa = result.customers[0]
    states = {s.contract_no: s.lifecycle.state for s in misa.subscriptions}
    assert states == {"HD-001": LifecycleState.EXPIRED, "HD-002": LifecycleState.ACTIVE}
    expired = next(s for s in misa.subscriptions if s.contract_no == "HD-001")
    assert expired.can_order_storage
    assert (expired.lifecycle.days_since_expiry, expired.lifecycle.days_until_deletion) == (12, 19)


def test_branch_code_finds_only_the_branch(customers: Database) -> None:
    result = lookup_customers(customers, "0101243150-001", TODAY)
    assert [c.tax_code for c in result.customers] == [f"{MISA}-001"]
    assert lookup_customers(customers, "0101243150-002", TODAY).customers == ()


@pytest.mark.parametrize(
    "query", ["cong ty co phan misa", "MISA cổ phần", "CÔNG TY CỔ PHẦN MISA", "misa cp", "misa"]
)
def test_name_search_ignores_case_diacritics_and_word_order(
    customers: Database, query: str
) -> None:
    names = [c.name for c in lookup_customers(customers, query, TODAY).customers]
    if query == "misa cp":
        assert names == []  # "cp" is not a word prefix of any name
        return
    assert names[0] == "Công ty Cổ phần MISA"
    assert "Công ty Cổ phần Sữa Việt" not in names


def test_word_prefixes_match(customers: Database) -> None:
    names = [c.name for c in lookup_customers(customers, "so giao duc da nang", TODAY).customers]
    assert names == ["Sở Giáo dục và Đào tạo Đà Nẵng"]
    card = lookup_customers(customers, "so giao duc", TODAY).customers[0]
    assert card.is_public and card.budget_code == "1012345"


def test_legal_form_words_order_but_do_not_exclude(customers: Database) -> None:
    names = [c.name for c in lookup_customers(customers, "cong ty tnhh misaki", TODAY).customers]
    assert names == ["Công ty TNHH Misaki Việt Nam"]
    names = [c.name for c in lookup_customers(customers, "cong ty co phan misa", TODAY).customers]
    assert names[0] == "Công ty Cổ phần MISA"
    only_common = lookup_customers(customers, "cong ty co phan", TODAY).customers
    assert {"Công ty Cổ phần MISA", "Công ty Cổ phần Sữa Việt"} <= {c.name for c in only_common}


def test_digits_count_as_words(customers: Database) -> None:
    names = [c.name for c in lookup_customers(customers, "hoa binh 7", TODAY).customers]
    assert names == ["Công ty TNHH Thương mại Hòa Bình 7"]


def test_at_most_ten_with_a_hint(customers: Database) -> None:
    result = lookup_customers(customers, "hoa binh", TODAY)  # 13 match
    assert len(result.customers) == 10
    assert result.has_more
    assert not lookup_customers(customers, "misaki", TODAY).has_more


# Real tax codes: Samsung Electronics Việt Nam with 10 branches (11 units), Becamex IDC with 9.
SAMSUNG, BECAMEX = "2300325764", "3700145020"


@pytest.fixture
def ten_and_eleven(db: Database, tmp_path: Path) -> Database:
    rows = [row(SAMSUNG, "Công ty TNHH Samsung Electronics Việt Nam", "HD-S0", TODAY)]
    rows += [
        row(f"{SAMSUNG}-{n:03d}", f"Chi nhánh Mười Một {n}", f"HD-S{n}", TODAY)
        for n in range(1, 11)
    ]
    rows += [row(BECAMEX, "Tổng Công ty Becamex IDC", "HD-B0", TODAY)]
    rows += [
        row(f"{BECAMEX}-{n:03d}", f"Chi nhánh Đúng Mười {n}", f"HD-B{n}", TODAY)
        for n in range(1, 10)
    ]
    report = import_file(db, write_csv(tmp_path / "branches.csv", rows))
    assert report.rejected == 0, report.errors
    return db


def test_exactly_ten_results_have_no_hint(ten_and_eleven: Database) -> None:
    by_code = lookup_customers(ten_and_eleven, BECAMEX, TODAY)  # the company and 9 branches
    assert len(by_code.customers) == 10 and not by_code.has_more
    assert by_code.customers[0].tax_code == BECAMEX
    by_name = lookup_customers(ten_and_eleven, "muoi mot", TODAY)  # Samsung's 10 branches
    assert len(by_name.customers) == 10 and not by_name.has_more
    by_name = lookup_customers(ten_and_eleven, "dung muoi", TODAY)  # Becamex's 9 branches
    assert len(by_name.customers) == 9 and not by_name.has_more


def test_eleven_results_show_ten_and_the_hint(ten_and_eleven: Database) -> None:
    by_code = lookup_customers(ten_and_eleven, SAMSUNG, TODAY)  # the company and 10 branches
    assert len(by_code.customers) == 10 and by_code.has_more
    assert by_code.customers[0].tax_code == SAMSUNG
    by_name = lookup_customers(ten_and_eleven, "chi nhanh muoi", TODAY)  # all 19 branches
    assert len(by_name.customers) == 10 and by_name.has_more


def test_not_found_and_bad_queries(customers: Database) -> None:
    assert lookup_customers(customers, "khong co cong ty nay", TODAY).customers == ()
    assert lookup_customers(customers, tax_code(999), TODAY).customers == ()
    with pytest.raises(InvalidInput) as caught:
        lookup_customers(customers, "0101243151", TODAY)
    assert caught.value.key == "tax_code.check_digit"
    with pytest.raises(InvalidInput):
        lookup_customers(customers, "   ", TODAY)


def test_many_matches_show_the_first_names_unranked(
    customers: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the ranking limit, the first matching names (in id order) come back at once."""
    from storage.repositories import customers as repository

    monkeypatch.setattr(repository, "RANK_LIMIT", 5)
    result = lookup_customers(customers, "hoa binh", TODAY)
    expected = [f"Công ty TNHH Thương mại Hòa Bình {i}" for i in range(10)]
    assert [c.name for c in result.customers] == expected and result.has_more
    generic = lookup_customers(customers, "cong ty tnhh", TODAY)
    assert [c.name for c in generic.customers][:1] == ["Công ty TNHH Misaki Việt Nam"]


def test_an_unfinished_word_finds_names_imported_or_renamed_since(
    customers: Database, tmp_path: Path
) -> None:
    """The last word typed, unfinished, finds every word it starts: words that came with a
    later import or a renamed customer too (PostgreSQL names those words from a vocabulary)."""
    rows = [
        row(tax_code(200), "Công ty TNHH Zentrum", "ZT-1", TODAY),
        row(tax_code(201), "Công ty TNHH Sao Khuê", "ZT-2", TODAY),
    ]
    assert import_file(customers, write_csv(tmp_path / "new.csv", rows)).rejected == 0
    renamed = [row(tax_code(201), "Công ty TNHH Zentraxa", "ZT-2", TODAY)]
    assert import_file(customers, write_csv(tmp_path / "renamed.csv", renamed)).rejected == 0
    for query in ["zent", "tnhh zentr", "ty zen"]:
        names = {c.name for c in lookup_customers(customers, query, TODAY).customers}
        assert names == {"Công ty TNHH Zentrum", "Công ty TNHH Zentraxa"}, query
    assert [c.name for c in lookup_customers(customers, "zentra", TODAY).customers] == [
        "Công ty TNHH Zentraxa"
    ]


def test_the_vocabulary_holds_every_word_of_every_name(customers: Database) -> None:
    """PostgreSQL: migration 0018 lists the words of the names already there, and every
    insert (the import's COPY, the ORM) and update adds the words it brings."""
    if customers.dialect != "postgresql":
        pytest.skip("SQLite's FTS5 keeps its own prefix indexes")
    from sqlalchemy import text

    from storage.migrate import downgrade, upgrade

    words = "SELECT DISTINCT unnest(tsvector_to_array(name_words)) FROM customers"
    vocabulary = "SELECT word FROM customer_name_vocabulary"

    def missing() -> set[str]:
        with customers.session() as session:
            return set(session.scalars(text(words))) - set(session.scalars(text(vocabulary)))

    assert missing() == set()  # the import's COPY
    with customers.session() as session:
        session.add(
            Customer(
                tax_code=tax_code(300),
                tax_code_root=tax_code(300),
                name="Quyết Xương",
                name_folded="quyet xuong",
                segment="enterprise",
            )
        )
        session.execute(
            text("UPDATE customers SET name_folded = 'misa yokohama' WHERE tax_code = :t"),
            {"t": MISA},
        )
        session.commit()
    assert missing() == set()
    downgrade(customers, "0017")
    upgrade(customers)
    assert missing() == set()
    with customers.session() as session:
        assert "yokohama" in set(session.scalars(text(vocabulary)))


def test_postgres_ranks_no_more_than_the_limit_when_its_sample_saw_fewer(
    customers: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL guesses from a sample whether a query matches more names than it ranks; when
    the guess is short, it still reads at most RANK_LIMIT + 1 of them and walks, as SQLite."""
    if customers.dialect != "postgresql":
        pytest.skip("SQLite counts the matches themselves")
    from storage.repositories import customers as repository

    monkeypatch.setattr(repository, "RANK_LIMIT", 12)  # 13 names hold "hoa binh"
    with customers.session() as session:
        search = repository._PostgresSearch(["hoa", "binh"])
        search._many = {"together": False, "every": False}  # what a short sample says
        assert search.ranked_after(session, ["hoa", "binh"], None, 11) is None
        monkeypatch.setattr(repository, "RANK_LIMIT", 13)
        search = repository._PostgresSearch(["hoa", "binh"])
        search._many = {"together": False, "every": False}
        assert len(search.ranked_after(session, ["hoa", "binh"], None, 11) or []) == 11


def test_search_input_cannot_inject_query_syntax(customers: Database) -> None:
    for query in ['"misa"', "misa*", "misa'", "-misa", "misa%", "{misa}:"]:
        result = lookup_customers(customers, query, TODAY)
        assert len(result.customers) == 3, query
    injected = lookup_customers(customers, "misa'; DROP TABLE customers; --", TODAY)
    assert injected.customers == ()
    with pytest.raises(InvalidInput) as caught:
        lookup_customers(customers, "%_%", TODAY)
    assert caught.value.key == "lookup.no_words"
    assert len(lookup_customers(customers, "misa", TODAY).customers) == 3


@pytest.mark.parametrize("query", ["hoa binh", "so giao duc da nang", "misa"])
def test_name_search_uses_the_index(db: Database, query: str) -> None:
    """Forbid full scans: if the index cannot serve the search, the plan still scans."""
    from sqlalchemy import text

    from bot.customers import parse_lookup_query
    from storage.repositories.customers import _PostgresSearch, _SqliteSearch

    words = parse_lookup_query(query).words
    with db.session() as session:
        if db.dialect == "postgresql":
            session.execute(text("SET LOCAL enable_seqscan = off"))
            search: _PostgresSearch | _SqliteSearch = _PostgresSearch(words)
            explain = "EXPLAIN "
        else:
            search = _SqliteSearch(words)
            explain = "EXPLAIN QUERY PLAN "
        for tier in search.tiers():
            if isinstance(search, _PostgresSearch):
                statements = [search.ranked(tier, 10)]
            else:
                statements = search.statements(tier, 10)
            for statement in statements:
                compiled = statement.compile(
                    session.get_bind(), compile_kwargs={"literal_binds": True}
                )
                plan = " ".join(str(r) for r in session.execute(text(explain + str(compiled))))
                if db.dialect == "postgresql":
                    index = "pairs" if tier == "together" else "words"
                    assert f"ix_customers_name_{index}" in plan, plan
                    assert "Seq Scan" not in plan, plan
                else:
                    assert "customer_name_fts" in plan and "SCAN customers" not in plan, plan


def test_a_card_shows_what_is_stored(customers: Database) -> None:
    """Every field of a lookup card, and the dates an open order, paid storage and the deletion
    sweep put on its subscriptions."""
    with customers.session() as session:
        misa = session.scalar(select(Customer).where(Customer.tax_code == MISA))
        hd001 = session.scalar(select(Subscription).where(Subscription.contract_no == "HD-001"))
        assert misa is not None and hd001 is not None
        misa.owner = "U0LAN"
        session.add(
            storage_order(
                "MS2611220001",
                hd001.id,
                misa.id,
                status="awaiting_payment",
                created_at=datetime(2026, 11, 22, 9, 0, tzinfo=UTC),
                payment_deadline=date(2026, 11, 25),
                placed_by="U0STAFF",
            )
        )
        archived = session.scalar(select(Subscription).where(Subscription.contract_no == "HD-004"))
        swept = session.scalar(select(Subscription).where(Subscription.contract_no == "HD-005"))
        assert archived is not None and swept is not None
        archived.storage_until = date(2027, 10, 8)
        swept.data_deleted_on = date(2026, 11, 20)
        ids = (misa.id, hd001.id)

    card = lookup_customers(customers, MISA, TODAY).customers[0]
    assert (card.id, card.tax_code, card.name, card.address) == (
        ids[0],
        "0101243150",
        "Công ty Cổ phần MISA",
        "Hà Nội",
    )
    assert (card.segment, card.budget_code, card.owner, card.is_public) == (
        Segment.ENTERPRISE,
        None,
        "U0LAN",
        False,
    )
    assert (card.contact_name, card.contact_email, card.contact_phone) == (
        "Nguyễn Văn An",
        "ketoan@example.vn",
        "0912345678",
    )
    held = next(s for s in card.subscriptions if s.contract_no == "HD-001")
    assert (held.id, held.product, held.starts_on, held.expires_on) == (
        ids[1],
        Product.AMIS_KT,
        date(2024, 1, 1),
        date(2026, 11, 10),
    )
    assert held.open_order_no == "MS2611220001" and not held.can_order_storage
    assert held.lifecycle.deletion_hold_until == date(2026, 11, 25)
    assert held.lifecycle.data_deleted_date == date(2026, 12, 11)  # 10/11 + 31 days

    (misaki,) = lookup_customers(customers, "misaki", TODAY).customers[0].subscriptions
    assert misaki.lifecycle.state is LifecycleState.ARCHIVED
    assert misaki.lifecycle.storage_until == date(2027, 10, 8)
    assert misaki.open_order_no is None
    (sua,) = lookup_customers(customers, "sua viet", TODAY).customers[0].subscriptions
    assert sua.lifecycle.state is LifecycleState.DATA_DELETED
    assert sua.lifecycle.data_deleted_date == date(2026, 11, 20)


def test_lookup_is_for_staff_approvers_and_finance(customers: Database, database_url: str) -> None:
    settings = load_settings(
        _env_file=None,
        database_url=database_url,
        staff_user_ids=["U0STAFF"],
        finance_user_ids=["U0FINANCE"],
    )
    services = Services.create(settings)
    authz = Authorizer(settings, NoGroups())
    try:
        found = lookup(services, authz, "U0FINANCE", "0101 243 150", TODAY)
        assert [c.tax_code for c in found.customers] == [MISA, f"{MISA}-001"]
        assert found.query.text == "0101 243 150"
        assert found.customers[0].subscriptions[0].lifecycle.today == TODAY
        with pytest.raises(NotAuthorized) as refused:
            lookup(services, authz, "U0OUTSIDER", "misa", TODAY)
        assert refused.value.key == "authz.lookup"
    finally:
        services.db.dispose()
