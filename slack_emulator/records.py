"""What the emulator received: Web API calls, POSTs to response URLs and file downloads, kept in
order so tests can wait for one and read what was sent."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_emulator.protocol import Reply, json_reply


@dataclass(frozen=True)
class Call:
    """One Web API call as the emulator received it (JSON args already decoded)."""

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200
    response: dict[str, Any] | None = None
    token: str | None = None
    content_type: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response and self.response.get("ok"))

    @property
    def error(self) -> str | None:
        return None if self.response is None else self.response.get("error")


@dataclass(frozen=True)
class ResponseUrlPost:
    """One POST to a response_url."""

    url: str
    body: dict[str, Any]
    at: float
    status: int
    error: str | None
    channel: str | None
    message_ts: str | None
    user_id: str | None

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(frozen=True)
class Download:
    """A GET of a file's url_private(_download)."""

    file_id: str
    authorized: bool
    at: float


class Recorder:
    """The calls, response_url POSTs and downloads received, with waits on them.

    Shares the workspace's condition, so a wait wakes up on any change.
    """

    def __init__(self, cond: threading.Condition, clock: Callable[[], float]) -> None:
        self._cond = cond
        self._clock = clock
        self.clear()

    def clear(self) -> None:
        with self._cond:
            self.calls: list[Call] = []
            self.responses: list[ResponseUrlPost] = []
            self.downloads: list[Download] = []

    def call(
        self,
        method: str,
        params: dict[str, Any],
        token: str | None,
        content_type: str,
        result: dict[str, Any],
        reply: Reply | None = None,
    ) -> Reply:
        """Record one Web API call; returns the reply to send (``result`` as JSON by default)."""
        reply = reply or json_reply(result)
        call = Call(method, params, self._clock(), reply[0], result, token, content_type)
        self._add(self.calls, call)
        return reply

    def response(self, post: ResponseUrlPost) -> None:
        self._add(self.responses, post)

    def download(self, download: Download) -> None:
        self._add(self.downloads, download)

    def _add(self, records: list[Any], record: Any) -> None:
        with self._cond:
            records.append(record)
            self._cond.notify_all()

    def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None,
        timeout: float,
        after: int,
    ) -> Call:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for call in self.calls[after:]:
                    if call.method == method and (predicate is None or predicate(call)):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"no {method} call{' matching predicate' if predicate else ''} within "
                        f"{timeout}s; recent calls:\n{self.describe_calls()}"
                    )
                self._cond.wait(min(remaining, 0.05))

    def wait_for_response(
        self,
        predicate: Callable[[ResponseUrlPost], bool] | None,
        timeout: float,
        after: int,
    ) -> ResponseUrlPost:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for post in self.responses[after:]:
                    if predicate is None or predicate(post):
                        return post
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = "\n".join(
                        f"  {p.status} {json.dumps(p.body, ensure_ascii=False)[:160]}"
                        for p in self.responses[-10:]
                    )
                    raise AssertionError(
                        f"no matching response_url POST within {timeout}s; "
                        f"seen:\n{seen or '  (none)'}"
                        f"\nrecent API calls:\n{self.describe_calls()}"
                    )
                self._cond.wait(min(remaining, 0.05))

    def describe_calls(self, last: int = 20) -> str:
        """The last calls, one line each, for assertion messages."""
        with self._cond:
            calls = self.calls
            lines = []
            for i, call in enumerate(calls[-last:], start=max(0, len(calls) - last)):
                outcome = "ok" if call.ok else f"{call.status} {call.error}"
                brief = {
                    k: v for k, v in call.params.items() if k in ("channel", "text", "user", "ts")
                }
                text = json.dumps(brief, ensure_ascii=False)
                lines.append(f"  [{i}] {call.method} -> {outcome} {text[:160]}")
            return "\n".join(lines) or "  (none)"
