"""Steps of the storage-package procedure as a person (and the bank) does them."""

from __future__ import annotations

import re
from typing import Any

import httpx

from slack_emulator import FakeSlack
from slack_emulator.people import SignedSlack
from tests.e2e.slack_helpers import buttons, text_of
from tests.rig.bot_process import BotProcess

MISA = "0101243150"
WEBHOOK_KEY = "webhook-key-7f3a9c"
FINANCE = "U0FINANCE"
BANK = {
    "BANK_BIN": "970418",
    "BANK_ACCOUNT_NO": "12510000123456",
    "BANK_ACCOUNT_NAME": "CONG TY CO PHAN MISA",
}


def open_form(slack: SignedSlack, fake: FakeSlack, query: str, contract_no: str) -> dict[str, Any]:
    ack = slack.check_ack(slack.command(query))
    (button,) = [b for b in buttons(ack) if contract_no in b["text"]["text"]]
    assert button["action_id"] == "storage_order.start"
    mark = fake.mark()
    slack.block_action("storage_order.start", button["value"], message=ack, channel_id="C_SUPPORT")
    call = fake.wait_for("views.open", after=mark)
    assert call.ok, call.response
    return fake.view(call.response["view"]["id"])


def order_message(fake: FakeSlack, mark: int) -> dict[str, Any]:
    call = fake.wait_for(
        "chat.postMessage", lambda c: "Đơn hàng LT" in str(c.params.get("blocks")), after=mark
    )
    assert call.ok, call.response
    return fake.message(call.response["channel"], call.response["ts"])


def order_number(message: dict[str, Any]) -> str:
    found = re.search(r"LT\d{6}[0-9A-Z]{6}", text_of(message))
    assert found, text_of(message)
    return found.group(0)


def transfer(order_no: str, amount: int, tx_id: str, content: str | None = None) -> dict:
    return {
        "id": tx_id,
        "gateway": "BIDV",
        "transactionDate": "2026-11-22 10:15:00",
        "accountNumber": BANK["BANK_ACCOUNT_NO"],
        "content": content if content is not None else f"{order_no} thanh toan",
        "transferType": "in",
        "transferAmount": amount,
        "referenceCode": f"FT{tx_id}",
    }


def webhook(bot: BotProcess, body: dict, key: str = WEBHOOK_KEY) -> httpx.Response:
    return httpx.post(
        f"{bot.base_url}/payments/webhook", json=body, headers={"Authorization": f"Apikey {key}"}
    )
