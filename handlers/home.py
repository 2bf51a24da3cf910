"""The App Home tab: the person's dashboard (what waits for them, by role) above the help guide,
in the person's language; published when opened and again when something of theirs changes."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.authz import Permission
from bot.home import dashboard, resolve_transfer
from bot.i18n import Translator
from bot.outbox import OutboxJob
from bot.outbox_messages import HomeRefresh
from handlers.blocks import forms
from handlers.blocks.home import home_view, resolve_modal
from handlers.blocks.igov import done_modal
from handlers.context import Context
from handlers.ids import HomeAction, HomeCallback
from handlers.ids import TransferResolveInput as Input
from handlers.kernel import FormAnswers, Interaction, button, event, form
from handlers.metadata import HomePage, TransferRef

log = logging.getLogger(__name__)


def publish_home(
    ctx: Context, user: str, t: Translator, pages: dict[str, int] | None = None
) -> None:
    """Publish `user`'s Home as it is now (`pages`: which page of which section)."""
    services = ctx.services
    board = dashboard(services, ctx.authz, user, pages)
    view = home_view(t, board, services.settings.slack_command, services.settings.tz)
    ctx.slack.client.views_publish(user_id=user, view=view)


@event
def on_home_opened(it: Interaction[Any]) -> None:
    if it.body["event"].get("tab") != "home":
        return
    publish_home(it.ctx, it.user, it.t)


@button(HomePage)
def on_more(it: Interaction[HomePage]) -> None:
    """`home.more`: the section's next items (the first again after the last)."""
    publish_home(it.ctx, it.user, it.t, {it.meta.section: it.meta.page})


@button(TransferRef)
def on_resolve(it: Interaction[TransferRef]) -> None:
    """`transfer.resolve`: finance says what was done about a transfer that paid nothing."""
    it.ctx.authz.require(it.user, Permission.MARK_PAID)
    it.open_modal(resolve_modal(it.t, it.seal(it.meta)))


def _done(t: Translator, text: str) -> dict[str, Any]:
    return done_modal(t, t("home.resolve_title"), text)


@form(TransferRef, FormAnswers(_done, trouble_at=Input.NOTE, refusals_at=Input.NOTE))
def on_resolve_submit(it: Interaction[TransferRef]) -> None:
    """The note saved with who resolved it; the Home is published again."""
    note = forms.value_of(it.state, Input.NOTE) or ""
    resolve_transfer(it.services, it.ctx.authz, it.user, it.meta.transaction_id, note)
    # The person sees it at once, whatever the outbox has to deliver before.
    publish_home(it.ctx, it.user, it.t)


def register(app: App, ctx: Context) -> None:
    app.event("app_home_opened")(on_home_opened.bind(ctx))
    app.action(HomeAction.MORE)(on_more.bind(ctx))
    app.action(HomeAction.TRANSFER_RESOLVE)(on_resolve.bind(ctx))
    app.view(HomeCallback.TRANSFER_RESOLVE)(on_resolve_submit.bind(ctx))

    def refresh(job: OutboxJob[HomeRefresh]) -> None:
        user = job.message.user_id
        publish_home(ctx, user, ctx.languages.translator(user))

    ctx.services.outbox.register(HomeRefresh, refresh)
