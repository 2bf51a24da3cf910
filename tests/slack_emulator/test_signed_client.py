"""The signed client of tests/rig/ against a real slack_bolt app: signatures, commands, modals,
submissions, clicks, suggestions and the Home tab."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from slack_emulator import FakeSlack
from slack_emulator.people import SignedSlack, SubmissionBlocked
from tests.slack_emulator.builders import (
    SECRET,
    TOKEN,
    actions,
    button,
    input_block,
    option,
    plain,
    section,
)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


ORDER_VIEW = {
    "type": "modal",
    "callback_id": "storage_order",
    "title": plain("Gói lưu trữ"),
    "submit": plain("Đặt hàng"),
    "notify_on_close": True,
    "private_metadata": json.dumps({"subscription": 7}),
    "blocks": [
        input_block(
            {
                "type": "number_input",
                "action_id": "qty",
                "is_decimal_allowed": False,
                "initial_value": "1",
                "min_value": "1",
                "max_value": "12",
            },
            block_id="quantity",
        ),
        input_block({"type": "email_text_input", "action_id": "email"}, block_id="invoice_email"),
        input_block(
            {
                "type": "static_select",
                "action_id": "term",
                "options": [option("1 năm", "12"), option("2 năm", "24")],
            },
            block_id="term",
            optional=True,
            dispatch_action=True,
        ),
        input_block(
            {"type": "external_select", "action_id": "pick", "min_query_length": 2},
            block_id="customer",
            optional=True,
        ),
        input_block(
            {"type": "file_input", "action_id": "files", "filetypes": ["pdf"]},
            block_id="decision_file",
            optional=True,
        ),
    ],
}


@pytest.fixture
def bot(fake: FakeSlack) -> Iterator[SignedSlack]:
    app = App(client=WebClient(token=TOKEN, base_url=fake.api_url), signing_secret=SECRET)

    @app.command("/misa")
    def open_order(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=ORDER_VIEW)

    @app.view("storage_order")
    def place_order(
        ack: Any, view: dict[str, Any], body: dict[str, Any], client: WebClient
    ) -> None:
        values = view["state"]["values"]
        if int(values["quantity"]["qty"]["value"]) > 5:
            ack(response_action="errors", errors={"quantity": "Tối đa 5 năm"})
            return
        ack()
        files = values["decision_file"]["files"]["files"]
        client.chat_postMessage(
            channel="C_APPROVAL",
            text="Đơn mới",
            blocks=[
                section(f"{values['invoice_email']['email']['value']} {len(files)}"),
                actions(button("Duyệt", "license.approve", value="order-1", style="primary")),
            ],
        )

    @app.view_closed("storage_order")
    def closed(ack: Any) -> None:
        ack()

    @app.action("license.approve")
    def approve(ack: Any, body: dict[str, Any], respond: Any) -> None:
        ack()
        respond(replace_original=True, text=f"Đã duyệt {body['actions'][0]['value']}")

    @app.action("term")
    def term_changed(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        chosen = body["actions"][0]["selected_option"]["value"]
        view = body["view"]
        total = section(f"Thời hạn {chosen} tháng", block_id="total")
        client.views_update(
            view_id=view["id"],
            hash=view["hash"],
            view={**ORDER_VIEW, "blocks": [*ORDER_VIEW["blocks"], total]},
        )

    @app.options("pick")
    def customers(ack: Any, payload: dict[str, Any]) -> None:
        ack(options=[option(f"Công ty {payload['value']}", "0101243150")])

    @app.event("app_home_opened")
    def home(event: dict[str, Any], client: WebClient) -> None:
        client.views_publish(
            user_id=event["user"], view={"type": "home", "blocks": [section("Trang chủ")]}
        )

    server = make_server(
        "127.0.0.1",
        0,
        SlackRequestHandler(app),
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    with SignedSlack(f"http://127.0.0.1:{server.server_port}/slack/events", SECRET, fake) as signed:
        yield signed
    server.shutdown()
    server.server_close()


def test_signature_verifies_with_slack_sdk(fake: FakeSlack) -> None:
    signed = SignedSlack("http://127.0.0.1:9/slack/events", SECRET, fake)
    body, ts = b"token=x&text=%2Fmisa+lookup", int(time.time())
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid(body, ts, signed.signature(body, ts))
    assert not verifier.is_valid(body, ts, signed.signature(body, ts, secret="other"))
    signed.close()


def test_bolt_rejects_bad_stale_and_unsigned_requests(bot: SignedSlack) -> None:
    assert bot.command("help", bad_signature=True).status_code == 401
    assert bot.command("help", timestamp=int(time.time()) - 600).status_code == 401
    assert bot.command("help", unsigned=True).status_code == 401
    assert bot.url_verification("chal-123").status_code == 200
    assert bot.check_ack(bot.url_verification("chal-123")) == {"challenge": "chal-123"}


def test_command_modal_submission_and_click_end_to_end(fake: FakeSlack, bot: SignedSlack) -> None:
    assert bot.check_ack(bot.command("order", user_id="U_STAFF")) is None
    view = fake.wait_for_view("U_STAFF", "storage_order")
    with pytest.raises(ValueError, match="not input blocks"):
        bot.view_submission(view, {"nope": "x"})
    with pytest.raises(SubmissionBlocked, match=r"invoice_email.*required"):
        bot.view_submission(view, {"quantity": 2})
    with pytest.raises(SubmissionBlocked, match="not an email"):
        bot.view_submission(view, {"invoice_email": "not-an-email"})
    with pytest.raises(SubmissionBlocked, match="above max_value"):
        bot.view_submission(view, {"quantity": 13, "invoice_email": "a@b.vn"})
    ack = bot.check_ack(
        bot.view_submission(view, {"quantity": 6, "invoice_email": "ke.toan@misa.vn"})
    )
    assert ack == {"response_action": "errors", "errors": {"quantity": "Tối đa 5 năm"}}
    assert fake.view_errors(view["id"]) == {"quantity": "Tối đa 5 năm"}
    assert fake.current_view("U_STAFF")["id"] == view["id"]  # type: ignore[index]
    decision = fake.add_file("qd.pdf", b"%PDF", "application/pdf", user="U_STAFF")
    view = fake.current_view("U_STAFF")  # still shows what the user typed
    assert view is not None
    assert view["state"]["values"]["invoice_email"]["email"]["value"] == "ke.toan@misa.vn"
    resp = bot.view_submission(view, {"quantity": 2, "term": "24", "decision_file": [decision]})
    assert bot.check_ack(resp) is None
    assert fake.current_view("U_STAFF") is None  # plain ack closed the modal
    posted = fake.wait_for("chat.postMessage", lambda c: c.params.get("channel") == "C_APPROVAL")
    assert posted.params["blocks"][0]["text"]["text"] == "ke.toan@misa.vn 1"
    message = posted.response["message"]  # type: ignore[index]
    with pytest.raises(AssertionError, match=r"no element with action_id 'license\.reject'"):
        bot.click(message, "license.reject")
    assert bot.check_ack(bot.click(message, "license.approve", user_id="U_BOSS")) is None
    fake.wait_for_response(lambda r: r.message_ts == message["ts"])
    assert fake.message("C_APPROVAL", message["ts"])["text"] == "Đã duyệt order-1"  # type: ignore[index]


def test_view_closed_and_check_ack_rejects_bad_errors(fake: FakeSlack, bot: SignedSlack) -> None:
    bot.command("order")
    view = fake.wait_for_view("U_STAFF", "storage_order")
    assert bot.view_closed(view).status_code == 200
    assert fake.current_view("U_STAFF") is None
    request = httpx.Request(
        "POST",
        "http://x",
        content=b"payload=" + json.dumps({"type": "view_submission", "view": view}).encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    fake_ack = httpx.Response(
        200, json={"response_action": "errors", "errors": {"email": "Sai"}}, request=request
    )
    fake_ack.elapsed = dt.timedelta(seconds=0.1)
    with pytest.raises(AssertionError, match="not the block_id of an input block"):
        bot.check_ack(fake_ack)


def test_actions_in_a_modal_suggestions_and_home(fake: FakeSlack, bot: SignedSlack) -> None:
    bot.command("order")
    view = fake.wait_for_view("U_STAFF", "storage_order")
    suggested = bot.check_ack(bot.block_suggestion("pick", "misa", view=view))
    assert suggested["options"][0]["value"] == "0101243150"
    with pytest.raises(AssertionError, match="min_query_length"):
        bot.block_suggestion("pick", "m", view=view)
    assert bot.check_ack(bot.select(view, "term", "24")) is None
    fake.wait_for("views.update")
    updated = fake.current_view("U_STAFF")
    assert updated is not None and updated["blocks"][-1]["block_id"] == "total"
    assert updated["state"]["values"]["term"]["term"]["selected_option"]["value"] == "24"  # kept
    bot.check_ack(
        bot.view_submission(updated, {"invoice_email": "a@misa.vn", "customer": "0101243150"})
    )
    posted = fake.wait_for("chat.postMessage")
    assert posted.params["blocks"][0]["text"]["text"] == "a@misa.vn 0"
    assert fake.current_view("U_STAFF") is None
    assert (
        bot.app_home_opened("U_STAFF", retry_num=1, retry_reason="http_timeout").status_code == 200
    )
    fake.wait_for("views.publish")
    assert fake.home_view("U_STAFF")["blocks"][0]["text"]["text"] == "Trang chủ"  # type: ignore[index]
