"""Composition root: builds the bolt App and the web app once, and registers the handlers."""

from __future__ import annotations

import contextvars
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from starlette.applications import Starlette
from starlette.middleware import Middleware

from bot.authz import Authorizer
from bot.config import Settings
from bot.scheduler import Scheduler
from bot.services import Services
from handlers import (
    approvals,
    bank_webhook,
    commands,
    crm_api,
    errors,
    exports,
    home,
    igov,
    licence_changes,
    licence_request,
    link_previews,
    lookup,
    lookup_shortcut,
    order_corrections,
    order_page,
    outbox_reports,
    reminders,
    reports,
    storage_order,
    webhooks,
)
from handlers.context import Context
from handlers.directory import SlackGroups
from handlers.dispatch import acknowledge_events_at_once
from handlers.locale import UserLanguages
from handlers.metadata import FormSeal
from handlers.slack_api import make_client
from handlers.slack_out import SlackOut
from handlers.web import health_routes, metrics_routes, slack_routes
from wiring.http import BodyGuard, RequestIds

# Each flow registers its listeners and its outbox deliverers: `register(app, ctx)`.
FLOWS: tuple[Any, ...] = (
    commands,
    home,
    storage_order,
    order_corrections,
    igov,
    licence_request,
    approvals,
    licence_changes,
    reminders,
    exports,
    outbox_reports,
    lookup,
    lookup_shortcut,
    link_previews,
    webhooks,
    reports,
)
# Requests are dispatched and their listeners run in these threads (bolt's default is 5): a
# request waiting for the database or Slack holds one, and requests beyond that many queue
# even though the CPU is free.
LISTENER_THREADS = 16

# Flows that also serve web pages: `routes(ctx) -> list[Route]`.
WEB_FLOWS: tuple[Any, ...] = (order_page, bank_webhook, crm_api)


class ContextThreads(ThreadPoolExecutor):
    """bolt's listener threads, running each listener in the context of the request that
    submitted it (so its log records carry the request's id, user and team)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


@dataclass(frozen=True)
class Runtime:
    """Everything one process serves with."""

    services: Services
    client: WebClient
    bolt: App
    web: Starlette
    scheduler: Scheduler | None = None


def build_bolt_app(
    ctx: Context, client: WebClient, threads: ThreadPoolExecutor, *, socket_mode: bool = False
) -> App:
    """In HTTP mode listeners run in the request's own thread of `threads` and the HTTP answer
    leaves at `ack` (handlers/dispatch.py); Socket Mode keeps bolt's listener threads."""
    signing_secret = ctx.services.settings.slack_signing_secret
    app = App(
        client=client,
        signing_secret=signing_secret.get_secret_value() if signing_secret else None,
        # Socket Mode has no HTTP requests to verify; HTTP mode always verifies signatures.
        request_verification_enabled=not socket_mode,
        # Start even when Slack is briefly unreachable; auth.test happens on first use.
        token_verification_enabled=False,
        process_before_response=not socket_mode,
        logger=logging.getLogger("slack_bolt"),
        listener_executor=threads,
    )
    if not socket_mode:
        acknowledge_events_at_once(app)
    errors.register(app)
    for flow in FLOWS:
        flow.register(app, ctx)
    return app


def form_secret(settings: Settings) -> bytes:
    """What modal metadata is signed with: a secret every instance of the app shares (the
    signing secret; in Socket Mode, the app-level token)."""
    for secret in (settings.slack_signing_secret, settings.slack_app_token):
        if secret is not None and secret.get_secret_value():
            return secret.get_secret_value().encode()
    return secrets.token_bytes(32)  # forms then last as long as this process


def build_runtime(
    settings: Settings, *, socket_mode: bool = False, with_scheduler: bool = False
) -> Runtime:
    """The process's app; `with_scheduler` runs the scheduled jobs while the web app runs."""
    services = Services.create(settings)
    client = make_client(settings)
    ctx = Context(
        services=services,
        languages=UserLanguages(client),
        slack=SlackOut(client),
        authz=Authorizer(settings, SlackGroups(client)),
        forms=FormSeal(form_secret(settings)),
    )
    threads = ContextThreads(LISTENER_THREADS, thread_name_prefix="listener")
    bolt = build_bolt_app(ctx, client, threads, socket_mode=socket_mode)
    routes = health_routes(services)
    if settings.metrics_enabled:
        routes += metrics_routes(services)
    if not socket_mode:
        secret = settings.slack_signing_secret
        if secret is None:  # the settings refuse HTTP mode without it; never serve unchecked
            raise RuntimeError("HTTP mode needs SLACK_SIGNING_SECRET")
        routes += slack_routes(bolt, secret.get_secret_value(), threads)
    for web_flow in WEB_FLOWS:
        routes += web_flow.routes(ctx)

    scheduler = Scheduler(services) if with_scheduler else None

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        services.outbox.start()
        if scheduler is not None:
            scheduler.start()
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.shutdown()
            services.outbox.stop()

    web = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={404: order_page.not_found},
        # Every route's body is bounded in size and time while it streams in.
        middleware=[Middleware(RequestIds), Middleware(BodyGuard)],
    )
    return Runtime(services=services, client=client, bolt=bolt, web=web, scheduler=scheduler)
