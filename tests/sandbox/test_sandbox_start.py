"""`python -m bot sandbox` as a person starts it: nothing to fill in, its own database and
secrets (never the configured Slack ones), loopback unless told, demo data once."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.sandbox.conftest import SandboxProcess


class Listener:
    """A port that counts the connections made to it (where a configured Slack would be)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()


def _until(predicate: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


def test_starts_with_nothing_configured_and_says_where_its_data_is(tmp_path: Path) -> None:
    sandbox = SandboxProcess(tmp_path).start()
    try:
        logs = sandbox.logs()
        database = tmp_path / "data" / "sandbox" / "sandbox.sqlite3"
        assert f"Database: sqlite:///{database}" in logs
        assert "Demo data: 304 customers loaded into the empty database." in logs
        assert f"Open http://127.0.0.1:{sandbox.port}/sandbox" in logs
        assert "WARNING" not in logs
        page = httpx.get(f"{sandbox.base_url}/sandbox")
        assert page.status_code == 200 and 'data-testid="composer"' in page.text
        # Its /slack/events checks signatures like any deployment.
        unsigned = httpx.post(f"{sandbox.base_url}/slack/events", data={"command": "/misa"})
        assert unsigned.status_code == 401
        # A document from the browser may be as large as a licence request allows (10 MB).
        document = b"%PDF-1.4\n" + b"0" * (9 * 1024 * 1024)
        uploaded = httpx.post(
            f"{sandbox.base_url}/sandbox/api/upload",
            params={"user": "U0SUPPORT1", "name": "quyet-dinh.pdf"},
            content=document,
            headers={"Content-Type": "application/pdf"},
        )
        assert uploaded.status_code == 200 and uploaded.json()["size"] == len(document)
    finally:
        sandbox.stop()
    again = SandboxProcess(tmp_path).start()
    try:
        assert "Demo data: none loaded (the database holds 304 customers)." in again.logs()
    finally:
        again.stop()


def test_the_configured_slack_is_never_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slack = Listener()
    monkeypatch.setenv("SLACK_API_URL", f"http://127.0.0.1:{slack.port}/api/")
    monkeypatch.setenv("APPROVAL_CHANNEL", "C0REALAPPROVALS")
    monkeypatch.setenv("SMTP_URL", f"smtp://127.0.0.1:{slack.port}")
    sandbox = SandboxProcess(tmp_path).start()
    try:
        body = {"user": "U0SUPPORT1", "channel": "CSUPPORT", "text": "/misa lookup 0109876557"}
        assert httpx.post(f"{sandbox.base_url}/sandbox/api/command", json=body).status_code == 200

        def answered() -> bool:
            state = httpx.get(
                f"{sandbox.base_url}/sandbox/api/state",
                params={"user": "U0SUPPORT1", "channel": "CSUPPORT"},
            ).json()
            return any("Hoàng Long" in str(m.get("blocks")) for m in state["messages"])

        _until(answered)
        assert slack.connections == 0
    finally:
        sandbox.stop()


def test_listening_beyond_loopback_warns(tmp_path: Path) -> None:
    sandbox = SandboxProcess(tmp_path, "--host", "0.0.0.0").start()
    try:
        assert "WARNING: listening on 0.0.0.0" in sandbox.logs()
    finally:
        sandbox.stop()


def test_database_url_is_used_as_it_is_but_never_its_waiting_deliveries(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from bot.outbox import enqueue
    from bot.outbox_messages import OrderChanged
    from storage.db import Database
    from storage.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'configured.sqlite3'}"
    sandbox = SandboxProcess(tmp_path, env={"DATABASE_URL": url}).start()
    try:
        logs = sandbox.logs()
        assert f"Database: {url} (from DATABASE_URL)" in logs
        assert "Demo data: 304 customers loaded into the empty database." in logs
    finally:
        sandbox.stop()

    # A database with deliveries waiting for a real Slack: the sandbox would steal them.
    database = Database(url)
    upgrade(database)
    with database.session() as session:
        enqueue(session, OrderChanged(order_id=1), now=datetime.now(UTC))
    database.dispose()
    refused = SandboxProcess(tmp_path, env={"DATABASE_URL": url})
    with pytest.raises(RuntimeError, match="exited with 1"):
        refused.start()
    lines = refused.logs().strip().splitlines()
    assert "1 deliveries waiting for a real Slack or mail server" in lines[-1]
    assert "Traceback" not in refused.logs()
