"""What an unauthenticated sender can make `serve` do: nothing but refusals, cheaply.

An unsigned or malformed request is refused before anything of it is parsed, logged or acted
on (no outgoing call, no listener, no traceback); bodies are bounded while they stream in; a
client too slow with its headers or body is cut off.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from slack_emulator import FakeSlack
from slack_emulator.people import SignedSlack
from storage.db import Database
from storage.migrate import upgrade
from tests.conftest import bot_env
from tests.rig.bot_process import BotProcess

WEBHOOK_KEY = "webhook-key-for-the-guard-tests"


class Listener:
    """A TCP port that records every connection and never answers (a sink for response_url)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            self._held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self._held:
            conn.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    sink = Listener()
    yield sink
    sink.close()


@pytest.fixture(scope="module")
def bot(fake_slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    home = tmp_path_factory.mktemp("home")
    url = f"sqlite:///{home / 'bot.sqlite3'}"
    database = Database(url)
    upgrade(database)
    database.dispose()
    env = bot_env(url, fake_slack, home, PAYMENT_WEBHOOK_SECRET=WEBHOOK_KEY)
    process = BotProcess(env, home / "bot.log")
    process.start()
    yield process
    process.stop()


def _command_body(response_url: str) -> bytes:
    fields = {
        "command": "/misa",
        "text": "help",
        "user_id": "U0ATTACK",
        "team_id": "T0TEST",
        "channel_id": "C0TEST",
        "trigger_id": "1.2.3",
        "response_url": response_url,
    }
    return str(httpx.QueryParams(fields)).encode()


@pytest.mark.parametrize("timestamp", ["abc", "", "1.5", "-5", "1e9", "١٢٣", "9" * 40])
def test_malformed_timestamps_are_refused_without_a_call(
    bot: BotProcess, listener: Listener, fake_slack: FakeSlack, timestamp: str
) -> None:
    mark = fake_slack.mark()
    body = _command_body(f"http://127.0.0.1:{listener.port}/hook")
    response = httpx.post(
        bot.events_url,
        content=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp.encode(),
            "X-Slack-Signature": "v0=" + "0" * 64,
        },
    )
    assert response.status_code == 401
    time.sleep(0.3)
    assert listener.connections == 0
    assert fake_slack.calls[mark:] == []


def test_a_flood_of_unsigned_requests_leaves_the_bot_responsive(
    bot: BotProcess, listener: Listener, slack: SignedSlack
) -> None:
    body = _command_body(f"http://127.0.0.1:{listener.port}/hook")
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": "abc",
        "X-Slack-Signature": "v0=x",
    }
    with httpx.Client(timeout=10) as http:
        started = time.monotonic()
        codes = {http.post(bot.events_url, content=body, headers=headers).status_code}
        for _ in range(59):
            codes.add(http.post(bot.events_url, content=body, headers=headers).status_code)
        flood_seconds = time.monotonic() - started
        assert codes == {401}
        assert flood_seconds < 5, flood_seconds
        assert http.get(f"{bot.base_url}/healthz", timeout=2).status_code == 200
    assert slack.check_ack(slack.command("help"))
    assert listener.connections == 0


BAD_BODIES = [
    b"{",
    b"[" * 5000,
    b"payload=notjson",
    b"payload=123",
    b"\xff\xfe\xfa not utf-8",
    b"payload=%5B1%2C2%5D",
    b"",
]


@pytest.mark.parametrize("body", BAD_BODIES, ids=range(len(BAD_BODIES)))
@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_bad_bodies_are_refused_in_one_log_line(
    bot: BotProcess, slack: SignedSlack, body: bytes, signed: bool
) -> None:
    before = bot.logs()
    content_type = (
        "application/json" if body[:1] in (b"{", b"[") else ("application/x-www-form-urlencoded")
    )
    response = slack.send(body, content_type, bad_signature=not signed)
    assert response.status_code == (400 if signed else 401)
    time.sleep(0.2)
    new_lines = bot.logs()[len(before) :].splitlines()
    assert len(new_lines) <= 1, new_lines
    assert "Traceback" not in bot.logs()


def test_a_refused_request_is_not_logged(bot: BotProcess, slack: SignedSlack) -> None:
    secret_url = "https://hooks.slack.com/commands/T0/SECRET-RESPONSE-URL"
    response = slack.send(
        _command_body(secret_url), "application/x-www-form-urlencoded", bad_signature=True
    )
    assert response.status_code == 401
    time.sleep(0.2)
    logs = bot.logs()
    assert "SECRET-RESPONSE-URL" not in logs and "U0ATTACK" not in logs
    assert '"POST /slack/events HTTP/1.1" 401' in logs


class RssWatch:
    """Samples a process's resident memory every 20 ms; `peak` is the highest seen."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = self.sample()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.sample())

    def __enter__(self) -> RssWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _stream_chunked(port: int, path: str, total: int) -> bytes:
    """POST `total` bytes with chunked encoding (no Content-Length); the response, if any."""
    chunk = b"x" * 65536
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Authorization: Apikey {WEBHOOK_KEY}\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
        )
        sent = 0
        try:
            while sent < total:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server stopped reading and closed: what we want
        try:
            return sock.recv(4096)
        except OSError:
            return b""


@pytest.mark.parametrize("path", ["/slack/events", "/payments/webhook"])
def test_a_huge_chunked_body_is_cut_off_while_streaming(bot: BotProcess, path: str) -> None:
    assert bot.process is not None
    with RssWatch(bot.process.pid) as rss:
        before = rss.sample()
        answer = _stream_chunked(bot.port, path, 200 * 1024 * 1024)
    print(f"{path}: 200 MB chunked body, resident {before} KiB before, peak {rss.peak} KiB")
    assert rss.peak - before < 20 * 1024, (before, rss.peak)
    # Either the server answered 413 before closing or it closed without reading further.
    assert answer == b"" or answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert httpx.get(f"{bot.base_url}/healthz").status_code == 200


def test_a_declared_length_over_the_limit_is_refused_at_once(bot: BotProcess) -> None:
    response = httpx.post(
        f"{bot.base_url}/payments/webhook",
        content=json.dumps({"content": "x" * 70_000}).encode(),
        headers={"Authorization": f"Apikey {WEBHOOK_KEY}"},
    )
    assert response.status_code == 413


def _closed_within(sock: socket.socket, seconds: float, drip: bytes) -> float | None:
    """Send `drip` a byte per second; when the server closes the connection, how long it took."""
    started = time.monotonic()
    sock.settimeout(1.0)
    for byte in drip:
        if time.monotonic() - started > seconds:
            return None
        try:
            sock.send(bytes([byte]))
            data = sock.recv(4096)
            if data == b"" or data.startswith(b"HTTP/1.1 408"):
                return time.monotonic() - started
        except TimeoutError:
            continue
        except OSError:
            return time.monotonic() - started
    return None


def test_slow_headers_and_slow_bodies_are_cut_off(bot: BotProcess) -> None:
    results: dict[str, float | None] = {}

    def headers_drip() -> None:
        with socket.create_connection(("127.0.0.1", bot.port)) as sock:
            results["headers"] = _closed_within(sock, 20, b"GET /healthz HTTP/1.1\r\nX: " * 4)

    def body_drip() -> None:
        with socket.create_connection(("127.0.0.1", bot.port)) as sock:
            sock.sendall(
                b"POST /payments/webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n"
                b"Authorization: Apikey " + WEBHOOK_KEY.encode() + b"\r\n\r\n"
            )
            results["body"] = _closed_within(sock, 25, b"{" * 500)

    threads = [threading.Thread(target=headers_drip), threading.Thread(target=body_drip)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results["headers"] is not None and results["headers"] < 13, results
    assert results["body"] is not None and results["body"] < 18, results
    assert httpx.get(f"{bot.base_url}/healthz").status_code == 200


SANDBOX_ROUTES = [
    ("GET", "/sandbox"),
    ("GET", "/sandbox/"),
    ("GET", "/sandbox/static/sandbox.js"),
    ("GET", "/sandbox/api/state?user=U0SUPPORT1&channel=CSUPPORT"),
    ("POST", "/sandbox/api/command"),
    ("POST", "/sandbox/api/action"),
    ("POST", "/sandbox/api/submit"),
    ("POST", "/sandbox/api/upload?user=U0SUPPORT1&name=a.pdf"),
    ("POST", "/sandbox/api/jobs"),
    ("GET", "/sandbox/files/F0001"),
    ("POST", "/sandbox/bank/abc/full"),
]


@pytest.mark.parametrize(("method", "path"), SANDBOX_ROUTES)
def test_serve_answers_404_on_every_sandbox_route(bot: BotProcess, method: str, path: str) -> None:
    """The sandbox signs requests for whoever uses its page: `serve` has none of it."""
    body = b'{"user": "U0SUPPORT1", "channel": "CSUPPORT", "text": "/misa help"}'
    response = httpx.request(method, bot.base_url + path, content=body, timeout=5)
    assert response.status_code == 404
