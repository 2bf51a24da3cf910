"""Steps of the iGOV procedure as a person does them in Slack, for the end-to-end tests."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bot.authz import Authorizer, NoGroups
from bot.clock import Clock
from bot.config import load_settings
from bot.documents import DocumentKind, check_document
from bot.igov_orders import OrderCard, OrderForm, customer_by_tax_code
from bot.igov_orders import place_order as save_order
from bot.licence_cards import RequestCard
from bot.licences import RequestForm, prepare_request, submit_request
from bot.services import Services
from handlers.metadata import IgovOrderRef as OrderRef
from slack_emulator import FakeSlack
from slack_emulator.people import SignedSlack
from tests.conftest import bot_env
from tests.igov_data import PDF, PNG, import_igov_customers
from tests.rig.bot_process import BotProcess

TODAY = Clock(load_settings(_env_file=None).tz).today()
APPROVALS = "C_APPROVALS"
SALES = "C_SALES"
SALES_USER = "U0SALES"  # places orders; not an approver
LEAD = "U0LEAD"  # sends requests; an approver through the user group
BOSS, BOSS2 = "U0BOSS", "U0BOSS2"  # approvers (setting, user group)
_CHANNELS = itertools.count(1)
# Prepared orders and requests act as someone allowed to (who may act is tested elsewhere).
ANYONE = Authorizer(load_settings(_env_file=None), NoGroups())


def texts(blocks: Any) -> str:
    """Every text of a message or view, flattened (what a person reads)."""
    return json.dumps(blocks, ensure_ascii=False)


def wait_message(
    fake: FakeSlack, channel: str, predicate: Callable[[dict[str, Any]], bool], after: int
) -> dict[str, Any]:
    call = fake.wait_for(
        "chat.postMessage",
        lambda c: c.ok and c.response["channel"] == channel and predicate(c.params),  # type: ignore[index]
        after=after,
    )
    message = fake.message(channel, call.response["ts"])  # type: ignore[index]
    assert message is not None
    return message


def place_order(slack: SignedSlack, fake: FakeSlack, tax: str, kt: int, vps: int) -> dict[str, Any]:
    """`/misa igov <tax>` → the form → saved; returns the order message posted in the channel.

    Each order is placed from a channel of its own (the bot posts at most one message per
    second in a channel, and the tests need not wait for that).
    """
    channel = f"{SALES}{next(_CHANNELS)}"
    mark = fake.mark()
    command = slack.command(f"igov {tax}", user_id=SALES_USER, channel_id=channel)
    assert slack.check_ack(command) is None
    view = new_view(fake, mark)
    assert view["callback_id"] == "igov_order"
    assert "1054321" in texts(view["blocks"]) or "1067890" in texts(view["blocks"])
    mark = fake.mark()
    values = {"sales_project": "Mở rộng iGOV 2026", "qty_KT": str(kt), "qty_VPS": str(vps)}
    ack = slack.check_ack(slack.view_submission(view, values, user_id=SALES_USER))
    assert ack["response_action"] == "update"
    order_no = re.search(r"IG\d{10,}", texts(ack["view"]))
    assert order_no is not None
    return wait_message(fake, channel, lambda p: order_no.group(0) in p["text"], mark)


def new_view(fake: FakeSlack, after: int, method: str = "views.open") -> dict[str, Any]:
    """The modal the bot opened (pushed, updated) after `after`, as the user now sees it."""
    call = fake.wait_for(method, lambda c: c.ok, after=after)
    return fake.view(call.response["view"]["id"])  # type: ignore[index]


def open_request(slack: SignedSlack, fake: FakeSlack, order_message: dict[str, Any]) -> dict:
    mark = fake.mark()
    assert slack.click(order_message, "license_request.start", user_id=LEAD).status_code == 200
    return new_view(fake, mark)


def upload(fake: FakeSlack, name: str, content: bytes, mimetype: str) -> dict[str, Any]:
    return fake.add_file(name, content, mimetype, user=LEAD)


def send_request(
    slack: SignedSlack, fake: FakeSlack, view: dict[str, Any], **extra: Any
) -> tuple[str, dict[str, Any]]:
    """Submit the request with both documents; returns its code and the approval message."""
    values = {
        "decision_file": [upload(fake, "quyet-dinh-cap-nguon.pdf", PDF, "application/pdf")],
        "evidence_file": [upload(fake, "bang-chung.png", PNG, "image/png")],
        **extra,
    }
    mark = fake.mark()
    ack = slack.check_ack(slack.view_submission(view, values, user_id=LEAD))
    assert ack["response_action"] == "update", ack
    code = re.search(r"YC\d{10,}", texts(ack["view"]))
    assert code is not None
    message = wait_message(fake, APPROVALS, lambda p: code.group(0) in p["text"], mark)
    return code.group(0), message


def in_thread(fake: FakeSlack, message: dict[str, Any]) -> int:
    return len([f for f in fake.uploaded_files() if f.thread_ts == message["ts"]])


def wait_update(fake: FakeSlack, channel: str, ts: str, text: str, after: int) -> dict[str, Any]:
    """The message once an update containing `text` reached it."""
    fake.wait_for(
        "chat.update",
        lambda c: c.ok and c.params["ts"] == ts and text in texts(c.params),
        after=after,
    )
    current = fake.message(channel, ts)
    assert current is not None
    return current


def approval(fake: FakeSlack, message: dict[str, Any]) -> dict[str, Any]:
    current = fake.message(APPROVALS, message["ts"])
    assert current is not None
    return current


def action_ids(message: dict[str, Any]) -> list[str]:
    return [
        e.get("action_id", "")
        for b in message.get("blocks", [])
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def refusal(fake: FakeSlack, after_posts: int, user: str) -> str:
    post = fake.wait_for_response(lambda p: p.user_id == user, after=after_posts)
    assert post.ok and post.body.get("response_type") == "ephemeral"
    return post.body["text"]


def start_bot(database_url: str, fake: FakeSlack, home: Path) -> Iterator[BotProcess]:
    """`python -m bot serve` with the iGOV customers, an approval channel and approvers."""
    import_igov_customers(database_url, home, TODAY)
    fake.set_usergroup("S_APPROVERS", [BOSS2, LEAD])
    env = bot_env(
        database_url,
        fake,
        home,
        APPROVAL_CHANNEL=APPROVALS,
        APPROVER_USER_IDS=BOSS,
        APPROVER_USERGROUP="S_APPROVERS",
        LICENCE_DOCUMENT_MAX_MB="1",
    )
    process = BotProcess(env, home / "bot.log").start()
    try:
        yield process
    finally:
        process.stop()


def use_cases(database_url: str) -> Services:
    """The bot's use cases in the test process, for preparing what a test acts on quickly
    (the running bot delivers what they queue)."""
    settings = load_settings(_env_file=None, database_url=database_url, approval_channel=APPROVALS)
    return Services.create(settings)


def saved_order(services: Services, tax: str, key: str, kt: int = 1, vps: int = 0) -> OrderCard:
    """An iGOV order saved through the use case (the form's rules, without the form)."""
    customer = customer_by_tax_code(services, tax).id
    form = OrderForm(str(customer), "Dự án", None, str(kt), str(vps))
    return save_order(
        services, form, authz=ANYONE, submission_key=key, user=SALES_USER, channel=SALES
    )


def pending_request(services: Services, tax: str, key: str) -> RequestCard:
    """A licence request from LEAD waiting for approval, with both documents."""
    order = saved_order(services, tax, f"{key}:order")
    documents = [
        check_document(
            kind,
            slack_file_id="F1",
            name=f"{kind}.pdf",
            declared_mimetype="",
            content=PDF,
            max_bytes=10**6,
        )
        for kind in DocumentKind
    ]
    form = RequestForm(
        order_id=order.id,
        modules=[module.code for module in prepare_request(services, order.id).modules],
        extra={},
        misa_id_email="admin@bacninh.gov.vn",
        misa_id_phone="0912345678",
        customer={
            "customer_name": order.customer.name,
            "customer_address": "Bắc Ninh",
            "contact_name": "Lê Văn Cường",
            "contact_email": "stc@bacninh.gov.vn",
            "contact_phone": "0912345678",
        },
    )
    return submit_request(services, form, documents, authz=ANYONE, submission_key=key, user=LEAD)


def open_request_form(slack: SignedSlack, fake: FakeSlack, order_id: int) -> dict[str, Any]:
    """LEAD clicks the order message's request button (its value, as the message has it)."""
    mark = fake.mark()
    value = OrderRef(order_id=order_id).encode()
    slack.block_action("license_request.start", value, user_id=LEAD, channel_id=SALES)
    return new_view(fake, mark)
