"""Typed settings, read once from the environment (and an optional `.env`), then passed down."""

from __future__ import annotations

import json
import os
import re
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.catalog import DEFAULT_STORAGE_PACKAGES, StoragePackage
from bot.igov_catalogue import CatalogueError, load_catalogue
from bot.subscriptions import GRACE_DAYS
from bot.webhook_endpoints import WebhookEndpoint

_SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
# Slack ids are upper-case letters and digits (an underscore is let through for test ids); a
# channel's name (`#approvals`) is not its id.
_SLACK_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9_]{2,}$")
_SLACK_USERGROUP_ID = re.compile(r"^S[A-Z0-9_]{2,}$")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DATABASE_URL_SHAPE = "sqlite:///path/to/file.sqlite3 or postgresql://user:password@host:5432/db"


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it in one line."""


def default_data_dir() -> Path:
    """Where the embedded SQLite database lives unless DATABASE_URL says otherwise."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "misa-store-bot"


def _split_ids(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


CommaList = Annotated[list[str], NoDecode]
DayList = Annotated[list[int], NoDecode]


class Settings(BaseSettings):
    """Every setting of the bot. Names are the environment variable names."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        case_sensitive=False,
    )

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_command: str = "/misa"
    # How long one Web API call may take before it is given up (the outbox then retries it).
    slack_timeout_seconds: float = Field(default=10, gt=0, le=120)

    database_url: str | None = None
    bot_data_dir: Path = Field(default_factory=default_data_dir)

    public_base_url: str | None = None
    approval_channel: str | None = None
    support_channel: str | None = None
    sales_channel: str | None = None
    # Roles (see bot/authz.py): Slack user ids and/or a Slack user group each. No staff
    # configured means everyone in the workspace is staff.
    staff_user_ids: CommaList = Field(default_factory=list)
    staff_usergroup: str | None = None
    approver_user_ids: CommaList = Field(default_factory=list)
    approver_usergroup: str | None = None
    finance_user_ids: CommaList = Field(default_factory=list)
    finance_usergroup: str | None = None

    bank_bin: str | None = None
    bank_account_no: str | None = None
    bank_account_name: str | None = None
    payment_webhook_secret: SecretStr | None = None

    smtp_url: str = "smtp://localhost:25"
    mail_from: str = "MISA Store <no-reply@misa.com.vn>"

    # The data storage packages on sale (JSON list; see bot/catalog.py for the fields).
    storage_packages: Annotated[list[StoragePackage], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_STORAGE_PACKAGES)
    )
    storage_payment_days: int = Field(default=7, ge=1, le=60)
    amis_login_url: str = "https://amisapp.misa.vn/"
    # MISA's customer support, shown on the order page and in customer emails.
    support_hotline: str = "1900 8677"
    support_email: str = "hotro@misa.com.vn"
    # iGOV: a JSON file replacing the built-in package catalogue; the size limit of each
    # document attached to a licence request.
    igov_catalogue: Path | None = None
    licence_document_max_mb: int = Field(default=10, ge=1, le=100)

    # How long a delivery claimed by a process stays its own: after a crash, others take it
    # over once this has passed.
    outbox_lease_seconds: int = Field(default=120, ge=2, le=3600)

    bot_timezone: str = "Asia/Ho_Chi_Minh"
    # Scheduled jobs (bot/scheduler.py): local times, offsets in days, thresholds.
    reminder_time: time = time(8, 0)
    deletion_sweep_time: time = time(0, 15)
    expiry_reminder_days: DayList = Field(default_factory=lambda: [30, 7, 1])
    deletion_warning_days: DayList = Field(default_factory=lambda: [7, 3, 1])
    deletion_sweep_lookback_days: int = Field(default=90, ge=1, le=3650)
    approval_reminder_hours: int = Field(default=24, ge=1)
    approval_check_minutes: int = Field(default=60, ge=1, le=1440)
    payment_reminder_days: int = Field(default=3, ge=1)
    scheduler_misfire_grace_seconds: int = Field(default=6 * 3600, ge=1)
    log_level: str = "INFO"
    # Operations: `text` or `json` (one object per line); GET /metrics; /readyz fails when a
    # delivery has waited longer than this.
    log_format: str = "text"
    metrics_enabled: bool = True
    ready_outbox_max_age_seconds: int = Field(default=900, ge=1)
    # Outbound events (bot/events.py): a JSON list of {"url", "secret", "events"}; how long
    # one delivery may take before it is retried.
    webhook_endpoints: Annotated[list[WebhookEndpoint], NoDecode] = Field(default_factory=list)
    webhook_timeout_seconds: float = Field(default=10, gt=0, le=60)
    # The weekly report (last week's figures and chart to SUPPORT_CHANNEL): on this weekday,
    # at REMINDER_TIME.
    weekly_report_day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"

    @field_validator("staff_user_ids", "approver_user_ids", "finance_user_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        return _split_ids(value)

    @field_validator("staff_user_ids", "approver_user_ids", "finance_user_ids")
    @classmethod
    def _slack_user_ids(cls, value: list[str]) -> list[str]:
        for user_id in value:
            if not _SLACK_USER_ID.match(user_id):
                raise ValueError(f"{user_id!r} is not a Slack user id (U… or W…)")
        return value

    @field_validator("slack_bot_token", "slack_app_token")
    @classmethod
    def _token(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        prefix = "xoxb-" if info.field_name == "slack_bot_token" else "xapp-"
        if value is not None and not value.get_secret_value().startswith(prefix):
            raise ValueError(f"must be a Slack token starting with {prefix}")
        return value

    @field_validator("approval_channel", "support_channel", "sales_channel")
    @classmethod
    def _channel_id(cls, value: str | None) -> str | None:
        if value is not None and not _SLACK_CHANNEL_ID.match(value):
            raise ValueError(
                "must be a channel id such as C0123ABCD or G0123ABCD (in Slack: the channel's "
                "details, at the bottom), not its name"
            )
        return value

    @field_validator("staff_usergroup", "approver_usergroup", "finance_usergroup")
    @classmethod
    def _usergroup_id(cls, value: str | None) -> str | None:
        if value is not None and not _SLACK_USERGROUP_ID.match(value):
            raise ValueError("must be a Slack user group id such as S0123ABCD, not its handle")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            backend = make_url(value).get_backend_name()
        except ArgumentError:
            raise ValueError(f"must look like {DATABASE_URL_SHAPE}") from None
        if backend not in ("sqlite", "postgresql"):
            raise ValueError(f"{backend} is not supported: use {DATABASE_URL_SHAPE}")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: str) -> str:
        from bot.mail import parse_smtp_url  # here: bot.mail imports what imports this module

        try:
            parse_smtp_url(value)
        except ValueError:
            raise ValueError(
                "must look like smtp://host:25, smtp://user:password@host:587?starttls=true "
                "or smtps://user:password@host:465"
            ) from None
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return value.upper()

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        if value.lower() not in ("text", "json"):
            raise ValueError("must be text or json")
        return value.lower()

    @field_validator("storage_packages", mode="before")
    @classmethod
    def _packages(cls, value: Any) -> Any:
        if isinstance(value, str):
            return json.loads(value)
        return value

    @field_validator("storage_packages")
    @classmethod
    def _some_package(cls, value: list[StoragePackage]) -> list[StoragePackage]:
        if not value:
            raise ValueError("at least one storage package is needed")
        if len({p.code for p in value}) != len(value):
            raise ValueError("package codes must be unique")
        return value

    @field_validator("webhook_endpoints", mode="before")
    @classmethod
    def _endpoints_json(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError as exc:
                raise ValueError(f"is not JSON ({exc.msg} at character {exc.pos})") from None
        shape = 'must be a JSON list of {"url": …, "secret": "whsec_…", "events": […]}'
        if not isinstance(value, list):
            raise ValueError(shape)
        for number, endpoint in enumerate(value, start=1):
            if not isinstance(endpoint, dict):
                raise ValueError(f"endpoint {number}: {shape}")
            missing = [key for key in ("url", "secret") if not endpoint.get(key)]
            unknown = sorted(set(endpoint) - {"url", "secret", "events"})
            if missing or unknown:
                what = f"{missing[0]} is missing" if missing else f"unknown key {unknown[0]!r}"
                raise ValueError(f"endpoint {number}: {what}")
        return value

    @field_validator("webhook_endpoints")
    @classmethod
    def _unique_endpoints(cls, value: list[WebhookEndpoint]) -> list[WebhookEndpoint]:
        if len({e.url for e in value}) != len(value):
            raise ValueError("each url may appear once")
        return value

    @field_validator("expiry_reminder_days", "deletion_warning_days", mode="before")
    @classmethod
    def _day_list(cls, value: Any) -> Any:
        return _split_ids(value)

    @field_validator("expiry_reminder_days", "deletion_warning_days")
    @classmethod
    def _offsets(cls, value: list[int], info: ValidationInfo) -> list[int]:
        # Deletion warnings count the grace days left, so they must fall inside the grace.
        top = GRACE_DAYS if info.field_name == "deletion_warning_days" else 3650
        if not value or any(not 1 <= day <= top for day in value):
            raise ValueError(f"must be comma-separated days between 1 and {top}")
        return sorted(set(value), reverse=True)

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("support_hotline")
    @classmethod
    def _hotline(cls, value: str) -> str:
        value = " ".join(value.split())
        if not re.fullmatch(r"\+?[0-9][0-9 .-]{2,18}[0-9]", value):
            raise ValueError("must be a phone number such as 1900 8677")
        return value

    @field_validator("support_email")
    @classmethod
    def _support_email(cls, value: str) -> str:
        value = value.strip()
        if not re.fullmatch(r"[^@\s<>\"]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+", value):
            raise ValueError("must be an email address such as hotro@misa.com.vn")
        return value

    @field_validator("public_base_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @field_validator("slack_command")
    @classmethod
    def _command(cls, value: str) -> str:
        if not re.fullmatch(r"/[a-z0-9_\-]{1,31}", value):
            raise ValueError("must look like /misa")
        return value

    @field_validator("bank_bin")
    @classmethod
    def _bank_bin(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\d{6}", value):
            raise ValueError("must be the 6-digit NAPAS bank BIN")
        return value

    @field_validator("bank_account_no")
    @classmethod
    def _account_no(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9]{1,19}", value):
            raise ValueError("must be 1 to 19 letters or digits")
        return value

    @field_validator("igov_catalogue")
    @classmethod
    def _igov_catalogue(cls, value: Path | None) -> Path | None:
        if value is not None:
            try:
                load_catalogue(value)
            except CatalogueError as exc:
                raise ValueError(str(exc.__cause__ or exc)) from None
        return value

    @field_validator("bot_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("is not an IANA time zone such as Asia/Ho_Chi_Minh") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.bot_timezone)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.bot_data_dir / 'misa-store-bot.sqlite3'}"

    def require(self, *names: str) -> None:
        """Stop with a one-line message naming the first of `names` that is not set."""
        for name in names:
            value = getattr(self, name)
            if value is None or value == "" or value == []:
                raise SettingsError(
                    f"Missing setting {name.upper()}: set it in the environment or .env"
                )

    # The CRM sync API (/api, handlers/crm_api.py): comma-separated bearer keys; none = off.
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)

    @field_validator("api_keys", mode="before")
    @classmethod
    def _api_keys(cls, value: Any) -> Any:
        return _split_ids(value)


def load_settings(**overrides: Any) -> Settings:
    """Read and validate the settings once; a bad value raises SettingsError naming it."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "settings"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"Invalid setting {name}: {message}") from None
