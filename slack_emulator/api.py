"""The Web API endpoint, ``/api/<method>``: decode the arguments as Slack does (query, form,
multipart or JSON for the methods that take it), check the token, meet any injected fault, run
the method and record the call."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from typing import Any

from slack_emulator.faults import Faults, LoseResponse
from slack_emulator.methods import METHODS
from slack_emulator.protocol import (
    JSON_METHODS,
    ApiError,
    Drop,
    Reply,
    decode_json_args,
    error_with_messages,
    param,
    parse_multipart,
)
from slack_emulator.records import Recorder
from slack_emulator.state import Workspace


def handle(
    ws: Workspace,
    faults: Faults,
    records: Recorder,
    method: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
) -> Reply:
    content_type = headers.get("content-type", "")
    params: dict[str, Any] = {}
    json_body = False
    for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        params[key] = value
    try:
        if content_type.startswith("application/json"):
            json_body = True
            decoded = json.loads(body or b"{}")
            if not isinstance(decoded, dict):
                raise ValueError("JSON body must be an object")
            params.update(decoded)
        elif content_type.startswith("multipart/form-data"):
            params.update(parse_multipart(content_type, body)[0])
        elif body:
            for key, value in urllib.parse.parse_qsl(body.decode(), keep_blank_values=True):
                params[key] = value
    except (ValueError, UnicodeDecodeError):
        return records.call(
            method, params, None, content_type, {"ok": False, "error": "invalid_json"}
        )
    auth = headers.get("authorization", "")
    token = auth[len("Bearer ") :].strip() if auth.startswith("Bearer ") else None
    token = token or param(params, "token")
    params.pop("token", None)
    decode_error = decode_json_args(params)

    lose_response = False
    try:
        fault = faults.apply(method)
    except Drop:
        records.call(method, params, token, content_type, {}, (0, {}, b""))
        raise
    except LoseResponse:
        fault, lose_response = None, True
    if fault is not None:
        return records.call(method, params, token, content_type, json.loads(fault[2]), fault)

    run = METHODS.get(method)
    if run is None:
        result: dict[str, Any] = {"ok": False, "error": "unknown_method", "req_method": method}
    elif token is None:
        result = {"ok": False, "error": "not_authed"}
    elif token not in ws.tokens:
        result = {"ok": False, "error": "invalid_auth"}
    elif json_body and method not in JSON_METHODS:
        result = error_with_messages(
            "invalid_arguments",
            [f"{method} does not accept a JSON body; use application/x-www-form-urlencoded"],
        )
    elif decode_error is not None:
        result = {"ok": False, "error": decode_error}
    else:
        try:
            with ws.lock:
                result = {"ok": True, **run(ws, params)}
        except ApiError as exc:
            result = {"ok": False, "error": exc.error, **exc.extra}
    reply = records.call(method, params, token, content_type, result)
    if lose_response:
        raise Drop
    return reply
