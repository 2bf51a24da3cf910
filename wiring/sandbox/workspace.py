"""The demo workspace: its people, its channels, and the settings the sandbox runs with.

The sandbox never uses the configured Slack tokens, signing secret or channels: it has its
own, made up at each start, so its page (which signs requests for whoever uses it) opens no
way into a real workspace.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import Settings, load_settings
from slack_emulator import FakeSlack


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    role: str  # shown beside the name on the page
    email: str

    @property
    def label(self) -> str:
        return f"{self.name} · {self.role}"


@dataclass(frozen=True)
class Channel:
    channel_id: str
    name: str


SUPPORT_1 = Person("U0SUPPORT1", "Nguyễn Thị Lan", "Hỗ trợ khách hàng", "lan.nt@misa.test")
SUPPORT_2 = Person("U0SUPPORT2", "Trần Minh Quân", "Hỗ trợ khách hàng", "quan.tm@misa.test")
APPROVER_1 = Person("U0APPROVER1", "Lê Văn Hùng", "Người duyệt", "hung.lv@misa.test")
APPROVER_2 = Person("U0APPROVER2", "Phạm Thu Hà", "Người duyệt", "ha.pt@misa.test")
FINANCE = Person("U0FINANCE", "Hoàng Ngọc Mai", "Kế toán", "mai.hn@misa.test")
OWNER = Person("U0OWNER", "Đỗ Đức Long", "Phụ trách khách hàng", "long.dd@misa.test")
PEOPLE = (SUPPORT_1, SUPPORT_2, APPROVER_1, APPROVER_2, FINANCE, OWNER)

SUPPORT = Channel("CSUPPORT", "support")
APPROVALS = Channel("CAPPROVALS", "approvals")
SALES = Channel("CSALES", "sales")
CHANNELS = (SUPPORT, APPROVALS, SALES)

# The bank account the demo's QR codes pay into (BIDV's BIN; a made-up account).
BANK_BIN = "970418"
BANK_ACCOUNT_NO = "12010000868686"
BANK_ACCOUNT_NAME = "CONG TY CO PHAN MISA"


@dataclass(frozen=True)
class Secrets:
    """Made up at each start; never the configured ones."""

    bot_token: str
    signing_secret: str
    webhook_secret: str

    @classmethod
    def new(cls) -> Secrets:
        return cls(
            bot_token="xoxb-sandbox-" + secrets.token_hex(12),
            signing_secret=secrets.token_hex(32),
            webhook_secret=secrets.token_hex(24),
        )


def default_database_url(data_dir: Path) -> str:
    """The sandbox's own SQLite file, beside (never instead of) the production one."""
    folder = data_dir / "sandbox"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'sandbox.sqlite3'}"


def sandbox_settings(
    keys: Secrets,
    *,
    api_url: str,
    public_url: str,
    smtp_url: str,
    database_url: str | None,
    webhook_endpoints: list[dict[str, Any]] | None = None,
) -> Settings:
    """The configured settings with everything Slack, bank and mail replaced by the sandbox's."""
    base = load_settings()
    overrides: dict[str, Any] = {
        "slack_bot_token": keys.bot_token,
        "slack_signing_secret": keys.signing_secret,
        "slack_app_token": None,
        "slack_api_url": api_url,
        "slack_command": "/misa",
        # --database, else DATABASE_URL as configured, else the sandbox's own SQLite file.
        "database_url": database_url
        or base.database_url
        or default_database_url(base.bot_data_dir),
        "public_base_url": public_url,
        "approval_channel": APPROVALS.channel_id,
        "support_channel": SUPPORT.channel_id,
        "sales_channel": SALES.channel_id,
        "staff_user_ids": [],
        "staff_usergroup": None,
        "approver_user_ids": [APPROVER_1.user_id, APPROVER_2.user_id],
        "approver_usergroup": None,
        "finance_user_ids": [FINANCE.user_id],
        "finance_usergroup": None,
        "bank_bin": BANK_BIN,
        "bank_account_no": BANK_ACCOUNT_NO,
        "bank_account_name": BANK_ACCOUNT_NAME,
        "payment_webhook_secret": keys.webhook_secret,
        "smtp_url": smtp_url,
        # Outbound events go to the sandbox's own receiver, never to configured endpoints.
        "webhook_endpoints": webhook_endpoints or [],
    }
    return load_settings(**overrides)  # what is given here wins over the environment and .env


def emulator(keys: Secrets) -> FakeSlack:
    """The Slack emulator with the demo people in it (started)."""
    fake = FakeSlack(
        bot_token=keys.bot_token,
        team_domain="misa-sandbox",
        team_name="MISA Store (sandbox)",
        strict_users=True,
    )
    for person in PEOPLE:
        fake.set_user(
            person.user_id,
            name=person.email.split("@")[0],
            real_name=person.name,
            email=person.email,
        )
    return fake.start()
