"""The App Home tab: what the bot does and how to use it, in the person's language."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from handlers.blocks.help import help_blocks
from handlers.context import Context

log = logging.getLogger(__name__)


def register(app: App, ctx: Context) -> None:
    @app.event("app_home_opened")
    def on_home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") != "home":
            return
        user_id = event["user"]
        t = ctx.languages.translator(user_id)
        view = {"type": "home", "blocks": help_blocks(t, ctx.services.settings.slack_command)}
        client.views_publish(user_id=user_id, view=view)
