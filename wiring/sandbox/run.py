"""`python -m bot sandbox`: the emulator, the SMTP sink, the bank simulator and the real bot,
in one process, on loopback unless told otherwise."""

from __future__ import annotations

import logging
from datetime import datetime

import click
from sqlalchemy.engine import make_url
from starlette.middleware import Middleware

from bot.config import load_settings
from bot.logs import configure_logging
from slack_emulator.people import SignedSlack
from storage.db import Database
from storage.migrate import upgrade
from storage.repositories import outbox as outbox_repo
from wiring.http import BodyGuard
from wiring.sandbox import bank, events
from wiring.sandbox.demo_data import load_demo_data
from wiring.sandbox.events import EventReceiver, new_secret
from wiring.sandbox.mailbox import Mailbox
from wiring.sandbox.web import UPLOAD_PATH, Sandbox, routes
from wiring.sandbox.workspace import Secrets, emulator, sandbox_settings

log = logging.getLogger(__name__)
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def run_sandbox(*, host: str, port: int, database_url: str | None) -> None:
    from wiring.app import build_runtime
    from wiring.http import serve_http

    configured_database = load_settings().database_url
    keys = Secrets.new()
    fake = emulator(keys)
    mailbox = Mailbox().start()
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    public_url = f"http://{shown_host}:{port}"
    receiver = EventReceiver(new_secret())
    settings = sandbox_settings(
        keys,
        api_url=fake.api_url,
        public_url=public_url,
        smtp_url=mailbox.url,
        database_url=database_url,
        webhook_endpoints=[receiver.endpoint(public_url)],
    )
    configure_logging(settings)
    where = make_url(settings.effective_database_url).render_as_string(hide_password=True)
    database = Database(settings.effective_database_url)
    try:
        upgrade(database, local_timezone=settings.bot_timezone)
        with database.session() as session:
            waiting = outbox_repo.count_by_status(session).get(outbox_repo.PENDING, 0)
        if waiting:
            # The sandbox's outbox would deliver them into the emulator and mark them sent.
            raise click.ClickException(
                f"{where} has {waiting} deliveries waiting for a real Slack or mail server: "
                "the sandbox will not take them. Use --database with another database."
            )
        demo = load_demo_data(database, datetime.now(settings.tz).date(), settings.tz)
    finally:
        database.dispose()

    runtime = build_runtime(settings, with_scheduler=True)
    people = SignedSlack(f"{public_url}/slack/events", keys.signing_secret, fake)
    sandbox = Sandbox(fake, people, mailbox, runtime.services, receiver)
    runtime.web.router.routes.extend(routes(sandbox))
    runtime.web.router.routes.extend(events.routes(receiver))
    runtime.web.router.routes.extend(bank.routes(settings, runtime.services.db))
    runtime.web.user_middleware.insert(0, Middleware(bank.OrderPagePanel))
    # Documents uploaded from the browser may be as large as a licence request allows.
    upload_limit = (settings.licence_document_max_mb + 1) * 1024 * 1024
    runtime.web.user_middleware[:] = [
        Middleware(BodyGuard, limits={UPLOAD_PATH: upload_limit}) if m.cls is BodyGuard else m
        for m in runtime.web.user_middleware
    ]

    click.echo("MISA Store bot · sandbox: the real bot with an emulated Slack workspace.")
    origin = "--database" if database_url else "DATABASE_URL" if configured_database else None
    click.echo(f"  Database: {where}" + (f" (from {origin})" if origin else ""))
    if demo.loaded:
        click.echo(f"  Demo data: {demo.customers} customers loaded into the empty database.")
    else:
        click.echo(f"  Demo data: none loaded (the database holds {demo.customers} customers).")
    if host not in LOOPBACK:
        click.secho(
            f"  WARNING: listening on {host}: anyone who reaches this port can act as any "
            "sandbox person. Use it only on a trusted network.",
            fg="yellow",
            err=True,
        )
    click.secho(f"  Open {public_url}/sandbox", bold=True)
    try:
        serve_http(runtime.web, host=host, port=port, log_level=settings.log_level)
    finally:
        people.close()
        mailbox.stop()
        fake.stop()
