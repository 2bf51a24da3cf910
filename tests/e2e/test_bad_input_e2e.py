"""Bad input over HTTP against `python -m bot serve`, property-based: slash-command text, every
field of every form, forged buttons and private_metadata, webhook bodies and order tokens.

Each is either accepted or answered with a clear message in the person's language (inline next
to the field for a form); never a 500, a stack trace, a reply Slack would reject, or a partial
write (the database is checked after every refusal).
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.importer import import_file
from bot.services import Services
from handlers.metadata import (
    MetadataError,
    ModuleFormState,
    OrderFormMeta,
    OrderFormState,
    RejectFormState,
    RequestFormState,
)
from slack_emulator import FakeSlack
from slack_emulator.people import SignedSlack
from storage.db import Database
from storage.models import (
    BankTransaction,
    IgovOrder,
    LicenceDocument,
    LicenceRequest,
    StorageOrder,
    Subscription,
)
from tests.bad_inputs import json_values, slack_text, transfer_bodies
from tests.conftest import bot_env
from tests.e2e.igov_steps import (
    APPROVALS,
    BOSS,
    LEAD,
    TODAY,
    new_view,
    open_request_form,
    pending_request,
    saved_order,
    texts,
    use_cases,
)
from tests.e2e.test_storage_order_e2e import BANK, open_form
from tests.factories import row, tax_code, write_csv
from tests.igov_data import HTML, PDF, PNG, PUBLIC, PUBLIC_2, igov_rows
from tests.rig.bot_process import BotProcess
from tests.rig.smtp import SmtpSink

WEBHOOK_KEY = "webhook-key-bad-input"
ENGLISH = "U0ENGLISH"
IGOV_USER = "U0IGOV"  # each form has its own person, so one modal never replaces another
FORGER = "U0FORGE"
STAFF = "U_STAFF"
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# What the unexpected-error reply starts with (vi, en): bad input must never end there.
UNEXPECTED = ("Có lỗi ngoài dự kiến", "Something unexpected went wrong")
MARKUP = ("<!channel>", "<!here>", "<@U123>", "<#C123|general>", "<https://evil.example|")
# Words of Vietnamese messages that no English reply may contain.
VIETNAMESE = ("Không", "khách hàng", "Hãy ", "Bạn ", "ví dụ")


@pytest.fixture(scope="module")
def bot(
    module_database_url: str,
    fake_slack: FakeSlack,
    smtp: SmtpSink,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[BotProcess]:
    home = tmp_path_factory.mktemp("home")
    expired = TODAY - timedelta(days=10)
    rows = igov_rows(TODAY) + [
        row(tax_code(700 + i), f"Công ty TNHH Dữ Liệu {i}", f"HD-BI-{i}", expired) for i in range(2)
    ]
    database = Database(module_database_url)
    assert import_file(database, write_csv(home / "customers.csv", rows)).rejected == 0
    database.dispose()
    fake_slack.set_user(ENGLISH, locale="en-US")
    env = bot_env(
        module_database_url,
        fake_slack,
        home,
        SMTP_URL=smtp.url,
        PAYMENT_WEBHOOK_SECRET=WEBHOOK_KEY,
        APPROVAL_CHANNEL=APPROVALS,
        APPROVER_USER_IDS=BOSS,
        LICENCE_DOCUMENT_MAX_MB="1",
        **BANK,
    )
    process = BotProcess(env, home / "bot.log").start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def services(module_database_url: str, bot: BotProcess) -> Iterator[Services]:
    created = use_cases(module_database_url)
    yield created
    created.db.dispose()


WRITTEN = (StorageOrder, IgovOrder, LicenceRequest, LicenceDocument, BankTransaction)


def counts(db: Database) -> dict[str, int]:
    with db.session() as session:
        return {
            model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in WRITTEN
        }


def shown(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False) if body is not None else ""


def assert_no_surprise(body: Any) -> None:
    text = shown(body)
    assert not any(marker in text for marker in UNEXPECTED), text[:500]


# -- slash-command text ---------------------------------------------------------------------------

WORDS = ("", "lookup ", "order ", "license ", "igov ", "pending ", "help ")
command_texts = st.builds(
    lambda word, text: (word + text)[:4000], st.sampled_from(WORDS), slack_text
)


@EXAMPLES
@given(text=command_texts, english=st.booleans())
@example(text="igov " + "\x00" * 10, english=False)
@example(text="lookup <!channel> *bold* %_ '; DROP TABLE customers; --", english=True)
@example(text="license %_", english=True)
@example(text="order " + "Ư" * 3994, english=False)
def test_slash_command_text(
    slack: SignedSlack, fake_slack: FakeSlack, db: Database, text: str, english: bool
) -> None:
    user = ENGLISH if english else "U0CMD"
    before = counts(db)
    mark = fake_slack.mark()
    body = slack.check_ack(slack.command(text, user_id=user))
    if body is None:  # `igov` with a customer (or none): the order form opened instead
        assert fake_slack.wait_for("views.open", after=mark).ok
    assert_no_surprise(body)
    reply = shown(body)
    for markup in MARKUP:
        if markup in text:
            assert markup not in reply, f"{markup} echoed unescaped"
    if english:
        assert not [w for w in VIETNAMESE if w in reply and w not in text], reply[:500]
    assert counts(db) == before


# -- the storage order form -----------------------------------------------------------------------

INVOICE_GOOD = {
    "quantity": "2",
    "buyer_name": "Công ty TNHH Dữ Liệu 0",
    "buyer_tax_code": tax_code(700),
    "buyer_address": "Hà Nội",
    "recipient_name": "Trần Thị Bình",
    "invoice_email": "binh.tran@example.vn",
    "phone": "0912345678",
}
storage_values = st.fixed_dictionaries(
    {name: st.one_of(st.just(good), st.none(), slack_text) for name, good in INVOICE_GOOD.items()}
)


@pytest.fixture(scope="module")
def storage_view(slack: SignedSlack, fake_slack: FakeSlack) -> dict[str, Any]:
    return open_form(slack, fake_slack, "du lieu 0", "HD-BI-0")


@EXAMPLES
@given(values=storage_values)
@example(values={**INVOICE_GOOD, "quantity": "９", "invoice_email": "a@b", "phone": "\x00"})
@example(values=INVOICE_GOOD)
def test_storage_order_form(
    slack: SignedSlack,
    fake_slack: FakeSlack,
    db: Database,
    storage_view: dict[str, Any],
    values: dict[str, str | None],
) -> None:
    before = counts(db)
    response = slack.view_submission(
        storage_view, values, user_id=STAFF, client_checks=False, apply_ack=False
    )
    ack = slack.check_ack(response)  # errors must name inputs of this view
    assert_no_surprise(ack)
    key = f"storage_order:{storage_view['id']}"
    with db.session() as session:
        placed = session.scalar(select(StorageOrder).where(StorageOrder.submission_key == key))
    if ack is not None:
        assert ack["response_action"] == "errors", ack
        assert counts(db) == before
    else:
        assert placed is not None
        assert counts(db)["StorageOrder"] <= before["StorageOrder"] + 1


# -- the iGOV order form --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def igov_view(slack: SignedSlack, fake_slack: FakeSlack) -> dict[str, Any]:
    mark = fake_slack.mark()
    assert slack.check_ack(slack.command(f"igov {PUBLIC}", user_id=IGOV_USER)) is None
    return new_view(fake_slack, mark)


def option(value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": value[:75] or "?"}, "value": value}


def igov_values(view: dict[str, Any], db: Database) -> st.SearchStrategy[dict[str, Any]]:
    description = next(
        b["block_id"] for b in view["blocks"] if b.get("block_id", "").startswith("description")
    )
    with db.session() as session:
        ids = [str(i) for i in session.scalars(select(Subscription.customer_id)).all()]
    return st.fixed_dictionaries(
        {
            "customer": st.one_of(
                st.sampled_from(ids).map(option), slack_text.map(option), st.none()
            ),
            "sales_project": st.one_of(st.just("Mở rộng iGOV 2026"), slack_text, st.none()),
            "qty_KT": st.one_of(st.sampled_from(["0", "2", "1000", "1001"]), slack_text),
            "qty_VPS": st.one_of(st.sampled_from(["0", "1"]), slack_text),
            description: st.one_of(st.none(), slack_text),
        }
    )


@EXAMPLES
@given(data=st.data())
def test_igov_order_form(
    slack: SignedSlack,
    fake_slack: FakeSlack,
    db: Database,
    igov_view: dict[str, Any],
    data: st.DataObject,
) -> None:
    values = data.draw(igov_values(igov_view, db))
    before = counts(db)
    response = slack.view_submission(
        igov_view, values, user_id=IGOV_USER, client_checks=False, apply_ack=False
    )
    ack = slack.check_ack(response)
    assert_no_surprise(ack)
    assert ack["response_action"] in ("errors", "update"), ack
    if ack["response_action"] == "errors":
        assert counts(db) == before
    else:
        assert "IG" in texts(ack["view"])
        assert counts(db)["IgovOrder"] <= before["IgovOrder"] + 1


# -- the licence request form ---------------------------------------------------------------------


class RequestFormOnScreen:
    """The licence request form LEAD has open; a new order and form once one is saved."""

    def __init__(self, slack: SignedSlack, fake: FakeSlack, services: Services) -> None:
        self.slack, self.fake, self.services = slack, fake, services
        self.view = self.open()

    def open(self) -> dict[str, Any]:
        key = f"bad-input:{self.fake.mark()}:{id(self)}"
        order = saved_order(self.services, PUBLIC_2, key, kt=1, vps=1)
        return open_request_form(self.slack, self.fake, order.id)


@pytest.fixture(scope="module")
def request_form(
    slack: SignedSlack, fake_slack: FakeSlack, services: Services
) -> RequestFormOnScreen:
    return RequestFormOnScreen(slack, fake_slack, services)


FILES = ("pdf", "png", "html", "empty", "big", "none")
# What the form says next to a file input (Vietnamese) for each kind of file given.
FILE_ERRORS = {
    "pdf": "",
    "png": "",
    "html": "không phải PDF hoặc ảnh",
    "empty": "không có nội dung",
    "big": "lớn hơn giới hạn 1 MB",
    "none": "Tải lên một tệp PDF hoặc ảnh",
}


def attach(fake: FakeSlack, kind: str) -> list[dict[str, Any]]:
    content = {
        "pdf": (PDF, "application/pdf"),
        "png": (PNG, "image/png"),
        "html": (HTML, "application/pdf"),
        "empty": (b"", "application/pdf"),
        "big": (PDF + b"0" * 1_100_000, "application/pdf"),
    }
    if kind == "none":
        return []
    data, mimetype = content[kind]
    return [fake.add_file(f"tai-lieu.{kind}", data, mimetype, user=LEAD)]


request_values = st.fixed_dictionaries(
    {
        "decision_file": st.sampled_from(FILES),
        "evidence_file": st.sampled_from(FILES),
        "modules": st.one_of(
            st.none(),
            st.lists(st.one_of(st.sampled_from(["KT_NS", "VPS_VB"]), slack_text), max_size=3),
        ),
        "misa_id_email": st.one_of(st.just("admin@thpt.edu.vn"), slack_text),
        "misa_id_phone": st.one_of(st.just("0912345678"), slack_text),
        "customer_name": st.one_of(st.just("Trường THPT Lý Thái Tổ"), slack_text),
        "customer_address": st.one_of(st.just("Bắc Ninh"), slack_text),
        "contact_name": st.one_of(st.just("Lê Văn Cường"), slack_text),
        "contact_email": st.one_of(st.just("thpt@bacninh.edu.vn"), slack_text),
        "contact_phone": st.one_of(st.just("0222 3822 123"), slack_text),
    }
)
GOOD_REQUEST = {
    "decision_file": "pdf",
    "evidence_file": "png",
    "modules": None,
    "misa_id_email": "admin@thpt.edu.vn",
    "misa_id_phone": "0912345678",
    "customer_name": "Trường THPT Lý Thái Tổ",
    "customer_address": "Bắc Ninh",
    "contact_name": "Lê Văn Cường",
    "contact_email": "thpt@bacninh.edu.vn",
    "contact_phone": "0222 3822 123",
}


@EXAMPLES
@given(values=request_values)
@example(values=GOOD_REQUEST)
@example(values={**GOOD_REQUEST, "decision_file": "empty", "evidence_file": "big"})
@example(values={**GOOD_REQUEST, "decision_file": "html", "modules": ["NOT_A_MODULE"]})
def test_licence_request_form(
    slack: SignedSlack,
    fake_slack: FakeSlack,
    db: Database,
    request_form: RequestFormOnScreen,
    values: dict[str, Any],
) -> None:
    entered = dict(values)
    for name in ("decision_file", "evidence_file"):
        entered[name] = attach(fake_slack, values[name])
    if values["modules"] is None:
        entered.pop("modules")  # as prefilled: every module of the order
    else:
        entered["modules"] = [option(code) for code in values["modules"]]
    before = counts(db)
    response = slack.view_submission(
        request_form.view, entered, user_id=LEAD, client_checks=False, apply_ack=False
    )
    ack = slack.check_ack(response)
    assert_no_surprise(ack)
    assert ack["response_action"] in ("errors", "update"), ack
    if ack["response_action"] == "errors":
        assert counts(db) == before
        for name in ("decision_file", "evidence_file"):
            if name in ack["errors"]:  # the file's own problem, said next to it
                assert FILE_ERRORS[values[name]] in ack["errors"][name], ack["errors"][name]
    else:
        assert "YC" in texts(ack["view"])
        after = counts(db)
        assert after["LicenceRequest"] == before["LicenceRequest"] + 1
        assert after["LicenceDocument"] == before["LicenceDocument"] + 2
        request_form.view = request_form.open()


# -- the rejection form ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reject_view(
    slack: SignedSlack, fake_slack: FakeSlack, services: Services
) -> tuple[int, dict[str, Any]]:
    request = pending_request(services, PUBLIC, "bad-input-reject")
    request_id, code = request.id, request.code
    reply = slack.check_ack(slack.command(f"license {code}", user_id=BOSS))
    mark = fake_slack.mark()
    slack.block_action(
        "license.reject", message=reply | {"ts": "9.000001"}, channel_id="C_X", user_id=BOSS
    )
    return request_id, new_view(fake_slack, mark)


@EXAMPLES
@given(reason=st.one_of(st.none(), slack_text))
@example(reason="lý do\x00 <!channel>")
@example(reason="x" * 2001)
def test_rejection_form(
    slack: SignedSlack,
    db: Database,
    reject_view: tuple[int, dict[str, Any]],
    reason: str | None,
) -> None:
    request_id, view = reject_view
    with db.session() as session:
        status_before = session.get(LicenceRequest, request_id).status
    response = slack.view_submission(
        view, {"reason": reason}, user_id=BOSS, client_checks=False, apply_ack=False
    )
    ack = slack.check_ack(response)
    assert_no_surprise(ack)
    with db.session() as session:
        request = session.get(LicenceRequest, request_id)
        status, stored_reason = request.status, request.reject_reason
    if ack["response_action"] == "errors":
        assert list(ack["errors"]) == ["reason"] and status == status_before
    else:
        assert ack["response_action"] == "update" and status == "rejected"
        assert stored_reason and "\x00" not in stored_reason and len(stored_reason) <= 2000


# -- forged buttons and private_metadata ----------------------------------------------------------

MESSAGE_ACTIONS = (
    "storage_order.start",
    "igov_order.start",
    "license_request.start",
    "license.approve",
    "license.reject",
    "license.request_changes",
    "license_request.edit",
    "license.withdraw",
    "order.mark_paid",
)
forged_values = st.one_of(
    slack_text,
    json_values.map(json.dumps),
    st.sampled_from(
        [
            '{"subscription_id": 1e400}',
            '{"subscription_id": 100000000000000000000000}',
            '{"customer_id": -1}',
            '{"order_id": "1; DROP TABLE igov_orders"}',
            '{"request_id": 999999, "source": "pending"}',
            '{"request_id": 1, "source": "nowhere"}',
        ]
    ),
)


def outcome(fake: FakeSlack, user: str, posts: int, mark: int) -> Any:
    """What the person saw after a click: a private reply, or a modal opening."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        replies = [p for p in fake.responses[posts:] if p.user_id == user]
        if replies:
            assert all(p.ok for p in replies), replies
            return replies[0].body
        opened = [c for c in fake.calls[mark:] if c.method == "views.open"]
        if opened:
            assert all(c.ok for c in opened), opened
            return opened[0].params.get("view")
        time.sleep(0.02)
    raise AssertionError("the click was answered with nothing at all")


@EXAMPLES
@given(action=st.sampled_from(MESSAGE_ACTIONS), value=forged_values)
@example(action="license.approve", value='{"request_id": 999999}')
@example(action="storage_order.start", value='{"subscription_id": 100000000000000000000000}')
def test_forged_button_values(
    slack: SignedSlack,
    fake_slack: FakeSlack,
    db: Database,
    action: str,
    value: str,
) -> None:
    before = counts(db)
    posts, mark = len(fake_slack.responses), fake_slack.mark()
    response = slack.block_action(action, value or None, user_id=FORGER, channel_id="C_FORGE")
    assert response.status_code == 200, response.text
    assert_no_surprise(outcome(fake_slack, FORGER, posts, mark))
    assert counts(db) == before


def garbled(raw: str) -> bool:
    """Not a value any of our metadata models accepts."""
    for model in (
        OrderFormMeta,
        OrderFormState,
        RequestFormState,
        ModuleFormState,
        RejectFormState,
    ):
        try:
            model.decode(raw)
        except MetadataError:
            continue
        return False
    return True


def send_view_payload(slack: SignedSlack, payload: dict[str, Any]) -> httpx.Response:
    body = urllib.parse.urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode()
    return slack.send(body, "application/x-www-form-urlencoded")


def tampered_view(fake: FakeSlack, view_id: str, private_metadata: str) -> dict[str, Any]:
    view = fake.view(view_id)
    view["private_metadata"] = private_metadata
    view.setdefault("state", {"values": {}})
    return view


FORMS = ("storage", "igov", "request", "reject")


@EXAMPLES
@given(
    form=st.sampled_from(FORMS),
    submit=st.booleans(),
    private_metadata=st.one_of(slack_text, json_values.map(json.dumps)).filter(garbled),
)
def test_garbled_private_metadata(
    slack: SignedSlack,
    fake_slack: FakeSlack,
    db: Database,
    storage_view: dict[str, Any],
    igov_view: dict[str, Any],
    request_form: RequestFormOnScreen,
    reject_view: tuple[int, dict[str, Any]],
    form: str,
    submit: bool,
    private_metadata: str,
) -> None:
    views = {
        "storage": (storage_view, STAFF, "storage_order.quantity", "quantity"),
        "igov": (igov_view, IGOV_USER, "igov_order.customer", "customer"),
        "request": (request_form.view, LEAD, "license_request.module_info", None),
        "reject": (reject_view[1], BOSS, None, None),
    }
    view, user, action, block_id = views[form]
    vw = tampered_view(fake_slack, view["id"], private_metadata)
    before, mark = counts(db), fake_slack.mark()
    common = {
        "team": {"id": slack.team_id, "domain": slack.team_domain},
        "user": {"id": user, "username": user, "name": user, "team_id": slack.team_id},
        "api_app_id": slack.api_app_id,
        "token": slack.verification_token,
        "trigger_id": fake_slack.issue_trigger_id(user, view_id=vw["id"]),
        "view": vw,
    }
    if submit or action is None:
        response = send_view_payload(slack, {"type": "view_submission", **common})
        ack = slack.check_ack(response)
        assert_no_surprise(ack)
        if ack is not None:
            assert ack["response_action"] in ("errors", "update")
    else:
        if action == "license_request.module_info":
            block = next(
                b for b in vw["blocks"] if b.get("accessory", {}).get("action_id") == action
            )
            act = {
                "action_id": action,
                "block_id": block["block_id"],
                "type": "button",
                "value": block["accessory"]["value"],
            }
        elif action == "igov_order.customer":
            act = {
                "action_id": action,
                "block_id": block_id,
                "type": "external_select",
                "selected_option": option("1"),
            }
        else:
            act = {"action_id": action, "block_id": block_id, "type": "number_input", "value": "2"}
        payload = {
            "type": "block_actions",
            "container": {"type": "view", "view_id": vw["id"]},
            "actions": [act],
            **common,
        }
        assert send_view_payload(slack, payload).status_code == 200
    assert counts(db) == before
    assert all(c.ok for c in fake_slack.calls[mark:])


# -- the bank's webhook ---------------------------------------------------------------------------

webhook_bodies = st.one_of(
    st.binary(max_size=300),
    transfer_bodies.map(lambda body: json.dumps(body).encode("utf-8", "surrogatepass")),
    st.sampled_from(
        [
            b"",
            b"\xff\xfe\x00{",
            "[" * 50_000,
            b'{"id": "1", "transferType": "in", "transferAmount": 1e999}',
            b'{"id": "2", "transferType": "in", "transferAmount": NaN}',
            b'{"id": "\\ud800", "transferType": "in", "transferAmount": 5}',
            b'{"id": "4", "transferType": "in", "transferAmount": 5, "content": "\\u0000"}',
            b'{"id": "5", "transferType": "in", "transferAmount": 5, "x": ' + b"1" * 70_000 + b"}",
        ]
    ),
)


@EXAMPLES
@given(body=webhook_bodies)
def test_webhook_bodies(bot: BotProcess, db: Database, body: bytes | str) -> None:
    before = counts(db)["BankTransaction"]
    response = httpx.post(
        f"{bot.base_url}/payments/webhook",
        content=body,
        headers={"Authorization": f"Apikey {WEBHOOK_KEY}", "Content-Type": "application/json"},
    )
    assert response.status_code in (200, 400, 413), response.text[:300]
    answer = response.json()
    after = counts(db)["BankTransaction"]
    if response.status_code == 200:
        assert answer["success"] is True
        assert after == before + (answer["outcome"] != "duplicate")
    else:
        assert answer["success"] is False and after == before


# -- order page tokens ----------------------------------------------------------------------------

PATH_TRICKS = (
    "../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "%00",
    "A" * 43 + "/../" + "B" * 43,
    "A" * 43 + "%00",
    "' OR 1=1 --",
    "%_",
    "*",
    "A" * 5000,
)


def order_path(token: str) -> str:
    # Percent-encode everything (dots too), so the client sends the trick as it is.
    return urllib.parse.quote(token, safe="%").replace(".", "%2E")


@EXAMPLES
@given(token=st.one_of(st.sampled_from(PATH_TRICKS), slack_text.filter(bool)))
def test_order_tokens_all_look_the_same(bot: BotProcess, token: str) -> None:
    unknown = httpx.get(f"{bot.base_url}/orders/{'A' * 43}")
    for suffix in ("", "/qr.png"):
        response = httpx.get(f"{bot.base_url}/orders/{order_path(token)}{suffix}")
        assert response.status_code == 404
        assert response.text == unknown.text


# -- afterwards -----------------------------------------------------------------------------------


def test_every_web_api_call_was_accepted_and_the_log_is_clean(
    fake_slack: FakeSlack, bot: BotProcess
) -> None:
    failed = [(c.method, c.error) for c in fake_slack.calls if not c.ok]
    assert failed == []
    logs = bot.logs()
    assert "Traceback" not in logs and "unexpected error" not in logs, logs[-3000:]
