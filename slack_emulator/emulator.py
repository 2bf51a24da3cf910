"""`FakeSlack`: the emulated Slack, put together: a workspace, its Web API and file and
response_url hosts on one local HTTP server, injected faults and the record of every call."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from copy import deepcopy
from typing import Any

from slack_emulator import api, file_hosts, response_urls
from slack_emulator.faults import Faults
from slack_emulator.methods.files import file_object, public_file
from slack_emulator.methods.views import replace_view, store_new_view
from slack_emulator.protocol import TRIGGER_TTL, Reply
from slack_emulator.readback import Readback
from slack_emulator.records import Recorder
from slack_emulator.server import Server
from slack_emulator.socket_mode import SocketHub
from slack_emulator.state import Team, Trigger, Workspace


class FakeSlack(Readback):
    """In-process Slack Web API (plus upload, file download and response_url hosts)."""

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
        app_token: str = "xapp-test",
        strict_users: bool = False,
        clock: Callable[[], float] = time.time,
        seed: int = 0,
        poll_interval: float = 0.005,
        trigger_ttl: float = TRIGGER_TTL,
    ) -> None:
        self.bot_token = bot_token
        team = Team(team_id, team_domain, team_name, bot_user_id, bot_id, app_id)
        self._ws = Workspace(
            team,
            {bot_token, app_token, *extra_tokens},
            strict_users=strict_users,
            clock=clock,
            seed=seed,
            trigger_ttl=trigger_ttl,
        )
        self._records = Recorder(self._ws.cond, clock)
        self._faults = Faults(self._ws.lock)
        self._poll_interval = poll_interval
        self._server: Server | None = None
        self.app_token = app_token
        # Socket Mode: the app's WebSocket connections and what goes over them.
        self.socket = SocketHub(app_id)
        self.set_user(bot_user_id, name="misa-bot", real_name="MISA Store", is_bot=True)

    # -- who the workspace and the app are ----------------------------------------------------

    @property
    def team_id(self) -> str:
        return self._ws.team.team_id

    @property
    def team_domain(self) -> str:
        return self._ws.team.team_domain

    @property
    def team_name(self) -> str:
        return self._ws.team.team_name

    @property
    def bot_user_id(self) -> str:
        return self._ws.team.bot_user_id

    @property
    def bot_id(self) -> str:
        return self._ws.team.bot_id

    @property
    def app_id(self) -> str:
        return self._ws.team.app_id

    @property
    def strict_users(self) -> bool:
        """Whether users.info refuses members never configured with `set_user`."""
        return self._ws.strict_users

    @strict_users.setter
    def strict_users(self, value: bool) -> None:
        self._ws.strict_users = value

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        """Bind 127.0.0.1 on a free port and serve in a daemon thread."""
        if self._server is None:
            self._server = Server(self._handle, poll_interval=self._poll_interval, hub=self.socket)
            self._ws.address = self._server.url
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.stop()
        self._server = None
        self._ws.address = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return self._ws.base_url

    @property
    def api_url(self) -> str:
        """Web API base URL for ``WebClient(base_url=...)`` / ``SLACK_API_URL``."""
        return f"{self.base_url}/api/"

    def reset(self, *, state: bool = True) -> None:
        """Forget recorded calls and responses; with ``state`` also messages, views, files, faults.

        Users, user groups and files added with `add_file` are configuration and are kept.
        """
        with self._ws.lock:
            self._records.clear()
            if state:
                self._ws.reset()
                self._faults.clear()

    def now(self) -> float:
        return self._ws.now()

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
        with self._ws.lock:
            user = self._ws.users.get(user_id) or self._ws.default_user(user_id)
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
            self._ws.users[user_id] = user
            return deepcopy(user)

    def user(self, user_id: str) -> dict[str, Any]:
        """The member record users.info would return (a default one if never configured)."""
        with self._ws.lock:
            return deepcopy(self._ws.users.get(user_id) or self._ws.default_user(user_id))

    def set_usergroup(self, group_id: str, user_ids: Iterable[str]) -> None:
        """Define a user group (usergroups.users.list)."""
        with self._ws.lock:
            self._ws.usergroups[group_id] = list(user_ids)

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
        with self._ws.lock:
            file_id = self._ws.new_id("F")
            obj = file_object(self._ws, file_id, name, title or name, content, mimetype, user)
            obj["_added"] = True
            self._ws.files[file_id] = obj
            return public_file(obj)

    def say(self, user_id: str, channel: str, text: str) -> str:
        """A person's message in a channel (what they type in Slack); its ts."""
        with self._ws.lock:
            self._ws.member(user_id)
            ts = self._ws.next_ts()
            msg = {"type": "message", "user": user_id, "text": text, "ts": ts}
            self._ws.store(self._ws.resolve_channel(channel), msg, None)
            return ts

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
        self._faults.add(
            method,
            status=status,
            retry_after=retry_after,
            error=error,
            times=times,
            drop_connection=drop_connection,
            delay=delay,
            lose_response=lose_response,
        )

    def pending_faults(self, *, clear: bool = False) -> dict[str, int]:
        """Faults injected with `fail_next` that no call has met yet (by method); ``clear``
        drops them, so one test's faults never reach the next."""
        return self._faults.pending(clear=clear)

    # -- what Slack hands the app with each interaction ---------------------------------------

    def issue_trigger_id(
        self, user_id: str = "U_STAFF", *, age: float = 0.0, view_id: str | None = None
    ) -> str:
        """A fresh trigger_id as Slack sends with each interaction (``age`` back-dates it)."""
        ws = self._ws
        with ws.lock:
            now = ws.now()
            trigger = f"{int(now)}.{ws.rng.randint(10**9, 10**10)}.{ws.rng.getrandbits(128):032x}"
            ws.triggers[trigger] = Trigger(user_id, now - age, view_id)
            return trigger

    def new_response_url(
        self,
        *,
        channel: str | None = None,
        message_ts: str | None = None,
        user_id: str | None = None,
        age: float = 0.0,
    ) -> str:
        """A unique response_url on the emulator, optionally tied to the message it came from."""
        return response_urls.issue(
            self._ws, channel=channel, message_ts=message_ts, user_id=user_id, age=age
        )

    # -- view stack changes driven by the user / ack (used by SignedSlack) --------------------

    def close_view(self, user_id: str, view_id: str | None = None, *, clear: bool = False) -> None:
        """The user closes the top view (or the whole stack with ``clear``)."""
        with self._ws.cond:
            stack = self._ws.stacks.get(user_id, [])
            if clear:
                stack.clear()
            elif stack and (view_id is None or stack[-1] == view_id):
                stack.pop()
            self._ws.cond.notify_all()

    def apply_view_ack(self, user_id: str, view_id: str, ack: Mapping[str, Any] | None) -> None:
        """Apply a view_submission ack as Slack does: close, errors, update, push or clear."""
        ws = self._ws
        with ws.cond:
            if not ack:
                self.close_view(user_id, view_id)
                return
            action = ack.get("response_action")
            if action == "errors":
                ws.view_errors[view_id] = dict(ack.get("errors") or {})
            elif action == "clear":
                self.close_view(user_id, clear=True)
            elif action == "update":
                replace_view(ws, view_id, ack["view"])
                ws.view_errors.pop(view_id, None)
            elif action == "push":
                stack = ws.stacks.setdefault(user_id, [])
                store_new_view(ws, user_id, dict(ack["view"]), stack)
            ws.cond.notify_all()

    def set_view_state(
        self, view_id: str, block_id: str, action_id: str, value: dict[str, Any]
    ) -> None:
        """Record what the user entered in a view element (kept across views.update)."""
        with self._ws.cond:
            view = self._ws.views[view_id]
            view["state"]["values"].setdefault(block_id, {})[action_id] = deepcopy(value)

    # -- HTTP entry point (called from the server's threads) ----------------------------------

    def _handle(self, verb: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        route = urllib.parse.urlsplit(path)
        where = route.path
        ws, faults, records = self._ws, self._faults, self._records
        if where.startswith("/api/"):
            method = where[len("/api/") :]
            return api.handle(ws, faults, records, method, route.query, headers, body)
        if where.startswith("/upload/v1/") and verb == "POST":
            return file_hosts.upload(ws, faults, where[len("/upload/v1/") :], headers, body)
        if where.startswith("/files-pri/") and verb == "GET":
            return file_hosts.download(ws, faults, records, where, headers)
        if where.startswith("/actions/") and verb == "POST":
            key = where[len("/actions/") :]
            return response_urls.post(ws, faults, records, key, headers, body)
        return 404, {"Content-Type": "text/plain"}, b"not found"
