"""Customer lookup through `python -m bot serve`, over signed HTTP, against the fake Slack."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from bot.clock import Clock
from bot.config import load_settings
from bot.importer import import_file
from slack_emulator import FakeSlack
from slack_emulator.people import SignedSlack
from storage.db import Database
from tests.conftest import bot_env
from tests.e2e.slack_helpers import buttons, text_of
from tests.factories import row, tax_code, write_csv
from tests.rig.bot_process import SIGNING_SECRET, BotProcess

TODAY = Clock(load_settings(_env_file=None).tz).today()
MISA = "0101243150"
PUBLIC = tax_code(42)


@pytest.fixture(scope="module")
def bot(
    module_database_url: str,
    fake_slack: FakeSlack,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[BotProcess]:
    home = tmp_path_factory.mktemp("home")
    rows = [
        row(MISA, "Công ty Cổ phần MISA", "HD-KT-01", TODAY - timedelta(days=12), owner="U0OWNER"),
        row(MISA, "Công ty Cổ phần MISA", "HD-KT-02", TODAY + timedelta(days=90), owner="U0OWNER"),
        row(tax_code(7), "Công ty TNHH <b>Sữa</b> & Bánh", "HD-SB-01", TODAY - timedelta(days=40)),
        row(tax_code(9), "Công ty TNHH Helm Việt Nam", "HD-HELM-01", TODAY + timedelta(days=100)),
        row(
            PUBLIC,
            "Sở Tài chính tỉnh Bắc Ninh",
            "HD-IG-01",
            TODAY + timedelta(days=200),
            product="IGOV",
            segment="public",
            budget_code="1054321",
        ),
    ]
    database = Database(module_database_url)
    assert import_file(database, write_csv(home / "customers.csv", rows)).rejected == 0
    database.dispose()
    process = BotProcess(bot_env(module_database_url, fake_slack, home), home / "bot.log")
    process.start()
    yield process
    process.stop()


@pytest.mark.parametrize("query", ["0101243150", "lookup 0101 243 150", "lookup 0101.243.150"])
def test_tax_code_answers_with_the_customer(slack: SignedSlack, query: str) -> None:
    ack = slack.check_ack(slack.command(query))
    assert ack["response_type"] == "ephemeral"
    text = text_of(ack)
    assert "*Công ty Cổ phần MISA*" in text
    assert f"MST `{MISA}`" in text and "Doanh nghiệp" in text and "<@U0OWNER>" in text
    expired_on = (TODAY - timedelta(days=12)).strftime("%d/%m/%Y")
    deleted_on = (TODAY + timedelta(days=19)).strftime("%d/%m/%Y")
    assert (
        f"HĐ `HD-KT-01` · :large_orange_circle: *Đã hết hạn 12 ngày* (ngày hết hạn {expired_on}); "
        f"còn 19 ngày, xóa dữ liệu ngày {deleted_on}"
    ) in text
    assert "1 khách hàng, xếp theo mức độ phù hợp." in text
    assert "còn 90 ngày" in text
    (storage,) = buttons(ack)
    assert storage["action_id"] == "storage_order.start"
    assert "HD-KT-01" in storage["text"]["text"]


def test_name_is_found_without_accents(slack: SignedSlack) -> None:
    ack = slack.check_ack(slack.command("cong ty co phan misa"))
    assert "*Công ty Cổ phần MISA*" in text_of(ack)
    reordered = slack.check_ack(slack.command("MISA cổ phần"))
    assert "*Công ty Cổ phần MISA*" in text_of(reordered)


def test_a_query_with_the_word_payload_is_answered(slack: SignedSlack) -> None:
    """bolt's own body parsing looked for "payload" anywhere in the raw form and dispatched
    such a command as an empty body (no answer); the route parses it once, by field."""
    ack = slack.check_ack(slack.command("misa payload"))
    assert ack["response_type"] == "ephemeral"
    assert "payload" in text_of(ack)


def test_public_sector_customer_shows_budget_code_and_igov_action(slack: SignedSlack) -> None:
    ack = slack.check_ack(slack.command("so tai chinh bac ninh"))
    text = text_of(ack)
    assert "Mã ngân sách `1054321`" in text and "HCSN" in text
    assert [b["action_id"] for b in buttons(ack)] == ["igov_order.start"]


def test_deleted_account_has_no_storage_button_and_names_are_escaped(slack: SignedSlack) -> None:
    ack = slack.check_ack(slack.command("sua banh"))
    text = text_of(ack)
    assert "&lt;b&gt;Sữa&lt;/b&gt; &amp; Bánh" in text
    assert "*Đã xóa dữ liệu* ngày" in text
    assert buttons(ack) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", "Bạn muốn tra cứu khách hàng nào?"),
        ("0101243151", "chữ số kiểm tra (thứ 10) phải là 0"),
        ("12345", "có 5 chữ số"),
        (tax_code(999), "Không có khách hàng nào có mã số thuế"),
        ("khong ton tai cong ty nay", "Không tìm thấy khách hàng nào"),
        ("<!channel> ***", "Không tìm thấy khách hàng nào có tên chứa `&lt;!channel&gt; ***`"),
    ],
)
def test_unhelpful_queries_get_guidance(slack: SignedSlack, query: str, expected: str) -> None:
    response = slack.command(query)
    assert response.status_code == 200
    assert expected in text_of(slack.check_ack(response))


def test_help_explains_the_subcommands(slack: SignedSlack) -> None:
    text = text_of(slack.check_ack(slack.command("help")))
    # Written as Slack shows "<MST | tên công ty>": escaped, or Slack would read a link.
    assert "/misa lookup &lt;MST | tên công ty&gt;" in text and "/misa help" in text
    assert "<MST" not in text


def test_english_locale_gets_english(slack: SignedSlack, fake_slack: FakeSlack) -> None:
    fake_slack.set_user("U_ENGLISH", locale="en-US")
    ack = slack.check_ack(slack.command(MISA, user_id="U_ENGLISH"))
    assert "*Expired 12 days ago* (expiry date" in text_of(ack)
    assert "19 days left, data deleted on" in text_of(ack)
    assert buttons(ack)[0]["text"]["text"].startswith("Buy data storage package")


def test_unsigned_stale_and_forged_requests_are_refused(slack: SignedSlack) -> None:
    assert slack.command(MISA, unsigned=True).status_code == 401
    assert slack.command(MISA, bad_signature=True).status_code == 401
    six_minutes_ago = int(time.time()) - 6 * 60
    assert slack.command(MISA, timestamp=six_minutes_ago).status_code == 401
    assert slack.command(MISA).status_code == 200


def test_home_tab_is_published(slack: SignedSlack, fake_slack: FakeSlack) -> None:
    mark = fake_slack.mark()
    assert slack.app_home_opened("U_HOME").status_code == 200
    call = fake_slack.wait_for("views.publish", after=mark)
    assert call.ok, call.response
    home = fake_slack.home_view("U_HOME")
    assert home is not None and "/misa help" in str(home["blocks"])


def test_health(bot: BotProcess) -> None:
    response = httpx.get(f"{bot.base_url}/healthz")
    assert response.status_code == 200 and response.json()["database"] is True


def test_every_web_api_call_was_accepted(slack: SignedSlack, fake_slack: FakeSlack) -> None:
    slack.check_ack(slack.command(MISA))
    assert [c for c in fake_slack.calls if not c.ok] == []
    assert fake_slack.calls_to("files.upload") == []


def test_logs_do_not_contain_secrets(bot: BotProcess) -> None:
    logs = bot.logs()
    assert SIGNING_SECRET not in logs and "xoxb-test" not in logs
    assert "Traceback" not in logs, logs[-3000:]


def test_a_mistyped_subcommand_gets_did_you_mean_alongside_the_search(
    slack: SignedSlack, fake_slack: FakeSlack
) -> None:
    text = text_of(slack.check_ack(slack.command("hepl")))
    assert ":bulb: Có phải bạn muốn gõ `/misa help`?" in text
    assert "Không tìm thấy khách hàng nào có tên chứa `hepl`" in text
    order = text_of(slack.check_ack(slack.command("oder LT261122ABC123")))
    assert "Có phải bạn muốn gõ `/misa order LT261122ABC123`?" in order
    pending = text_of(slack.check_ack(slack.command("pendng")))
    assert "Có phải bạn muốn gõ `/misa pending`?" in pending
    fake_slack.set_user("U_ENGLISH", locale="en-US")
    english = text_of(slack.check_ack(slack.command("licence YC2611220001", user_id="U_ENGLISH")))
    assert ":bulb: Did you mean `/misa license YC2611220001`?" in english


@pytest.mark.parametrize("query", ["misa", "cong ty misa", "helm", MISA])
def test_company_words_get_no_suggestion(slack: SignedSlack, query: str) -> None:
    ack = slack.check_ack(slack.command(query))
    assert "Có phải bạn muốn gõ" not in text_of(ack)
    assert "Công ty" in text_of(ack)  # the customer was found


def test_the_lookup_shortcut_finds_a_customer_and_acts_on_it(
    slack: SignedSlack, fake_slack: FakeSlack
) -> None:
    mark = fake_slack.mark()
    assert slack.shortcut("lookup").status_code == 200
    opened = fake_slack.wait_for("views.open", after=mark)
    assert opened.ok, opened.response
    view = fake_slack.view(opened.response["view"]["id"])
    assert view["callback_id"] == "lookup" and view["blocks"][0]["block_id"] == "customer"
    assert view["title"]["text"] == "Tra cứu khách hàng"
    # The same search as the command: by name without accents, or by tax code.
    options = slack.check_ack(slack.block_suggestion("lookup.customer", "cong ty misa", view=view))
    names = [o["text"]["text"] for o in options["options"]]
    assert names and names[0] == f"Công ty Cổ phần MISA · {MISA}"
    by_tax = slack.check_ack(slack.block_suggestion("lookup.customer", "0101 243 150", view=view))
    assert [o["value"] for o in by_tax["options"]] == [o["value"] for o in options["options"]][:1]
    assert slack.check_ack(slack.block_suggestion("lookup.customer", "0101243151", view=view)) == {
        "options": []
    }

    mark = fake_slack.mark()
    slack.select(view, "lookup.customer", options["options"][0]["value"])
    updated = fake_slack.wait_for("views.update", after=mark)
    assert updated.ok, updated.response
    view = fake_slack.view(view["id"])
    card = text_of(view)
    assert "*Công ty Cổ phần MISA*" in card and "HD-KT-01" in card and "<@U0OWNER>" in card
    # Its buttons work in the modal: the storage order form opens over it.
    mark = fake_slack.mark()
    slack.click(view, "storage_order.start")
    pushed = fake_slack.wait_for("views.push", after=mark)
    assert pushed.ok, pushed.response
    assert fake_slack.view(pushed.response["view"]["id"])["callback_id"] == "storage_order"
