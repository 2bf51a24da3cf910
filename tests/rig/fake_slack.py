"""A fake Slack Web API on 127.0.0.1 that rejects what real Slack rejects.

The bot's ``WebClient(base_url=fake.api_url)`` talks to it over real HTTP. Every call is recorded
(`calls`, `wait_for`), messages, views and files are kept so tests can read back what a user would
see, and faults (429, 5xx, dropped connections, delays) can be injected per method.

Behaviours that matter for tests (see tests/rig_tests/test_fake_slack.py):

* API errors are HTTP 200 with ``{"ok": false, "error": ...}``; 429 carries ``Retry-After``.
* Block Kit is validated (tests/rig/blockkit.py): messages -> ``invalid_blocks``,
  views -> ``invalid_arguments`` with ``response_metadata.messages``.
* trigger_ids expire after 3 s and are single-use; ``files.upload`` is retired
  (``method_deprecated``); ``url_private_download`` needs the bot token, otherwise the fake answers
  like Slack does to a browser without a session: HTTP 200 with an HTML sign-in page.
"""

from __future__ import annotations

import base64
import contextlib
import json
import mimetypes
import random
import socket
import threading
import time
import urllib.parse
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from copy import deepcopy
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.rig import blockkit

TRIGGER_TTL = 3.0
RESPONSE_URL_TTL = 30 * 60.0
RESPONSE_URL_MAX_USES = 5
VIEW_STACK_MAX = 3
VIEW_MAX_BYTES = 250 * 1024

# Methods that accept a JSON body (Slack's "Content types" per method); others need form encoding.
JSON_METHODS = frozenset(
    {
        "auth.test",
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.update",
        "chat.delete",
        "chat.scheduleMessage",
        "chat.meMessage",
        "chat.unfurl",
        "conversations.open",
        "files.completeUploadExternal",
        "views.open",
        "views.push",
        "views.update",
        "views.publish",
    }
)
# Args that Slack takes as JSON strings in form bodies.
_JSON_ARGS = ("blocks", "attachments", "view", "metadata", "files")

_LOGIN_PAGE = (
    b'<!DOCTYPE html><html lang="en-US"><head><meta charset="utf-8">'
    b"<title>Slack</title></head><body><h1>Sign in to your workspace</h1>"
    b'<form action="/signin" method="post"><input name="email"></form></body></html>'
)


@dataclass(frozen=True)
class Call:
    """One Web API call as the fake received it (JSON args already decoded)."""

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
class UploadedFile:
    """A file the bot uploaded with getUploadURLExternal + completeUploadExternal."""

    id: str
    name: str
    title: str
    channel: str | None
    thread_ts: str | None
    initial_comment: str | None
    content: bytes
    mimetype: str


@dataclass(frozen=True)
class Download:
    """A GET of a file's url_private(_download)."""

    file_id: str
    authorized: bool
    at: float


@dataclass
class _Fault:
    status: int | None
    retry_after: int
    error: str | None
    drop: bool
    delay: float
    lose_response: bool = False


class _LoseResponse(Exception):
    """Process the call, then drop the connection: Slack did it, the caller never hears."""


@dataclass
class _Trigger:
    user_id: str
    issued_at: float
    view_id: str | None
    used: bool = False


@dataclass
class _ResponseUrl:
    issued_at: float
    channel: str | None
    message_ts: str | None
    user_id: str | None
    uses: int = 0
    last_ts: str | None = None  # message this URL posted (slash commands: "original" for replace)


@dataclass
class _PendingUpload:
    file_id: str
    filename: str
    length: int
    alt_txt: str | None
    upload_token: str
    content: bytes | None = None
    meta: dict[str, Any] = field(default_factory=dict)


class _ApiError(Exception):
    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


class _Drop(Exception):
    """Close the socket without an HTTP response."""


_Reply = tuple[int, dict[str, str], bytes]


def _json_reply(body: Mapping[str, Any], status: int = 200, **headers: str) -> _Reply:
    data = json.dumps(body, ensure_ascii=False).encode()
    return status, {"Content-Type": "application/json; charset=utf-8", **headers}, data


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def _str(params: Mapping[str, Any], key: str) -> str | None:
    value = params.get(key)
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


class FakeSlack:
    """In-process fake of the Slack Web API (plus upload, file download and response_url hosts)."""

    def __init__(
        self,
        bot_token: str = "xoxb-test",
        *,
        team_id: str = "T0001",
        team_domain: str = "misa-test",
        team_name: str = "MISA Test",
        bot_user_id: str = "U0BOT",
        bot_id: str = "B0BOT",
        app_id: str = "A0001",
        extra_tokens: Iterable[str] = (),
        strict_users: bool = False,
        clock: Callable[[], float] = time.time,
        seed: int = 0,
        poll_interval: float = 0.005,
    ) -> None:
        self.bot_token = bot_token
        self.team_id = team_id
        self.team_domain = team_domain
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.strict_users = strict_users
        self._poll_interval = poll_interval
        self._tokens = {bot_token, *extra_tokens}
        self._clock = clock
        self._rng = random.Random(seed)
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._users: dict[str, dict[str, Any]] = {}
        self._usergroups: dict[str, list[str]] = {}
        self._reset_state()
        self.set_user(bot_user_id, name="misa-bot", real_name="MISA Store", is_bot=True)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        """Bind 127.0.0.1 on a free port and serve in a daemon thread."""
        if self._server is not None:
            return self
        handler = type("_BoundHandler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": self._poll_interval},
            name="fake-slack",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        """Web API base URL for ``WebClient(base_url=...)`` / ``SLACK_API_URL``."""
        return f"{self.base_url}/api/"

    def reset(self, *, state: bool = True) -> None:
        """Forget recorded calls and responses; with ``state`` also messages, views, files, faults.

        Users, user groups and files added with `add_file` are configuration and are kept.
        """
        with self._lock:
            if state:
                keep_files = {k: v for k, v in self._files.items() if v.get("_added")}
                self._reset_state()
                self._files.update(keep_files)
            else:
                self._calls = []
                self._responses = []
                self._downloads = []

    def _reset_state(self) -> None:
        self._calls: list[Call] = []
        self._responses: list[ResponseUrlPost] = []
        self._downloads: list[Download] = []
        self._messages: dict[str, dict[str, dict[str, Any]]] = {}
        self._ts_channel: dict[str, str] = {}
        self._ephemerals: list[dict[str, Any]] = []
        self._post_times: dict[str, list[float]] = {}
        self._last_micros = 0
        self._views: dict[str, dict[str, Any]] = {}
        self._view_versions: dict[str, list[dict[str, Any]]] = {}
        self._view_owner: dict[str, str] = {}
        self._view_errors: dict[str, dict[str, str]] = {}
        self._stacks: dict[str, list[str]] = {}
        self._home: dict[str, str] = {}
        self._triggers: dict[str, _Trigger] = {}
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._pending: dict[str, _PendingUpload] = {}
        self._upload_tokens: dict[str, str] = {}
        self._files: dict[str, dict[str, Any]] = {}
        self._uploaded: list[UploadedFile] = []
        self._faults: dict[str, deque[_Fault]] = {}
        self._dm_open: set[str] = set()

    # -- configuration ------------------------------------------------------------------------

    def set_user(
        self,
        user_id: str,
        *,
        locale: str | None = None,
        name: str | None = None,
        real_name: str | None = None,
        tz: str | None = None,
        email: str | None = None,
        is_bot: bool | None = None,
        deleted: bool | None = None,
    ) -> dict[str, Any]:
        """Create or change a workspace member (users.info). Default locale is vi-VN."""
        with self._lock:
            user = self._users.get(user_id) or self._default_user(user_id)
            updates = {
                "locale": locale,
                "name": name,
                "real_name": real_name,
                "tz": tz,
                "is_bot": is_bot,
                "deleted": deleted,
            }
            for key, value in updates.items():
                if value is not None:
                    user[key] = value
            if real_name is not None:
                user["profile"]["real_name"] = real_name
            if name is not None:
                user["profile"]["display_name"] = name
            if email is not None:
                user["profile"]["email"] = email
            self._users[user_id] = user
            return deepcopy(user)

    def user(self, user_id: str) -> dict[str, Any]:
        """The member record users.info would return (a default one if never configured)."""
        with self._lock:
            return deepcopy(self._users.get(user_id) or self._default_user(user_id))

    def _default_user(self, user_id: str) -> dict[str, Any]:
        name = user_id.lower()
        return {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "deleted": False,
            "real_name": f"User {user_id}",
            "tz": "Asia/Ho_Chi_Minh",
            "tz_label": "Indochina Time",
            "tz_offset": 25200,
            "locale": "vi-VN",
            "is_bot": False,
            "is_admin": False,
            "is_app_user": False,
            "updated": 1700000000,
            "profile": {
                "real_name": f"User {user_id}",
                "display_name": name,
                "email": f"{name}@example.com",
                "team": self.team_id,
            },
        }

    def set_usergroup(self, group_id: str, user_ids: Iterable[str]) -> None:
        """Define a user group (usergroups.users.list)."""
        with self._lock:
            self._usergroups[group_id] = list(user_ids)

    def add_file(
        self,
        name: str,
        content: bytes,
        mimetype: str | None = None,
        user: str = "U_STAFF",
        *,
        title: str | None = None,
    ) -> dict[str, Any]:
        """A file a user uploaded (e.g. through a file_input); returns its Slack file object."""
        with self._lock:
            file_id = self._new_id("F")
            obj = self._file_object(file_id, name, title or name, content, mimetype, user)
            obj["_added"] = True
            self._files[file_id] = obj
            return self._public_file(obj)

    def fail_next(
        self,
        method: str,
        *,
        status: int | None = None,
        retry_after: int = 1,
        error: str | None = None,
        times: int = 1,
        drop_connection: bool = False,
        delay: float = 0.0,
        lose_response: bool = False,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail.

        ``lose_response`` carries the call out (the message is posted) and then drops the
        connection, as when a response is lost or the caller dies before reading it.

        ``method`` is a Web API method, or ``"upload"`` (upload URL), ``"files.download"``
        (url_private*) or ``"response_url"``. Precedence: ``drop_connection``; ``error`` (HTTP
        ``status`` or 200 with ``ok: false``); ``status`` (429 gets ``Retry-After``; 5xx);
        ``delay`` alone only slows the call down; nothing given means 429.
        """
        if status is None and error is None and not drop_connection and delay <= 0:
            status = None if lose_response else 429
        fault = _Fault(status, retry_after, error, drop_connection, delay, lose_response)
        with self._lock:
            queue = self._faults.setdefault(method, deque())
            queue.extend(_Fault(**vars(fault)) for _ in range(times))

    def pending_faults(self, *, clear: bool = False) -> dict[str, int]:
        """Faults injected with `fail_next` that no call has met yet (by method); ``clear``
        drops them, so one test's faults never reach the next."""
        with self._lock:
            pending = {key: len(queue) for key, queue in self._faults.items() if queue}
            if clear:
                self._faults.clear()
            return pending

    def _take_fault(self, key: str) -> _Fault | None:
        with self._lock:
            queue = self._faults.get(key)
            return queue.popleft() if queue else None

    # -- ids and clock ------------------------------------------------------------------------

    def now(self) -> float:
        return self._clock()

    def _new_id(self, prefix: str, length: int = 10) -> str:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        return prefix + "".join(self._rng.choice(alphabet) for _ in range(length))

    def _new_hash(self) -> str:
        return f"{int(self.now())}.{self._rng.getrandbits(32):08x}"

    def _next_ts(self) -> str:
        micros = max(int(self.now() * 1_000_000), self._last_micros + 1)
        self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def issue_trigger_id(
        self, user_id: str = "U_STAFF", *, age: float = 0.0, view_id: str | None = None
    ) -> str:
        """A fresh trigger_id as Slack sends with each interaction (``age`` back-dates it)."""
        with self._lock:
            now = self.now()
            trigger = (
                f"{int(now)}.{self._rng.randint(10**9, 10**10)}.{self._rng.getrandbits(128):032x}"
            )
            self._triggers[trigger] = _Trigger(user_id, now - age, view_id)
            return trigger

    def new_response_url(
        self,
        *,
        channel: str | None = None,
        message_ts: str | None = None,
        user_id: str | None = None,
        age: float = 0.0,
    ) -> str:
        """A unique response_url on the fake, optionally tied to the message it came from."""
        with self._lock:
            key = f"{self.team_id}/{self._new_id('B')}/{self._rng.getrandbits(96):024x}"
            self._response_urls[key] = _ResponseUrl(self.now() - age, channel, message_ts, user_id)
            return f"{self.base_url}/actions/{key}"

    # -- recorded calls -----------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def mark(self) -> int:
        """Index to pass as ``after=`` so `wait_for` ignores calls made before now."""
        with self._lock:
            return len(self._calls)

    def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 10.0,
        *,
        after: int = 0,
    ) -> Call:
        """First call to ``method`` (at index >= ``after``) matching ``predicate``; waits for it."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for call in self._calls[after:]:
                    if call.method == method and (predicate is None or predicate(call)):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"no {method} call{' matching predicate' if predicate else ''} within "
                        f"{timeout}s; recent calls:\n{self._describe_calls()}"
                    )
                self._cond.wait(min(remaining, 0.05))

    def _describe_calls(self, last: int = 20) -> str:
        lines = []
        for i, call in enumerate(self._calls[-last:], start=max(0, len(self._calls) - last)):
            outcome = "ok" if call.ok else f"{call.status} {call.error}"
            brief = {k: v for k, v in call.params.items() if k in ("channel", "text", "user", "ts")}
            text = json.dumps(brief, ensure_ascii=False)
            lines.append(f"  [{i}] {call.method} -> {outcome} {text[:160]}")
        return "\n".join(lines) or "  (none)"

    @property
    def responses(self) -> list[ResponseUrlPost]:
        with self._lock:
            return list(self._responses)

    def wait_for_response(
        self,
        predicate: Callable[[ResponseUrlPost], bool] | None = None,
        timeout: float = 10.0,
        *,
        after: int = 0,
    ) -> ResponseUrlPost:
        """First POST to any response_url (index >= ``after``) matching ``predicate``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for post in self._responses[after:]:
                    if predicate is None or predicate(post):
                        return post
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = "\n".join(
                        f"  {p.status} {json.dumps(p.body, ensure_ascii=False)[:160]}"
                        for p in self._responses[-10:]
                    )
                    raise AssertionError(
                        f"no matching response_url POST within {timeout}s; "
                        f"seen:\n{seen or '  (none)'}"
                        f"\nrecent API calls:\n{self._describe_calls()}"
                    )
                self._cond.wait(min(remaining, 0.05))

    def post_times(self, channel: str) -> list[float]:
        """Times of successful chat.postMessage calls to ``channel`` (rate checks: 1/s/channel)."""
        with self._lock:
            return list(self._post_times.get(channel, []))

    @property
    def downloads(self) -> list[Download]:
        with self._lock:
            return list(self._downloads)

    # -- stored state -------------------------------------------------------------------------

    def messages(self, channel: str, *, include_replies: bool = True) -> list[dict[str, Any]]:
        """Messages in a channel, oldest first."""
        with self._lock:
            msgs = sorted(self._messages.get(channel, {}).values(), key=lambda m: m["ts"])
            if not include_replies:
                msgs = [m for m in msgs if not _is_reply(m)]
            return deepcopy(msgs)

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        with self._lock:
            msg = self._messages.get(channel, {}).get(ts)
            return deepcopy(msg) if msg is not None else None

    def find_message(self, ts: str) -> tuple[str, dict[str, Any]] | None:
        """``(channel, message)`` for a ts anywhere in the workspace (ts are unique here)."""
        with self._lock:
            channel = self._ts_channel.get(ts)
            if channel is None or ts not in self._messages.get(channel, {}):
                return None
            return channel, deepcopy(self._messages[channel][ts])

    def channel_of(self, ts: str) -> str | None:
        with self._lock:
            return self._ts_channel.get(ts)

    def ephemerals(
        self, *, user: str | None = None, channel: str | None = None
    ) -> list[dict[str, Any]]:
        """Ephemeral messages: ``{"channel", "user", "message_ts", "message", "source"}``."""
        with self._lock:
            return deepcopy(
                [
                    e
                    for e in self._ephemerals
                    if (user is None or e["user"] == user)
                    and (channel is None or e["channel"] == channel)
                ]
            )

    def find_ephemeral(self, message_ts: str) -> dict[str, Any] | None:
        with self._lock:
            for e in self._ephemerals:
                if e["message_ts"] == message_ts:
                    return deepcopy(e)
            return None

    def uploaded_files(self) -> list[UploadedFile]:
        with self._lock:
            return list(self._uploaded)

    def file(self, file_id: str) -> dict[str, Any] | None:
        with self._lock:
            obj = self._files.get(file_id)
            return self._public_file(obj) if obj else None

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        """Latest version of every view ever opened, pushed or published, by view id."""
        with self._lock:
            return deepcopy(self._views)

    def view(self, view_id: str) -> dict[str, Any]:
        with self._lock:
            if view_id not in self._views:
                raise KeyError(f"no view {view_id}; known: {sorted(self._views)}")
            return deepcopy(self._views[view_id])

    def get_view(self, view_id: Any) -> dict[str, Any] | None:
        """Latest version of a view, or None if the fake never saw it."""
        with self._lock:
            view = self._views.get(view_id) if isinstance(view_id, str) else None
            return deepcopy(view) if view is not None else None

    def view_versions(self, view_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return deepcopy(self._view_versions.get(view_id, []))

    def view_stack(self, user_id: str) -> list[dict[str, Any]]:
        """The user's open modal views, root first."""
        with self._lock:
            return [deepcopy(self._views[v]) for v in self._stacks.get(user_id, [])]

    def current_view(self, user_id: str) -> dict[str, Any] | None:
        """The modal view on top of the user's stack (what the user sees), or None."""
        with self._lock:
            stack = self._stacks.get(user_id)
            return deepcopy(self._views[stack[-1]]) if stack else None

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        with self._lock:
            view_id = self._home.get(user_id)
            return deepcopy(self._views[view_id]) if view_id else None

    def is_open(self, view_id: str) -> bool:
        with self._lock:
            return (
                any(view_id in s for s in self._stacks.values()) or view_id in self._home.values()
            )

    def view_errors(self, view_id: str) -> dict[str, str]:
        """Inline errors last shown on a view through ``response_action: errors``."""
        with self._lock:
            return dict(self._view_errors.get(view_id, {}))

    def wait_for_view(
        self, user_id: str, callback_id: str | None = None, timeout: float = 10.0
    ) -> dict[str, Any]:
        """Wait until the user's top modal exists (and has ``callback_id``); return it."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                view = self.current_view(user_id)
                if view is not None and (
                    callback_id is None or view.get("callback_id") == callback_id
                ):
                    return view
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    shown = view.get("callback_id") if view else None
                    raise AssertionError(
                        f"user {user_id} has no open modal with callback_id={callback_id!r} "
                        f"within {timeout}s (top view: {shown!r}); recent calls:\n"
                        f"{self._describe_calls()}"
                    )
                self._cond.wait(min(remaining, 0.05))

    # -- view stack changes driven by the user / ack (used by SignedSlack) --------------------

    def close_view(self, user_id: str, view_id: str | None = None, *, clear: bool = False) -> None:
        """The user closes the top view (or the whole stack with ``clear``)."""
        with self._cond:
            stack = self._stacks.get(user_id, [])
            if clear:
                stack.clear()
            elif stack and (view_id is None or stack[-1] == view_id):
                stack.pop()
            self._cond.notify_all()

    def apply_view_ack(self, user_id: str, view_id: str, ack: Mapping[str, Any] | None) -> None:
        """Apply a view_submission ack as Slack does: close, errors, update, push or clear."""
        with self._cond:
            if not ack:
                self.close_view(user_id, view_id)
                return
            action = ack.get("response_action")
            if action == "errors":
                self._view_errors[view_id] = dict(ack.get("errors") or {})
            elif action == "clear":
                self.close_view(user_id, clear=True)
            elif action == "update":
                self._replace_view(view_id, ack["view"])
                self._view_errors.pop(view_id, None)
            elif action == "push":
                stack = self._stacks.setdefault(user_id, [])
                self._store_new_view(user_id, dict(ack["view"]), stack)
            self._cond.notify_all()

    def set_view_state(
        self, view_id: str, block_id: str, action_id: str, value: dict[str, Any]
    ) -> None:
        """Record what the user entered in a view element (kept across views.update)."""
        with self._cond:
            view = self._views[view_id]
            view["state"]["values"].setdefault(block_id, {})[action_id] = deepcopy(value)

    # -- HTTP entry points (called from the handler thread) -----------------------------------

    def _handle(self, verb: str, path: str, headers: Mapping[str, str], body: bytes) -> _Reply:
        parsed = urllib.parse.urlsplit(path)
        route = parsed.path
        if route.startswith("/api/"):
            return self._handle_api(route[len("/api/") :], parsed.query, headers, body)
        if route.startswith("/upload/v1/") and verb == "POST":
            return self._handle_upload(route[len("/upload/v1/") :], headers, body)
        if route.startswith("/files-pri/") and verb == "GET":
            return self._handle_download(route, headers)
        if route.startswith("/actions/") and verb == "POST":
            return self._handle_response_url(route[len("/actions/") :], headers, body)
        return 404, {"Content-Type": "text/plain"}, b"not found"

    def _apply_fault(self, key: str) -> _Reply | None:
        fault = self._take_fault(key)
        if fault is None:
            return None
        if fault.delay > 0:
            time.sleep(fault.delay)
        if fault.lose_response:
            raise _LoseResponse
        if fault.drop:
            raise _Drop
        if fault.error is not None:
            return _json_reply({"ok": False, "error": fault.error}, fault.status or 200)
        if fault.status == 429:
            return _json_reply(
                {"ok": False, "error": "ratelimited"},
                429,
                **{"Retry-After": str(fault.retry_after)},
            )
        if fault.status is not None:
            return _json_reply({"ok": False, "error": "fatal_error"}, fault.status)
        return None

    def _handle_api(
        self, method: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> _Reply:
        content_type = headers.get("content-type", "")
        params: dict[str, Any] = {}
        json_body = False
        for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
            params[key] = value
        try:
            if content_type.startswith("application/json"):
                json_body = True
                decoded = json.loads(body or b"{}")
                if not isinstance(decoded, dict):
                    raise ValueError("JSON body must be an object")
                params.update(decoded)
            elif content_type.startswith("multipart/form-data"):
                params.update(_parse_multipart(content_type, body)[0])
            elif body:
                for key, value in urllib.parse.parse_qsl(body.decode(), keep_blank_values=True):
                    params[key] = value
        except (ValueError, UnicodeDecodeError):
            return self._record(
                method, params, None, content_type, {"ok": False, "error": "invalid_json"}
            )
        auth = headers.get("authorization", "")
        token = auth[len("Bearer ") :].strip() if auth.startswith("Bearer ") else None
        token = token or _str(params, "token")
        params.pop("token", None)
        decode_error = _decode_json_args(params)

        lose_response = False
        try:
            fault = self._apply_fault(method)
        except _Drop:
            self._record(method, params, token, content_type, {}, (0, {}, b""))
            raise
        except _LoseResponse:
            fault, lose_response = None, True
        if fault is not None:
            return self._record(method, params, token, content_type, json.loads(fault[2]), fault)

        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            result: dict[str, Any] = {"ok": False, "error": "unknown_method", "req_method": method}
        elif token is None:
            result = {"ok": False, "error": "not_authed"}
        elif token not in self._tokens:
            result = {"ok": False, "error": "invalid_auth"}
        elif json_body and method not in JSON_METHODS:
            result = _error_with_messages(
                "invalid_arguments",
                [f"{method} does not accept a JSON body; use application/x-www-form-urlencoded"],
            )
        elif decode_error is not None:
            result = {"ok": False, "error": decode_error}
        else:
            try:
                with self._lock:
                    result = {"ok": True, **handler(params)}
            except _ApiError as exc:
                result = {"ok": False, "error": exc.error, **exc.extra}
        reply = self._record(method, params, token, content_type, result)
        if lose_response:
            raise _Drop
        return reply

    def _record(
        self,
        method: str,
        params: dict[str, Any],
        token: str | None,
        content_type: str,
        result: dict[str, Any],
        reply: _Reply | None = None,
    ) -> _Reply:
        reply = reply or _json_reply(result)
        call = Call(method, params, self.now(), reply[0], result, token, content_type)
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()
        return reply

    # -- auth / users / groups ----------------------------------------------------------------

    def _m_auth_test(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": "misa-bot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _user(self, user_id: str | None) -> dict[str, Any]:
        if not user_id:
            raise _ApiError("user_not_found")
        if user_id not in self._users:
            if self.strict_users or user_id[:1] not in ("U", "W"):
                raise _ApiError("user_not_found")
            self._users[user_id] = self._default_user(user_id)
        return self._users[user_id]

    def _m_users_info(self, p: dict[str, Any]) -> dict[str, Any]:
        user = deepcopy(self._user(_str(p, "user")))
        if not _truthy(p.get("include_locale")):
            user.pop("locale", None)
        return {"user": user}

    def _m_usergroups_users_list(self, p: dict[str, Any]) -> dict[str, Any]:
        group = _str(p, "usergroup")
        if group is None or group not in self._usergroups:
            raise _ApiError("no_such_subteam")
        return {"users": list(self._usergroups[group])}

    def _m_conversations_open(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = _str(p, "channel")
        users = [u.strip() for u in (_str(p, "users") or "").split(",") if u.strip()]
        if channel is None and not users:
            raise _ApiError("users_list_not_supplied")
        if len(users) > 8:
            raise _ApiError("too_many_users")
        for user in users:
            self._user(user)
        if channel is None:
            channel = (
                _dm_channel(users[0]) if len(users) == 1 else "G" + "".join(sorted(users))[:20]
            )
        already = channel in self._dm_open
        self._dm_open.add(channel)
        info: dict[str, Any] = {"id": channel}
        if _truthy(p.get("return_im")):
            info.update({"is_im": len(users) == 1, "user": users[0] if users else None})
        return {"no_op": already, "already_open": already, "channel": info}

    # -- messages -----------------------------------------------------------------------------

    def _resolve_channel(self, channel: str | None) -> str:
        if not channel:
            raise _ApiError("channel_not_found")
        if channel[:1] in ("U", "W"):
            self._user(channel)
            return _dm_channel(channel)
        return channel

    def _check_message(self, p: Mapping[str, Any], *, need_content: bool = True) -> None:
        if need_content and not blockkit.has_message_content(p):
            raise _ApiError("no_text")
        attachments = p.get("attachments")
        if isinstance(attachments, list) and len(attachments) > blockkit.MAX_ATTACHMENTS:
            raise _ApiError("too_many_attachments")
        text = p.get("text")
        if isinstance(text, str) and len(text) > blockkit.MESSAGE_TEXT_MAX:
            raise _ApiError("msg_too_long")
        errors = blockkit.validate_message(p)
        if errors:
            raise _ApiError(
                "invalid_blocks",
                errors=errors,
                response_metadata={"messages": blockkit.as_slack_messages(errors)},
            )
        metadata = p.get("metadata")
        if metadata is not None and not _valid_metadata(metadata):
            raise _ApiError("invalid_metadata_format")

    def _new_message(self, p: Mapping[str, Any], ts: str) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "text": p.get("text") or "",
            "ts": ts,
            "bot_profile": {"id": self.bot_id, "app_id": self.app_id, "name": "misa-bot"},
        }
        if p.get("blocks") is not None:
            msg["blocks"] = _with_generated_ids(p["blocks"], self._rng)
        if p.get("attachments") is not None:
            msg["attachments"] = deepcopy(p["attachments"])
        if p.get("metadata") is not None:
            msg["metadata"] = deepcopy(p["metadata"])
        return msg

    def _store(self, channel: str, msg: dict[str, Any], thread_ts: str | None) -> None:
        if thread_ts:
            msg["thread_ts"] = thread_ts
            parent = self._messages.get(channel, {}).get(thread_ts)
            if parent is not None and not _is_reply(parent):
                msg["parent_user_id"] = parent.get("user")
                parent["thread_ts"] = thread_ts
                parent["reply_count"] = parent.get("reply_count", 0) + 1
                users = parent.setdefault("reply_users", [])
                if msg["user"] not in users:
                    users.append(msg["user"])
                parent["reply_users_count"] = len(users)
                parent["latest_reply"] = msg["ts"]
        self._messages.setdefault(channel, {})[msg["ts"]] = msg
        self._ts_channel[msg["ts"]] = channel

    def _m_chat_postMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(_str(p, "channel"))
        self._check_message(p)
        ts = self._next_ts()
        msg = self._new_message(p, ts)
        thread_ts = _str(p, "thread_ts")
        if thread_ts and _truthy(p.get("reply_broadcast")):
            msg["subtype"] = "thread_broadcast"
        self._store(channel, msg, thread_ts)
        self._post_times.setdefault(channel, []).append(self.now())
        return {"channel": channel, "ts": ts, "message": deepcopy(msg)}

    def _m_chat_postEphemeral(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(_str(p, "channel"))
        user = _str(p, "user")
        if user is None:
            raise _ApiError("user_not_found")
        self._user(user)
        self._check_message(p)
        ts = self._next_ts()
        msg = self._new_message(p, ts)
        if _str(p, "thread_ts"):
            msg["thread_ts"] = _str(p, "thread_ts")
        self._ephemerals.append(
            {"channel": channel, "user": user, "message_ts": ts, "message": msg, "source": "api"}
        )
        return {"message_ts": ts}

    def _stored(self, channel: str | None, ts: str | None) -> dict[str, Any]:
        if not channel or not ts:
            raise _ApiError("message_not_found")
        channel = self._resolve_channel(channel)
        msg = self._messages.get(channel, {}).get(ts)
        if msg is None:
            raise _ApiError("message_not_found")
        return msg

    def _m_chat_update(self, p: dict[str, Any]) -> dict[str, Any]:
        msg = self._stored(_str(p, "channel"), _str(p, "ts"))
        if msg.get("user") != self.bot_user_id:
            raise _ApiError("cant_update_message")
        if not any(p.get(k) is not None for k in ("text", "blocks", "attachments", "metadata")):
            raise _ApiError("no_text")
        self._check_message(p, need_content=False)
        if p.get("text") is not None:
            msg["text"] = p["text"]
        if p.get("blocks") is not None:  # omitted blocks are kept; [] removes them
            msg["blocks"] = _with_generated_ids(p["blocks"], self._rng)
        if p.get("attachments") is not None:
            msg["attachments"] = deepcopy(p["attachments"])
        if p.get("metadata") is not None:
            msg["metadata"] = deepcopy(p["metadata"])
        msg["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        channel = self._ts_channel[msg["ts"]]
        return {"channel": channel, "ts": msg["ts"], "text": msg["text"], "message": deepcopy(msg)}

    def _m_chat_delete(self, p: dict[str, Any]) -> dict[str, Any]:
        msg = self._stored(_str(p, "channel"), _str(p, "ts"))
        if msg.get("user") != self.bot_user_id:
            raise _ApiError("cant_delete_message")
        channel = self._ts_channel[msg["ts"]]
        del self._messages[channel][msg["ts"]]
        return {"channel": channel, "ts": msg["ts"]}

    def _m_chat_getPermalink(self, p: dict[str, Any]) -> dict[str, Any]:
        msg = self._stored(_str(p, "channel"), _str(p, "message_ts"))
        channel = self._ts_channel[msg["ts"]]
        link = (
            f"https://{self.team_domain}.slack.com/archives/{channel}/p{msg['ts'].replace('.', '')}"
        )
        if _is_reply(msg):
            link += f"?thread_ts={msg['thread_ts']}&cid={channel}"
        return {"channel": channel, "permalink": link}

    def _page(
        self, msgs: list[dict[str, Any]], p: Mapping[str, Any], *, newest_first: bool
    ) -> dict[str, Any]:
        inclusive = _truthy(p.get("inclusive"))
        oldest, latest = _str(p, "oldest"), _str(p, "latest")

        def in_range(ts: str) -> bool:
            t = float(ts)
            if oldest is not None and (t < float(oldest) or (t == float(oldest) and not inclusive)):
                return False
            return latest is None or t < float(latest) or (t == float(latest) and inclusive)

        selected = sorted((m for m in msgs if in_range(m["ts"])), key=lambda m: float(m["ts"]))
        if newest_first:
            selected.reverse()
        try:
            limit = int(p.get("limit") or 100)
        except ValueError as exc:
            raise _ApiError("invalid_limit") from exc
        limit = max(1, min(limit, 999))
        offset = 0
        cursor = _str(p, "cursor")
        if cursor:
            try:
                offset = int(base64.b64decode(cursor).decode().removeprefix("offset:"))
            except ValueError as exc:
                raise _ApiError("invalid_cursor") from exc
        page = selected[offset : offset + limit]
        has_more = offset + limit < len(selected)
        next_cursor = (
            base64.b64encode(f"offset:{offset + limit}".encode()).decode() if has_more else ""
        )
        out = deepcopy(page)
        if not _truthy(p.get("include_all_metadata")):
            for m in out:
                m.pop("metadata", None)
        return {
            "messages": out,
            "has_more": has_more,
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _m_conversations_history(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(_str(p, "channel"))
        msgs = [
            m
            for m in self._messages.get(channel, {}).values()
            if not _is_reply(m) or m.get("subtype") == "thread_broadcast"
        ]
        return {**self._page(msgs, p, newest_first=True), "pin_count": 0}

    def _m_conversations_replies(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(_str(p, "channel"))
        ts = _str(p, "ts")
        stored = self._messages.get(channel, {})
        if ts is None or ts not in stored:
            raise _ApiError("thread_not_found")
        root = stored[ts].get("thread_ts", ts)
        msgs = [m for m in stored.values() if m["ts"] == root or m.get("thread_ts") == root]
        return self._page(msgs, p, newest_first=False)

    # -- views --------------------------------------------------------------------------------

    def _parse_view(self, p: Mapping[str, Any]) -> dict[str, Any]:
        view = p.get("view")
        if not isinstance(view, dict):
            raise _ApiError(
                "invalid_arguments", response_metadata={"messages": ["[ERROR] missing view"]}
            )
        if len(json.dumps(view).encode()) > VIEW_MAX_BYTES:
            raise _ApiError("view_too_large")
        errors = blockkit.validate_view(view)
        if errors:
            errors = blockkit.prefix_pointers(errors, "/view")
            raise _ApiError(
                "invalid_arguments",
                response_metadata={"messages": blockkit.as_slack_messages(errors)},
            )
        return view

    def _exchange_trigger(self, p: Mapping[str, Any]) -> _Trigger:
        trigger_id = _str(p, "trigger_id") or _str(p, "interactivity_pointer")
        trigger = self._triggers.get(trigger_id or "")
        if trigger is None:
            raise _ApiError("invalid_trigger_id")
        if trigger.used:
            raise _ApiError("exchanged_trigger_id")
        if self.now() - trigger.issued_at > TRIGGER_TTL:
            raise _ApiError("expired_trigger_id")
        trigger.used = True
        return trigger

    def _check_external_id(self, view: Mapping[str, Any], own_id: str | None = None) -> None:
        ext = view.get("external_id")
        if not ext:
            return
        for vid, other in self._views.items():
            if vid != own_id and other.get("external_id") == ext:
                raise _ApiError("duplicate_external_id")

    def _store_new_view(
        self, user_id: str, spec: dict[str, Any], stack: list[str] | None
    ) -> dict[str, Any]:
        view_id = self._new_id("V")
        view: dict[str, Any] = {
            "id": view_id,
            "team_id": self.team_id,
            "type": spec["type"],
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "state": {"values": {}},
            "hash": "",
            "title": None,
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": None,
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": self.app_id,
            "external_id": "",
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        self._apply_spec(view, spec)
        if stack is not None:
            if stack:
                view["previous_view_id"] = stack[-1]
                view["root_view_id"] = stack[0]
            stack.append(view_id)
        self._views[view_id] = view
        self._view_versions[view_id] = [deepcopy(view)]
        self._view_owner[view_id] = user_id
        self._cond.notify_all()
        return view

    def _apply_spec(self, view: dict[str, Any], spec: Mapping[str, Any]) -> None:
        old_values = view["state"]["values"]
        for key in (
            "type",
            "title",
            "close",
            "submit",
            "private_metadata",
            "callback_id",
            "clear_on_close",
            "notify_on_close",
            "external_id",
            "submit_disabled",
        ):
            if key in spec:
                view[key] = deepcopy(spec[key])
        view["blocks"] = _with_generated_ids(spec.get("blocks", []), self._rng)
        # Slack keeps what the user entered in inputs whose block_id and action_id are unchanged.
        kept: dict[str, dict[str, Any]] = {}
        for block, el in blockkit.iter_elements(view["blocks"]):
            bid, aid = block.get("block_id"), el.get("action_id")
            if bid in old_values and aid in old_values[bid]:
                kept.setdefault(bid, {})[aid] = old_values[bid][aid]
        view["state"] = {"values": kept}
        view["hash"] = self._new_hash()

    def _replace_view(self, view_id: str, spec: Mapping[str, Any]) -> dict[str, Any]:
        view = self._views[view_id]
        self._apply_spec(view, spec)
        self._view_versions[view_id].append(deepcopy(view))
        self._cond.notify_all()
        return view

    def _m_views_open(self, p: dict[str, Any]) -> dict[str, Any]:
        spec = self._parse_view(p)
        if spec.get("type") != "modal":
            raise _ApiError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] must be modal [json-pointer:/view/type]"]},
            )
        self._check_external_id(spec)
        trigger = self._exchange_trigger(p)
        stack = self._stacks.setdefault(trigger.user_id, [])
        stack.clear()  # a new modal replaces whatever the user had open
        view = self._store_new_view(trigger.user_id, spec, stack)
        return {"view": deepcopy(view)}

    def _m_views_push(self, p: dict[str, Any]) -> dict[str, Any]:
        spec = self._parse_view(p)
        if spec.get("type") != "modal":
            raise _ApiError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] must be modal [json-pointer:/view/type]"]},
            )
        self._check_external_id(spec)
        trigger = self._exchange_trigger(p)
        stack = self._stacks.get(trigger.user_id) or []
        if trigger.view_id is None or trigger.view_id not in stack:
            # Only a trigger from an interaction inside the open modal can push onto it.
            raise _ApiError("not_found")
        if len(stack) >= VIEW_STACK_MAX:
            raise _ApiError("push_limit_reached")
        view = self._store_new_view(trigger.user_id, spec, stack)
        return {"view": deepcopy(view)}

    def _m_views_update(self, p: dict[str, Any]) -> dict[str, Any]:
        view_id, external_id = _str(p, "view_id"), _str(p, "external_id")
        if view_id is None and external_id is None:
            raise _ApiError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] view_id or external_id is required"]},
            )
        spec = self._parse_view(p)
        target = None
        if view_id is not None:
            target = self._views.get(view_id)
        else:
            target = next(
                (v for v in self._views.values() if v.get("external_id") == external_id), None
            )
        if target is None or not self.is_open(target["id"]):
            raise _ApiError("not_found")
        supplied_hash = _str(p, "hash")
        if supplied_hash is not None and supplied_hash != target["hash"]:
            raise _ApiError("hash_conflict")
        if spec.get("type") != target["type"]:
            raise _ApiError(
                "invalid_arguments",
                response_metadata={
                    "messages": ["[ERROR] view type cannot change [json-pointer:/view/type]"]
                },
            )
        self._check_external_id(spec, own_id=target["id"])
        view = self._replace_view(target["id"], spec)
        return {"view": deepcopy(view)}

    def _m_views_publish(self, p: dict[str, Any]) -> dict[str, Any]:
        user_id = _str(p, "user_id")
        if user_id is None:
            raise _ApiError(
                "invalid_arguments", response_metadata={"messages": ["[ERROR] missing user_id"]}
            )
        self._user(user_id)
        spec = self._parse_view(p)
        if spec.get("type") != "home":
            raise _ApiError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] must be home [json-pointer:/view/type]"]},
            )
        existing = self._home.get(user_id)
        supplied_hash = _str(p, "hash")
        if existing is not None:
            if supplied_hash is not None and supplied_hash != self._views[existing]["hash"]:
                raise _ApiError("hash_conflict")
            view = self._replace_view(existing, spec)
        else:
            view = self._store_new_view(user_id, spec, None)
            self._home[user_id] = view["id"]
        return {"view": deepcopy(view)}

    # -- files --------------------------------------------------------------------------------

    def _m_files_upload(self, p: dict[str, Any]) -> dict[str, Any]:
        # Retired by Slack (new apps since 2024-05, all apps since 2025-11-12).
        raise _ApiError("method_deprecated")

    def _m_files_getUploadURLExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        filename = _str(p, "filename")
        try:
            length = int(p.get("length") or 0)
        except (TypeError, ValueError):
            length = 0
        if filename is None or length <= 0:
            raise _ApiError("invalid_arguments")
        file_id = self._new_id("F")
        token = f"{self._rng.getrandbits(128):032x}"
        self._pending[file_id] = _PendingUpload(
            file_id, filename, length, _str(p, "alt_txt"), token
        )
        self._upload_tokens[token] = file_id
        return {"upload_url": f"{self.base_url}/upload/v1/{token}", "file_id": file_id}

    def _handle_upload(self, token: str, headers: Mapping[str, str], body: bytes) -> _Reply:
        fault = self._apply_fault("upload")
        if fault is not None:
            return fault
        with self._lock:
            file_id = self._upload_tokens.get(token)
            pending = self._pending.get(file_id or "")
            if pending is None:
                return 404, {"Content-Type": "text/plain"}, b"invalid upload url"
            content_type = headers.get("content-type", "")
            content = body
            if content_type.startswith("multipart/form-data"):
                fields, files = _parse_multipart(content_type, body)
                if files:
                    content = next(iter(files.values()))
                elif "file" in fields:
                    content = str(fields["file"]).encode()
            pending.content = content
        return 200, {"Content-Type": "text/plain; charset=utf-8"}, f"OK - {len(content)}".encode()

    def _file_object(
        self,
        file_id: str,
        name: str,
        title: str,
        content: bytes,
        mimetype: str | None,
        user: str,
    ) -> dict[str, Any]:
        mimetype = mimetype or mimetypes.guess_type(name)[0] or "application/octet-stream"
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else "binary"
        base = f"{self.base_url}/files-pri/{self.team_id}-{file_id}"
        quoted = urllib.parse.quote(name)
        now = int(self.now())
        return {
            "id": file_id,
            "created": now,
            "timestamp": now,
            "name": name,
            "title": title,
            "mimetype": mimetype,
            "filetype": ext,
            "pretty_type": ext.upper(),
            "user": user,
            "user_team": self.team_id,
            "editable": False,
            "size": len(content),
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": False,
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": f"{base}/{quoted}",
            "url_private_download": f"{base}/download/{quoted}",
            "permalink": f"https://{self.team_domain}.slack.com/files/{user}/{file_id}/{quoted}",
            "shares": {},
            "channels": [],
            "groups": [],
            "ims": [],
            "_content": content,
        }

    @staticmethod
    def _public_file(obj: Mapping[str, Any]) -> dict[str, Any]:
        return deepcopy({k: v for k, v in obj.items() if not k.startswith("_")})

    def _m_files_completeUploadExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        files = p.get("files")
        if not isinstance(files, list) or not files:
            raise _ApiError("invalid_arguments")
        channel_id = _str(p, "channel_id")
        channels = [c for c in (_str(p, "channels") or "").split(",") if c]
        targets = [channel_id] if channel_id else channels
        thread_ts = _str(p, "thread_ts")
        if thread_ts and len(targets) != 1:
            raise _ApiError("invalid_arguments")
        targets = [self._resolve_channel(c) for c in targets]
        pending_list = []
        for item in files:
            file_id = item.get("id") if isinstance(item, dict) else None
            pending = self._pending.get(file_id or "")
            if pending is None or pending.content is None:
                raise _ApiError(
                    "file_not_found",
                    response_metadata={"messages": [f"[ERROR] file {file_id} was not uploaded"]},
                )
            pending_list.append((pending, item.get("title") or pending.filename))
        done = []
        comment = _str(p, "initial_comment")
        objs = []
        for pending, title in pending_list:
            assert pending.content is not None
            obj = self._file_object(
                pending.file_id, pending.filename, title, pending.content, None, self.bot_user_id
            )
            self._files[pending.file_id] = obj
            del self._pending[pending.file_id]
            objs.append(obj)
            done.append({"id": pending.file_id, "title": title})
        for channel in targets:
            ts = self._next_ts()
            for obj in objs:
                obj["shares"].setdefault("private", {}).setdefault(channel, []).append({"ts": ts})
                obj["channels"].append(channel)
            msg = self._new_message({"text": comment or ""}, ts)
            msg.update({"upload": True, "files": [self._public_file(o) for o in objs]})
            self._store(channel, msg, thread_ts)
        for obj in objs:
            self._uploaded.append(
                UploadedFile(
                    id=obj["id"],
                    name=obj["name"],
                    title=obj["title"],
                    channel=targets[0] if targets else None,
                    thread_ts=thread_ts,
                    initial_comment=comment,
                    content=obj["_content"],
                    mimetype=obj["mimetype"],
                )
            )
        return {"files": done}

    def _m_files_info(self, p: dict[str, Any]) -> dict[str, Any]:
        obj = self._files.get(_str(p, "file") or "")
        if obj is None:
            raise _ApiError("file_not_found")
        return {
            "file": self._public_file(obj),
            "comments": [],
            "response_metadata": {"next_cursor": ""},
        }

    def _handle_download(self, route: str, headers: Mapping[str, str]) -> _Reply:
        fault = self._apply_fault("files.download")
        if fault is not None:
            return fault
        parts = route.split("/")  # ["", "files-pri", "T-F", ...]
        file_id = parts[2].split("-", 1)[-1] if len(parts) > 2 else ""
        auth = headers.get("authorization", "")
        authorized = auth.startswith("Bearer ") and auth[len("Bearer ") :].strip() in self._tokens
        with self._cond:
            obj = self._files.get(file_id)
            self._downloads.append(Download(file_id, authorized, self.now()))
            self._cond.notify_all()
            if not authorized:
                # What Slack serves to a request without a valid token: its sign-in page, HTTP 200.
                return 200, {"Content-Type": "text/html; charset=utf-8"}, _LOGIN_PAGE
            if obj is None:
                return 404, {"Content-Type": "text/plain"}, b"file not found"
            return 200, {"Content-Type": obj["mimetype"]}, obj["_content"]

    # -- response_url -------------------------------------------------------------------------

    def _handle_response_url(self, key: str, headers: Mapping[str, str], body: bytes) -> _Reply:
        fault = self._apply_fault("response_url")
        if fault is not None:
            return fault
        url = f"{self.base_url}/actions/{key}"
        content_type = headers.get("content-type", "")
        try:
            if content_type.startswith("application/json"):
                payload = json.loads(body or b"{}")
            else:
                form = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
                payload = json.loads(form.get("payload", "{}"))
            if not isinstance(payload, dict):
                raise ValueError
        except (ValueError, UnicodeDecodeError):
            return self._record_response(url, {}, 400, "invalid_payload", None)
        with self._cond:
            entry = self._response_urls.get(key)
            if entry is None:
                return self._record_response(url, payload, 404, "no_service", None)
            if self.now() - entry.issued_at > RESPONSE_URL_TTL:
                return self._record_response(url, payload, 404, "expired_url", entry)
            if entry.uses >= RESPONSE_URL_MAX_USES:
                return self._record_response(url, payload, 404, "used_url", entry)
            if not _truthy(payload.get("delete_original")):
                if not blockkit.has_message_content(payload):
                    return self._record_response(url, payload, 400, "no_text", entry)
                errors = blockkit.validate_message(payload)
                if errors:
                    return self._record_response(url, payload, 400, "invalid_blocks", entry, errors)
            entry.uses += 1
            self._apply_response(entry, payload)
            return self._record_response(url, payload, 200, None, entry)

    def _apply_response(self, entry: _ResponseUrl, payload: dict[str, Any]) -> None:
        original = None
        ephemeral = None
        target_ts = entry.message_ts or entry.last_ts
        if target_ts is not None:
            if entry.channel and target_ts in self._messages.get(entry.channel, {}):
                original = self._messages[entry.channel][target_ts]
            else:
                ephemeral = next(
                    (e for e in self._ephemerals if e["message_ts"] == target_ts), None
                )
        if _truthy(payload.get("delete_original")):
            if original is not None:
                del self._messages[entry.channel or ""][original["ts"]]
            elif ephemeral is not None:
                self._ephemerals.remove(ephemeral)
            return
        if _truthy(payload.get("replace_original")):
            target = original if original is not None else (ephemeral or {}).get("message")
            if target is not None:
                target["text"] = payload.get("text") or ""
                for key in ("blocks", "attachments"):
                    if payload.get(key) is not None:
                        target[key] = (
                            _with_generated_ids(payload[key], self._rng)
                            if key == "blocks"
                            else deepcopy(payload[key])
                        )
                    else:
                        target.pop(key, None)
                target["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
            return
        ts = self._next_ts()
        msg = self._new_message(payload, ts)
        if entry.message_ts is None:
            entry.last_ts = ts
        if payload.get("response_type") == "in_channel" and entry.channel:
            self._store(entry.channel, msg, _str(payload, "thread_ts"))
        else:
            self._ephemerals.append(
                {
                    "channel": entry.channel,
                    "user": entry.user_id,
                    "message_ts": ts,
                    "message": msg,
                    "source": "response_url",
                }
            )

    def _record_response(
        self,
        url: str,
        payload: dict[str, Any],
        status: int,
        error: str | None,
        entry: _ResponseUrl | None,
        errors: list[str] | None = None,
    ) -> _Reply:
        post = ResponseUrlPost(
            url=url,
            body=payload,
            at=self.now(),
            status=status,
            error=error,
            channel=entry.channel if entry else None,
            message_ts=entry.message_ts if entry else None,
            user_id=entry.user_id if entry else None,
        )
        with self._cond:
            self._responses.append(post)
            self._cond.notify_all()
        if error is None:
            return _json_reply({"ok": True})
        body: dict[str, Any] = {"ok": False, "error": error}
        if errors:
            body["errors"] = errors
            body["response_metadata"] = {"messages": blockkit.as_slack_messages(errors)}
        return _json_reply(body, status)


# -- helpers -------------------------------------------------------------------------------------


def _dm_channel(user_id: str) -> str:
    return "D" + user_id


def _is_reply(msg: Mapping[str, Any]) -> bool:
    return "thread_ts" in msg and msg["thread_ts"] != msg["ts"]


def _valid_metadata(metadata: Any) -> bool:
    return (
        isinstance(metadata, dict)
        and isinstance(metadata.get("event_type"), str)
        and bool(metadata["event_type"])
        and isinstance(metadata.get("event_payload"), dict)
    )


def _error_with_messages(error: str, messages: list[str]) -> dict[str, Any]:
    return {
        "ok": False,
        "error": error,
        "response_metadata": {"messages": [f"[ERROR] {m}" for m in messages]},
    }


def _decode_json_args(params: dict[str, Any]) -> str | None:
    """Decode JSON-string args in place; return a Slack error code if one is malformed."""
    errors = {
        "blocks": "invalid_blocks_format",
        "attachments": "invalid_attachments",
        "view": "invalid_arguments",
        "metadata": "invalid_metadata_format",
        "files": "invalid_arguments",
    }
    for key in _JSON_ARGS:
        value = params.get(key)
        if isinstance(value, str):
            if value == "" and key != "view":
                params[key] = None
                continue
            try:
                params[key] = json.loads(value)
            except ValueError:
                return errors[key]
    return None


def _with_generated_ids(blocks: Any, rng: random.Random) -> Any:
    """Copy of blocks with Slack's generated block_id / action_id filled in where missing."""
    blocks = deepcopy(blocks)
    if not isinstance(blocks, list):
        return blocks
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

    def gen(n: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    for block in blocks:
        if isinstance(block, dict):
            block.setdefault("block_id", gen(5))
    for _block, el in blockkit.iter_elements(blocks):
        if isinstance(el, dict):
            el.setdefault("action_id", gen(5))
    return blocks


def _parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, bytes]]:
    """Split a multipart/form-data body into text fields and file parts."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}
    if not message.is_multipart():
        return fields, files
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if not isinstance(name, str):
            continue
        if part.get_filename() is not None:
            files[name] = payload
        else:
            fields[name] = payload.decode("utf-8", "replace")
    return fields, files


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSlack
    server_version = "FakeSlack/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self, verb: str) -> None:
        body = self._read_body() if verb == "POST" else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            status, reply_headers, data = self.fake._handle(verb, self.path, headers, body)
        except _Drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(status)
        for key, value in reply_headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        self._serve("POST")

    def do_GET(self) -> None:
        self._serve("GET")
