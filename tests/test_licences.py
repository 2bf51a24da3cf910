"""iGOV orders, licence requests and decisions: the rules, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.approvals import decide
from bot.authz import Authorizer, NoGroups
from bot.config import load_settings
from bot.documents import Document, DocumentKind, check_document
from bot.errors import AlreadyDecided, InvalidFields, InvalidInput, NotAuthorized, NotEligible
from bot.igov_orders import (
    OrderCard,
    OrderForm,
    customer_by_tax_code,
    place_order,
    search_public_customers,
)
from bot.licence_lookup import find_licences, pending_requests
from bot.licences import RequestForm, load_request, prepare_request, submit_request
from bot.services import Services
from storage.models import AuditEvent, IgovOrder, LicenceRequest, OutboxMessage
from storage.repositories import licences as repo
from tests.igov_data import (
    ENTERPRISE,
    PDF,
    PNG,
    PUBLIC,
    PUBLIC_2,
    PUBLIC_NO_IGOV,
    import_igov_customers,
)

APPROVERS = Authorizer(
    load_settings(_env_file=None, approver_user_ids=["U0BOSS", "U0BOSS2", "U0SALESAPPROVER"]),
    NoGroups(),
)


@pytest.fixture
def services(database_url: str, tmp_path: Path) -> Iterator[Services]:
    settings = load_settings(_env_file=None, database_url=database_url, approval_channel="C_OK")
    created = Services.create(settings)
    import_igov_customers(database_url, tmp_path, created.clock.today())
    yield created
    created.db.dispose()


def customer_id(services: Services, tax_code: str) -> int:
    return customer_by_tax_code(services, tax_code).id


def order(
    services: Services, kt: int = 3, vps: int = 0, *, key: str = "V1", tax: str = PUBLIC
) -> OrderCard:
    form = OrderForm(str(customer_id(services, tax)), "Mở rộng iGOV 2026", "", str(kt), str(vps))
    return place_order(
        services, form, authz=APPROVERS, submission_key=key, user="U_SALES", channel="C_SALES"
    )


def documents() -> list[Document]:
    return [
        check_document(
            DocumentKind.DECISION,
            slack_file_id="F1",
            name="quyet-dinh.pdf",
            declared_mimetype="application/pdf",
            content=PDF,
            max_bytes=10_000,
        ),
        check_document(
            DocumentKind.EVIDENCE,
            slack_file_id="F2",
            name="cam-ket.png",
            declared_mimetype="image/png",
            content=PNG,
            max_bytes=10_000,
        ),
    ]


def request_form(order_id: int, modules: list[str], **changes: object) -> RequestForm:
    values: dict[str, object] = {
        "order_id": order_id,
        "modules": modules,
        "extra": {},
        "misa_id_email": "admin@bacninh.gov.vn",
        "misa_id_phone": "0912 345 678",
        "customer": {
            "customer_name": "Sở Tài chính tỉnh Bắc Ninh",
            "customer_address": "Bắc Ninh",
            "contact_name": "Nguyễn Văn An",
            "contact_email": "stc@bacninh.gov.vn",
            "contact_phone": "0912345678",
        },
    }
    values.update(changes)
    return RequestForm(**values)  # type: ignore[arg-type]


def request(
    services: Services, card: OrderCard, modules: list[str], *, user: str = "U_SALES"
) -> int:
    form = request_form(card.id, modules)
    saved = submit_request(
        services, form, documents(), authz=APPROVERS, submission_key=f"R{card.id}", user=user
    )
    return saved.id


def count(services: Services, model: type, *where: object) -> int:
    with services.db.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_order_gets_a_number_an_amount_an_audit_event_and_a_message(services: Services) -> None:
    card = order(services, kt=3, vps=1)
    assert re.fullmatch(r"IG\d{6}\d{4,}", card.order_no) and len(card.order_no) <= 20
    assert card.amount == 3 * 3_000_000 + 2_000_000
    assert card.status == "saved" and card.customer.contract_no == "HD-IG-01"
    assert card.customer.budget_code == "1054321"
    assert count(services, AuditEvent, AuditEvent.entity_type == "igov_order") == 1
    assert count(services, OutboxMessage, OutboxMessage.kind == "igov_order.post") == 1


def test_the_same_view_saved_twice_is_one_order(services: Services) -> None:
    first = order(services, key="V-same")
    again = order(services, key="V-same")
    assert again.order_no == first.order_no
    assert count(services, IgovOrder) == 1


def test_concurrent_submissions_of_one_view_make_one_order(services: Services) -> None:
    barrier = threading.Barrier(4)
    numbers: list[str] = []

    def submit() -> None:
        barrier.wait()
        numbers.append(order(services, key="V-race").order_no)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(numbers)) == 1 and len(numbers) == 4
    assert count(services, IgovOrder) == 1


@pytest.mark.parametrize(
    ("kt", "vps", "field", "key"),
    [
        ("0", "0", "qty_KT", "igov.qty_none"),
        ("-1", "1", "qty_KT", "igov.qty_invalid"),
        ("1.5", "0", "qty_KT", "igov.qty_invalid"),
        ("1", "1001", "qty_VPS", "igov.qty_invalid"),
    ],
)
def test_quantities_are_whole_numbers_with_one_above_zero(
    services: Services, kt: str, vps: str, field: str, key: str
) -> None:
    form = OrderForm(str(customer_id(services, PUBLIC)), "Dự án", "", kt, vps)
    with pytest.raises(InvalidFields) as caught:
        place_order(services, form, authz=APPROVERS, submission_key="V", user="U", channel="C")
    assert [(e.field, e.key) for e in caught.value.errors.values()] == [(field, key)]


def test_missing_sales_project_and_customer_are_named(services: Services) -> None:
    with pytest.raises(InvalidFields) as caught:
        place_order(
            services,
            OrderForm(None, "  ", "", "1", "0"),
            authz=APPROVERS,
            submission_key="V",
            user="U",
            channel="C",
        )
    assert {e.field for e in caught.value.errors.values()} == {"customer", "sales_project"}


def test_non_public_customers_and_customers_without_igov_are_refused(services: Services) -> None:
    with pytest.raises(NotEligible) as caught:
        customer_by_tax_code(services, ENTERPRISE)
    assert caught.value.key == "igov.not_public"
    with pytest.raises(NotEligible) as caught:
        customer_by_tax_code(services, PUBLIC_NO_IGOV)
    assert caught.value.key == "igov.no_subscription"
    enterprise = search_public_customers(services, "cong ty misa")
    assert enterprise == []
    form = OrderForm(str(customer_by_id_any(services, ENTERPRISE)), "Dự án", "", "1", "0")
    with pytest.raises(InvalidFields) as refused:
        place_order(services, form, authz=APPROVERS, submission_key="V", user="U", channel="C")
    refusals = [(e.field, e.key) for e in refused.value.errors.values()]
    assert refusals == [("customer", "igov.not_public")]


def customer_by_id_any(services: Services, tax: str) -> int:
    from storage.models import Customer

    with services.db.session() as session:
        return session.scalar(select(Customer.id).where(Customer.tax_code == tax)) or 0


def test_search_finds_public_customers_by_name_and_tax_code(services: Services) -> None:
    assert [c.tax_code for c in search_public_customers(services, "so tai chinh")] == [PUBLIC]
    assert [c.tax_code for c in search_public_customers(services, PUBLIC_2)] == [PUBLIC_2]


def test_request_form_is_filled_in_from_the_order_and_the_catalogue(services: Services) -> None:
    draft = prepare_request(services, order(services, kt=3, vps=1).id)
    assert (draft.product, draft.budget_code, draft.request_type) == ("IGOV", "1054321", "grant")
    assert draft.amount == 11_000_000 and draft.sector == "Hành chính sự nghiệp"
    codes = [(m.code, m.months, m.previous, m.bought) for m in draft.modules]
    assert codes[:2] == [("KT_NS", 12, 0, 3), ("KT_TSCD", 12, 0, 3)]
    assert ("VPS_KYSO", 12, 0, 1) in codes and len(codes) == 7
    assert draft.customer_info["contact_email"] == "stc@bacninh.gov.vn"


def test_request_validation_names_each_wrong_input(services: Services) -> None:
    card = order(services)
    bad = request_form(
        card.id,
        [],
        misa_id_email="not-an-email",
        misa_id_phone="12",
        customer={
            "customer_name": "",
            "customer_address": "x",
            "contact_name": "y",
            "contact_email": "a@b.vn",
            "contact_phone": "0912345678",
        },
    )
    with pytest.raises(InvalidFields) as caught:
        submit_request(
            services, bad, documents(), authz=APPROVERS, submission_key="R", user="U_SALES"
        )
    fields = {e.field for e in caught.value.errors.values()}
    assert fields == {"modules", "misa_id_email", "misa_id_phone", "customer_name"}
    assert count(services, LicenceRequest) == 0


def test_request_is_pending_with_a_code_documents_and_an_approval_message(
    services: Services,
) -> None:
    card = order(services, kt=2)
    form = request_form(card.id, ["KT_NS", "KT_TSCD"], extra={"KT_NS": {"fiscal_year": "2026"}})
    saved = submit_request(
        services, form, documents(), authz=APPROVERS, submission_key="R1", user="U_SALES"
    )
    assert re.fullmatch(r"YC\d{10,}", saved.code) and saved.status == "pending"
    assert [(m.code, m.total, dict(m.extra)) for m in saved.modules] == [
        ("KT_NS", 2, {"fiscal_year": "2026"}),
        ("KT_TSCD", 2, {}),
    ]
    assert [(d.kind, d.mimetype, d.size) for d in saved.documents] == [
        ("decision", "application/pdf", len(PDF)),
        ("evidence", "image/png", len(PNG)),
    ]
    assert saved.misa_id_phone == "0912345678"
    with services.db.session() as session:
        stored = repo.document(session, saved.id, "decision")
        assert stored is not None and stored.content == PDF
        assert repo.get_order(session, card.id).status == "requested"  # type: ignore[union-attr]
    again = submit_request(
        services, form, documents(), authz=APPROVERS, submission_key="R1", user="U_SALES"
    )
    assert again.code == saved.code and count(services, LicenceRequest) == 1
    with pytest.raises(NotEligible):
        prepare_request(services, card.id)  # one request per order at a time


def test_only_approvers_decide_and_never_on_their_own_request(services: Services) -> None:
    request_id = request(services, order(services), ["KT_NS"], user="U0SALESAPPROVER")
    with pytest.raises(NotAuthorized) as caught:
        decide(services, APPROVERS, request_id=request_id, actor="U_NOBODY", approve=True)
    assert caught.value.key == "approval.not_approver"
    with pytest.raises(NotAuthorized) as caught:
        decide(services, APPROVERS, request_id=request_id, actor="U0SALESAPPROVER", approve=True)
    assert caught.value.key == "approval.own_request"
    with pytest.raises(InvalidInput):
        decide(services, APPROVERS, request_id=request_id, actor="U0BOSS", approve=False)
    assert load_request(services, request_id).status == "pending"


def test_approval_grants_and_the_next_purchase_adds_to_it(services: Services) -> None:
    first = order(services, kt=3, key="V1")
    request_id = request(services, first, ["KT_NS", "KT_TSCD"])
    card = decide(services, APPROVERS, request_id=request_id, actor="U0BOSS", approve=True)
    assert card.status == "approved" and card.decided_by == "U0BOSS"
    found = find_licences(services, APPROVERS, "U_SALES", "HD-IG-01")
    assert [(g.code, g.quantity) for g in found.granted] == [("KT_NS", 3), ("KT_TSCD", 3)]
    with pytest.raises(AlreadyDecided) as caught:
        decide(
            services,
            APPROVERS,
            request_id=request_id,
            actor="U0BOSS2",
            approve=False,
            reason="muộn",
        )
    assert caught.value.params["decided_by"] == "U0BOSS"

    second = order(services, kt=2, vps=1, key="V2")
    draft = prepare_request(services, second.id)
    kt_ns = draft.module("KT_NS")
    assert kt_ns is not None and (kt_ns.previous, kt_ns.bought, kt_ns.total) == (3, 2, 5)
    assert draft.module("KT_LUONG").previous == 0  # type: ignore[union-attr]
    request(services, second, ["KT_NS", "VPS_VB"])
    granted = {
        m.code: m.total for m in pending_requests(services, APPROVERS, "U_SALES")[0][0].modules
    }
    assert granted == {"KT_NS": 5, "VPS_VB": 1}


def test_requests_pending_together_build_on_each_other(services: Services) -> None:
    first = request(services, order(services, kt=3, key="V1"), ["KT_NS"])
    second = request(services, order(services, kt=2, key="V2"), ["KT_NS"])
    decide(services, APPROVERS, request_id=first, actor="U0BOSS", approve=True)
    card = decide(services, APPROVERS, request_id=second, actor="U0BOSS", approve=True)
    assert [(m.previous, m.bought, m.total) for m in card.modules] == [(3, 2, 5)]
    assert [
        (g.code, g.quantity)
        for g in find_licences(services, APPROVERS, "U_SALES", "HD-IG-01").granted
    ] == [("KT_NS", 5)]


def test_rejection_keeps_the_reason_and_frees_the_order(services: Services) -> None:
    card = order(services)
    request_id = request(services, card, ["KT_NS"])
    rejected = decide(
        services,
        APPROVERS,
        request_id=request_id,
        actor="U0BOSS",
        approve=False,
        reason="Thiếu chữ ký trên quyết định",
    )
    assert rejected.status == "rejected"
    assert rejected.reject_reason == "Thiếu chữ ký trên quyết định"
    assert find_licences(services, APPROVERS, "U_SALES", "HD-IG-01").granted == ()
    assert prepare_request(services, card.id).order.status == "saved"


def test_two_concurrent_decisions_make_exactly_one(services: Services) -> None:
    request_id = request(services, order(services), ["KT_NS"])
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def click(actor: str, approve: bool) -> None:
        barrier.wait()
        try:
            outcomes[actor] = decide(
                services,
                APPROVERS,
                request_id=request_id,
                actor=actor,
                approve=approve,
                reason=None if approve else "Không đủ hồ sơ",
            ).status
        except AlreadyDecided as error:
            outcomes[actor] = error

    threads = [
        threading.Thread(target=click, args=("U0BOSS", True)),
        threading.Thread(target=click, args=("U0BOSS2", False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [a for a, o in outcomes.items() if isinstance(o, str)]
    losers = [o for o in outcomes.values() if isinstance(o, AlreadyDecided)]
    assert len(winners) == 1 and len(losers) == 1
    assert losers[0].params["decided_by"] == winners[0]
    decided = (AuditEvent.entity_type == "licence_request", AuditEvent.to_status != "pending")
    assert count(services, AuditEvent, *decided) == 1
    assert count(services, OutboxMessage, OutboxMessage.kind == "licence.notify_requester") == 1


def test_pending_requests_are_listed_oldest_first(services: Services) -> None:
    first = request(services, order(services, key="V1"), ["KT_NS"])
    second = request(services, order(services, key="V2", tax=PUBLIC_2), ["KT_NS"])
    cards, total = pending_requests(services, APPROVERS, "U_SALES")
    assert [c.id for c in cards] == [first, second] and total == 2
    decide(services, APPROVERS, request_id=first, actor="U0BOSS", approve=True)
    assert [c.id for c in pending_requests(services, APPROVERS, "U_SALES")[0]] == [second]


def test_lookup_by_code_order_and_contract_with_history(services: Services) -> None:
    card = order(services)
    request_id = request(services, card, ["KT_NS"])
    decide(services, APPROVERS, request_id=request_id, actor="U0BOSS", approve=True)
    code = load_request(services, request_id).code
    by_code = find_licences(services, APPROVERS, "U_SALES", code.lower())
    assert [r.code for r in by_code.requests] == [code]
    steps = [(h.entity_type, h.from_status, h.to_status, h.actor) for h in by_code.history]
    assert steps == [
        ("igov_order", None, "saved", "U_SALES"),
        ("licence_request", None, "pending", "U_SALES"),
        ("igov_order", "saved", "requested", "U_SALES"),
        ("licence_request", "pending", "approved", "U0BOSS"),
        ("igov_order", "requested", "granted", "U0BOSS"),
    ]
    found = find_licences(services, APPROVERS, "U_SALES", card.order_no)
    assert [r.code for r in found.requests] == [code]
    assert find_licences(services, APPROVERS, "U_SALES", "HD-IG-01").contract_no == "HD-IG-01"
    assert pending_requests(services, APPROVERS, "U_SALES") == ([], 0)


def test_documents_are_checked_by_their_bytes() -> None:
    def check(content: bytes, mimetype: str = "application/pdf") -> Document:
        return check_document(
            DocumentKind.DECISION,
            slack_file_id="F",
            name="qd.pdf",
            declared_mimetype=mimetype,
            content=content,
            max_bytes=1000,
        )

    assert check(PDF).mimetype == "application/pdf"
    assert check(PNG, "image/png").sha256 == __import__("hashlib").sha256(PNG).hexdigest()
    assert check(b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp").mimetype == "image/webp"
    for content, key in [(b"<!DOCTYPE html>", "document.type"), (b"", "document.empty")]:
        with pytest.raises(InvalidInput) as caught:
            check(content)
        assert (caught.value.key, caught.value.field) == (key, "decision_file")
    with pytest.raises(InvalidInput) as caught:
        check(PDF + b"x" * 1000)
    assert caught.value.key == "document.too_large"
    with pytest.raises(InvalidInput):
        check(PDF, "text/html")  # a PDF signature under an HTML mimetype is not trusted
