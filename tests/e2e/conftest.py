"""Fixtures the end-to-end modules share. Each module starts its own `bot` (module-scoped; its
data and environment differ): `slack` speaks to that bot as Slack does, `db` reads its database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from slack_emulator import FakeSlack
from slack_emulator.people import SignedSlack
from storage.db import Database
from tests.rig.bot_process import SIGNING_SECRET, BotProcess


@pytest.fixture(scope="module")
def slack(bot: BotProcess, fake_slack: FakeSlack) -> Iterator[SignedSlack]:
    client = SignedSlack(bot.events_url, SIGNING_SECRET, fake_slack)
    yield client
    client.close()


@pytest.fixture(scope="module")
def db(module_database_url: str, bot: BotProcess) -> Iterator[Database]:
    database = Database(module_database_url)
    yield database
    database.dispose()
