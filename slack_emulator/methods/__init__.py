"""The Web API methods the emulator answers, by name: each takes the workspace (its lock held)
and the call's arguments, returns the fields of an ``ok`` reply or raises `ApiError`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_emulator import socket_mode
from slack_emulator.methods import chat, files, people, views
from slack_emulator.state import Workspace

Method = Callable[[Workspace, dict[str, Any]], dict[str, Any]]

METHODS: dict[str, Method] = {
    **people.METHODS,
    **chat.METHODS,
    **views.METHODS,
    **files.METHODS,
    **socket_mode.METHODS,
}
