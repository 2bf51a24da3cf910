"""The App Home tab: what the bot does and how to use it, in the person's language."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from handlers.blocks.help import help_blocks
from handlers.context import Context
from handlers.kernel import Interaction, event


@event
def on_home_opened(it: Interaction[Any]) -> None:
    if it.body["event"].get("tab") != "home":
        return
    view = {"type": "home", "blocks": help_blocks(it.t, it.services.settings.slack_command)}
    it.client.views_publish(user_id=it.user, view=view)


def register(app: App, ctx: Context) -> None:
    app.event("app_home_opened")(on_home_opened.bind(ctx))
