"""What tests read back from the emulator: the calls it received and what a user would see
(messages, ephemeral messages, views, files). Every result is a copy."""

from __future__ import annotations

import time
from collections.abc import Callable
from copy import deepcopy
from typing import Any

from slack_emulator.methods.files import public_file
from slack_emulator.records import Call, Download, Recorder, ResponseUrlPost
from slack_emulator.state import UploadedFile, Workspace, is_reply


class Readback:
    """Read-only accessors of `FakeSlack`, over its workspace and its records."""

    _ws: Workspace
    _records: Recorder

    # -- recorded calls -----------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._ws.lock:
            return list(self._records.calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._ws.lock:
            return [c for c in self._records.calls if c.method == method]

    def mark(self) -> int:
        """Index to pass as ``after=`` so `wait_for` ignores calls made before now."""
        with self._ws.lock:
            return len(self._records.calls)

    def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 10.0,
        *,
        after: int = 0,
    ) -> Call:
        """First call to ``method`` (at index >= ``after``) matching ``predicate``; waits for it."""
        return self._records.wait_for(method, predicate, timeout, after)

    @property
    def responses(self) -> list[ResponseUrlPost]:
        with self._ws.lock:
            return list(self._records.responses)

    def wait_for_response(
        self,
        predicate: Callable[[ResponseUrlPost], bool] | None = None,
        timeout: float = 10.0,
        *,
        after: int = 0,
    ) -> ResponseUrlPost:
        """First POST to any response_url (index >= ``after``) matching ``predicate``."""
        return self._records.wait_for_response(predicate, timeout, after)

    def post_times(self, channel: str) -> list[float]:
        """Times of successful chat.postMessage calls to ``channel`` (rate checks: 1/s/channel)."""
        with self._ws.lock:
            return list(self._ws.post_times.get(channel, []))

    @property
    def downloads(self) -> list[Download]:
        with self._ws.lock:
            return list(self._records.downloads)

    # -- messages and files -------------------------------------------------------------------

    def messages(self, channel: str, *, include_replies: bool = True) -> list[dict[str, Any]]:
        """Messages in a channel, oldest first."""
        with self._ws.lock:
            msgs = sorted(self._ws.messages.get(channel, {}).values(), key=lambda m: m["ts"])
            if not include_replies:
                msgs = [m for m in msgs if not is_reply(m)]
            return deepcopy(msgs)

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        with self._ws.lock:
            msg = self._ws.messages.get(channel, {}).get(ts)
            return deepcopy(msg) if msg is not None else None

    def find_message(self, ts: str) -> tuple[str, dict[str, Any]] | None:
        """``(channel, message)`` for a ts anywhere in the workspace (ts are unique here)."""
        with self._ws.lock:
            channel = self._ws.ts_channel.get(ts)
            if channel is None or ts not in self._ws.messages.get(channel, {}):
                return None
            return channel, deepcopy(self._ws.messages[channel][ts])

    def channel_of(self, ts: str) -> str | None:
        with self._ws.lock:
            return self._ws.ts_channel.get(ts)

    def ephemerals(
        self, *, user: str | None = None, channel: str | None = None
    ) -> list[dict[str, Any]]:
        """Ephemeral messages: ``{"channel", "user", "message_ts", "message", "source"}``."""
        with self._ws.lock:
            return deepcopy(
                [
                    e
                    for e in self._ws.ephemerals
                    if (user is None or e["user"] == user)
                    and (channel is None or e["channel"] == channel)
                ]
            )

    def find_ephemeral(self, message_ts: str) -> dict[str, Any] | None:
        with self._ws.lock:
            for e in self._ws.ephemerals:
                if e["message_ts"] == message_ts:
                    return deepcopy(e)
            return None

    def uploaded_files(self) -> list[UploadedFile]:
        with self._ws.lock:
            return list(self._ws.uploaded)

    def file(self, file_id: str) -> dict[str, Any] | None:
        with self._ws.lock:
            obj = self._ws.files.get(file_id)
            return public_file(obj) if obj else None

    # -- views --------------------------------------------------------------------------------

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        """Latest version of every view ever opened, pushed or published, by view id."""
        with self._ws.lock:
            return deepcopy(self._ws.views)

    def view(self, view_id: str) -> dict[str, Any]:
        with self._ws.lock:
            if view_id not in self._ws.views:
                raise KeyError(f"no view {view_id}; known: {sorted(self._ws.views)}")
            return deepcopy(self._ws.views[view_id])

    def get_view(self, view_id: Any) -> dict[str, Any] | None:
        """Latest version of a view, or None if the emulator never saw it."""
        with self._ws.lock:
            view = self._ws.views.get(view_id) if isinstance(view_id, str) else None
            return deepcopy(view) if view is not None else None

    def view_versions(self, view_id: str) -> list[dict[str, Any]]:
        with self._ws.lock:
            return deepcopy(self._ws.view_versions.get(view_id, []))

    def view_stack(self, user_id: str) -> list[dict[str, Any]]:
        """The user's open modal views, root first."""
        with self._ws.lock:
            return [deepcopy(self._ws.views[v]) for v in self._ws.stacks.get(user_id, [])]

    def current_view(self, user_id: str) -> dict[str, Any] | None:
        """The modal view on top of the user's stack (what the user sees), or None."""
        with self._ws.lock:
            stack = self._ws.stacks.get(user_id)
            return deepcopy(self._ws.views[stack[-1]]) if stack else None

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        with self._ws.lock:
            view_id = self._ws.home.get(user_id)
            return deepcopy(self._ws.views[view_id]) if view_id else None

    def is_open(self, view_id: str) -> bool:
        with self._ws.lock:
            return self._ws.is_open(view_id)

    def view_errors(self, view_id: str) -> dict[str, str]:
        """Inline errors last shown on a view through ``response_action: errors``."""
        with self._ws.lock:
            return dict(self._ws.view_errors.get(view_id, {}))

    def wait_for_view(
        self, user_id: str, callback_id: str | None = None, timeout: float = 10.0
    ) -> dict[str, Any]:
        """Wait until the user's top modal exists (and has ``callback_id``); return it."""
        deadline = time.monotonic() + timeout
        with self._ws.cond:
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
                        f"{self._records.describe_calls()}"
                    )
                self._ws.cond.wait(min(remaining, 0.05))
