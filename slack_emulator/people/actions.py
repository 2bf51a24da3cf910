"""What people do in messages: slash commands, and clicks and picks in a message or a view
(``block_actions``). A person only acts on what is displayed: the element is looked up in the
latest version of the message or view the emulator holds."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from copy import deepcopy
from typing import Any, Unpack

import httpx

from slack_emulator.people.transport import SendOptions, Transport
from slack_emulator.people.values import (
    action_value,
    find_element,
    holds_state,
    is_view,
    message_state,
    view_state,
)


class Actions(Transport):
    """Slash commands and block actions."""

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

    # -- shortcuts ----------------------------------------------------------------------------

    def shortcut(
        self, callback_id: str, *, user_id: str = "U_STAFF", **opts: Unpack[SendOptions]
    ) -> httpx.Response:
        """A global shortcut (the lightning-bolt menu): no channel, no response_url, a trigger
        to open a modal with."""
        payload: dict[str, Any] = {
            "type": "shortcut",
            "token": self.verification_token,
            "action_ts": f"{time.time():.6f}",
            "team": self._team(),
            "user": self._user(user_id),
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": self._trigger(user_id),
        }
        return self._send_payload(payload, opts)

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
            block, element = find_element(blocks, action_id, block_id)
        bid = str(block.get("block_id"))
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": bid,
            "type": element.get("type"),
            "action_ts": f"{time.time():.6f}",
        }
        new_state = action_value(
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
            if holds_state(element) and self.fake.get_view(vw.get("id")):
                self.fake.set_view_state(vw["id"], bid, action_id, new_state)
                vw = self.fake.view(vw["id"])
            vw["state"] = {"values": view_state(vw)}
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
            state = message_state(blocks)
            if holds_state(element):
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
        on_view = is_view(message_or_view)
        surface = self._surface(
            None if on_view else message_or_view, message_or_view if on_view else None, None
        )
        blocks = (surface[1] or surface[0] or {}).get("blocks")
        block, element = find_element(blocks, action_id, block_id)
        if element.get("type") != "button":
            raise AssertionError(f"{action_id} is a {element.get('type')}, not a button")
        kwargs: dict[str, Any] = (
            {"view": message_or_view} if on_view else {"message": message_or_view}
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
        on_view = is_view(message_or_view)
        kwargs: dict[str, Any] = (
            {"view": message_or_view} if on_view else {"message": message_or_view}
        )
        if isinstance(value, str):
            kwargs["selected_option"] = value
        else:
            kwargs["selected_options"] = list(value)
        return self.block_action(action_id, block_id=block_id, user_id=user_id, **kwargs, **opts)
