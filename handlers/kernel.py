"""The listener kernel: what every Slack listener is handed, and how its refusals are answered.

A listener is a module-level function of one `Interaction`, made by a decorator per surface;
a flow's `register(app, ctx)` only wires it: `app.action(Action.X)(on_x.bind(ctx))`. The kernel
acknowledges, hands the listener the person's translator, its typed metadata (decoded here and
nowhere else: a button's `value`, or a modal's sealed `private_metadata`), and its reply
channel; and it turns what the listener raises into the reply of its surface:

- `button`: a click in a message. Domain errors become a private note (`replies.tell`).
- `form_action`: an input or button inside an open modal. Nothing is said (the submission
  will say it); the refusal is logged.
- `form`: a modal submission. Invalid inputs become messages under them (`response_action:
  errors`); other refusals replace the form with a notice, or show under an input.
- `options`, `event`: an external select's options, an Events API event.

Slash commands have their own surface in `handlers/commands.py` (`answer`). Unexpected errors
get a short reference, logged and shown (`handlers/errors.py`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Generic, TypeVar

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.errors import DomainError, InvalidFields, InvalidInput, NotAuthorized
from bot.i18n import Translator
from bot.outbox import PermanentFailure
from bot.services import Services
from handlers.context import Context
from handlers.errors import (
    refusal_text,
    reject_fields,
    unexpected_field_error,
    unexpected_text,
)
from handlers.metadata import Metadata, MetadataError, NotYourForm
from handlers.replies import SLACK_FAILURES, Reply, open_modal, tell

log = logging.getLogger(__name__)

M = TypeVar("M", bound=Metadata)
View = dict[str, Any]


class Interaction(Generic[M]):
    """One request from a person: who, in which language, what it carries, how to answer."""

    def __init__(
        self,
        ctx: Context,
        body: dict[str, Any],
        client: WebClient,
        *,
        respond: Respond | None = None,
        meta: Callable[[Interaction[M]], M] | None = None,
    ) -> None:
        self.ctx = ctx
        self.body = body
        self.client = client
        self._respond = respond
        self._decode = meta
        self._decoded: M | None = None

    @property
    def services(self) -> Services:
        return self.ctx.services

    @property
    def user(self) -> str:
        return (self.body.get("user") or {}).get("id") or (self.body.get("event") or {})["user"]

    @cached_property
    def t(self) -> Translator:
        """The person's language, asked of Slack only once something is to be said to them
        (and never for long: handlers/locale.py)."""
        return self.ctx.languages.translator(self.user)

    @property
    def meta(self) -> M:
        """What the button or the modal carries, typed; MetadataError if we did not write it
        (or, for a modal, if it was opened for someone else)."""
        return self._meta()

    def _meta(self) -> M:
        if self._decoded is None:
            if self._decode is None:
                raise TypeError("this listener carries no metadata")
            self._decoded = self._decode(self)
        return self._decoded

    def checked_metadata(self) -> str:
        """The modal's private_metadata as it came, once checked like `meta`: for a redraw
        that keeps it as it is."""
        self._meta()
        return self.view.get("private_metadata") or ""

    @property
    def channel_id(self) -> str:
        return (self.body.get("channel") or {}).get("id") or ""

    @property
    def trigger_id(self) -> str:
        return self.body.get("trigger_id") or ""

    @property
    def value(self) -> str:
        """The clicked element's value (a button), selected option (a select), or what was
        typed in an external select that asks for its options."""
        if not self.body.get("actions"):
            return self.body.get("value") or ""
        action = self.body["actions"][0]
        chosen = action.get("selected_option") or {}
        return action.get("value") or chosen.get("value") or ""

    @property
    def view(self) -> View:
        """The modal the request comes from."""
        return self.body.get("view") or {}

    @property
    def state(self) -> dict[str, Any]:
        """What was typed in the modal (`view.state`)."""
        return self.view.get("state") or {}

    def seal(self, state: Metadata) -> str:
        """`state` as a modal's private_metadata, bound to this person and this form."""
        return self.ctx.forms.seal(state, self.user)

    def tell(self, text: str) -> None:
        """A private note to the person; the message they clicked stays as it is. A click on
        the Home tab has nowhere to answer privately: the note goes to the person's DM."""
        if self._respond is not None and self.body.get("response_url"):
            tell(self._respond, text)
        elif (self.body.get("view") or {}).get("type") == "home":
            try:
                channel = self.ctx.slack.dm_channel(self.user)
                self.ctx.slack.post(channel, text, Reply.message(text).blocks)
            except (*SLACK_FAILURES, PermanentFailure) as exc:
                log.warning("could not tell the person in their DM: %r", exc)

    def reply(self, text: str, blocks: list[Any]) -> None:
        """Replace the private reply the person clicked in (`/misa pending`…) with this one."""
        if self._respond is not None:
            self._respond(text=text, blocks=blocks, replace_original=True)

    def open_modal(self, view: View) -> None:
        """Open `view` with this click's trigger; tell the person when Slack could not."""
        # A button in a modal (the lookup shortcut's card) opens the form over it.
        push = self.view.get("type") == "modal"
        if not open_modal(self.client, self.trigger_id, view, push=push):
            self.tell(self.t("error.form_not_opened"))


def button_value(kind: type[M]) -> Callable[[Interaction[M]], M]:
    return lambda it: kind.decode(it.value)


def sealed(kind: type[M]) -> Callable[[Interaction[M]], M]:
    return lambda it: it.ctx.forms.open(kind, it.view.get("private_metadata"), it.user)


@dataclass(frozen=True)
class Listener(Generic[M]):
    """A module-level listener, waiting for the context it runs in."""

    bind: Callable[[Context], Callable[..., None]]


def button(
    meta: type[M] | None = None, *, stale: str = "error.stale_button"
) -> Callable[[Callable[[Interaction[M]], None]], Listener[M]]:
    """A click on a button in a message: acknowledged at once; `meta` is decoded from the
    button's value (one we did not write is answered with the catalog message `stale`)."""

    def wrap(fn: Callable[[Interaction[M]], None]) -> Listener[M]:
        def bind(ctx: Context) -> Callable[..., None]:
            def listener(
                ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
            ) -> None:
                ack()
                it = Interaction(
                    ctx, body, client, respond=respond, meta=button_value(meta) if meta else None
                )
                try:
                    fn(it)
                except MetadataError as exc:
                    log.info("%s: %s", fn.__qualname__, exc)
                    it.tell(it.t(stale))
                except DomainError as error:
                    it.tell(refusal_text(it.t, error, ctx.services.settings.tz))

            return listener

        return Listener(bind)

    return wrap


def form_action(
    meta: type[M] | None = None,
) -> Callable[[Callable[[Interaction[M]], None]], Listener[M]]:
    """An input or button inside an open modal: acknowledged at once; `meta` is the modal's
    sealed metadata. A refusal is only logged: submitting the form says what is wrong."""

    def wrap(fn: Callable[[Interaction[M]], None]) -> Listener[M]:
        def bind(ctx: Context) -> Callable[..., None]:
            def listener(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
                ack()
                it = Interaction(ctx, body, client, meta=sealed(meta) if meta else None)
                try:
                    fn(it)
                except MetadataError as exc:  # stale, or not theirs: the submit says so
                    log.warning("%s: form not refreshed: %s", fn.__qualname__, exc)
                except DomainError as error:
                    log.info("%s: form not refreshed: %s", fn.__qualname__, error)

            return listener

        return Listener(bind)

    return wrap


@dataclass(frozen=True)
class FormAnswers:
    """How a modal answers what its submission raised.

    `notice(t, text)` is the view that replaces the form after a refusal. `trouble_at` is the
    input under which a stale form or a surprise is shown (None: they replace the form too);
    `refusals_at` the input under which other refusals are shown (None: they replace it).
    Either may be a function of the submitted view (a form whose inputs vary).
    """

    notice: Callable[[Translator, str], View]
    trouble_at: str | Callable[[View], str] | None = None
    refusals_at: str | Callable[[View], str] | None = None


def _input_ids(view: View) -> set[str]:
    return {b.get("block_id", "") for b in view.get("blocks") or [] if b.get("type") == "input"}


def _stale(exc: MetadataError) -> DomainError:
    if isinstance(exc, NotYourForm):
        return DomainError("error.not_your_form")
    return DomainError("error.stale_form")


def form(
    meta: type[M] | None, answers: FormAnswers
) -> Callable[[Callable[[Interaction[M]], View | None]], Listener[M]]:
    """A modal submission. The listener returns the view that replaces the form (None: the
    modal closes); what it raises is answered in the ack, within Slack's 3 seconds."""

    def wrap(fn: Callable[[Interaction[M]], View | None]) -> Listener[M]:
        where = f"{fn.__module__}.{fn.__qualname__}"

        def bind(ctx: Context) -> Callable[..., None]:
            def listener(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
                it = Interaction(ctx, body, client, meta=sealed(meta) if meta else None)
                try:
                    update = fn(it)
                except Exception as exc:  # the form always gets an answer
                    _answer_refusal(ack, it, answers, exc, where)
                    return
                if update is None:
                    ack()
                else:
                    ack(response_action="update", view=update)

            return listener

        return Listener(bind)

    return wrap


def _answer_refusal(
    ack: Ack, it: Interaction[Any], answers: FormAnswers, exc: Exception, where: str
) -> None:
    view, t = it.view, it.t

    def at(place: str | Callable[[View], str] | None) -> str | None:
        return place(view) if callable(place) else place

    def notice(text: str) -> None:
        ack(response_action="update", view=answers.notice(t, text))

    def inline_or_notice(place: str | None, error: DomainError, text: Callable[[], str]) -> None:
        if place is None:
            notice(text())
        else:
            reject_fields(ack, t, {place: error})

    tz = it.services.settings.tz
    if isinstance(exc, MetadataError):  # not what we wrote, or not theirs: nothing is done
        log.warning("%s refused: %s", where, exc)
        stale = _stale(exc)
        inline_or_notice(at(answers.trouble_at), stale, lambda: t(stale.key))
    elif isinstance(exc, InvalidFields):
        reject_fields(ack, t, exc.errors)
    elif isinstance(exc, InvalidInput) and exc.field in _input_ids(view):
        reject_fields(ack, t, {exc.field: exc})
    elif isinstance(exc, NotAuthorized):
        notice(refusal_text(t, exc, tz))
    elif isinstance(exc, DomainError):
        inline_or_notice(at(answers.refusals_at), exc, lambda: refusal_text(t, exc, tz))
    else:
        place = at(answers.trouble_at)
        if place is None:
            notice(unexpected_text(t, exc, where))
        else:
            reject_fields(ack, t, {place: unexpected_field_error(exc, where)})


def first_input(view: View) -> str:
    """The block id of a modal's first input."""
    blocks = view.get("blocks") or []
    return next((b.get("block_id", "") for b in blocks if b.get("type") == "input"), "")


def options(fn: Callable[[Interaction[Any]], list[Any]]) -> Listener[Any]:
    """The options of an external select, for what the person has typed (`it.value`)."""

    def bind(ctx: Context) -> Callable[..., None]:
        def listener(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            ack(options=fn(Interaction(ctx, body, client)))

        return listener

    return Listener(bind)


def event(fn: Callable[[Interaction[Any]], None]) -> Listener[Any]:
    """An Events API event (no acknowledgement: bolt answers the HTTP request itself)."""

    def bind(ctx: Context) -> Callable[..., None]:
        def listener(body: dict[str, Any], client: WebClient) -> None:
            fn(Interaction(ctx, body, client))

        return listener

    return Listener(bind)
