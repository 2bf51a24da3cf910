"""The two file hosts: the upload URL files.getUploadURLExternal hands out, and url_private /
url_private_download, which serve a file only to a request bearing a valid token."""

from __future__ import annotations

from collections.abc import Mapping

from slack_emulator.faults import Faults
from slack_emulator.protocol import Reply, parse_multipart
from slack_emulator.records import Download, Recorder
from slack_emulator.state import Workspace

_LOGIN_PAGE = (
    b'<!DOCTYPE html><html lang="en-US"><head><meta charset="utf-8">'
    b"<title>Slack</title></head><body><h1>Sign in to your workspace</h1>"
    b'<form action="/signin" method="post"><input name="email"></form></body></html>'
)


def upload(
    ws: Workspace, faults: Faults, token: str, headers: Mapping[str, str], body: bytes
) -> Reply:
    """POST to an upload URL: keep the bytes (raw body or the multipart file part)."""
    fault = faults.apply("upload")
    if fault is not None:
        return fault
    with ws.lock:
        file_id = ws.upload_tokens.get(token)
        pending = ws.pending.get(file_id or "")
        if pending is None:
            return 404, {"Content-Type": "text/plain"}, b"invalid upload url"
        content_type = headers.get("content-type", "")
        content = body
        if content_type.startswith("multipart/form-data"):
            fields, files = parse_multipart(content_type, body)
            if files:
                content = next(iter(files.values()))
            elif "file" in fields:
                content = str(fields["file"]).encode()
        pending.content = content
    return 200, {"Content-Type": "text/plain; charset=utf-8"}, f"OK - {len(content)}".encode()


def download(
    ws: Workspace, faults: Faults, records: Recorder, route: str, headers: Mapping[str, str]
) -> Reply:
    """GET of /files-pri/<team>-<file id>/...: the file with a valid token, else a sign-in page."""
    fault = faults.apply("files.download")
    if fault is not None:
        return fault
    parts = route.split("/")  # ["", "files-pri", "T-F", ...]
    file_id = parts[2].split("-", 1)[-1] if len(parts) > 2 else ""
    auth = headers.get("authorization", "")
    authorized = auth.startswith("Bearer ") and auth[len("Bearer ") :].strip() in ws.tokens
    with ws.cond:
        obj = ws.files.get(file_id)
        records.download(Download(file_id, authorized, ws.now()))
        if not authorized:
            # What Slack serves to a request without a valid token: its sign-in page, HTTP 200.
            return 200, {"Content-Type": "text/html; charset=utf-8"}, _LOGIN_PAGE
        if obj is None:
            return 404, {"Content-Type": "text/plain"}, b"file not found"
        return 200, {"Content-Type": obj["mimetype"]}, obj["_content"]
