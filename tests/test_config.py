"""Settings: typed, validated once, and a bad or missing one is named in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings
from tests.rig.postgres import free_port


def test_defaults_and_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPROVER_USER_IDS", "U01AAA, U02BBB,,")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api")
    settings = load_settings(_env_file=None)
    assert settings.approver_user_ids == ["U01AAA", "U02BBB"]
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"
    assert settings.bot_timezone == "Asia/Ho_Chi_Minh"
    assert settings.effective_database_url.startswith("sqlite:///")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("BANK_BIN", "97041", "Invalid setting BANK_BIN"),
        ("BOT_TIMEZONE", "Mars/Olympus", "Invalid setting BOT_TIMEZONE"),
        ("APPROVER_USER_IDS", "U01AAA,alice", "Invalid setting APPROVER_USER_IDS"),
        ("PUBLIC_BASE_URL", "bot.example.com", "Invalid setting PUBLIC_BASE_URL"),
        ("SUPPORT_HOTLINE", "call us", "Invalid setting SUPPORT_HOTLINE"),
        ("SUPPORT_EMAIL", "hotro at misa", "Invalid setting SUPPORT_EMAIL"),
    ],
)
def test_malformed_settings_are_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=message):
        load_settings(_env_file=None)


def test_env_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SUPPORT_CHANNEL=C0SUPPORT\nBANK_BIN=\n")
    settings = load_settings()
    assert settings.support_channel == "C0SUPPORT"
    assert settings.bank_bin is None


def test_serve_without_token_stops_with_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--port", "9"],
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SLACK_SIGNING_SECRET": "x"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == ["Error: Missing setting SLACK_BOT_TOKEN: set it in the environment or .env"]


def test_bad_setting_stops_the_cli(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "BOT_TIMEZONE": "Nowhere"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Invalid setting BOT_TIMEZONE" in result.stderr


def test_http_mode_cannot_run_without_signature_checks(tmp_path: Path) -> None:
    """No setting turns verification off: without a signing secret, HTTP mode refuses to start."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--port", "9"],
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SLACK_BOT_TOKEN": "xoxb-x"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Missing setting SLACK_SIGNING_SECRET" in result.stderr


def test_every_setting_is_documented_and_the_example_loads() -> None:
    from bot.config import Settings

    names = [name.upper() for name in Settings.model_fields]
    readme = Path("README.md").read_text()
    example = Path(".env.example").read_text()
    assert [n for n in names if f"`{n}`" not in readme] == []
    assert [n for n in names if f"\n{n}=" not in "\n" + example] == []
    assert load_settings(_env_file=".env.example").storage_payment_days == 7


SERVE_ENV = {
    "SLACK_BOT_TOKEN": "xoxb-test",
    "SLACK_SIGNING_SECRET": "test-signing-secret",
    "PUBLIC_BASE_URL": "https://bot.example.vn",
}
UNREACHABLE_POSTGRES = f"postgresql://misa:pw-never-shown@127.0.0.1:{free_port()}/misa"


def run_cli(tmp_path: Path, args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **env}
    env.setdefault("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        (["serve"], {"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        (["serve"], {"DATABASE_URL": "garbage"}, "DATABASE_URL"),
        (["migrate"], {"DATABASE_URL": "mysql://misa:pw@127.0.0.1/misa"}, "DATABASE_URL"),
        (["serve"], {"DATABASE_URL": UNREACHABLE_POSTGRES}, "DATABASE_URL"),
        (["migrate"], {"DATABASE_URL": UNREACHABLE_POSTGRES}, "DATABASE_URL"),
        (["migrate", "--revision", "9999"], {}, "--revision"),
        (["serve"], {"SMTP_URL": "http://x"}, "SMTP_URL"),
        (["serve"], {"SLACK_BOT_TOKEN": "abc"}, "SLACK_BOT_TOKEN"),
        (["serve", "--socket"], {"SLACK_APP_TOKEN": "xoxb-not-an-app-token"}, "SLACK_APP_TOKEN"),
        (["serve"], {"APPROVAL_CHANNEL": "#approvals"}, "APPROVAL_CHANNEL"),
        (["serve"], {"SUPPORT_CHANNEL": "support"}, "SUPPORT_CHANNEL"),
        (["serve"], {"SALES_CHANNEL": "c0sales"}, "SALES_CHANNEL"),
        (["serve"], {"FINANCE_USER_IDS": "U0FINANCE,@minh"}, "FINANCE_USER_IDS"),
        (["serve"], {"STAFF_USERGROUP": "@staff"}, "STAFF_USERGROUP"),
        (["serve"], {"PUBLIC_BASE_URL": ""}, "PUBLIC_BASE_URL"),
        (["serve", "--socket"], {"SLACK_APP_TOKEN": "xapp-1", "PUBLIC_BASE_URL": ""}, "PUBLIC"),
        (["scheduler"], {"PUBLIC_BASE_URL": ""}, "PUBLIC_BASE_URL"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(
    tmp_path: Path, args: list[str], env: dict[str, str], named: str
) -> None:
    result = run_cli(tmp_path, args, **{**SERVE_ENV, **env})
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and named in lines[0], result.stderr[-2000:]
    assert "Traceback" not in result.stderr + result.stdout
    assert "pw-never-shown" not in result.stderr
