"""auth.test, users.info, usergroups.users.list and conversations.open."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from slack_emulator.protocol import ApiError, param, truthy
from slack_emulator.state import Workspace, dm_channel


def auth_test(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    team = ws.team
    return {
        "url": f"https://{team.team_domain}.slack.com/",
        "team": team.team_name,
        "user": "misa-bot",
        "team_id": team.team_id,
        "user_id": team.bot_user_id,
        "bot_id": team.bot_id,
        "is_enterprise_install": False,
    }


def users_info(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    user = deepcopy(ws.member(param(p, "user")))
    if not truthy(p.get("include_locale")):
        user.pop("locale", None)
    return {"user": user}


def usergroups_users_list(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    group = param(p, "usergroup")
    if group is None or group not in ws.usergroups:
        raise ApiError("no_such_subteam")
    return {"users": list(ws.usergroups[group])}


def conversations_open(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    channel = param(p, "channel")
    users = [u.strip() for u in (param(p, "users") or "").split(",") if u.strip()]
    if channel is None and not users:
        raise ApiError("users_list_not_supplied")
    if len(users) > 8:
        raise ApiError("too_many_users")
    for user in users:
        ws.member(user)
    if channel is None:
        channel = dm_channel(users[0]) if len(users) == 1 else "G" + "".join(sorted(users))[:20]
    already = channel in ws.dm_open
    ws.dm_open.add(channel)
    info: dict[str, Any] = {"id": channel}
    if truthy(p.get("return_im")):
        info.update({"is_im": len(users) == 1, "user": users[0] if users else None})
    return {"no_op": already, "already_open": already, "channel": info}


METHODS = {
    "auth.test": auth_test,
    "users.info": users_info,
    "usergroups.users.list": usergroups_users_list,
    "conversations.open": conversations_open,
}
