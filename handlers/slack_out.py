"""Slack out, for outbox deliverers: post, update, upload and DM, paced per channel.

Errors Slack will repeat whatever we do become PermanentFailure (the outbox gives up and logs);
anything else propagates and the outbox retries with backoff. 429s are retried inside the
client (Retry-After honoured).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.outbox import PermanentFailure
from handlers.blocks.kit import Block

T = TypeVar("T")

PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_blocks",
        "invalid_arguments",
        "msg_too_long",
        "no_text",
        "user_not_found",
        "cannot_dm_bot",
        "message_not_found",
        "cant_update_message",
        "method_deprecated",
        "file_not_found",
    }
)


class ChannelPacer:
    """At most one message per second per channel, as Slack asks of chat.postMessage."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, channel: str) -> None:
        with self._lock:
            now = time.monotonic()
            at = max(now, self._next.get(channel, 0.0))
            self._next[channel] = at + self.interval
        if at > now:
            time.sleep(at - now)


class SlackOut:
    def __init__(self, client: WebClient, pacer: ChannelPacer | None = None) -> None:
        self.client = client
        self.pacer = pacer or ChannelPacer()

    def _call(self, fn: Callable[..., Any], **kwargs: Any) -> Any:
        try:
            return fn(**kwargs)
        except SlackApiError as exc:
            error = exc.response.get("error", "") if exc.response is not None else ""
            if error in PERMANENT_ERRORS:
                raise PermanentFailure(f"{fn.__name__}: {error}") from exc
            raise

    def post(
        self,
        channel: str,
        text: str,
        blocks: list[Block],
        *,
        thread_ts: str | None = None,
    ) -> tuple[str, str]:
        """Post a message; returns (channel id, ts) as Slack reports them."""
        self.pacer.wait(channel)
        response = self._call(
            self.client.chat_postMessage,
            channel=channel,
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
        )
        return response["channel"], response["ts"]

    def update(self, channel: str, ts: str, text: str, blocks: list[Block]) -> None:
        self._call(self.client.chat_update, channel=channel, ts=ts, text=text, blocks=blocks)

    def ephemeral(self, channel: str, user: str, text: str, blocks: list[Block]) -> None:
        self._call(
            self.client.chat_postEphemeral, channel=channel, user=user, text=text, blocks=blocks
        )

    def upload(
        self,
        channel: str,
        *,
        filename: str,
        content: bytes,
        title: str,
        thread_ts: str | None = None,
        comment: str | None = None,
    ) -> None:
        """files_upload_v2 (files.upload is retired)."""
        self.pacer.wait(channel)
        self._call(
            self.client.files_upload_v2,
            channel=channel,
            filename=filename,
            content=content,
            title=title,
            thread_ts=thread_ts,
            initial_comment=comment,
        )

    def dm_channel(self, user_id: str) -> str:
        response = self._call(self.client.conversations_open, users=user_id)
        return response["channel"]["id"]
