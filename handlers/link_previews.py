"""Order links posted in Slack are previewed (`link_shared` → `chat.unfurl`)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.i18n import Translator
from bot.link_previews import order_previews
from handlers.blocks.link_previews import order_unfurl
from handlers.context import Context
from handlers.kernel import Interaction, event
from handlers.replies import SLACK_FAILURES

log = logging.getLogger(__name__)


@event
def on_link_shared(it: Interaction[Any]) -> None:
    """Everyone in the conversation sees the preview: in the workspace's language (Vietnamese),
    with nothing personal."""
    shared = it.body["event"]
    urls = [link.get("url") or "" for link in shared.get("links") or []]
    previews = order_previews(it.services, urls)
    if not previews:
        return
    t, tz = Translator(), it.services.settings.tz
    unfurls = {url: order_unfurl(t, preview, tz) for url, preview in previews.items()}
    target: dict[str, Any]
    if shared.get("unfurl_id") and shared.get("source"):
        target = {"unfurl_id": shared["unfurl_id"], "source": shared["source"]}
    else:
        target = {"channel": shared.get("channel"), "ts": shared.get("message_ts")}
    try:
        it.client.chat_unfurl(unfurls=unfurls, **target)
    except SLACK_FAILURES as exc:  # a preview is a nicety: Slack shows the bare link
        log.warning("chat.unfurl failed: %r", exc)


def register(app: App, ctx: Context) -> None:
    app.event("link_shared")(on_link_shared.bind(ctx))
