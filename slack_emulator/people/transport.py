"""The transport: signed HTTP requests to the bot's /slack/events endpoint, with the headers
Slack sends, and the parts of every payload (who, which team, a fresh trigger_id and
response_url from the emulator). Events API deliveries go straight through it."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.parse
from collections.abc import Mapping
from typing import Any, TypedDict, Unpack

import httpx

from slack_emulator.emulator import FakeSlack


class SendOptions(TypedDict, total=False):
    """Transport options accepted by every request method."""

    retry_num: int | None  # sends X-Slack-Retry-Num / X-Slack-Retry-Reason
    retry_reason: str
    timestamp: int | None  # X-Slack-Request-Timestamp override (e.g. a stale request)
    bad_signature: bool  # sign with the wrong secret
    unsigned: bool  # send no signature headers at all


class SubmissionBlocked(AssertionError):
    """The Slack client would not let the user submit this view (client-side validation)."""


class Transport:
    """Slack's side of the HTTP conversation with the bot."""

    def __init__(
        self,
        events_url: str,
        signing_secret: str,
        fake: FakeSlack,
        team_id: str = "T0001",
        *,
        api_app_id: str | None = None,
        team_domain: str | None = None,
        verification_token: str = "legacy-verification-token",
        timeout: float = 10.0,
    ) -> None:
        self.events_url = events_url
        self.signing_secret = signing_secret
        self.fake = fake
        self.team_id = team_id
        self.api_app_id = api_app_id or fake.app_id
        self.team_domain = team_domain or fake.team_domain
        self.verification_token = verification_token
        self.http = httpx.Client(timeout=timeout)
        self.last_trigger_id: str | None = None
        self.last_response_url: str | None = None
        self._event_seq = 0

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport ----------------------------------------------------------------------------

    def signature(self, body: bytes, timestamp: int, secret: str | None = None) -> str:
        """``v0=`` + HMAC-SHA256 of ``v0:{timestamp}:{body}`` with the signing secret."""
        key = (secret if secret is not None else self.signing_secret).encode()
        base = b"v0:" + str(timestamp).encode() + b":" + body
        return "v0=" + hmac.new(key, base, hashlib.sha256).hexdigest()

    def send(self, body: bytes, content_type: str, **opts: Unpack[SendOptions]) -> httpx.Response:
        """POST a raw body to the bot with Slack's headers."""
        timestamp = opts.get("timestamp")
        ts = int(time.time()) if timestamp is None else int(timestamp)
        headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }
        if not opts.get("unsigned"):
            secret = "not-the-signing-secret" if opts.get("bad_signature") else None
            headers["X-Slack-Request-Timestamp"] = str(ts)
            headers["X-Slack-Signature"] = self.signature(body, ts, secret)
        retry_num = opts.get("retry_num")
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = opts.get("retry_reason", "http_timeout")
        return self.http.post(self.events_url, content=body, headers=headers)

    def _send_form(self, fields: Mapping[str, str], opts: SendOptions) -> httpx.Response:
        body = urllib.parse.urlencode(fields).encode()
        return self.send(body, "application/x-www-form-urlencoded", **opts)

    def _send_payload(self, payload: Mapping[str, Any], opts: SendOptions) -> httpx.Response:
        return self._send_form({"payload": json.dumps(payload, ensure_ascii=False)}, opts)

    def _user(self, user_id: str) -> dict[str, Any]:
        record = self.fake.user(user_id)
        return {
            "id": user_id,
            "username": record["name"],
            "name": record["name"],
            "team_id": self.team_id,
        }

    def _team(self) -> dict[str, Any]:
        return {"id": self.team_id, "domain": self.team_domain}

    def _trigger(self, user_id: str, view_id: str | None = None) -> str:
        self.last_trigger_id = self.fake.issue_trigger_id(user_id, view_id=view_id)
        return self.last_trigger_id

    def _response_url(self, **kwargs: Any) -> str:
        self.last_response_url = self.fake.new_response_url(**kwargs)
        return self.last_response_url

    # -- Events API ---------------------------------------------------------------------------

    def event(self, event: Mapping[str, Any], **opts: Unpack[SendOptions]) -> httpx.Response:
        """An Events API ``event_callback`` wrapping ``event``."""
        self._event_seq += 1
        now = time.time()
        inner = {"event_ts": f"{now:.6f}", **event}
        envelope = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "context_enterprise_id": None,
            "api_app_id": self.api_app_id,
            "event": inner,
            "type": "event_callback",
            "event_id": f"Ev{int(now)}{self._event_seq:06d}",
            "event_time": int(now),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.fake.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{self._event_seq:08x}",
        }
        body = json.dumps(envelope, ensure_ascii=False).encode()
        return self.send(body, "application/json", **opts)

    def app_home_opened(
        self, user_id: str = "U_STAFF", **opts: Unpack[SendOptions]
    ) -> httpx.Response:
        """The user opens the app's Home tab."""
        home = self.fake.home_view(user_id)
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": "D" + user_id,
            "tab": "home",
        }
        if home is not None:
            event["view"] = home
        return self.event(event, **opts)

    def link_shared(
        self,
        urls: list[str],
        *,
        channel: str,
        message_ts: str,
        user_id: str = "U_STAFF",
        **opts: Unpack[SendOptions],
    ) -> httpx.Response:
        """Someone posted a message with links of the app's unfurl domains."""
        event: dict[str, Any] = {
            "type": "link_shared",
            "channel": channel,
            "user": user_id,
            "message_ts": message_ts,
            "unfurl_id": f"{channel}.{message_ts}.unfurl",
            "source": "conversations_history",
            "links": [{"domain": urllib.parse.urlsplit(u).hostname or "", "url": u} for u in urls],
        }
        return self.event(event, **opts)

    def url_verification(self, challenge: str, **opts: Unpack[SendOptions]) -> httpx.Response:
        body = json.dumps(
            {"token": self.verification_token, "challenge": challenge, "type": "url_verification"}
        ).encode()
        return self.send(body, "application/json", **opts)
