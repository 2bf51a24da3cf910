"""files.*: the retired files.upload, the two-step upload (getUploadURLExternal, then the upload
URL, then completeUploadExternal) and files.info."""

from __future__ import annotations

import mimetypes
import urllib.parse
from collections.abc import Mapping
from copy import deepcopy
from typing import Any

from slack_emulator.protocol import ApiError, param
from slack_emulator.state import PendingUpload, UploadedFile, Workspace


def file_object(
    ws: Workspace,
    file_id: str,
    name: str,
    title: str,
    content: bytes,
    mimetype: str | None,
    user: str,
) -> dict[str, Any]:
    """A Slack file object; ``_content`` holds the bytes (never shown, see `public_file`)."""
    team = ws.team
    mimetype = mimetype or mimetypes.guess_type(name)[0] or "application/octet-stream"
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else "binary"
    base = f"{ws.base_url}/files-pri/{team.team_id}-{file_id}"
    quoted = urllib.parse.quote(name)
    now = int(ws.now())
    return {
        "id": file_id,
        "created": now,
        "timestamp": now,
        "name": name,
        "title": title,
        "mimetype": mimetype,
        "filetype": ext,
        "pretty_type": ext.upper(),
        "user": user,
        "user_team": team.team_id,
        "editable": False,
        "size": len(content),
        "mode": "hosted",
        "is_external": False,
        "external_type": "",
        "is_public": False,
        "public_url_shared": False,
        "display_as_bot": False,
        "username": "",
        "url_private": f"{base}/{quoted}",
        "url_private_download": f"{base}/download/{quoted}",
        "permalink": f"https://{team.team_domain}.slack.com/files/{user}/{file_id}/{quoted}",
        "shares": {},
        "channels": [],
        "groups": [],
        "ims": [],
        "_content": content,
    }


def public_file(obj: Mapping[str, Any]) -> dict[str, Any]:
    return deepcopy({k: v for k, v in obj.items() if not k.startswith("_")})


def files_upload(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    # Retired by Slack (new apps since 2024-05, all apps since 2025-11-12).
    raise ApiError("method_deprecated")


def get_upload_url_external(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    filename = param(p, "filename")
    try:
        length = int(p.get("length") or 0)
    except (TypeError, ValueError):
        length = 0
    if filename is None or length <= 0:
        raise ApiError("invalid_arguments")
    file_id = ws.new_id("F")
    token = f"{ws.rng.getrandbits(128):032x}"
    ws.pending[file_id] = PendingUpload(file_id, filename, length, param(p, "alt_txt"), token)
    ws.upload_tokens[token] = file_id
    return {"upload_url": f"{ws.base_url}/upload/v1/{token}", "file_id": file_id}


def complete_upload_external(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    files = p.get("files")
    if not isinstance(files, list) or not files:
        raise ApiError("invalid_arguments")
    channel_id = param(p, "channel_id")
    channels = [c for c in (param(p, "channels") or "").split(",") if c]
    targets = [channel_id] if channel_id else channels
    thread_ts = param(p, "thread_ts")
    if thread_ts and len(targets) != 1:
        raise ApiError("invalid_arguments")
    targets = [ws.resolve_channel(c) for c in targets]
    pending_list = []
    for item in files:
        file_id = item.get("id") if isinstance(item, dict) else None
        pending = ws.pending.get(file_id or "")
        if pending is None or pending.content is None:
            raise ApiError(
                "file_not_found",
                response_metadata={"messages": [f"[ERROR] file {file_id} was not uploaded"]},
            )
        pending_list.append((pending, item.get("title") or pending.filename))
    done = []
    comment = param(p, "initial_comment")
    objs = []
    for pending, title in pending_list:
        assert pending.content is not None
        obj = file_object(
            ws, pending.file_id, pending.filename, title, pending.content, None, ws.team.bot_user_id
        )
        ws.files[pending.file_id] = obj
        del ws.pending[pending.file_id]
        objs.append(obj)
        done.append({"id": pending.file_id, "title": title})
    for channel in targets:
        ts = ws.next_ts()
        for obj in objs:
            obj["shares"].setdefault("private", {}).setdefault(channel, []).append({"ts": ts})
            obj["channels"].append(channel)
        msg = ws.new_message({"text": comment or ""}, ts)
        msg.update({"upload": True, "files": [public_file(o) for o in objs]})
        ws.store(channel, msg, thread_ts)
    for obj in objs:
        ws.uploaded.append(
            UploadedFile(
                id=obj["id"],
                name=obj["name"],
                title=obj["title"],
                channel=targets[0] if targets else None,
                thread_ts=thread_ts,
                initial_comment=comment,
                content=obj["_content"],
                mimetype=obj["mimetype"],
            )
        )
    return {"files": done}


def files_info(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    obj = ws.files.get(param(p, "file") or "")
    if obj is None:
        raise ApiError("file_not_found")
    return {
        "file": public_file(obj),
        "comments": [],
        "response_metadata": {"next_cursor": ""},
    }


METHODS = {
    "files.upload": files_upload,
    "files.getUploadURLExternal": get_upload_url_external,
    "files.completeUploadExternal": complete_upload_external,
    "files.info": files_info,
}
