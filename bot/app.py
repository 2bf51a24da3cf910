"""Composition root: builds the bolt App and the web app once, and registers the handlers."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_bolt import App
from slack_sdk import WebClient
from starlette.applications import Starlette

from bot.config import Settings
from bot.services import Services
from handlers import commands, errors, home
from handlers.locale import UserLanguages
from handlers.slack_api import make_client
from handlers.web import health_routes, slack_routes


@dataclass(frozen=True)
class Runtime:
    """Everything one process serves with."""

    services: Services
    client: WebClient
    bolt: App
    web: Starlette


def build_bolt_app(services: Services, client: WebClient, *, socket_mode: bool = False) -> App:
    settings = services.settings
    signing_secret = settings.slack_signing_secret
    app = App(
        client=client,
        signing_secret=signing_secret.get_secret_value() if signing_secret else None,
        # Socket Mode has no HTTP requests to verify; HTTP mode always verifies signatures.
        request_verification_enabled=not socket_mode,
        # Start even when Slack is briefly unreachable; auth.test happens on first use.
        token_verification_enabled=False,
        logger=logging.getLogger("slack_bolt"),
    )
    languages = UserLanguages(client)
    errors.register(app)
    commands.register(app, services, languages)
    home.register(app, services, languages)
    return app


def build_runtime(settings: Settings, *, socket_mode: bool = False) -> Runtime:
    services = Services.create(settings)
    client = make_client(settings)
    bolt = build_bolt_app(services, client, socket_mode=socket_mode)
    routes = health_routes(services)
    if not socket_mode:
        routes += slack_routes(bolt)
    web = Starlette(routes=routes)
    return Runtime(services=services, client=client, bolt=bolt, web=web)
