"""A company named `<script>alert(1)</script>` is harmless: on the order page (in a browser),
in the email, and in Slack's mrkdwn."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.importer import import_file
from handlers.order_page import COPY_SCRIPT
from slack_emulator import FakeSlack
from slack_emulator.people import SignedSlack
from storage.db import Database
from tests.conftest import bot_env
from tests.e2e.slack_helpers import buttons, text_of
from tests.e2e.storage_steps import BANK, open_form, order_message, order_number
from tests.factories import row, tax_code, write_csv
from tests.rig.bot_process import SIGNING_SECRET, BotProcess
from tests.rig.smtp import SmtpSink

EVIL = "<script>alert(1)</script> & <b>Co</b> <!channel> <@U0BOSS>"


def test_markup_in_names_is_shown_as_text(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    from tests.e2e.igov_steps import TODAY

    database = Database(database_url)
    tax = tax_code(77)
    rows = [
        row(
            tax,
            EVIL,
            "HD-XSS-01",
            TODAY - timedelta(days=4),
            address="<img src=x onerror=alert(2)>",
        )
    ]
    assert import_file(database, write_csv(tmp_path / "c.csv", rows)).rejected == 0
    database.dispose()
    with SmtpSink() as smtp:
        env = bot_env(database_url, fake_slack, tmp_path, SMTP_URL=smtp.url, **BANK)
        bot = BotProcess(env, tmp_path / "bot.log").start()
        try:
            slack = SignedSlack(bot.events_url, SIGNING_SECRET, fake_slack)
            lookup = slack.check_ack(slack.command(tax))
            shown = text_of(lookup)
            assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;Co&lt;/b&gt;" in shown
            assert "<!channel>" not in shown and "<@U0BOSS>" not in shown
            view = open_form(slack, fake_slack, tax, "HD-XSS-01")
            mark = fake_slack.mark()
            submitted = {"invoice_email": "kt@example.vn"}
            assert (
                slack.check_ack(slack.view_submission(view, submitted, user_id="U_STAFF")) is None
            )
            message = order_message(fake_slack, mark)
            assert "<script>" not in text_of(message) and "<!channel>" not in text_of(message)
            order_no = order_number(message)
            email = smtp.wait_for(lambda m: order_no in m["Subject"])
            html = email.get_body(preferencelist=("html",)).get_content()
            assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
            assert "<img src=x" not in html

            page = next(b["url"] for b in buttons(message) if b.get("url"))
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium",
                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
                )
                try:
                    tab = browser.new_page()
                    dialogs: list[str] = []
                    tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
                    tab.goto(page)
                    tab.wait_for_load_state("networkidle")
                    assert dialogs == []
                    assert "<script>alert(1)</script>" in tab.inner_text("body")
                    # The one script is the page's own (its copy buttons).
                    assert tab.locator("script").all_text_contents() == [COPY_SCRIPT]
                finally:
                    browser.close()
        finally:
            bot.stop()
