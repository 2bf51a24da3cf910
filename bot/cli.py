"""The command line: `python -m bot serve | migrate | import` (and the scheduler's jobs)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from bot.config import Settings, SettingsError, load_settings
from bot.errors import InvalidInput
from bot.i18n import Translator


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _require(settings: Settings, *names: str) -> None:
    try:
        settings.require(*names)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


@click.group(help="MISA Store chat-ops bot.")
def main() -> None:
    pass


@main.command(help="Serve Slack (HTTP or Socket Mode) and the web routes.")
@click.option("--port", type=click.IntRange(1, 65535), default=3000, show_default=True)
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option("--socket", "socket_mode", is_flag=True, help="Use Socket Mode (SLACK_APP_TOKEN).")
def serve(port: int, host: str, socket_mode: bool) -> None:
    import uvicorn

    from bot.app import build_runtime
    from storage.migrate import upgrade

    settings = _settings()
    _require(settings, "slack_bot_token")
    _require(settings, "slack_app_token" if socket_mode else "slack_signing_secret")
    configure_logging(settings)
    runtime = build_runtime(settings, socket_mode=socket_mode)
    upgrade(runtime.services.db)
    if socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        assert settings.slack_app_token is not None
        SocketModeHandler(runtime.bolt, settings.slack_app_token.get_secret_value()).connect()
    uvicorn.run(
        runtime.web,
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        timeout_graceful_shutdown=10,
    )


@main.command(help="Apply database migrations (also done by serve and import).")
@click.option("--revision", default="head", show_default=True)
def migrate(revision: str) -> None:
    from storage.db import Database
    from storage.migrate import current_revision, upgrade

    settings = _settings()
    database = Database(settings.effective_database_url)
    upgrade(database, revision)
    click.echo(f"database at revision {current_revision(database)}")


@main.command("import", help="Import customers and subscriptions from a CSV or XLSX file.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def import_command(file: Path, lang: str) -> None:
    from bot.importer import import_file
    from storage.db import Database
    from storage.migrate import upgrade

    settings = _settings()
    t = Translator(lang)
    database = Database(settings.effective_database_url)
    upgrade(database)
    try:
        report = import_file(database, file)
    except InvalidInput as error:
        raise click.ClickException(t(error.key, **error.params)) from None
    for row_error in report.errors:
        reason = t(row_error.key, **row_error.params)
        click.echo(t("import.line_error", line=row_error.line, reason=reason), err=True)
    click.echo(
        t(
            "import.summary",
            added=report.added,
            updated=report.updated,
            unchanged=report.unchanged,
            rejected=report.rejected,
            total=report.total,
        )
    )
    if report.rejected:
        sys.exit(1)
