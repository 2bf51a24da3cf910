"""The metrics' names and the sample dashboard agree; readiness from the database."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import registry
from bot.operations import readiness
from storage.db import Database
from storage.migrate import downgrade, upgrade
from storage.repositories import outbox
from tests.conftest import FixedClock
from tests.rig.postgres import free_port


def test_the_dashboard_names_only_metrics_the_bot_exposes(db: Database, clock: FixedClock) -> None:
    exposed = generate_latest(registry(db, clock)).decode()
    families = {family.name for family in text_string_to_metric_families(exposed)}
    dashboard = json.loads(Path("docs/grafana-dashboard.json").read_text())
    used = {
        re.sub(r"_(total|bucket|count|sum)$", "", name)
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"misa_bot_[a-z_]+", target["expr"])
    }
    assert used and used <= families, used - families


def test_names_follow_prometheus_conventions(db: Database, clock: FixedClock) -> None:
    exposed = generate_latest(registry(db, clock)).decode()
    for family in text_string_to_metric_families(exposed):
        if not family.name.startswith("misa_bot_"):
            continue
        if family.type == "counter":
            assert all(s.name.endswith(("_total", "_created")) for s in family.samples)
        if family.type == "histogram":
            assert family.name.endswith("_seconds"), family.name


def test_ready_until_a_delivery_waits_too_long(db: Database, clock: FixedClock) -> None:
    now = clock.now()
    assert readiness(db, now, 900).ready
    with db.session() as session:
        outbox.enqueue(session, "export.deliver", {}, now=now - timedelta(seconds=901))
    state = readiness(db, now, 900)
    assert (state.database, state.migrations, state.outbox) == (True, True, False)
    assert state.outbox_oldest_seconds == 901
    assert readiness(db, now, 1000).ready


def test_not_ready_behind_the_code_s_migrations(db: Database, clock: FixedClock) -> None:
    downgrade(db, "-1")
    state = readiness(db, clock.now(), 900)
    assert state.database and not state.migrations and not state.ready
    upgrade(db)
    assert readiness(db, clock.now(), 900).ready


def test_not_ready_without_a_database(clock: FixedClock) -> None:
    unreachable = Database(f"postgresql://misa:pw@127.0.0.1:{free_port()}/misa")
    state = readiness(unreachable, clock.now(), 900)
    assert not state.database and not state.ready
