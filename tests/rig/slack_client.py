"""Talk to the bot the way Slack does: signed HTTP requests to its /slack/events endpoint.

Payloads follow Slack's documented shapes (slash commands, block_actions, view_submission,
view_closed, block_suggestion, Events API). Each interaction carries a fresh trigger_id and
response_url issued by the `FakeSlack`, so whatever the bot does next with them is checked there.

The client also behaves like the Slack client a person uses: it only clicks buttons that are in the
message or view, and it refuses to submit a modal Slack would not let the user submit (empty
required input, text shorter than min_length, a number out of range, an invalid email...).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import time
import urllib.parse
from collections.abc import Mapping, Sequence
from copy import deepcopy
from typing import Any, TypedDict, Unpack

import httpx

from slack_emulator import FakeSlack, blockkit

_VIEW_TYPES = ("modal", "home")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class SendOptions(TypedDict, total=False):
    """Transport options accepted by every request method."""

    retry_num: int | None  # sends X-Slack-Retry-Num / X-Slack-Retry-Reason
    retry_reason: str
    timestamp: int | None  # X-Slack-Request-Timestamp override (e.g. a stale request)
    bad_signature: bool  # sign with the wrong secret
    unsigned: bool  # send no signature headers at all


class SubmissionBlocked(AssertionError):
    """The Slack client would not let the user submit this view (client-side validation)."""


class SignedSlack:
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

    def __enter__(self) -> SignedSlack:
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

    # -- slash commands -----------------------------------------------------------------------

    def command(
        self,
        text: str = "",
        *,
        user_id: str = "U_STAFF",
        channel_id: str = "C_SUPPORT",
        command: str = "/misa",
        channel_name: str | None = None,
        retry_num: int | None = None,
        timestamp: int | None = None,
        bad_signature: bool = False,
        unsigned: bool = False,
        **overrides: str,
    ) -> httpx.Response:
        """A slash command, form-encoded with every field Slack sends; ``overrides`` replace any."""
        fields: dict[str, str] = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": channel_name
            or ("directmessage" if channel_id.startswith("D") else channel_id.lower()),
            "user_id": user_id,
            "user_name": self._user(user_id)["name"],
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": self._response_url(channel=channel_id, user_id=user_id),
            "trigger_id": self._trigger(user_id),
        }
        fields.update(overrides)
        opts = SendOptions(
            retry_num=retry_num, timestamp=timestamp, bad_signature=bad_signature, unsigned=unsigned
        )
        return self._send_form(fields, opts)

    # -- block actions ------------------------------------------------------------------------

    def _surface(
        self,
        message: Mapping[str, Any] | None,
        view: Mapping[str, Any] | None,
        channel_id: str | None,
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None, str | None, bool]:
        """Latest version of the message/view the user sees: (message, view, channel, ephemeral)."""
        if view is not None:
            latest = self.fake.get_view(view.get("id"))
            return None, latest or deepcopy(dict(view)), None, False
        if message is None:
            return None, None, channel_id, False
        ts = message.get("ts") or message.get("message_ts")
        found = self.fake.find_message(ts) if isinstance(ts, str) else None
        if found is not None:
            return found[1], None, found[0], False
        ephemeral = self.fake.find_ephemeral(ts) if isinstance(ts, str) else None
        if ephemeral is not None:
            return ephemeral["message"], None, ephemeral["channel"], True
        if channel_id is None:
            raise AssertionError(f"message ts={ts!r} is not known to the fake; pass channel_id=")
        return dict(message), None, channel_id, False

    def block_action(
        self,
        action_id: str,
        value: str | None = None,
        *,
        block_id: str | None = None,
        user_id: str = "U_STAFF",
        channel_id: str | None = None,
        message: Mapping[str, Any] | None = None,
        view: Mapping[str, Any] | None = None,
        selected_option: Mapping[str, Any] | str | None = None,
        selected_options: Sequence[Mapping[str, Any] | str] | None = None,
        selected_date: str | dt.date | None = None,
        selected_user: str | None = None,
        container: Mapping[str, Any] | None = None,
        **opts: Unpack[SendOptions],
    ) -> httpx.Response:
        """A ``block_actions`` interaction on an element of ``message`` or ``view``.

        The element is looked up in the current version of the message/view (the user can only
        act on what is displayed); its type decides the shape of the action.
        """
        msg, vw, channel, ephemeral = self._surface(message, view, channel_id)
        blocks = (vw or msg or {}).get("blocks")
        if msg is None and vw is None:
            block: Mapping[str, Any] = {"block_id": block_id or "actions"}
            element: Mapping[str, Any] = {"type": "button", "action_id": action_id}
        else:
            block, element = _find_element(blocks, action_id, block_id)
        bid = str(block.get("block_id"))
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": bid,
            "type": element.get("type"),
            "action_ts": f"{time.time():.6f}",
        }
        new_state = _action_value(
            element,
            value=value,
            selected_option=selected_option,
            selected_options=selected_options,
            selected_date=selected_date,
            selected_user=selected_user,
        )
        action.update({k: v for k, v in new_state.items() if k != "type"})
        if element.get("type") == "button":
            action["text"] = deepcopy(element.get("text"))
            if element.get("style"):
                action["style"] = element["style"]
        elif "placeholder" in element:
            action["placeholder"] = deepcopy(element["placeholder"])

        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if vw is not None:
            if _holds_state(element) and self.fake.get_view(vw.get("id")):
                self.fake.set_view_state(vw["id"], bid, action_id, new_state)
                vw = self.fake.view(vw["id"])
            vw["state"] = {"values": _view_state(vw)}
            payload["container"] = dict(container or {"type": "view", "view_id": vw["id"]})
            payload["trigger_id"] = self._trigger(user_id, view_id=vw["id"])
            payload["view"] = vw
        else:
            ts = (msg or {}).get("ts") or f"{time.time():.6f}"
            cont: dict[str, Any] = {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            }
            if msg is not None and msg.get("thread_ts"):
                cont["thread_ts"] = msg["thread_ts"]
            payload["container"] = dict(container or cont)
            payload["trigger_id"] = self._trigger(user_id)
            payload["channel"] = {"id": channel, "name": (channel or "").lower()}
            if msg is not None and not ephemeral:
                payload["message"] = msg
            state = _message_state(blocks)
            if _holds_state(element):
                state.setdefault(bid, {})[action_id] = new_state
            payload["state"] = {"values": state}
            payload["response_url"] = self._response_url(
                channel=channel, message_ts=ts if msg is not None else None, user_id=user_id
            )
        payload["actions"] = [action]
        return self._send_payload(payload, opts)

    def click(
        self,
        message_or_view: Mapping[str, Any],
        action_id: str,
        *,
        user_id: str = "U_STAFF",
        block_id: str | None = None,
        **opts: Unpack[SendOptions],
    ) -> httpx.Response:
        """Click the button ``action_id`` in a message or view, with its real value and block_id."""
        is_view = _is_view(message_or_view)
        surface = self._surface(
            None if is_view else message_or_view, message_or_view if is_view else None, None
        )
        blocks = (surface[1] or surface[0] or {}).get("blocks")
        block, element = _find_element(blocks, action_id, block_id)
        if element.get("type") != "button":
            raise AssertionError(f"{action_id} is a {element.get('type')}, not a button")
        kwargs: dict[str, Any] = (
            {"view": message_or_view} if is_view else {"message": message_or_view}
        )
        return self.block_action(
            action_id, block_id=str(block.get("block_id")), user_id=user_id, **kwargs, **opts
        )

    def select(
        self,
        message_or_view: Mapping[str, Any],
        action_id: str,
        value: str | Sequence[str],
        *,
        user_id: str = "U_STAFF",
        block_id: str | None = None,
        **opts: Unpack[SendOptions],
    ) -> httpx.Response:
        """Pick option(s) by value in a select, overflow, radio or checkbox element."""
        is_view = _is_view(message_or_view)
        kwargs: dict[str, Any] = (
            {"view": message_or_view} if is_view else {"message": message_or_view}
        )
        if isinstance(value, str):
            kwargs["selected_option"] = value
        else:
            kwargs["selected_options"] = list(value)
        return self.block_action(action_id, block_id=block_id, user_id=user_id, **kwargs, **opts)

    # -- views --------------------------------------------------------------------------------

    def view_submission(
        self,
        view: Mapping[str, Any],
        values: Mapping[str, Any] | None = None,
        *,
        user_id: str = "U_STAFF",
        client_checks: bool = True,
        apply_ack: bool = True,
        forged: bool = False,
        private_metadata: str | None = None,
        **opts: Unpack[SendOptions],
    ) -> httpx.Response:
        """Submit a modal; ``values`` maps input block_id to what the user entered.

        ``forged=True`` sends the submission as someone crafting it by hand would: for a view
        that is not on their screen (another person's form), without Slack's client checks,
        and with ``private_metadata`` (if given) in place of what the bot wrote.

        Inputs not given keep their current value (initial value, or what an earlier action
        entered). Shapes follow the element type: text -> str, number -> str, selects -> option
        value(s) or option dicts, checkboxes -> list of values, datepicker -> date or
        "YYYY-MM-DD", users_select -> user id, file_input -> file dicts from ``fake.add_file``.
        The ack is applied to the fake's view stack as Slack would (close/errors/update/push/clear).
        """
        if forged:
            vw = self.fake.view(view["id"]) if self.fake.get_view(view.get("id")) else None
            vw = vw or deepcopy(dict(view))
            client_checks = apply_ack = False
            if private_metadata is not None:
                vw["private_metadata"] = private_metadata
        else:
            assert private_metadata is None, "only a forged submission changes private_metadata"
            vw = self._current_view_for(view, user_id)
        values = dict(values or {})
        inputs = {b["block_id"]: b for b in vw.get("blocks", []) if b.get("type") == "input"}
        unknown = sorted(set(values) - set(inputs))
        if unknown:
            raise ValueError(
                f"block_id(s) {unknown} are not input blocks of view {vw.get('callback_id')!r}; "
                f"inputs: {sorted(inputs)}"
            )
        state = _view_state(vw)
        for bid, val in values.items():
            element = inputs[bid]["element"]
            aid = element["action_id"]
            state.setdefault(bid, {})[aid] = self._entry(element, val)
        if client_checks:
            problems = _client_side_problems(inputs, state)
            if problems:
                raise SubmissionBlocked(
                    "Slack would not let the user submit this view:\n  " + "\n  ".join(problems)
                )
        vw["state"] = {"values": state}
        payload = {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": self._trigger(user_id, view_id=vw["id"]),
            "view": vw,
            "response_urls": self._view_response_urls(inputs, state, user_id),
            "is_enterprise_install": False,
            "enterprise": None,
        }
        response = self._send_payload(payload, opts)
        if apply_ack and response.status_code == 200 and self.fake.get_view(vw.get("id")):
            # What the user typed stays in the view (shown again beside inline errors, and kept
            # by response_action update for unchanged block_id/action_id).
            for bid, entries in state.items():
                for aid, entry in entries.items():
                    self.fake.set_view_state(vw["id"], bid, aid, entry)
            ack = _json_or_none(response)
            if not isinstance(ack, Mapping) or "response_action" not in ack:
                self.fake.apply_view_ack(user_id, vw["id"], None)  # plain ack closes the view
            elif not blockkit.validate_response_action(ack, vw):
                self.fake.apply_view_ack(user_id, vw["id"], ack)
            # an invalid response_action: Slack shows an error and the view stays as it was
        return response

    def _current_view_for(self, view: Mapping[str, Any], user_id: str) -> dict[str, Any]:
        view_id = view.get("id")
        if self.fake.get_view(view_id) is not None:
            top = self.fake.current_view(user_id)
            if top is None or top["id"] != view_id:
                shown = top.get("callback_id") if top else None
                raise AssertionError(
                    f"view {view_id} ({view.get('callback_id')!r}) is not the modal on top of "
                    f"{user_id}'s screen (top: {shown!r}); a user cannot submit it"
                )
            return self.fake.view(view_id)
        return deepcopy(dict(view))

    def _entry(self, element: Mapping[str, Any], value: Any) -> dict[str, Any]:
        if element.get("type") == "file_input":
            files = []
            for item in value or []:
                obj = self.fake.file(item) if isinstance(item, str) else dict(item)
                if obj is None:
                    raise ValueError(f"unknown file {item!r}; create it with fake.add_file()")
                files.append(obj)
            return {"type": "file_input", "files": files}
        return _action_value(element, value=value, input_value=True)

    def _view_response_urls(
        self, inputs: Mapping[str, Any], state: Mapping[str, Any], user_id: str
    ) -> list[dict[str, Any]]:
        urls = []
        for bid, block in inputs.items():
            el = block["element"]
            if el.get("type") in ("conversations_select", "channels_select") and el.get(
                "response_url_enabled"
            ):
                entry = state.get(bid, {}).get(el["action_id"], {})
                channel = entry.get("selected_conversation") or entry.get("selected_channel")
                if channel:
                    urls.append(
                        {
                            "block_id": bid,
                            "action_id": el["action_id"],
                            "channel_id": channel,
                            "response_url": self._response_url(channel=channel, user_id=user_id),
                        }
                    )
        return urls

    def view_closed(
        self,
        view: Mapping[str, Any],
        *,
        user_id: str = "U_STAFF",
        is_cleared: bool = False,
        **opts: Unpack[SendOptions],
    ) -> httpx.Response:
        """The user closes the modal; Slack only notifies the app if ``notify_on_close`` is set."""
        vw = self._current_view_for(view, user_id)
        if not vw.get("notify_on_close"):
            raise AssertionError(
                f"view {vw.get('callback_id')!r} has no notify_on_close: Slack sends no view_closed"
            )
        if self.fake.get_view(vw.get("id")) is not None:
            self.fake.close_view(user_id, vw["id"], clear=is_cleared)
        payload = {
            "type": "view_closed",
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "view": vw,
            "is_cleared": is_cleared,
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self._send_payload(payload, opts)

    def block_suggestion(
        self,
        action_id: str,
        value: str,
        *,
        block_id: str | None = None,
        view: Mapping[str, Any],
        user_id: str = "U_STAFF",
        **opts: Unpack[SendOptions],
    ) -> httpx.Response:
        """The user types ``value`` in an external_select: Slack asks the app for options."""
        _, vw, _, _ = self._surface(None, view, None)
        assert vw is not None
        block, element = _find_element(vw.get("blocks"), action_id, block_id)
        if element.get("type") not in ("external_select", "multi_external_select"):
            raise AssertionError(f"{action_id} is a {element.get('type')}, not an external select")
        min_len = element.get("min_query_length", 3)
        if len(value) < min_len:
            raise AssertionError(
                f"Slack sends no block_suggestion for {value!r}: min_query_length is {min_len}"
            )
        vw["state"] = {"values": _view_state(vw)}
        payload = {
            "type": "block_suggestion",
            "user": self._user(user_id),
            "container": {"type": "view", "view_id": vw.get("id")},
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "action_id": action_id,
            "block_id": block.get("block_id"),
            "value": value,
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "view": vw,
        }
        return self._send_payload(payload, opts)

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

    def url_verification(self, challenge: str, **opts: Unpack[SendOptions]) -> httpx.Response:
        body = json.dumps(
            {"token": self.verification_token, "challenge": challenge, "type": "url_verification"}
        ).encode()
        return self.send(body, "application/json", **opts)

    # -- acknowledgements ---------------------------------------------------------------------

    def check_ack(self, response: httpx.Response, *, max_seconds: float = 3.0) -> Any:
        """Check an ack as Slack would; return its JSON (or text, or None when empty).

        Slack needs HTTP 200 within 3 seconds; the body is validated for the request kind:
        slash command -> message; view_submission -> ``response_action``; block_suggestion ->
        options; url_verification -> the challenge.
        """
        kind, request_payload = _request_kind(response.request)
        problems: list[str] = []
        if response.status_code != 200:
            problems.append(f"HTTP {response.status_code} (Slack needs 200): {response.text[:300]}")
        if response.elapsed.total_seconds() > max_seconds:
            problems.append(
                f"acknowledged after {response.elapsed.total_seconds():.2f}s "
                f"(Slack gives up after {max_seconds}s)"
            )
        if problems:
            raise AssertionError(f"{kind} ack rejected:\n  " + "\n  ".join(problems))
        if not response.content.strip():
            return None
        body: Any = _json_or_none(response)
        is_json = body is not None
        if not is_json:
            body = response.text
        if kind == "command" and is_json:
            if not blockkit.has_message_content(body):
                problems.append("ack message has no text, blocks or attachments [json-pointer:/]")
            problems += blockkit.validate_message(body)
        elif kind == "view_submission" and is_json and "response_action" in body:
            problems += blockkit.validate_response_action(body, request_payload.get("view"))
            if body.get("response_action") == "push":
                stack = self.fake.view_stack(request_payload.get("user", {}).get("id", ""))
                if len(stack) >= 3:
                    problems.append("push would exceed Slack's limit of 3 stacked views")
        elif kind == "block_suggestion":
            problems += (
                blockkit.validate_options_response(body)
                if is_json
                else ["options ack must be JSON"]
            )
        elif kind == "url_verification":
            challenge = request_payload.get("challenge")
            got = body.get("challenge") if is_json and isinstance(body, Mapping) else body
            if got != challenge:
                problems.append(f"challenge not echoed: expected {challenge!r}, got {got!r}")
        if problems:
            raise AssertionError(f"{kind} ack rejected:\n  " + "\n  ".join(problems))
        return body


# -- helpers ---------------------------------------------------------------------------------------


def _is_view(obj: Mapping[str, Any]) -> bool:
    return obj.get("type") in _VIEW_TYPES and "ts" not in obj


def _find_element(
    blocks: Any, action_id: str, block_id: str | None
) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    available = []
    for block, element in blockkit.iter_elements(blocks):
        available.append(f"{block.get('block_id')}/{element.get('action_id')}")
        if element.get("action_id") == action_id and (
            block_id is None or block.get("block_id") == block_id
        ):
            return block, element
    where = f" in block {block_id!r}" if block_id else ""
    raise AssertionError(
        f"no element with action_id {action_id!r}{where} is displayed; "
        f"elements (block_id/action_id): {available}"
    )


def _holds_state(element: Mapping[str, Any]) -> bool:
    return element.get("type") not in ("button", "overflow", "workflow_button")


def _all_options(element: Mapping[str, Any]) -> list[dict[str, Any]]:
    opts = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        opts.extend(group.get("options") or [])
    return opts


def _option(element: Mapping[str, Any], value: Mapping[str, Any] | str) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    options = _all_options(element)
    if not options and element.get("type", "").endswith("external_select"):
        return {"text": {"type": "plain_text", "text": value}, "value": value}
    for opt in options:
        if opt.get("value") == value:
            return deepcopy(opt)
    raise AssertionError(
        f"{element.get('action_id')!r} has no option with value {value!r}; "
        f"options: {[o.get('value') for o in options]}"
    )


def _action_value(
    element: Mapping[str, Any],
    *,
    value: Any = None,
    selected_option: Mapping[str, Any] | str | None = None,
    selected_options: Sequence[Mapping[str, Any] | str] | None = None,
    selected_date: str | dt.date | None = None,
    selected_user: str | None = None,
    input_value: bool = False,
) -> dict[str, Any]:
    """The state/action entry for ``element`` holding the given value (Slack's shapes)."""
    kind = str(element.get("type"))
    entry: dict[str, Any] = {"type": kind}
    if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
        entry["value"] = None if value is None or value == "" else str(value)
    elif kind == "button":
        chosen = value if value is not None else element.get("value")
        if chosen is not None:
            entry["value"] = chosen
    elif kind in ("static_select", "external_select", "radio_buttons", "overflow"):
        choice = selected_option if selected_option is not None else value
        entry["selected_option"] = None if choice in (None, "") else _option(element, choice)
    elif kind in ("multi_static_select", "multi_external_select", "checkboxes"):
        choices = selected_options if selected_options is not None else value
        if isinstance(choices, (str, Mapping)):
            choices = [choices]
        entry["selected_options"] = [_option(element, c) for c in (choices or [])]
    elif kind == "datepicker":
        chosen = selected_date if selected_date is not None else value
        entry["selected_date"] = chosen.isoformat() if isinstance(chosen, dt.date) else chosen
    elif kind == "timepicker":
        entry["selected_time"] = value
    elif kind == "datetimepicker":
        entry["selected_date_time"] = value
    elif kind == "users_select":
        entry["selected_user"] = selected_user if selected_user is not None else value
    elif kind == "multi_users_select":
        entry["selected_users"] = list(value or [])
    elif kind == "conversations_select":
        entry["selected_conversation"] = value
    elif kind == "multi_conversations_select":
        entry["selected_conversations"] = list(value or [])
    elif kind == "channels_select":
        entry["selected_channel"] = value
    elif kind == "multi_channels_select":
        entry["selected_channels"] = list(value or [])
    elif kind == "rich_text_input":
        entry["rich_text_value"] = value
    elif input_value:
        entry["value"] = value
    return entry


def _initial_entry(element: Mapping[str, Any]) -> dict[str, Any]:
    """What Slack reports for an element the user has not touched."""
    kind = str(element.get("type"))
    entry: dict[str, Any] = {"type": kind}
    if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
        entry["value"] = element.get("initial_value")
    elif kind in ("static_select", "external_select", "radio_buttons"):
        entry["selected_option"] = deepcopy(element.get("initial_option"))
    elif kind in ("multi_static_select", "multi_external_select", "checkboxes"):
        entry["selected_options"] = deepcopy(element.get("initial_options") or [])
    elif kind == "datepicker":
        entry["selected_date"] = element.get("initial_date")
    elif kind == "timepicker":
        entry["selected_time"] = element.get("initial_time")
    elif kind == "datetimepicker":
        entry["selected_date_time"] = element.get("initial_date_time")
    elif kind == "users_select":
        entry["selected_user"] = element.get("initial_user")
    elif kind == "multi_users_select":
        entry["selected_users"] = list(element.get("initial_users") or [])
    elif kind == "conversations_select":
        entry["selected_conversation"] = element.get("initial_conversation")
    elif kind == "multi_conversations_select":
        entry["selected_conversations"] = list(element.get("initial_conversations") or [])
    elif kind == "channels_select":
        entry["selected_channel"] = element.get("initial_channel")
    elif kind == "multi_channels_select":
        entry["selected_channels"] = list(element.get("initial_channels") or [])
    elif kind == "file_input":
        entry["files"] = []
    elif kind == "rich_text_input":
        entry["rich_text_value"] = element.get("initial_value")
    return entry


def _view_state(view: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """state.values of a view: stored entries, else initial values, for every input element."""
    stored = (view.get("state") or {}).get("values") or {}
    values: dict[str, dict[str, Any]] = {}
    for block, element in blockkit.iter_elements(view.get("blocks")):
        if not _holds_state(element):
            continue
        bid, aid = block.get("block_id"), element.get("action_id")
        if not isinstance(bid, str) or not isinstance(aid, str):
            continue
        current = stored.get(bid, {}).get(aid)
        values.setdefault(bid, {})[aid] = deepcopy(current) if current else _initial_entry(element)
    return values


def _message_state(blocks: Any) -> dict[str, dict[str, Any]]:
    return _view_state({"blocks": blocks or []})


def _is_empty(entry: Mapping[str, Any]) -> bool:
    for key, value in entry.items():
        if key != "type" and value not in (None, "", [], {}):
            return False
    return True


def _client_side_problems(
    inputs: Mapping[str, Mapping[str, Any]], state: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """What the Slack client itself refuses before sending view_submission."""
    problems = []
    for bid, block in inputs.items():
        el = block["element"]
        entry = state.get(bid, {}).get(el.get("action_id"), {"type": el.get("type")})
        label = f"{bid} ({el.get('type')})"
        if _is_empty(entry):
            if not block.get("optional"):
                problems.append(f"{label}: required field is empty")
            continue
        value = entry.get("value")
        kind = el.get("type")
        if kind == "plain_text_input" and isinstance(value, str):
            if "min_length" in el and len(value) < el["min_length"]:
                problems.append(f"{label}: shorter than min_length {el['min_length']}")
            if "max_length" in el and len(value) > el["max_length"]:
                problems.append(f"{label}: longer than max_length {el['max_length']}")
            if not el.get("multiline") and "\n" in value:
                problems.append(f"{label}: single-line input cannot contain a newline")
        elif kind == "number_input" and isinstance(value, str):
            problems += _number_problems(label, el, value)
        elif kind == "email_text_input" and isinstance(value, str) and not _EMAIL.match(value):
            problems.append(f"{label}: {value!r} is not an email address")
        elif kind == "url_text_input" and isinstance(value, str):
            if not re.match(r"^https?://\S+$", value):
                problems.append(f"{label}: {value!r} is not a URL")
        elif kind == "file_input":
            files = entry.get("files") or []
            if len(files) > el.get("max_files", 10):
                problems.append(f"{label}: more than max_files {el.get('max_files', 10)}")
            allowed = [t.lower() for t in el.get("filetypes") or []]
            for f in files:
                if allowed and str(f.get("filetype", "")).lower() not in allowed:
                    problems.append(f"{label}: {f.get('name')!r} is not one of {allowed}")
        elif kind and kind.startswith("multi_") and "max_selected_items" in el:
            chosen = next((v for k, v in entry.items() if k.startswith("selected_")), [])
            if len(chosen) > el["max_selected_items"]:
                problems.append(f"{label}: more than max_selected_items {el['max_selected_items']}")
    return problems


def _number_problems(label: str, el: Mapping[str, Any], value: str) -> list[str]:
    try:
        number = float(value)
    except ValueError:
        return [f"{label}: {value!r} is not a number"]
    problems = []
    if not el.get("is_decimal_allowed") and not re.fullmatch(r"-?\d+", value.strip()):
        problems.append(f"{label}: decimals are not allowed ({value!r})")
    if "min_value" in el and number < float(el["min_value"]):
        problems.append(f"{label}: {value} is below min_value {el['min_value']}")
    if "max_value" in el and number > float(el["max_value"]):
        problems.append(f"{label}: {value} is above max_value {el['max_value']}")
    return problems


def _json_or_none(response: httpx.Response) -> Any:
    if not response.content.strip():
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _request_kind(request: httpx.Request) -> tuple[str, dict[str, Any]]:
    """Classify the request an ack answers: command, block_actions, view_submission, ..."""
    body = request.content
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        data = json.loads(body or b"{}")
        return str(data.get("type", "event")), data
    form = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
    if "payload" in form:
        payload = json.loads(form["payload"])
        return str(payload.get("type")), payload
    if "command" in form:
        return "command", form
    return "unknown", form
