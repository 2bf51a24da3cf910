"""The global shortcut "Tra cứu khách hàng": a modal with a type-ahead customer select (the
same search as `/misa lookup`); the customer chosen is shown with its action buttons."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.customers import customer_by_id, lookup
from bot.errors import DomainError
from handlers.blocks.lookup_shortcut import customer_options, lookup_modal
from handlers.context import Context
from handlers.errors import error_text
from handlers.ids import LookupShortcutAction, LookupShortcutInput, ShortcutCallback
from handlers.kernel import FormAnswers, Interaction, button, form, form_action, options
from handlers.replies import SLACK_FAILURES

log = logging.getLogger(__name__)


@button()
def on_shortcut(it: Interaction[Any]) -> None:
    """The shortcut, from anywhere in Slack: the empty lookup modal."""
    it.open_modal(lookup_modal(it.t))


@options
def on_search(it: Interaction[Any]) -> list[Any]:
    """The customers matching what was typed, best first, as the command finds them."""
    services = it.services
    try:
        result = lookup(services, it.ctx.authz, it.user, it.value, services.clock.today())
    except DomainError:  # too short, a tax code with a typo, not allowed: nothing to offer
        return []
    return customer_options(result.customers)


def _chosen(it: Interaction[Any]) -> dict[str, Any]:
    """The modal with the chosen customer's card and buttons (or why it cannot be shown)."""
    chosen = it.value or _selected(it.view)
    try:
        card = customer_by_id(it.services, it.ctx.authz, it.user, chosen, it.services.clock.today())
    except DomainError as error:
        return lookup_modal(it.t, notice=error_text(it.t, error))
    return lookup_modal(it.t, card)


def _selected(view: dict[str, Any]) -> str:
    values = (view.get("state") or {}).get("values") or {}
    entry = (values.get(LookupShortcutInput.CUSTOMER) or {}).get(LookupShortcutAction.CUSTOMER)
    return ((entry or {}).get("selected_option") or {}).get("value") or ""


@form_action()
def on_customer(it: Interaction[Any]) -> None:
    view = it.view
    try:
        it.client.views_update(view_id=view["id"], hash=view.get("hash"), view=_chosen(it))
    except SLACK_FAILURES as exc:  # changed meanwhile, or Slack is down
        log.info("lookup modal not refreshed: %r", exc)


def _notice(t: Any, text: str) -> dict[str, Any]:
    return lookup_modal(t, notice=text)


@form(None, FormAnswers(_notice, trouble_at=LookupShortcutInput.CUSTOMER))
def on_submit(it: Interaction[Any]) -> dict[str, Any]:
    """Submitting shows the card too (for a choice Slack did not send on its own)."""
    return _chosen(it)


def register(app: App, ctx: Context) -> None:
    app.shortcut(ShortcutCallback.LOOKUP)(on_shortcut.bind(ctx))
    app.options(LookupShortcutAction.CUSTOMER)(on_search.bind(ctx))
    app.action(LookupShortcutAction.CUSTOMER)(on_customer.bind(ctx))
    app.view(ShortcutCallback.LOOKUP)(on_submit.bind(ctx))
