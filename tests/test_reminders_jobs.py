"""`python -m bot jobs run NAME --at …` on fixed dates: the exact messages Slack receives, once."""

from __future__ import annotations

import csv
import io
import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.importer import import_file
from slack_emulator import FakeSlack
from storage.db import Database
from storage.models import IgovOrder, OutboxMessage
from storage.repositories import outbox as outbox_repo
from tests import reminders_dataset as ds
from tests.conftest import bot_env
from tests.factories import row, tax_code, write_csv
from tests.rig.bot_process import BOT_TOKEN
from tests.rig.postgres import PostgresServer

POSTS = ("chat.postMessage", "files.completeUploadExternal")


@dataclass
class World:
    db: Database
    data: ds.Dataset
    env: dict[str, str]
    fake: FakeSlack
    home: Path


def start(world: World, job: str, at: str = ds.AT, **extra_env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "jobs", "run", job, "--at", at, "--wait", "30"],
        env={**world.env, **extra_env},
        cwd=world.home,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, f"exit {process.returncode}\n{out}\n{err[-4000:]}"
    assert "Traceback" not in err, err[-4000:]
    return out


def run(world: World, job: str, at: str = ds.AT) -> str:
    return finish(start(world, job, at))


JOBS = [
    ("expiry-reminders", ds.AT),
    ("deletion-warnings", ds.AT),
    ("deletion-sweep", ds.SWEEP_AT),
    ("approval-reminders", ds.AT),
    ("payment-reminders", ds.AT),
]


def run_all(world: World, jobs: list[tuple[str, str]]) -> dict[str, str]:
    """Start the jobs together (each its own process) and return each one's output."""
    processes = {job: start(world, job, at) for job, at in jobs}
    return {job: finish(process) for job, process in processes.items()}


@pytest.fixture
def world(database_url: str, fake_slack: FakeSlack, tmp_path: Path) -> Iterator[World]:
    fake_slack.reset()
    fake_slack.set_user(ds.MAI, locale="en-US")
    # The approval message the licence flow posted, whose thread gets the reminder.
    parent = WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url).chat_postMessage(
        channel=ds.APPROVALS, text="Yêu cầu YC-25H chờ duyệt"
    )
    db = Database(database_url)
    data = ds.load(db, tmp_path, approval_ts=parent["ts"])
    env = {**os.environ, **bot_env(database_url, fake_slack, tmp_path), **ds.channels_env()}
    yield World(db=db, data=data, env=env, fake=fake_slack, home=tmp_path)
    db.dispose()


def flatten(params: dict[str, Any]) -> list[str]:
    """What a person sees of a message: each block's text, buttons as [label]."""
    if params.get("files"):
        return [f"file: {params.get('initial_comment')}"]
    shown = []
    for block in params.get("blocks") or []:
        if block["type"] in ("header", "section"):
            text = block["text"]["text"]
            accessory = block.get("accessory")
            shown.append(f"{text} [{accessory['text']['text']}]" if accessory else text)
        elif block["type"] == "context":
            shown.append(" ".join(e["text"] for e in block["elements"]))
        elif block["type"] == "actions":
            shown.append(" ".join(f"[{e['text']['text']}]" for e in block["elements"]))
    return shown


def sent(fake: FakeSlack, after: int = 0) -> dict[str, list[list[str]]]:
    """Messages (and uploads) by channel, in order, since call index `after`."""
    by_channel: dict[str, list[list[str]]] = {}
    for call in fake.calls[after:]:
        if call.method in POSTS and call.ok:
            channel = call.params.get("channel") or call.params.get("channel_id")
            by_channel.setdefault(channel, []).append(flatten(call.params))
    return by_channel


def by_channel(*parts: dict[str, list[list[str]]]) -> dict[str, list[list[str]]]:
    """Messages per channel in a stable order (jobs running together interleave theirs)."""
    merged: dict[str, list[list[str]]] = {}
    for part in parts:
        for channel, listed in part.items():
            merged.setdefault(channel, []).extend(listed)
    return {channel: sorted(listed) for channel, listed in merged.items()}


def summary(job: str, at: str, due: int, claimed: int, already: int, delivered: int) -> str:
    return (
        f"{job} tính tại {at}: {due} mục đến hạn; {claimed} nhắc nhở mới, {already} đã được "
        f"nhận từ lần chạy trước.\nSlack: {delivered} đã gửi, 0 đang chờ gửi lại, "
        "0 không gửi được.\n"
    )


def test_each_job_sends_its_messages_once(world: World) -> None:
    tc = world.data.tax_codes
    fake = world.fake

    # All five at once, as the scheduler fires them; each job's messages are listed below.
    mark = len(fake.calls)
    outputs = run_all(world, JOBS)
    assert outputs == {
        "expiry-reminders": summary("expiry-reminders", "08:00 15/06/2026", 4, 3, 0, 3),
        "deletion-warnings": summary("deletion-warnings", "08:00 15/06/2026", 4, 3, 0, 3),
        "deletion-sweep": (
            "deletion-sweep tính tại 00:15 15/06/2026: 3 mục đến hạn; 1 nhắc nhở mới, 0 đã được "
            "nhận từ lần chạy trước.\nĐã xóa dữ liệu 3 thuê bao; 1 thuê bao đang được giữ; 1 đơn "
            "lưu trữ quá hạn bị hủy.\nSlack: 1 đã gửi, 0 đang chờ gửi lại, 0 không gửi được.\n"
        ),
        "approval-reminders": summary("approval-reminders", "08:00 15/06/2026", 1, 1, 0, 1),
        "payment-reminders": summary("payment-reminders", "08:00 15/06/2026", 1, 1, 0, 1),
    }
    expected: dict[str, dict[str, list[list[str]]]] = {}
    expected["expiry-reminders"] = {
        ds.SALES: [
            [
                "Thuê bao sắp hết hạn",
                "1 thuê bao *chưa có người phụ trách* sắp hết hạn. Cần phân công người liên "
                "hệ khách hàng để gia hạn.",
                "*Còn 7 ngày, hết hạn ngày 22/06/2026*\n"
                f"• *Cửa hàng Phú Quý* · MST `{tc['HD-E07-NO']}` · AMIS Kế toán · HĐ `HD-E07-NO`",
            ]
        ],
        "D" + ds.LAN: [
            [
                "Thuê bao sắp hết hạn",
                "2 thuê bao bạn phụ trách sắp hết hạn. Hãy liên hệ khách hàng để gia hạn.",
                "*Còn 7 ngày, hết hạn ngày 22/06/2026*\n"
                f"• *Sở Tài chính Bình Minh* · MST `{tc['HD-E07']}` · iGOV · HĐ `HD-E07`\n\n"
                "*Còn 30 ngày, hết hạn ngày 15/07/2026*\n"
                f"• *Công ty TNHH Hoa Sen* · MST `{tc['HD-E30']}` · AMIS Kế toán · HĐ `HD-E30`",
            ]
        ],
        "D" + ds.MAI: [
            [
                "Subscriptions expiring soon",
                "1 subscription you look after expires soon. Contact the customer to renew.",
                "*1 day left, expires on 16/06/2026*\n"
                f"• *Công ty &lt;Ánh&gt; &amp; Dương* · tax code `{tc['HD-E01']}` · "
                "AMIS Accounting · contract `HD-E01`",
            ]
        ],
    }

    intro = (
        "thuê bao AMIS Kế toán đã hết hạn sắp bị xóa dữ liệu. Nếu khách hàng mua gói lưu trữ "
        "dữ liệu, dữ liệu sẽ được giữ lại ở chế độ chỉ đọc."
    )
    d01 = f"• *Công ty Một Ngày* · MST `{tc['HD-D01']}` · AMIS Kế toán · HĐ `HD-D01`"
    d03 = f"• *Công ty Ba Ngày* · MST `{tc['HD-D03']}` · AMIS Kế toán · HĐ `HD-D03`"
    d07 = f"• *Công ty Bảy Ngày* · MST `{tc['HD-D07']}` · AMIS Kế toán · HĐ `HD-D07`"
    s30 = f"• *Công ty Ngày Ba Mươi* · MST `{tc['HD-S30']}` · AMIS Kế toán · HĐ `HD-S30`"
    buy = "[Mua gói lưu trữ dữ liệu · {}]"
    expected["deletion-warnings"] = {
        ds.SUPPORT: [
            [
                "Dữ liệu sắp bị xóa",
                f"4 {intro}",
                "*Còn 1 ngày, xóa dữ liệu ngày 16/06/2026*",
                f"{d01} · hết hạn ngày 16/05/2026 · phụ trách <@U0MAI>",
                f"{buy.format('HD-D01')} [Tôi xử lý]",
                f"{s30} · hết hạn ngày 16/05/2026 · phụ trách <@U0LAN>",
                f"{buy.format('HD-S30')} [Tôi xử lý]",
                "*Còn 3 ngày, xóa dữ liệu ngày 18/06/2026*",
                f"{d03} · hết hạn ngày 18/05/2026 · chưa có người phụ trách",
                f"{buy.format('HD-D03')} [Tôi xử lý]",
                "*Còn 7 ngày, xóa dữ liệu ngày 22/06/2026*",
                f"{d07} · hết hạn ngày 22/05/2026 · phụ trách <@U0LAN>",
                f"{buy.format('HD-D07')} [Tôi xử lý]",
            ]
        ],
        "D" + ds.LAN: [
            [
                "Dữ liệu sắp bị xóa",
                f"2 {intro}",
                "*Còn 1 ngày, xóa dữ liệu ngày 16/06/2026*",
                f"{s30} · hết hạn ngày 16/05/2026 {buy.format('HD-S30')}",
                "*Còn 7 ngày, xóa dữ liệu ngày 22/06/2026*",
                f"{d07} · hết hạn ngày 22/05/2026 {buy.format('HD-D07')}",
            ]
        ],
        "D" + ds.MAI: [
            [
                "Data about to be deleted",
                "1 expired AMIS Accounting subscription will soon have its data deleted. If the "
                "customer buys a data storage package, the data is kept read-only.",
                "*1 day left, data deleted on 16/06/2026*",
                f"• *Công ty Một Ngày* · tax code `{tc['HD-D01']}` · AMIS Accounting · contract "
                "`HD-D01` · expired on 16/05/2026 [Buy data storage package · HD-D01]",
            ]
        ],
    }
    expected["deletion-sweep"] = {
        ds.SUPPORT: [
            [
                "Ngày 15/06/2026: xóa dữ liệu thuê bao hết hạn quá 30 ngày",
                "Đã xóa dữ liệu 3 thuê bao hết hạn quá 30 ngày:\n"
                f"• *Công ty Hết Giữ* · MST `{tc['HD-S35-LAPSED']}` · AMIS Kế toán · "
                "HĐ `HD-S35-LAPSED` · hết hạn ngày 11/05/2026\n"
                f"• *Công ty Ngày Ba Mốt* · MST `{tc['HD-S31']}` · AMIS Kế toán · "
                "HĐ `HD-S31` · hết hạn ngày 15/05/2026\n"
                f"• *Sở iGOV Ba Mốt* · MST `{tc['HD-S31-IG']}` · iGOV · "
                "HĐ `HD-S31-IG` · hết hạn ngày 15/05/2026",
                "1 đơn lưu trữ quá hạn thanh toán đã bị hủy; dữ liệu của các thuê bao này không "
                "còn được giữ:\n• Đơn `MS-LAPSED` · *Công ty Hết Giữ* · HĐ `HD-S35-LAPSED` · "
                "hạn thanh toán 14/06/2026",
                "1 thuê bao đã quá ngày xóa nhưng đang được giữ chờ thanh toán đơn lưu trữ:\n"
                "• *Công ty Đang Giữ* · HĐ `HD-S31-HELD` · đơn `MS-HOLD` · giữ đến hết ngày "
                "17/06/2026",
            ]
        ]
    }

    expected["payment-reminders"] = {
        "D" + ds.LAN: [
            [
                ":money_with_wings: Đơn lưu trữ `MS-PAY-4` của *Công ty Bảy Ngày* (HĐ `HD-D07`, "
                "1.200.000 đ) bạn đặt lúc 08:00 11/06/2026 vẫn chưa được thanh toán sau 3 ngày. "
                "Hạn thanh toán: hết ngày 18/06/2026; quá hạn này, đơn sẽ bị hủy và dữ liệu của "
                "khách hàng sẽ bị xóa.",
                "Trang đơn hàng gửi khách: https://bot.example.vn/orders/tok-MS-PAY-4",
            ]
        ]
    }

    expected["approval-reminders"] = {
        ds.APPROVALS: [
            [
                ":hourglass_flowing_sand: Yêu cầu `YC-25H` của *Sở Tài chính Bình Minh* do "
                "<@U0LAN> gửi lúc 07:00 14/06/2026 đã chờ duyệt hơn 24 giờ. <@U0APPR1>, "
                "<@U0APPR2>, <!subteam^S0APPROVERS>: vui lòng duyệt hoặc từ chối."
            ]
        ]
    }

    assert by_channel(sent(fake, mark)) == by_channel(*expected.values())
    (digest,) = [
        c
        for c in fake.calls[mark:]
        if c.params.get("channel") == ds.SUPPORT and c.params["text"].startswith("4 thuê bao")
    ]
    values = [
        e["value"]
        for b in digest.params["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "storage_order.start"
    ]
    ids = world.data.ids
    assert values == [
        f'{{"subscription_id":{ids[c]}}}' for c in ("HD-D01", "HD-S30", "HD-D03", "HD-D07")
    ]
    (reply,) = [c for c in fake.calls[mark:] if c.params.get("channel") == ds.APPROVALS]
    parent = fake.messages(ds.APPROVALS, include_replies=False)[0]
    assert reply.params["thread_ts"] == parent["ts"]

    # Every job again, all at once, as restarts or other schedulers would: nothing more is sent.
    mark = len(fake.calls)
    again = [
        ("expiry-reminders", ds.AT, 3),
        ("deletion-warnings", ds.AT, 3),
        ("deletion-sweep", ds.SWEEP_AT, 1),
        ("approval-reminders", ds.AT, 1),
        ("payment-reminders", ds.AT, 1),
    ]
    processes = [start(world, job, at) for job, at, _ in again]
    for process, (_, _, already) in zip(processes, again, strict=True):
        assert f"0 nhắc nhở mới, {already} đã được nhận" in finish(process)
    assert sent(fake, mark) == {}
    assert [c for c in fake.calls if not c.ok] == []


# Rendering and pacing do not depend on the database: SQLite is enough here.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


# Header, intro, one group heading, "… and N more": 46 blocks left, two per account.
LISTED = 23


@SQLITE_ONLY
def test_a_long_list_is_cut_to_the_most_urgent_and_attached_as_csv(world: World) -> None:
    many = [
        row(
            tax_code(500 + n), f"Công ty Số {n:03d}", f"HD-L{n:03d}", ds.day((-24, -28, -30)[n % 3])
        )
        for n in range(120)
    ]
    assert import_file(world.db, write_csv(world.home / "many.csv", many)).rejected == 0
    mark = len(world.fake.calls)
    run(world, "deletion-warnings")
    calls = [c for c in world.fake.calls[mark:] if c.params.get("channel", "") == ds.SUPPORT]
    (digest,) = calls
    # Each account has its line and its buttons (storage order, "Tôi xử lý"): as many as fit.
    buttons = [b for b in digest.params["blocks"] if b["type"] == "actions"]
    assert len(buttons) == LISTED and len(digest.params["blocks"]) <= 50
    # The accounts with one day left (deleted tomorrow) come first.
    first_days = digest.params["blocks"][2]["text"]["text"]
    assert first_days == "*Còn 1 ngày, xóa dữ liệu ngày 16/06/2026*"
    assert digest.params["blocks"][-1]["elements"][0]["text"].startswith(
        f"… và {124 - LISTED} thuê bao khác: danh sách đầy đủ trong tệp CSV đính kèm"
    )
    (upload,) = [f for f in world.fake.uploaded_files() if f.channel == ds.SUPPORT]
    assert upload.name == "du-lieu-sap-bi-xoa-2026-06-15.csv"
    assert upload.thread_ts == digest.response["ts"]
    assert upload.initial_comment == "Danh sách đầy đủ: 124 thuê bao."
    rows = list(csv.reader(io.StringIO(upload.content.decode("utf-8-sig"))))
    assert len(rows) == 125 and rows[0][3] == "Số hợp đồng"
    assert [r[6] for r in rows[1:]] == sorted((r[6] for r in rows[1:]), key=int)
    # The upload waited for the channel's pace after the digest (1 message/s/channel).
    (complete,) = [c for c in world.fake.calls[mark:] if c.method == "files.completeUploadExternal"]
    assert complete.at - digest.at >= 0.95


@SQLITE_ONLY
def test_posts_are_paced_and_failed_sends_retried(world: World) -> None:
    with world.db.session() as session:
        igov = session.scalars(select(IgovOrder)).one()
        for hours in (26, 27):
            session.add(
                ds.licence_request(
                    f"YC-{hours}H", igov, "pending", ds.NOW - timedelta(hours=hours), f"17.{hours}"
                )
            )
    world.fake.fail_next("chat.postMessage")  # a 429: the client waits Retry-After, retries
    world.fake.fail_next("chat.postMessage", error="internal_error")  # the outbox retries later
    out = run(world, "approval-reminders")
    assert "3 nhắc nhở mới" in out and "Slack: 3 đã gửi, 0 đang chờ gửi lại" in out
    replies = world.fake.messages(ds.APPROVALS)[1:]
    assert sorted(m["text"].split("`")[1] for m in replies) == ["YC-25H", "YC-26H", "YC-27H"]
    posts = world.fake.calls_to("chat.postMessage")
    assert [c.status for c in posts if not c.ok] == [429, 200]
    times = world.fake.post_times(ds.APPROVALS)[1:]
    assert all(later - earlier >= 0.95 for earlier, later in itertools.pairwise(times))


@pytest.mark.postgres
def test_two_runs_at_once_on_postgresql_send_once(
    postgres: PostgresServer,
    postgres_template: str,
    fake_slack: FakeSlack,
    tmp_path: Path,
) -> None:
    url = postgres.create_database(template=postgres_template)
    fake_slack.reset()
    db = Database(url)
    ds.load(db, tmp_path)
    env = {**os.environ, **bot_env(url, fake_slack, tmp_path), **ds.channels_env()}
    world = World(db=db, data=ds.Dataset(), env=env, fake=fake_slack, home=tmp_path)
    jobs = [("expiry-reminders", ds.AT), ("deletion-sweep", ds.SWEEP_AT)]
    processes = [start(world, job, at) for job, at in jobs for _ in range(2)]
    outputs = [finish(p) for p in processes]
    claimed = [int(o.split(" nhắc nhở mới")[0].rsplit(" ", 1)[1]) for o in outputs]
    assert sorted(claimed) == [0, 0, 1, 3]
    messages = sent(fake_slack)
    assert sorted((c, len(m)) for c, m in messages.items()) == [
        (ds.SALES, 1),
        (ds.SUPPORT, 1),  # the sweep report
        ("D" + ds.LAN, 1),
        ("D" + ds.MAI, 1),
    ]
    db.dispose()


@SQLITE_ONLY
def test_missing_channel_and_bad_time_are_named(world: World) -> None:
    process = start(world, "expiry-reminders", SALES_CHANNEL="")
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert err.strip().splitlines()[-1] == (
        "Error: Missing setting SALES_CHANNEL: set it in the environment or .env"
    )
    process = start(world, "expiry-reminders", at="15/06/2026")
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1 and "không phải thời điểm ISO 8601" in err


def test_a_queue_written_before_messages_were_typed_still_delivers(world: World) -> None:
    """Rows enqueued by the previous version (same kinds, same payload keys) are delivered."""
    parent = WebClient(token=BOT_TOKEN, base_url=world.fake.api_url).chat_postMessage(
        channel=ds.APPROVALS, text="Yêu cầu YC-OLD chờ duyệt"
    )
    account = {
        "subscription_id": 999,
        "customer": "Công ty Hàng Đợi Cũ",
        "tax_code": "0100109106",
        "product": "AMIS_KT",
        "contract_no": "HD-OLD-1",
        "expires_on": "2026-06-22",
        "owner": None,
        "days": 7,
    }
    old_rows = {
        "reminder.expiry_digest": {
            "recipient": {"channel": ds.SALES},
            "today": "2026-06-15",
            "items": [account],
        },
        "reminder.approval": {
            "channel": ds.APPROVALS,
            "thread_ts": parent["ts"],
            "code": "YC-OLD",
            "customer": "Sở Hàng Đợi Cũ",
            "requested_by": ds.LAN,
            "created_at": "2026-06-14T07:00:00+07:00",
            "hours": 24,
            "approvers": list(ds.APPROVERS),
            "usergroup": None,
        },
        "reminder.payment": {
            "recipient": {"user": ds.LAN},
            "order_no": "LT260612OLDQUE",
            "customer": "Công ty Hàng Đợi Cũ",
            "contract_no": "HD-OLD-1",
            "total": 1000000,
            "created_at": "2026-06-12T09:30:00+07:00",
            "payment_deadline": "2026-06-19",
            "days": 3,
            "link": None,
        },
    }
    with world.db.session() as session:
        for kind, payload in old_rows.items():
            outbox_repo.enqueue(
                session, kind, payload, now=datetime.now(UTC) - timedelta(minutes=1)
            )
    mark = len(world.fake.calls)
    run(world, "approval-reminders")
    shown = {
        channel: "\n".join(line for message in messages for line in message)
        for channel, messages in sent(world.fake, mark).items()
    }
    assert "HD-OLD-1" in shown[ds.SALES]
    assert "YC-OLD" in shown[ds.APPROVALS] and "Sở Hàng Đợi Cũ" in shown[ds.APPROVALS]
    assert "LT260612OLDQUE" in shown["D" + ds.LAN]
    with world.db.session() as session:
        statuses = session.scalars(
            select(OutboxMessage.status).where(OutboxMessage.kind.in_(old_rows))
        ).all()
    assert statuses and set(statuses) == {"sent"}
