"""Paging (`lookup.more`, `pending.more`) through `python -m bot serve`, over signed HTTP."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.importer import import_file
from slack_emulator import FakeSlack
from slack_emulator.people import SignedSlack
from storage.db import Database
from tests.e2e.igov_steps import BOSS, SALES, TODAY, pending_request, start_bot, use_cases
from tests.e2e.slack_helpers import text_of
from tests.factories import row, tax_code, write_csv
from tests.igov_data import PUBLIC
from tests.rig.bot_process import BotProcess

_TS = itertools.count(1)
# Names of different lengths and word orders, so the ranking is not just the import order.
SHAPES = (
    "Công ty TNHH Phần mềm Sao Mai {n}",
    "Công ty Cổ phần Thương mại Dịch vụ Sao Mai Miền Bắc {n}",
    "Sao Mai {n}",
    "Công ty TNHH Mai Sao {n}",
    "Hợp tác xã Sao Biển Mai Hương {n}",
)


def customers(first: int, count: int) -> list[dict[str, str]]:
    return [
        row(tax_code(500 + n), SHAPES[n % len(SHAPES)].format(n=n), f"HD-SM-{n:03d}", TODAY)
        for n in range(first, first + count)
    ]


def import_rows(database_url: str, folder: Path, rows: list[dict[str, str]], name: str) -> None:
    database = Database(database_url)
    try:
        assert import_file(database, write_csv(folder / name, rows)).rejected == 0
    finally:
        database.dispose()


@pytest.fixture(scope="module")
def bot(
    module_database_url: str, fake_slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotProcess]:
    home = tmp_path_factory.mktemp("home")
    import_rows(module_database_url, home, customers(0, 35), "sao-mai.csv")
    yield from start_bot(module_database_url, fake_slack, home)


def more_button(reply: dict[str, Any], action_id: str) -> dict[str, Any] | None:
    last = reply["blocks"][-1]
    if last.get("block_id") != "more":
        return None
    (button,) = last["elements"]
    assert button["action_id"] == action_id
    return button


def next_page(
    slack: SignedSlack, fake: FakeSlack, reply: dict[str, Any], action_id: str, user: str
) -> dict[str, Any]:
    """Click the reply's "more" button as Slack does for a private reply; the page it is
    replaced with."""
    ts = f"9{next(_TS)}.000001"
    posts = len(fake.responses)
    slack.block_action(
        action_id,
        message=reply | {"ts": ts},
        block_id="more",
        channel_id=SALES,
        user_id=user,
        container={"type": "message", "message_ts": ts, "channel_id": SALES, "is_ephemeral": True},
    )
    post = fake.wait_for_response(lambda p: p.user_id == user, after=posts)
    assert post.ok and post.body.get("replace_original") is True
    return post.body


def names_of(reply: dict[str, Any]) -> list[str]:
    return [
        block["text"]["text"].split("\n")[0].strip("*")
        for block in reply["blocks"]
        if block.get("block_id", "").startswith("c:")
    ]


def test_paging_through_35_matches_repeats_none_even_after_an_import(
    slack: SignedSlack, fake_slack: FakeSlack, module_database_url: str, tmp_path: Path
) -> None:
    first = slack.check_ack(slack.command("sao mai"))
    pages = [names_of(first)]
    assert len(pages[0]) == 10 and names_of(first)[0] == "Sao Mai 2"
    assert more_button(first, "lookup.more") is not None
    # New customers are imported between two pages: the next pages go on in the same order.
    import_rows(module_database_url, tmp_path, customers(35, 5), "more.csv")
    replies = [first]
    while more_button(replies[-1], "lookup.more") is not None:
        replies.append(next_page(slack, fake_slack, replies[-1], "lookup.more", "U_STAFF"))
        pages.append(names_of(replies[-1]))
    shown = [name for page in pages for name in page]
    assert len(shown) == len(set(shown)), "a customer was shown twice"
    originals = {r["company_name"] for r in customers(0, 35)}
    assert originals <= set(shown), originals - set(shown)
    assert [len(page) for page in pages[:3]] == [10, 10, 10]
    assert "Khách hàng thứ 11–20" in text_of(replies[1])
    # Asked again from the start, the order is the one the pages followed (the new
    # customers in their places).
    again = slack.check_ack(slack.command("sao mai"))
    fresh = names_of(again)
    while more_button(again, "lookup.more") is not None:
        again = next_page(slack, fake_slack, again, "lookup.more", "U_STAFF")
        fresh += names_of(again)
    assert len(fresh) == 40 == len(set(fresh))
    assert [name for name in fresh if name in originals] == [
        name for name in shown if name in originals
    ]


def test_pending_requests_are_paged_oldest_first_without_repeats(
    slack: SignedSlack, fake_slack: FakeSlack, module_database_url: str
) -> None:
    services = use_cases(module_database_url)
    try:
        codes = [pending_request(services, PUBLIC, f"page-{n}").code for n in range(23)]
    finally:
        services.db.dispose()
    reply = slack.check_ack(slack.command("pending", user_id=BOSS))
    seen = re.findall(r"\*(\S+)\* ·", text_of(reply))
    assert "Yêu cầu chờ duyệt (23)" in text_of(reply)
    while more_button(reply, "pending.more") is not None:
        reply = next_page(slack, fake_slack, reply, "pending.more", BOSS)
        seen += re.findall(r"\*(\S+)\* ·", text_of(reply))
        # The approver can still decide from a later page.
        assert "license.approve" in str(reply["blocks"])
    assert seen == codes
    assert "Yêu cầu thứ 21–23 trong 23 yêu cầu đang chờ" in text_of(reply)
