"""The command line: `python -m bot serve | migrate | import | jobs | scheduler | outbox |
backup | restore`."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.config import Settings, SettingsError, load_settings
from bot.errors import InvalidInput
from bot.i18n import Translator
from bot.import_files import TableFile
from bot.logs import configure_logging
from bot.reminders import DELETION_SWEEP, JOB_NAMES

if TYPE_CHECKING:
    from bot.services import Services


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _require(settings: Settings, *names: str) -> None:
    """Stop with one line naming the first of `names` that is not set."""
    try:
        settings.require(*names)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


class _Commands(click.Group):
    """Failures a person can fix (a setting, the database, a revision) end in one line that
    names what to change, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        from alembic.util import CommandError
        from sqlalchemy.exc import DBAPIError

        try:
            return super().invoke(ctx)
        except SettingsError as exc:
            raise click.ClickException(str(exc)) from None
        except DBAPIError as exc:
            raise click.ClickException(_database_failure(exc)) from None
        except CommandError as exc:  # alembic: an unknown --revision
            raise click.ClickException(f"Invalid --revision: {exc}") from None


def _database_failure(exc: Exception) -> str:
    from sqlalchemy.engine import make_url

    settings = load_settings()
    where = make_url(settings.effective_database_url).render_as_string(hide_password=True)
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    return f"Database unreachable or refused (DATABASE_URL {where}): {reason}"


def _migrate(settings: Settings) -> None:
    """Bring the database up to date before anything starts (an unreachable one stops here)."""
    from storage.db import Database
    from storage.migrate import upgrade

    database = Database(settings.effective_database_url)
    try:
        upgrade(database, local_timezone=settings.bot_timezone)
    finally:
        database.dispose()


@click.group(cls=_Commands, help="MISA Store chat-ops bot.")
def main() -> None:
    pass


@main.command(help="Serve Slack (HTTP or Socket Mode) and the web routes.")
@click.option("--port", type=click.IntRange(1, 65535), default=3000, show_default=True)
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option("--socket", "socket_mode", is_flag=True, help="Use Socket Mode (SLACK_APP_TOKEN).")
@click.option(
    "--no-scheduler",
    is_flag=True,
    help="Do not run the scheduled jobs here (another process runs `python -m bot scheduler`).",
)
def serve(port: int, host: str, socket_mode: bool, no_scheduler: bool) -> None:
    from wiring.app import build_runtime
    from wiring.http import serve_http

    settings = _settings()
    _require(settings, "slack_bot_token")
    _require(settings, "slack_app_token" if socket_mode else "slack_signing_secret")
    _require(settings, "public_base_url")  # order links are made from it
    configure_logging(settings)
    with _running_on(settings):
        _migrate(settings)
        runtime = build_runtime(settings, socket_mode=socket_mode, with_scheduler=not no_scheduler)
        if socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            assert settings.slack_app_token is not None
            SocketModeHandler(runtime.bolt, settings.slack_app_token.get_secret_value()).connect()
        serve_http(runtime.web, host=host, port=port, log_level=settings.log_level)


@contextlib.contextmanager
def _running_on(settings: Settings) -> Iterator[None]:
    """While a bot runs on a SQLite file it holds its lock, so `restore` will not replace it."""
    from storage.sqlite_files import held_while_running, sqlite_path

    path = sqlite_path(settings.effective_database_url)
    if path is None:
        yield
        return
    with held_while_running(path):
        yield


@main.command(
    help="The bot with an emulated Slack workspace, an SMTP sink and a bank simulator, in a "
    "browser at /sandbox; demo data is loaded into an empty database."
)
@click.option("--port", type=click.IntRange(1, 65535), default=3000, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Other than loopback: warns.")
@click.option(
    "--database",
    "database_url",
    metavar="URL",
    help="Database to use as it is (default: the sandbox's own SQLite file in BOT_DATA_DIR).",
)
def sandbox(port: int, host: str, database_url: str | None) -> None:
    from wiring.sandbox.run import run_sandbox

    run_sandbox(host=host, port=port, database_url=database_url)


@main.command(help="Apply database migrations (also done by serve and import).")
@click.option("--revision", default="head", show_default=True)
@click.option(
    "--undo",
    is_flag=True,
    help="Roll the last applied migration back instead (before running the previous version).",
)
def migrate(revision: str, undo: bool) -> None:
    from storage.db import Database
    from storage.migrate import current_revision, downgrade, upgrade

    settings = _settings()
    database = Database(settings.effective_database_url)
    if undo:
        downgrade(database, "-1", local_timezone=settings.bot_timezone)
    else:
        upgrade(database, revision, local_timezone=settings.bot_timezone)
    click.echo(f"database at revision {current_revision(database)}")


class _UnreadableFile(click.ClickException):
    exit_code = 2  # 1 means rows were rejected


def _how_read(t: Translator, table: TableFile) -> str:
    """Which format, encoding and delimiter the import read (so a wrong guess shows)."""
    if table.is_xlsx:
        return t("import.read_xlsx", name=table.path.name)
    encodings = {
        "utf-8": t("import.encoding.utf8"),
        "utf-8-sig": t("import.encoding.utf8_bom"),
        "utf-16": t("import.encoding.utf16"),
        "cp1258": t("import.encoding.cp1258"),
    }
    delimiters = {
        ",": t("import.delimiter.comma"),
        ";": t("import.delimiter.semicolon"),
        "\t": t("import.delimiter.tab"),
    }
    return t(
        "import.read_csv",
        name=table.path.name,
        encoding=encodings[table.encoding or "utf-8"],
        delimiter=delimiters[table.delimiter or ","],
    )


@main.command(
    "import",
    help="Import customers and subscriptions from a CSV (UTF-8, UTF-16 or Windows-1258) or "
    "XLSX file. Exit code 1: rows were rejected; 2: the file cannot be read.",
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.option(
    "--progress-every",
    type=click.FloatRange(min=0),
    default=5.0,
    show_default=True,
    help="Seconds between progress lines when the output is not a terminal.",
)
def import_command(file: Path, lang: str, progress_every: float) -> None:
    from bot.clock import Clock
    from bot.crm_sync import cancel_orders_of_renewed
    from bot.importer import import_file
    from storage.db import Database, Session
    from storage.migrate import upgrade
    from wiring.import_progress import ImportProgress

    settings = _settings()
    t = Translator(lang)
    database = Database(settings.effective_database_url)
    upgrade(database, local_timezone=settings.bot_timezone)
    progress = ImportProgress(t, every=progress_every)
    clock = Clock(settings.tz)

    def cancel_renewed(session: Session, contract_nos: Sequence[str]) -> int:
        """A renewed account may no longer buy storage: its open order is cancelled."""
        now = clock.now()
        endpoints = settings.webhook_endpoints
        return len(
            cancel_orders_of_renewed(session, list(contract_nos), now, now.date(), endpoints)
        )

    try:
        report = import_file(database, file, progress=progress, expiry_moved=cancel_renewed)
    except InvalidInput as error:
        raise _UnreadableFile(t(error.key, **error.params)) from None
    finally:
        progress.close()
    for row_error in report.errors:
        reason = t(row_error.key, **row_error.params)
        click.echo(t("import.line_error", line=row_error.line, reason=reason), err=True)
    if report.source is not None:
        click.echo(_how_read(t, report.source))
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
    if report.cancelled_orders:
        click.echo(t("import.cancelled_orders", count=report.cancelled_orders))
    if report.rejected:
        sys.exit(1)


def _parse_at(value: str | None, settings: Settings, t: Translator) -> datetime | None:
    """`--at`: an ISO date or date-time; without an offset it is local time (BOT_TIMEZONE)."""
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise click.ClickException(t("jobs.bad_at", value=value)) from None
    return at if at.tzinfo else at.replace(tzinfo=settings.tz)


@main.group(help="Scheduled jobs: list them with their next run, or run one now.")
def jobs() -> None:
    pass


@jobs.command("list", help="Each job, its schedule and its next run.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def jobs_list(lang: str) -> None:
    from bot.scheduler import Scheduler, describe
    from bot.services import Services
    from storage.migrate import upgrade

    settings = _settings()
    t = Translator(lang)
    services = Services.create(settings)
    upgrade(services.db, local_timezone=settings.bot_timezone)
    rows = [(t("jobs.column.name"), t("jobs.column.schedule"), t("jobs.column.next_run"))]
    for job in Scheduler(services).jobs():
        next_run = t.moment(job.next_run, settings.tz) if job.next_run else "—"
        rows.append((job.name, describe(t, job.trigger), next_run))
    for name, schedule, next_run in rows:
        click.echo(f"{name:<20} {schedule:<24} {next_run}")


@jobs.command("run", help="Run one job now (as if at --at), deliver its messages, report.")
@click.argument("name", type=click.Choice(list(JOB_NAMES)))
@click.option("--at", "at_text", metavar="ISO-DATETIME", help="Run as of this local time.")
@click.option(
    "--wait",
    type=click.FloatRange(0),
    default=120.0,
    show_default=True,
    help="Seconds to keep retrying deliveries that failed before giving the rest to the outbox.",
)
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def jobs_run(name: str, at_text: str | None, wait: float, lang: str) -> None:
    from bot.reminders import delivery_status
    from bot.scheduler import run_job
    from wiring.app import build_runtime

    settings = _settings()
    t = Translator(lang)
    at = _parse_at(at_text, settings, t)
    _require(settings, "slack_bot_token", "public_base_url")  # its outbox makes order links
    configure_logging(settings)
    _migrate(settings)
    runtime = build_runtime(settings)
    services = runtime.services
    try:
        outcome = run_job(services, name, at)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    # Deliver now, so the run is complete when the command returns; a send that keeps
    # failing stays in the outbox, which `serve` or `scheduler` retries later.
    deadline = time.monotonic() + wait
    status: dict[str, int] = {}
    while True:
        services.outbox.drain()
        status = delivery_status(services.db, outcome.claimed)
        if not status.get("pending") or time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    click.echo(
        t(
            "jobs.summary",
            job=name,
            at=t.moment(outcome.at, settings.tz),
            due=outcome.due,
            claimed=len(outcome.claimed),
            already=outcome.already,
        )
    )
    if name == DELETION_SWEEP:
        facts = outcome.facts
        click.echo(
            t(
                "jobs.sweep_summary",
                deleted=facts.get("deleted", 0),
                held=facts.get("held", 0),
                orders=facts.get("orders_expired", 0),
            )
        )
    sent, pending, dead = (status.get(s, 0) for s in ("sent", "pending", "dead"))
    click.echo(t("jobs.delivery", sent=sent, pending=pending, dead=dead))
    if pending or dead:
        sys.exit(1)


@main.command(help="Run the scheduled jobs (and deliver their messages) without serving HTTP.")
def scheduler() -> None:
    from wiring.app import build_runtime

    settings = _settings()
    _require(settings, "slack_bot_token", "public_base_url")  # its outbox makes order links
    configure_logging(settings)
    with _running_on(settings):
        _migrate(settings)
        runtime = build_runtime(settings, with_scheduler=True)
        assert runtime.scheduler is not None
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        runtime.services.outbox.start()
        runtime.scheduler.start()
        try:
            while not stop.wait(1.0):
                pass
        finally:
            runtime.scheduler.shutdown()
            runtime.services.outbox.stop()


@main.group(help="Deliveries: what waits or gave up and why, deliver again, or drop one.")
def outbox() -> None:
    pass


def _admin_database(settings: Settings) -> Services:
    from bot.services import Services
    from storage.migrate import upgrade

    services = Services.create(settings)
    upgrade(services.db, local_timezone=settings.bot_timezone)
    return services


@outbox.command("list", help="Deliveries waiting for their next attempt, or that gave up.")
@click.option("--failed", is_flag=True, help="Only those that gave up.")
@click.option("--kind", metavar="K", help="Only this kind (e.g. storage_order.placed).")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def outbox_list(failed: bool, kind: str | None, lang: str) -> None:
    from bot.outbox_admin import undelivered

    settings = _settings()
    t = Translator(lang)
    services = _admin_database(settings)
    items = undelivered(services.db, failed_only=failed, kind=kind)
    if not items:
        click.echo(t("outbox.nothing"))
        return
    columns = ("id", "kind", "state", "attempts", "since", "next")
    header = [t(f"outbox.column.{c}") for c in columns]
    click.echo(
        f"{header[0]:>6}  {header[1]:<26} {header[2]:<10} {header[3]:>9}  "
        f"{header[4]:<17} {header[5]:<17} {t('outbox.column.error')}"
    )
    for item in items:
        state = t("outbox.state.gave_up" if item.gave_up else "outbox.state.waiting")
        since = t.moment(item.since, settings.tz)
        next_at = t.moment(item.next_attempt_at, settings.tz) if item.next_attempt_at else "—"
        error = " ".join((item.last_error or "—").split())[:120]
        click.echo(
            f"{item.id:>6}  {item.kind:<26} {state:<10} {item.attempts:>9}  "
            f"{since:<17} {next_at:<17} {error}"
        )


@outbox.command("retry", help="Deliver again now: one item by ID, or every one that gave up.")
@click.argument("message_id", metavar="ID", type=int, required=False)
@click.option("--failed", is_flag=True, help="Every delivery that gave up.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def outbox_retry(message_id: int | None, failed: bool, lang: str) -> None:
    from bot.outbox_admin import retry

    settings = _settings()
    t = Translator(lang)
    if (message_id is None) == (not failed):
        raise click.UsageError(t("outbox.retry_what"))
    services = _admin_database(settings)
    done = retry(services.db, services.clock, None if failed else [message_id])
    if message_id is not None and not done:
        raise click.ClickException(t("outbox.retry_unknown", id=message_id))
    if not done:
        click.echo(t("outbox.retried_none"))
        return
    # A running `serve` or `scheduler` delivers them at its next poll (a few seconds).
    click.echo(t("outbox.retried", ids=", ".join(f"#{i}" for i in done)))


@outbox.command("drop", help="Never deliver this item; the reason is recorded.")
@click.argument("message_id", metavar="ID", type=int)
@click.option("--why", required=True, help="Why it is dropped (kept in the audit trail).")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def outbox_drop(message_id: int, why: str, lang: str) -> None:
    import getpass

    from bot.outbox_admin import DropOutcome, drop

    settings = _settings()
    t = Translator(lang)
    if not why.strip():
        raise click.UsageError(t("outbox.drop_why"))
    services = _admin_database(settings)
    actor = f"cli:{getpass.getuser()}"[:64]
    outcome = drop(services.db, services.clock, message_id, why=why.strip(), actor=actor)
    if outcome is DropOutcome.NOT_FOUND:
        raise click.ClickException(t("outbox.drop_not_found", id=message_id))
    if outcome is DropOutcome.NOT_UNDELIVERED:
        raise click.ClickException(t("outbox.drop_not_undelivered", id=message_id))
    click.echo(t("outbox.dropped", id=message_id))


class _Refused(click.ClickException):
    exit_code = 2  # nothing was done


@main.command(help="Copy the SQLite database to FILE, consistently, even while the bot runs.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def backup(file: Path, lang: str) -> None:
    from storage import sqlite_files

    settings = _settings()
    t = Translator(lang)
    database = sqlite_files.sqlite_path(settings.effective_database_url)
    if database is None:
        raise _Refused(t("backup.use_pg_dump"))
    if not database.exists():
        raise _Refused(t("backup.no_database", path=str(database)))
    if file.exists():
        raise _Refused(t("backup.exists", path=str(file)))
    sqlite_files.backup(database, file)
    click.echo(t("backup.done", path=str(file), check=sqlite_files.integrity(file)))


@main.command(help="Replace the SQLite database with a backup FILE; refused while a bot uses it.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def restore(file: Path, lang: str) -> None:
    from storage import sqlite_files

    settings = _settings()
    t = Translator(lang)
    database = sqlite_files.sqlite_path(settings.effective_database_url)
    if database is None:
        raise _Refused(t("restore.use_pg_restore"))
    try:
        sqlite_files.restore(file, database)
    except sqlite_files.InUse:
        raise _Refused(t("restore.in_use", path=str(database))) from None
    except sqlite_files.NotABackup as exc:
        raise _Refused(t("restore.not_a_backup", path=str(file), reason=str(exc))) from None
    click.echo(t("restore.done", path=str(database)))
