"""What people do in modals: submit (with the Slack client's own checks first), close, type
in an external select; and the check of the bot's acknowledgement as Slack makes it."""

from __future__ import annotations

from collections.abc import Mapping
from copy import deepcopy
from typing import Any, Unpack

import httpx

from slack_emulator import blockkit
from slack_emulator.people.actions import Actions
from slack_emulator.people.checks import client_side_problems, json_or_none, request_kind
from slack_emulator.people.transport import SendOptions, SubmissionBlocked
from slack_emulator.people.values import action_value, find_element, view_state


class SignedSlack(Actions):
    """Slack's side of the HTTP conversation with the bot: every request a person's Slack
    client makes (commands, clicks, submissions, suggestions, Home tab) and the Events API."""

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
        state = view_state(vw)
        for bid, val in values.items():
            element = inputs[bid]["element"]
            aid = element["action_id"]
            state.setdefault(bid, {})[aid] = self._entry(element, val)
        if client_checks:
            problems = client_side_problems(inputs, state)
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
            ack = json_or_none(response)
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
        return action_value(element, value=value, input_value=True)

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
        block, element = find_element(vw.get("blocks"), action_id, block_id)
        if element.get("type") not in ("external_select", "multi_external_select"):
            raise AssertionError(f"{action_id} is a {element.get('type')}, not an external select")
        min_len = element.get("min_query_length", 3)
        if len(value) < min_len:
            raise AssertionError(
                f"Slack sends no block_suggestion for {value!r}: min_query_length is {min_len}"
            )
        vw["state"] = {"values": view_state(vw)}
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

    # -- acknowledgements ---------------------------------------------------------------------

    def check_ack(self, response: httpx.Response, *, max_seconds: float = 3.0) -> Any:
        """Check an ack as Slack would; return its JSON (or text, or None when empty).

        Slack needs HTTP 200 within 3 seconds; the body is validated for the request kind:
        slash command -> message; view_submission -> ``response_action``; block_suggestion ->
        options; url_verification -> the challenge.
        """
        kind, request_payload = request_kind(response.request)
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
        body: Any = json_or_none(response)
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
