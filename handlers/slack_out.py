"""Slack out, for outbox deliverers: post, update, upload and DM, paced per channel.

Errors Slack will repeat whatever we do become PermanentFailure (the outbox gives up and logs);
anything else propagates and the outbox retries with backoff. 429s are retried inside the
client (Retry-After honoured).
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.outbox import OutboxJob, PermanentFailure
from handlers.blocks.kit import Block

T = TypeVar("T")
log = logging.getLogger(__name__)

# Every post carries this in Slack's message metadata, with the outbox step it delivers, so a
# retry after a crash can find a post Slack accepted but the database never recorded.
DELIVERY_EVENT = "misa_store_delivery"

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


@dataclass(frozen=True)
class FileUpload:
    filename: str
    content: bytes
    title: str


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
        # Posts are retried only on 429 (Slack did nothing). A 5xx or a lost connection may
        # hide a post Slack made: the outbox retries those, after looking for it first.
        self._post_client = type(client)(  # the same class: metered like the client
            token=client.token,
            base_url=client.base_url,
            timeout=client.timeout,
            retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)],
        )

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
        delivery_key: str | None = None,
    ) -> tuple[str, str]:
        """Post a message; returns (channel id, ts) as Slack reports them."""
        self.pacer.wait(channel)
        metadata = None
        if delivery_key:
            metadata = {"event_type": DELIVERY_EVENT, "event_payload": {"key": delivery_key}}
        response = self._call(
            self._post_client.chat_postMessage,
            channel=channel,
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
            metadata=metadata,
            unfurl_links=False,
            unfurl_media=False,
        )
        return response["channel"], response["ts"]

    def post_once(
        self,
        job: OutboxJob,
        step: str,
        channel: str,
        text: str,
        blocks: list[Block],
        *,
        thread_ts: str | None = None,
    ) -> tuple[str, str]:
        """Post for one step of an outbox delivery, once, even across a crash.

        The step is marked started (in the database) before Slack sees it. A retry that finds
        it started but not finished looks for the tagged message in the channel before
        posting again: the process may have died after Slack accepted the post.
        """
        if step in job.done:
            posted_channel, ts = job.done[step]
            return posted_channel, ts
        key = f"{job.id}:{step}"
        started = job.done.get(f"{step}.started")
        if started and started["channel"] == channel:
            ts = self._find_delivery(channel, key, since=started["at"], thread_ts=thread_ts)
            if ts is not None:
                job.checkpoint(step, [channel, ts])
                return channel, ts
        job.checkpoint(f"{step}.started", {"channel": channel, "at": time.time() - 5})
        posted_channel, ts = self.post(channel, text, blocks, thread_ts=thread_ts, delivery_key=key)
        job.checkpoint(step, [posted_channel, ts])
        return posted_channel, ts

    def _find_delivery(
        self, channel: str, key: str, *, since: float, thread_ts: str | None
    ) -> str | None:
        """The ts of the message tagged `key` posted after `since`, if Slack has it."""
        try:
            if thread_ts:
                response = self.client.conversations_replies(
                    channel=channel, ts=thread_ts, include_all_metadata=True, limit=200
                )
            else:
                response = self.client.conversations_history(
                    channel=channel, oldest=f"{since:.6f}", include_all_metadata=True, limit=200
                )
        except SlackApiError as exc:
            # Without history access the check cannot be made: post (at least once).
            log.warning("cannot check %s for an earlier delivery: %s", channel, exc)
            return None
        for message in response.get("messages", []):
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == DELIVERY_EVENT
                and (metadata.get("event_payload") or {}).get("key") == key
            ):
                return message["ts"]
        return None

    def update(self, channel: str, ts: str, text: str, blocks: list[Block]) -> None:
        self._call(self.client.chat_update, channel=channel, ts=ts, text=text, blocks=blocks)

    def ephemeral(self, channel: str, user: str, text: str, blocks: list[Block]) -> None:
        self._call(
            self.client.chat_postEphemeral, channel=channel, user=user, text=text, blocks=blocks
        )

    def upload_once(
        self,
        job: OutboxJob,
        step: str,
        channel: str,
        files: list[FileUpload],
        *,
        thread_ts: str | None = None,
        comment: str | None = None,
    ) -> None:
        """Share files (one message) for one step of an outbox delivery, once, even across a
        crash or a reply lost after Slack completed it (files.upload is retired: the
        three-call upload).

        The files' ids are recorded before Slack is asked to complete the upload; a retry that
        finds them asks Slack whether they are already shared in the channel.
        """
        if step in job.done or not files:
            return
        started = job.done.get(f"{step}.started")
        if (
            started
            and started["channel"] == channel
            and all(self._shared(file_id, channel) for file_id in started["files"])
        ):
            job.checkpoint(step, started["files"])
            return
        self.pacer.wait(channel)
        ids = []
        for file in files:
            ticket = self._call(
                self.client.files_getUploadURLExternal,
                filename=file.filename,
                length=len(file.content),
            )
            self._send_file(ticket["upload_url"], file.content)
            ids.append(ticket["file_id"])
        job.checkpoint(f"{step}.started", {"channel": channel, "files": ids})
        self._call(
            self.client.files_completeUploadExternal,
            files=[{"id": i, "title": file.title} for i, file in zip(ids, files, strict=True)],
            channel_id=channel,
            thread_ts=thread_ts,
            initial_comment=comment,
        )
        job.checkpoint(step, ids)

    def _send_file(self, url: str, content: bytes) -> None:
        """The upload itself (step two of three); any failure is left to the outbox's retry."""
        request = urllib.request.Request(
            url,
            data=content,
            method="POST",
            headers={"Content-Type": "application/octet-stream"},
        )
        with urllib.request.urlopen(request, timeout=self.client.timeout) as response:
            if response.status != 200:
                raise OSError(f"file upload answered {response.status}")

    def _shared(self, file_id: str, channel: str) -> bool:
        """Whether Slack has the file shared in the channel already."""
        try:
            file = self.client.files_info(file=file_id)["file"]
        except SlackApiError as exc:
            if exc.response.get("error") == "file_not_found":
                return False  # never completed: upload it afresh
            raise
        shares = file.get("shares") or {}
        shared_in = {c for kind in shares.values() for c in kind}
        return channel in shared_in or channel in (file.get("channels") or [])

    def dm_channel(self, user_id: str) -> str:
        response = self._call(self.client.conversations_open, users=user_id)
        return response["channel"]["id"]
