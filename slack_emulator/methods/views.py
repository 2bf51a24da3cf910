"""views.open, views.push, views.update and views.publish, with trigger ids, view stacks and what
the user entered kept across updates."""

from __future__ import annotations

import json
from collections.abc import Mapping
from copy import deepcopy
from typing import Any

from slack_emulator import blockkit
from slack_emulator.protocol import VIEW_MAX_BYTES, VIEW_STACK_MAX, ApiError, param
from slack_emulator.state import Trigger, Workspace

_SPEC_KEYS = (
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
)


def _invalid(message: str) -> ApiError:
    return ApiError("invalid_arguments", response_metadata={"messages": [f"[ERROR] {message}"]})


def parse_view(p: Mapping[str, Any]) -> dict[str, Any]:
    """The ``view`` argument, refused as Slack refuses it (too large, invalid Block Kit)."""
    view = p.get("view")
    if not isinstance(view, dict):
        raise _invalid("missing view")
    if len(json.dumps(view).encode()) > VIEW_MAX_BYTES:
        raise ApiError("view_too_large")
    errors = blockkit.validate_view(view)
    if errors:
        errors = blockkit.prefix_pointers(errors, "/view")
        raise ApiError(
            "invalid_arguments",
            response_metadata={"messages": blockkit.as_slack_messages(errors)},
        )
    return view


def exchange_trigger(ws: Workspace, p: Mapping[str, Any]) -> Trigger:
    """Use up a trigger_id: unknown, already used or older than the TTL is refused."""
    trigger_id = param(p, "trigger_id") or param(p, "interactivity_pointer")
    trigger = ws.triggers.get(trigger_id or "")
    if trigger is None:
        raise ApiError("invalid_trigger_id")
    if trigger.used:
        raise ApiError("exchanged_trigger_id")
    if ws.now() - trigger.issued_at > ws.trigger_ttl:
        raise ApiError("expired_trigger_id")
    trigger.used = True
    return trigger


def check_external_id(ws: Workspace, view: Mapping[str, Any], own_id: str | None = None) -> None:
    ext = view.get("external_id")
    if not ext:
        return
    for vid, other in ws.views.items():
        if vid != own_id and other.get("external_id") == ext:
            raise ApiError("duplicate_external_id")


def store_new_view(
    ws: Workspace, user_id: str, spec: dict[str, Any], stack: list[str] | None
) -> dict[str, Any]:
    """A new view from ``spec``, pushed on ``stack`` (a modal) or on none (a Home tab)."""
    team = ws.team
    view_id = ws.new_id("V")
    view: dict[str, Any] = {
        "id": view_id,
        "team_id": team.team_id,
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
        "app_id": team.app_id,
        "external_id": "",
        "app_installed_team_id": team.team_id,
        "bot_id": team.bot_id,
    }
    _apply_spec(ws, view, spec)
    if stack is not None:
        if stack:
            view["previous_view_id"] = stack[-1]
            view["root_view_id"] = stack[0]
        stack.append(view_id)
    ws.views[view_id] = view
    ws.view_versions[view_id] = [deepcopy(view)]
    ws.view_owner[view_id] = user_id
    ws.cond.notify_all()
    return view


def _apply_spec(ws: Workspace, view: dict[str, Any], spec: Mapping[str, Any]) -> None:
    old_values = view["state"]["values"]
    for key in _SPEC_KEYS:
        if key in spec:
            view[key] = deepcopy(spec[key])
    view["blocks"] = ws.with_generated_ids(spec.get("blocks", []))
    # Slack keeps what the user entered in inputs whose block_id and action_id are unchanged.
    kept: dict[str, dict[str, Any]] = {}
    for block, el in blockkit.iter_elements(view["blocks"]):
        bid, aid = block.get("block_id"), el.get("action_id")
        if bid in old_values and aid in old_values[bid]:
            kept.setdefault(bid, {})[aid] = old_values[bid][aid]
    view["state"] = {"values": kept}
    view["hash"] = ws.new_hash()


def replace_view(ws: Workspace, view_id: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    """Replace a view's content in place (same id, new hash), as views.update does."""
    view = ws.views[view_id]
    _apply_spec(ws, view, spec)
    ws.view_versions[view_id].append(deepcopy(view))
    ws.cond.notify_all()
    return view


def _modal_spec(ws: Workspace, p: Mapping[str, Any]) -> dict[str, Any]:
    spec = parse_view(p)
    if spec.get("type") != "modal":
        raise _invalid("must be modal [json-pointer:/view/type]")
    check_external_id(ws, spec)
    return spec


def views_open(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    spec = _modal_spec(ws, p)
    trigger = exchange_trigger(ws, p)
    stack = ws.stacks.setdefault(trigger.user_id, [])
    stack.clear()  # a new modal replaces whatever the user had open
    view = store_new_view(ws, trigger.user_id, spec, stack)
    return {"view": deepcopy(view)}


def views_push(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    spec = _modal_spec(ws, p)
    trigger = exchange_trigger(ws, p)
    stack = ws.stacks.get(trigger.user_id) or []
    if trigger.view_id is None or trigger.view_id not in stack:
        # Only a trigger from an interaction inside the open modal can push onto it.
        raise ApiError("not_found")
    if len(stack) >= VIEW_STACK_MAX:
        raise ApiError("push_limit_reached")
    view = store_new_view(ws, trigger.user_id, spec, stack)
    return {"view": deepcopy(view)}


def views_update(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    view_id, external_id = param(p, "view_id"), param(p, "external_id")
    if view_id is None and external_id is None:
        raise _invalid("view_id or external_id is required")
    spec = parse_view(p)
    target = None
    if view_id is not None:
        target = ws.views.get(view_id)
    else:
        target = next((v for v in ws.views.values() if v.get("external_id") == external_id), None)
    if target is None or not ws.is_open(target["id"]):
        raise ApiError("not_found")
    supplied_hash = param(p, "hash")
    if supplied_hash is not None and supplied_hash != target["hash"]:
        raise ApiError("hash_conflict")
    if spec.get("type") != target["type"]:
        raise _invalid("view type cannot change [json-pointer:/view/type]")
    check_external_id(ws, spec, own_id=target["id"])
    view = replace_view(ws, target["id"], spec)
    return {"view": deepcopy(view)}


def views_publish(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    user_id = param(p, "user_id")
    if user_id is None:
        raise _invalid("missing user_id")
    ws.member(user_id)
    spec = parse_view(p)
    if spec.get("type") != "home":
        raise _invalid("must be home [json-pointer:/view/type]")
    existing = ws.home.get(user_id)
    supplied_hash = param(p, "hash")
    if existing is not None:
        if supplied_hash is not None and supplied_hash != ws.views[existing]["hash"]:
            raise ApiError("hash_conflict")
        view = replace_view(ws, existing, spec)
    else:
        view = store_new_view(ws, user_id, spec, None)
        ws.home[user_id] = view["id"]
    return {"view": deepcopy(view)}


METHODS = {
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "views.publish": views_publish,
}
