"""What the emulated workspace remembers: members and user groups, channels and their messages,
ephemeral messages, views and view stacks, files and uploads, trigger ids and response URLs.

Whoever reads or changes it holds `Workspace.lock`; `cond` (on the same lock) wakes up waiters.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable, Mapping
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

from slack_emulator import blockkit
from slack_emulator.protocol import ApiError


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


@dataclass
class Trigger:
    user_id: str
    issued_at: float
    view_id: str | None
    used: bool = False


@dataclass
class ResponseUrl:
    issued_at: float
    channel: str | None
    message_ts: str | None
    user_id: str | None
    uses: int = 0
    last_ts: str | None = None  # message this URL posted (slash commands: "original" for replace)


@dataclass
class PendingUpload:
    file_id: str
    filename: str
    length: int
    alt_txt: str | None
    upload_token: str
    content: bytes | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Team:
    """Who the workspace and the app are."""

    team_id: str = "T0001"
    team_domain: str = "misa-test"
    team_name: str = "MISA Test"
    bot_user_id: str = "U0BOT"
    bot_id: str = "B0BOT"
    app_id: str = "A0001"


def dm_channel(user_id: str) -> str:
    return "D" + user_id


def is_reply(msg: Mapping[str, Any]) -> bool:
    return "thread_ts" in msg and msg["thread_ts"] != msg["ts"]


class Workspace:
    """The emulated workspace's state, and the small operations every method group shares."""

    def __init__(
        self,
        team: Team,
        tokens: Iterable[str],
        *,
        strict_users: bool,
        clock: Callable[[], float],
        seed: int,
        trigger_ttl: float,
    ) -> None:
        self.team = team
        self.tokens = set(tokens)
        self.strict_users = strict_users
        self.trigger_ttl = trigger_ttl
        self.clock = clock
        self.rng = random.Random(seed)
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.address: str | None = None  # http://host:port once the server listens
        self.users: dict[str, dict[str, Any]] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.reset()

    def reset(self) -> None:
        """Forget messages, views, files, triggers and response URLs; keep members, user groups
        and the files added as configuration (`FakeSlack.add_file`)."""
        with self.lock:
            kept_files = {k: v for k, v in self.files.items() if v.get("_added")}
            self.messages: dict[str, dict[str, dict[str, Any]]] = {}
            self.ts_channel: dict[str, str] = {}
            self.ephemerals: list[dict[str, Any]] = []
            self.post_times: dict[str, list[float]] = {}
            self.last_micros = 0
            self.views: dict[str, dict[str, Any]] = {}
            self.view_versions: dict[str, list[dict[str, Any]]] = {}
            self.view_owner: dict[str, str] = {}
            self.view_errors: dict[str, dict[str, str]] = {}
            self.stacks: dict[str, list[str]] = {}
            self.home: dict[str, str] = {}
            self.triggers: dict[str, Trigger] = {}
            self.response_urls: dict[str, ResponseUrl] = {}
            self.pending: dict[str, PendingUpload] = {}
            self.upload_tokens: dict[str, str] = {}
            self.files = kept_files
            self.uploaded: list[UploadedFile] = []
            self.dm_open: set[str] = set()

    @property
    def base_url(self) -> str:
        if self.address is None:
            raise RuntimeError("FakeSlack is not started")
        return self.address

    # -- ids and clock ------------------------------------------------------------------------

    def now(self) -> float:
        return self.clock()

    def new_id(self, prefix: str, length: int = 10) -> str:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        return prefix + "".join(self.rng.choice(alphabet) for _ in range(length))

    def new_hash(self) -> str:
        return f"{int(self.now())}.{self.rng.getrandbits(32):08x}"

    def next_ts(self) -> str:
        """A message ts, unique and increasing even within one microsecond."""
        micros = max(int(self.now() * 1_000_000), self.last_micros + 1)
        self.last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def with_generated_ids(self, blocks: Any) -> Any:
        """Copy of blocks with Slack's generated block_id / action_id filled in where missing."""
        blocks = deepcopy(blocks)
        if not isinstance(blocks, list):
            return blocks
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

        def gen(n: int) -> str:
            return "".join(self.rng.choice(alphabet) for _ in range(n))

        for block in blocks:
            if isinstance(block, dict):
                block.setdefault("block_id", gen(5))
        for _block, el in blockkit.iter_elements(blocks):
            if isinstance(el, dict):
                el.setdefault("action_id", gen(5))
        return blocks

    # -- members ------------------------------------------------------------------------------

    def default_user(self, user_id: str) -> dict[str, Any]:
        name = user_id.lower()
        team_id = self.team.team_id
        return {
            "id": user_id,
            "team_id": team_id,
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
                "team": team_id,
            },
        }

    def member(self, user_id: str | None) -> dict[str, Any]:
        """The member record (made up on first use unless `strict_users`); else user_not_found."""
        if not user_id:
            raise ApiError("user_not_found")
        if user_id not in self.users:
            if self.strict_users or user_id[:1] not in ("U", "W"):
                raise ApiError("user_not_found")
            self.users[user_id] = self.default_user(user_id)
        return self.users[user_id]

    # -- messages -----------------------------------------------------------------------------

    def resolve_channel(self, channel: str | None) -> str:
        """The channel id a message goes to: a user id means the DM with that user."""
        if not channel:
            raise ApiError("channel_not_found")
        if channel[:1] in ("U", "W"):
            self.member(channel)
            return dm_channel(channel)
        return channel

    def new_message(self, p: Mapping[str, Any], ts: str) -> dict[str, Any]:
        """A message from the bot as Slack stores it."""
        team = self.team
        msg: dict[str, Any] = {
            "type": "message",
            "user": team.bot_user_id,
            "bot_id": team.bot_id,
            "app_id": team.app_id,
            "team": team.team_id,
            "text": p.get("text") or "",
            "ts": ts,
            "bot_profile": {"id": team.bot_id, "app_id": team.app_id, "name": "misa-bot"},
        }
        if p.get("blocks") is not None:
            msg["blocks"] = self.with_generated_ids(p["blocks"])
        if p.get("attachments") is not None:
            msg["attachments"] = deepcopy(p["attachments"])
        if p.get("metadata") is not None:
            msg["metadata"] = deepcopy(p["metadata"])
        return msg

    def store(self, channel: str, msg: dict[str, Any], thread_ts: str | None) -> None:
        """Put a message in a channel (in a thread when ``thread_ts``), updating its parent."""
        if thread_ts:
            msg["thread_ts"] = thread_ts
            parent = self.messages.get(channel, {}).get(thread_ts)
            if parent is not None and not is_reply(parent):
                msg["parent_user_id"] = parent.get("user")
                parent["thread_ts"] = thread_ts
                parent["reply_count"] = parent.get("reply_count", 0) + 1
                users = parent.setdefault("reply_users", [])
                if msg["user"] not in users:
                    users.append(msg["user"])
                parent["reply_users_count"] = len(users)
                parent["latest_reply"] = msg["ts"]
        self.messages.setdefault(channel, {})[msg["ts"]] = msg
        self.ts_channel[msg["ts"]] = channel

    def stored(self, channel: str | None, ts: str | None) -> dict[str, Any]:
        """The stored message (to change it in place); else message_not_found."""
        if not channel or not ts:
            raise ApiError("message_not_found")
        channel = self.resolve_channel(channel)
        msg = self.messages.get(channel, {}).get(ts)
        if msg is None:
            raise ApiError("message_not_found")
        return msg

    # -- views --------------------------------------------------------------------------------

    def is_open(self, view_id: str) -> bool:
        """Whether the view is on someone's modal stack or is someone's Home tab."""
        return any(view_id in s for s in self.stacks.values()) or view_id in self.home.values()
