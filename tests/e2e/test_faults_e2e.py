"""Slack and SMTP faults, injected on every Web API call the flows make, against `python -m bot
serve`: 429 with Retry-After, 500, 503, timeouts (a reply slower than SLACK_TIMEOUT_SECONDS)
and connection resets, once (a blip) or until the retries give up (an outage).

For each: the handler does not crash (no traceback in the bot's log), the person sees where
things stand (the form opens, or they are told to try again), and once Slack answers again every
side effect has arrived exactly once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.igov_orders import customer_by_tax_code
from bot.importer import import_file
from bot.services import Services
from handlers.metadata import CustomerRef
from handlers.metadata import IgovOrderRef as OrderRef
from slack_emulator import FakeSlack
from slack_emulator.people import SignedSlack
from storage.db import Database
from storage.models import LicenceRequest, OutboxMessage
from tests.conftest import bot_env
from tests.e2e.igov_steps import (
    APPROVALS,
    BOSS,
    BOSS2,
    LEAD,
    TODAY,
    new_view,
    open_request_form,
    pending_request,
    saved_order,
    texts,
    upload,
    use_cases,
)
from tests.e2e.slack_helpers import buttons, text_of
from tests.e2e.test_storage_order_e2e import (
    BANK,
    FINANCE,
    WEBHOOK_KEY,
    order_number,
    transfer,
    webhook,
)
from tests.factories import row, tax_code, write_csv
from tests.igov_data import PDF, PNG, PUBLIC, PUBLIC_2, igov_rows
from tests.rig.bot_process import BotProcess
from tests.rig.smtp import SmtpSink
from tests.waiting import wait_until

# Web API calls give up after this long; a "timeout" fault answers later than that.
TIMEOUT = 1.5
SLOW = TIMEOUT + 0.4
# For calls that use a trigger_id: also past its 3 s life, counted from the click.
PAST_TRIGGER = 3.3
KINDS: dict[str, dict[str, Any]] = {
    "429": {"status": 429, "retry_after": 0},
    "500": {"status": 500},
    "503": {"status": 503},
    "reset": {"drop_connection": True},
    "timeout": {"delay": SLOW},
    "timeout past the trigger": {"delay": PAST_TRIGGER},
}
SUPPORT = "C_SUPPORT"
# What the bot logs when it gives up telling a person, or pushing the module form.
NOT_TOLD = "could not tell the person"
NOT_PUSHED = "module form not pushed"
UNEXPECTED = ("Có lỗi ngoài dự kiến", "Something unexpected went wrong")


@pytest.fixture(scope="module")
def bot(
    module_database_url: str,
    fake_slack: FakeSlack,
    smtp: SmtpSink,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[BotProcess]:
    home = tmp_path_factory.mktemp("home")
    expired = TODAY - timedelta(days=9)
    rows = igov_rows(TODAY) + [
        row(tax_code(900 + i), f"Công ty Sự Cố {i}", f"HD-SC-{i}", expired) for i in range(40)
    ]
    database = Database(module_database_url)
    assert import_file(database, write_csv(home / "customers.csv", rows)).rejected == 0
    database.dispose()
    fake_slack.set_usergroup("S_APPROVERS", [BOSS2, LEAD])
    env = bot_env(
        module_database_url,
        fake_slack,
        home,
        APPROVAL_CHANNEL=APPROVALS,
        APPROVER_USER_IDS=BOSS,
        APPROVER_USERGROUP="S_APPROVERS",
        LICENCE_DOCUMENT_MAX_MB="1",
        SMTP_URL=smtp.url,
        PAYMENT_WEBHOOK_SECRET=WEBHOOK_KEY,
        FINANCE_USER_IDS=FINANCE,
        SUPPORT_CHANNEL=SUPPORT,
        SLACK_TIMEOUT_SECONDS=str(TIMEOUT),
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


_accounts = iter(range(40))  # expired accounts, one per order (both databases have them all)
_keys = iter(range(10**6))


@pytest.fixture
def sqlite_only(module_database_url: str) -> None:
    """Cases whose outcome the database can't change (what the person sees while Slack falters)
    run once, on SQLite, to keep the suite quick. The rounds, where the outbox retries every
    step of an order's delivery, and the slow posts run on both databases; the mail outage and
    decisions also run on PostgreSQL in test_storage_order_e2e.py and test_igov_e2e.py."""
    if not module_database_url.startswith("sqlite"):
        pytest.skip("the database does not change this case: run on SQLite")


@pytest.fixture(autouse=True)
def faults_met(fake_slack: FakeSlack) -> Iterator[None]:
    """Every fault a test injects is met by the call it was meant for, never by the next test."""
    yield
    with contextlib.suppress(AssertionError):
        wait_until(lambda: not fake_slack.pending_faults(), 5, "every fault met")
    assert fake_slack.pending_faults(clear=True) == {}, "faults no call met"


def gave_up(bot: BotProcess, line: str, before: int) -> None:
    """The bot logged `line` once more than `before` times: it stopped trying."""
    wait_until(lambda: bot.logs().count(line) > before, 20, f"the bot logs {line!r}")


def quiet(db: Database) -> None:
    """Everything queued so far was delivered (faults of one case don't leak into the next)."""

    def delivered() -> bool:
        with db.session() as session:
            waiting = select(func.count()).where(OutboxMessage.status == "pending")
            return not session.scalar(waiting)

    wait_until(delivered, 30, "the outbox drained")
    with db.session() as session:
        given_up = session.scalars(select(OutboxMessage).where(OutboxMessage.status == "dead"))
        assert [(m.kind, m.last_error) for m in given_up] == []


def inject(fake: FakeSlack, method: str, kind: str, times: int = 1) -> None:
    fake.fail_next(method, times=times, **KINDS[kind])


def posts_with(fake: FakeSlack, text: str, after: int = 0) -> list[Any]:
    return [
        c
        for c in fake.calls[after:]
        if c.method == "chat.postMessage" and c.ok and text in str(c.params)
    ]


# -- the storage order flow, with one fault on every call it makes --------------------------------

STORAGE_CALLS = (
    "users.info",
    "views.open",
    "views.update",
    "chat.postMessage",
    "files.getUploadURLExternal",
    "upload",
    "files.completeUploadExternal",
    "chat.update",
    "conversations.open",
)
BLIPS = ("429", "500", "503", "reset")
# Each round one step of the order's delivery is down: four failures in a row (each kind once)
# outlast the client's own retries (1 + 3), so the outbox must try again later.
DOWN_BY_ROUND = (
    ("chat.postMessage",),
    ("files.getUploadURLExternal", "conversations.open"),
    ("files.completeUploadExternal",),
    ("chat.update",),
)
DOWN = len(BLIPS)
# The upload URL is not retried by the client: any fault there costs the outbox a retry (and the
# retries of one delivery back off 2 s, 4 s, 8 s…). So it meets its 429 in round 3, where the
# rest of the delivery is up, and its other kinds in the other orders this module places.
UPLOAD_ROUND = 3
UPLOAD_ELSEWHERE = {"500": "views.update down", "503": "views.update slow", "reset": "slow"}


def round_faults(k: int) -> dict[str, list[str]]:
    """Round k: call i gets the blip (i + k) mod 4 (after 4 rounds every call had every kind),
    or, when it is down this round, all four kinds in a row."""
    faults = {}
    for i, call in enumerate(STORAGE_CALLS):
        if call == "upload" and k != UPLOAD_ROUND:
            continue
        if call in DOWN_BY_ROUND[k]:
            faults[call] = [BLIPS[(i + k + j) % len(BLIPS)] for j in range(DOWN)]
        else:
            faults[call] = [BLIPS[(i + k) % len(BLIPS)]]
    return faults


def told(fake: FakeSlack, user: str, posts: int, timeout: float = 10) -> str:
    """The private note the person got (through response_url) after `posts`."""
    post = fake.wait_for_response(lambda p: p.user_id == user, after=posts, timeout=timeout)
    assert post.ok and post.body.get("response_type") == "ephemeral", post
    text = text_of(post.body)
    assert not any(marker in text for marker in UNEXPECTED), text
    return text


def storage_order(
    slack: SignedSlack, fake: FakeSlack, user: str, *, quantity: str = "2"
) -> tuple[str, dict[str, Any]]:
    """Look up a fresh expired account, open the form, change the quantity, place the order.

    Returns the order number and the order message as it was posted.
    """
    i = next(_accounts)
    ack = slack.check_ack(slack.command(f"su co {i}", user_id=user, channel_id=SUPPORT))
    (button,) = [b for b in buttons(ack) if f"HD-SC-{i}" in b["text"]["text"]]
    mark = fake.mark()
    slack.block_action(
        "storage_order.start", button["value"], message=ack, channel_id=SUPPORT, user_id=user
    )
    view = fake.view(fake.wait_for("views.open", lambda c: c.ok, after=mark).response["view"]["id"])
    mark = fake.mark()
    slack.block_action("storage_order.quantity", quantity, view=view, user_id=user)
    fake.wait_for("views.update", lambda c: c.ok, after=mark)
    mark = fake.mark()
    values = {"invoice_email": f"ketoan{i}@example.vn", "quantity": quantity}
    assert slack.check_ack(slack.view_submission(view, values, user_id=user)) is None
    # A post that is down waits for the outbox's backoff (2 s, 4 s, 8 s…): allow for it.
    call = fake.wait_for(
        "chat.postMessage",
        lambda c: c.ok and "Đơn hàng LT" in str(c.params),
        after=mark,
        timeout=40,
    )
    message = fake.message(call.response["channel"], call.response["ts"])
    assert message is not None
    return order_number(message), message


def assert_delivered_once(
    fake: FakeSlack,
    smtp: SmtpSink,
    db: Database,
    order_no: str,
    message: dict[str, Any],
    after: int,
    *,
    email_line: str = "Đã gửi email",
) -> None:
    """Once the outbox has nothing left to do: the order message, its QR and the email were
    each delivered exactly once, and the message says where the email stands."""
    smtp.wait_for(lambda m: order_no in m["Subject"], timeout=30)
    quiet(db)
    channel = fake.channel_of(message["ts"])
    order_posts = [
        c for c in posts_with(fake, order_no, after) if c.params.get("channel") == channel
    ]
    assert len(order_posts) == 1
    assert len(qr_files(fake, order_no)) == 1
    assert len([m for m in smtp.messages if order_no in m["Subject"]]) == 1
    assert email_line in text_of(fake.message(channel, message["ts"]))


def qr_files(fake: FakeSlack, order_no: str) -> list[Any]:
    return [f for f in fake.uploaded_files() if order_no in f.title]


def test_approvers_slack_cannot_list_are_refused_until_it_can(
    slack: SignedSlack,
    fake_slack: FakeSlack,
    services: Services,
    db: Database,
    sqlite_only: None,
) -> None:
    """(First in the module: the bot remembers a group's members for a minute once Slack has
    listed them, and the other cases would have it listed.)

    An approver known only through the user group: while Slack can't list its members the
    click is refused and the request stays pending (fail closed, not remembered); once Slack
    answers (after a 429) the approval goes through, and its messages arrive once despite
    faults on the documents' upload, the message update and the requester's DM."""
    fake = fake_slack
    quiet(db)
    mark = fake.mark()
    fake.fail_next("files.completeUploadExternal", status=503, times=DOWN)
    # Slack can't list the group from before the request exists: the requester's Home tab,
    # republished with it, asks too and must not leave the members remembered.
    fake.fail_next("usergroups.users.list", status=500, times=1000)
    request = pending_request(services, PUBLIC, f"faults-approvers:{next(_keys)}")
    message = fake.wait_for(
        "chat.postMessage",
        lambda c: c.ok and c.params.get("channel") == APPROVALS and request.code in str(c.params),
        after=mark,
    )
    approval = fake.message(APPROVALS, message.response["ts"])
    quiet(db)
    for fault in ({"status": 500, "times": DOWN}, {"delay": SLOW}):
        fake.pending_faults(clear=True)
        fake.fail_next("usergroups.users.list", **fault)
        posts = len(fake.responses)
        slack.click(approval, "license.approve", user_id=BOSS2)
        assert "không có quyền duyệt" in told(fake, BOSS2, posts)
        with db.session() as session:
            assert session.get(LicenceRequest, request.id).status == "pending"
    inject(fake, "usergroups.users.list", "429")
    inject(fake, "chat.update", "reset")
    inject(fake, "conversations.open", "503")
    slack.click(approval, "license.approve", user_id=BOSS2)
    wait_until(lambda: "Đã duyệt" in texts(fake.message(APPROVALS, approval["ts"])), 20, "approved")
    quiet(db)
    with db.session() as session:
        decided = session.get(LicenceRequest, request.id)
        assert (decided.status, decided.decided_by) == ("approved", BOSS2)
    in_thread = [f for f in fake.uploaded_files() if f.thread_ts == approval["ts"]]
    assert len(in_thread) == 2
    notices = [
        c
        for c in fake.calls[mark:]
        if c.method == "chat.postMessage" and c.ok and c.params.get("channel") == f"D{LEAD}"
    ]
    assert len(notices) == 1


@pytest.mark.parametrize("k", range(len(BLIPS)), ids=[f"round{k}" for k in range(len(BLIPS))])
def test_a_storage_order_survives_faults_on_every_call(
    slack: SignedSlack, fake_slack: FakeSlack, smtp: SmtpSink, bot: BotProcess, db: Database, k: int
) -> None:
    quiet(db)
    fake = fake_slack
    user = f"U0ROUND{k}"  # new to the bot: its language is asked of Slack (users.info)
    for call, kinds in round_faults(k).items():
        for kind in kinds:
            inject(fake, call, kind)
    mark = fake.mark()
    order_no, message = storage_order(slack, fake, user)
    # Finance hears about an underpaid transfer once (a DM: conversations.open, then a post).
    outcome = webhook(bot, transfer(order_no, 1_000, f"round-{order_no}")).json()["outcome"]
    assert outcome == "underpaid"
    assert_delivered_once(fake, smtp, db, order_no, message, mark)
    assert len(finance_notices(fake, order_no, mark)) == 1


def finance_notices(fake: FakeSlack, order_no: str, after: int) -> list[Any]:
    return [
        c for c in posts_with(fake, order_no, after) if c.params.get("channel") == f"D{FINANCE}"
    ]


def test_retry_after_is_honoured(
    bot: BotProcess, fake_slack: FakeSlack, db: Database, sqlite_only: None
) -> None:
    """A 429 asks to wait: the post is tried again no sooner than Retry-After says."""
    quiet(db)
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=2)
    mark = fake_slack.mark()
    content = "chuyen tien khong ro noi dung 4291"
    assert (
        webhook(bot, transfer("", 5_000, "retry-after", content)).json()["outcome"] == "unmatched"
    )
    posted = fake_slack.wait_for(
        "chat.postMessage", lambda c: c.ok and "4291" in str(c.params), after=mark, timeout=15
    )
    limited = [
        c for c in fake_slack.calls[mark:] if c.method == "chat.postMessage" and c.status == 429
    ]
    assert len(limited) == 1 and posted.at - limited[0].at >= 2
    assert len(posts_with(fake_slack, "4291", mark)) == 1


# -- slow replies: Slack answers after the client gave up -----------------------------------------


def test_slow_slack_on_the_interactive_calls(
    slack: SignedSlack,
    fake_slack: FakeSlack,
    smtp: SmtpSink,
    bot: BotProcess,
    db: Database,
    sqlite_only: None,
) -> None:
    """users.info, views.open and views.update too slow: the person still gets an answer in
    time (in Vietnamese when the language is unknown), is told the form did not open, and the
    order goes through; slow outbox calls that repeat harmlessly (update, DM, upload URL) too."""
    quiet(db)
    fake = fake_slack
    user = "U0SLOWEN"
    fake.set_user(user, locale="en-US")
    inject(fake, "users.info", "timeout")
    i = next(_accounts)
    ack = slack.check_ack(slack.command(f"su co {i}", user_id=user, channel_id=SUPPORT))
    assert "Mua gói lưu trữ dữ liệu" in texts(ack)  # in time, in Vietnamese: Slack was too slow
    (button,) = [b for b in buttons(ack) if f"HD-SC-{i}" in b["text"]["text"]]
    # views.open answers after the trigger expired: the person is told, nothing opened.
    inject(fake, "views.open", "timeout past the trigger")
    posts, mark = len(fake.responses), fake.mark()
    slack.block_action(
        "storage_order.start", button["value"], message=ack, channel_id=SUPPORT, user_id=user
    )
    assert "did not open" in told(fake, user, posts)  # English again: users.info answered now
    assert fake.current_view(user) is None
    # Clicking again opens it.
    mark = fake.mark()
    slack.block_action(
        "storage_order.start", button["value"], message=ack, channel_id=SUPPORT, user_id=user
    )
    view = fake.view(fake.wait_for("views.open", lambda c: c.ok, after=mark).response["view"]["id"])
    inject(fake, "views.update", "timeout")
    # Slow outbox calls whose retry repeats nothing: the same update, the same DM channel, a new
    # upload URL (the late one is never used).
    for call in ("chat.update", "conversations.open", "files.getUploadURLExternal"):
        inject(fake, call, "timeout")
    inject(fake, "upload", "reset")  # and the second attempt's upload is cut off once
    slack.block_action("storage_order.quantity", "3", view=view, user_id=user)
    mark = fake.mark()
    values = {"invoice_email": f"ketoan{i}@example.vn", "quantity": "3"}
    assert slack.check_ack(slack.view_submission(view, values, user_id=user)) is None
    call = fake.wait_for("chat.postMessage", lambda c: c.ok and "LT" in str(c.params), after=mark)
    message = fake.message(call.response["channel"], call.response["ts"])
    order_no = order_number(message)
    assert "3.000.000 đ" in text_of(message)  # the quantity typed, though the totals lagged
    outcome = webhook(bot, transfer(order_no, 1_000, f"slow-{order_no}")).json()["outcome"]
    assert outcome == "underpaid"
    assert_delivered_once(
        fake, smtp, db, order_no, message, mark, email_line="The order email went to"
    )
    assert len(finance_notices(fake, order_no, mark)) == 1


@pytest.mark.parametrize("call", ["chat.postMessage", "files.completeUploadExternal"])
def test_slow_slack_on_a_post_still_delivers_once(
    slack: SignedSlack, fake_slack: FakeSlack, smtp: SmtpSink, db: Database, call: str
) -> None:
    quiet(db)
    inject(fake_slack, call, "timeout")
    mark = fake_slack.mark()
    order_no, message = storage_order(slack, fake_slack, "U_STAFF")
    assert_delivered_once(fake_slack, smtp, db, order_no, message, mark)


def test_mail_server_down_then_back(
    slack: SignedSlack, fake_slack: FakeSlack, smtp: SmtpSink, db: Database, sqlite_only: None
) -> None:
    """The order message says the email will be retried; once SMTP is back it goes, once.
    Meanwhile the QR's upload is too slow once (a fresh upload URL on retry: no duplicate)."""
    quiet(db)
    inject(fake_slack, "upload", "timeout")
    smtp.stop()
    try:
        mark = fake_slack.mark()
        order_no, message = storage_order(slack, fake_slack, "U_STAFF")
        fake_slack.wait_for(
            "chat.update",
            lambda c: c.params.get("ts") == message["ts"] and "sẽ tự gửi lại" in str(c.params),
            after=mark,
            timeout=20,
        )
    finally:
        smtp.start()
    assert_delivered_once(fake_slack, smtp, db, order_no, message, mark)


# -- modals that Slack would not open or change ---------------------------------------------------


def test_a_modal_slack_will_not_open_is_explained(
    slack: SignedSlack, fake_slack: FakeSlack, services: Services, sqlite_only: None
) -> None:
    """views.open keeps failing: the storage and iGOV buttons, `/misa igov` and the licence
    request button all say to try again (the command within Slack's 3 s, or later through
    response_url); nothing opens."""
    fake = fake_slack
    user = "U0NOMODAL"
    fake.fail_next("views.open", status=503, times=DOWN)
    posts = len(fake.responses)
    i = next(_accounts)
    ack = slack.check_ack(slack.command(f"su co {i}", user_id=user, channel_id=SUPPORT))
    (button,) = [b for b in buttons(ack) if f"HD-SC-{i}" in b["text"]["text"]]
    slack.block_action(
        "storage_order.start", button["value"], message=ack, channel_id=SUPPORT, user_id=user
    )
    assert "chưa mở được biểu mẫu" in told(fake, user, posts)

    # Rate limited for longer than Slack waits for the command: acknowledged in time (empty),
    # then told through response_url.
    fake.fail_next("views.open", status=429, retry_after=1, times=DOWN)
    posts = len(fake.responses)
    response = slack.command(f"igov {PUBLIC}", user_id=user, channel_id="C_SALES")
    assert slack.check_ack(response) is None
    assert "chưa mở được biểu mẫu" in told(fake, user, posts)
    fake.fail_next("views.open", drop_connection=True, times=DOWN)
    posts = len(fake.responses)
    customer = CustomerRef(customer_id=customer_by_tax_code(services, PUBLIC).id).encode()
    slack.block_action("igov_order.start", customer, channel_id="C_SALES", user_id=user)
    assert "chưa mở được biểu mẫu" in told(fake, user, posts)
    fake.fail_next("views.open", status=429, retry_after=0, times=DOWN)
    posts = len(fake.responses)
    order = OrderRef(order_id=saved_order(services, PUBLIC, f"faults:{next(_keys)}").id).encode()
    slack.block_action("license_request.start", order, channel_id="C_SALES", user_id=user)
    assert "chưa mở được biểu mẫu" in told(fake, user, posts)
    assert fake.current_view(user) is None


@pytest.mark.parametrize("kind", ["503", "timeout"])
def test_totals_not_refreshed_still_order_what_was_typed(
    slack: SignedSlack,
    fake_slack: FakeSlack,
    smtp: SmtpSink,
    db: Database,
    kind: str,
    sqlite_only: None,
) -> None:
    """The −/+ can't refresh the totals (Slack down or slow): the order is placed with the
    quantity typed. Its QR meets the upload URL's 500 or 503 on the way (see UPLOAD_ELSEWHERE)."""
    quiet(db)
    # Down: every retry fails; slow: the one call times out (a timeout is not retried).
    injected = 1 if kind == "timeout" else DOWN
    fake_slack.fail_next("views.update", times=injected, **KINDS[kind])
    inject(fake_slack, "upload", "500" if kind == "503" else "503")
    mark = fake_slack.mark()
    user = f"U0TOTALS{kind}"
    i = next(_accounts)
    ack = slack.check_ack(slack.command(f"su co {i}", user_id=user, channel_id=SUPPORT))
    (button,) = [b for b in buttons(ack) if f"HD-SC-{i}" in b["text"]["text"]]
    slack.block_action(
        "storage_order.start", button["value"], message=ack, channel_id=SUPPORT, user_id=user
    )
    view = fake_slack.view(
        fake_slack.wait_for("views.open", lambda c: c.ok, after=mark).response["view"]["id"]
    )
    slack.block_action("storage_order.quantity", "4", view=view, user_id=user)
    values = {"invoice_email": "ketoan@example.vn", "quantity": "4"}
    wait_until(
        lambda: fake_slack.pending_faults().get("views.update", 0) < injected,
        10,
        "the bot tries to refresh the totals",
    )
    assert slack.check_ack(slack.view_submission(view, values, user_id=user)) is None
    call = fake_slack.wait_for(
        "chat.postMessage", lambda c: c.ok and "4.000.000 đ" in str(c.params), after=mark
    )
    message = fake_slack.message(call.response["channel"], call.response["ts"])
    assert message is not None
    assert_delivered_once(fake_slack, smtp, db, order_number(message), message, mark)


# -- a private note Slack would not take ----------------------------------------------------------


@pytest.mark.parametrize("kind", ["500", "429", "reset", "timeout", "down"])
def test_a_private_note_through_response_url(
    slack: SignedSlack,
    fake_slack: FakeSlack,
    db: Database,
    bot: BotProcess,
    kind: str,
    sqlite_only: None,
) -> None:
    """A refusal told through response_url: a blip is tried again; an outage is logged (the
    button can be clicked again), and the listener does not crash."""
    user = f"U0NOTE{kind}"
    if kind == "down":
        fake_slack.fail_next("response_url", status=500, times=3)
    else:
        inject(fake_slack, "response_url", kind)
    posts = len(fake_slack.responses)
    not_told = bot.logs().count(NOT_TOLD)
    # A button from a message that predates a change: answered with a private note.
    slack.block_action("storage_order.start", "not-ours", channel_id=SUPPORT, user_id=user)
    if kind == "down":
        gave_up(bot, NOT_TOLD, not_told)
        assert [p for p in fake_slack.responses[posts:] if p.user_id == user] == []
        slack.block_action("storage_order.start", "not-ours", channel_id=SUPPORT, user_id=user)
    assert "Nút này đã cũ" in told(fake_slack, user, posts)


# -- the licence request: a module's form, the documents, the approvers ---------------------------


def request_form(slack: SignedSlack, fake: FakeSlack, services: Services) -> dict[str, Any]:
    order = saved_order(services, PUBLIC_2, f"faults:{next(_keys)}", kt=1, vps=0)
    return open_request_form(slack, fake, order.id)


@pytest.fixture(scope="module")
def module_form_parent(
    slack: SignedSlack, fake_slack: FakeSlack, services: Services
) -> dict[str, Any]:
    return request_form(slack, fake_slack, services)


@pytest.mark.parametrize("kind", [*BLIPS, "timeout", "down"])
def test_a_module_form_when_slack_falters(
    slack: SignedSlack,
    fake_slack: FakeSlack,
    bot: BotProcess,
    module_form_parent: dict[str, Any],
    kind: str,
    sqlite_only: None,
) -> None:
    """The module form is pushed over the request form, and what is typed there is put back
    into it: a blip is retried; when Slack stays away the person can click or save again."""
    fake = fake_slack
    view = module_form_parent
    down = {"status": 500, "times": DOWN}
    push = KINDS["timeout past the trigger"] if kind == "timeout" else KINDS.get(kind, down)
    fake.fail_next("views.push", **push)
    mark = fake.mark()
    not_pushed = bot.logs().count(NOT_PUSHED)
    slack.click(view, "license_request.module_info", block_id="module_KT_NS", user_id=LEAD)
    if kind in ("timeout", "down"):  # not pushed; the button works again
        gave_up(bot, NOT_PUSHED, not_pushed)
        if kind == "timeout":  # and Slack, done with the late call, did not push it either
            fake.wait_for("views.push", after=mark, timeout=10)
        assert fake.current_view(LEAD)["id"] == view["id"]
        mark = fake.mark()
        slack.click(view, "license_request.module_info", block_id="module_KT_NS", user_id=LEAD)
    pushed = new_view(fake, mark, "views.push")
    fake.fail_next("views.update", **KINDS.get(kind, down))
    year = str(2026 + len(kind))  # another value each time, so the form must change
    ack = slack.check_ack(slack.view_submission(pushed, {"extra_fiscal_year": year}, user_id=LEAD))
    if kind in ("timeout", "down"):
        assert ["chưa được đưa vào biểu mẫu" in e for e in ack["errors"].values()] == [True]
        ack = slack.check_ack(slack.view_submission(pushed, {}, user_id=LEAD))
    assert ack is None
    wait_until(
        lambda: f"Năm ngân sách bắt đầu: {year}" in texts(fake.view(view["id"])["blocks"]),
        10,
        "the request form shows what was typed",
    )


def submit_documents(slack: SignedSlack, fake: FakeSlack, view: dict[str, Any]) -> Any:
    values = {
        "decision_file": [upload(fake, "quyet-dinh.pdf", PDF, "application/pdf")],
        "evidence_file": [upload(fake, "bang-chung.png", PNG, "image/png")],
    }
    return slack.check_ack(slack.view_submission(view, values, user_id=LEAD))


def requests_count(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(LicenceRequest)) or 0


@pytest.mark.parametrize("kind", [*BLIPS, "timeout", "down"])
def test_documents_slack_will_not_hand_over(
    slack: SignedSlack,
    fake_slack: FakeSlack,
    services: Services,
    db: Database,
    kind: str,
    sqlite_only: None,
) -> None:
    """files.info is retried like any call; a failed download is said next to its input and
    nothing is saved; sending the form again saves the request once."""
    fake = fake_slack
    view = request_form(slack, fake, services)
    before = requests_count(db)
    if kind == "down":
        fake.fail_next("files.info", status=503, times=2 * DOWN)
    else:
        inject(fake, "files.info", kind)
        inject(fake, "files.download", kind)
    ack = submit_documents(slack, fake, view)
    if kind in ("timeout", "down") or ack["response_action"] == "errors":
        errors = ack["errors"]
        assert set(errors) <= {"decision_file", "evidence_file"} and errors
        assert all("Không tải được tệp" in e for e in errors.values())
        assert requests_count(db) == before
        ack = submit_documents(slack, fake, view)
    assert ack["response_action"] == "update" and "YC" in texts(ack["view"])
    assert requests_count(db) == before + 1


def test_nothing_crashed_and_nothing_was_given_up(bot: BotProcess, db: Database) -> None:
    """Faults are logged as warnings; no listener or delivery died with a traceback."""
    quiet(db)
    logs = bot.logs()
    for sign in ("Traceback", "unexpected error", "failed for good", "didn't call ack()"):
        assert sign not in logs, logs[logs.find(sign) - 2000 : logs.find(sign) + 500]
