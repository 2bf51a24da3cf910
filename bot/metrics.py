"""Prometheus metrics: what each process counts as it works, and figures read from the
database when scraped. Every name is here; `GET /metrics` serves them (handlers/web.py).

Counters and histograms are the process's own (each instance exposes its own; sum them).
The figures from the database are the same on every instance (take one, or `max`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.clock import Clock
from bot.operations import figures
from storage.db import Database

log = logging.getLogger(__name__)

PREFIX = "misa_bot_"

SLACK_REQUESTS = Counter(
    PREFIX + "slack_requests",
    "Requests from Slack by kind (command, action, view, event, options) and outcome.",
    ["kind", "outcome"],
)
SLACK_ACK_SECONDS = Histogram(
    PREFIX + "slack_ack_seconds",
    "Time from receiving a Slack request to its acknowledgement (Slack allows 3 s).",
    ["kind"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0),
)
SLACK_API_CALLS = Counter(
    PREFIX + "slack_api_calls",
    "Slack Web API calls by method and final result: ok, Slack's error code (ratelimited once "
    "the retries are spent), timeout or connection_error.",
    ["method", "result"],
)
SLACK_API_FAILED_ATTEMPTS = Counter(
    PREFIX + "slack_api_failed_attempts",
    "Web API attempts that failed and may have been retried, by method and reason: http_429 "
    "(rate limited), http_5xx, connection_error.",
    ["method", "reason"],
)
OUTBOX_DELIVERIES = Counter(
    PREFIX + "outbox_deliveries",
    "Delivery attempts by kind and outcome: delivered, retried (will try again), failed (gave up).",
    ["kind", "outcome"],
)
JOB_RUNS = Counter(
    PREFIX + "scheduled_job_runs", "Scheduled job runs by job and outcome.", ["job", "outcome"]
)
JOB_SECONDS = Histogram(
    PREFIX + "scheduled_job_duration_seconds",
    "How long a scheduled job's run took.",
    ["job"],
    buckets=(0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0),
)


class DatabaseFigures(Collector):
    """Gauges and totals read from the database at each scrape."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(PREFIX + "database_up", "1 when the scrape could read the database.")
        try:
            now = figures(self.db, self.clock.now())
        except Exception as exc:
            log.warning("metrics: the database did not answer: %r", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        outbox = GaugeMetricFamily(
            PREFIX + "outbox_messages",
            "Outbox messages by kind and status (pending, sent, dead: gave up).",
            labels=["kind", "status"],
        )
        for (kind, status), count in sorted(now.outbox.items()):
            outbox.add_metric([kind, status], count)
        yield outbox
        yield GaugeMetricFamily(
            PREFIX + "outbox_oldest_pending_age_seconds",
            "How long the longest-waiting pending delivery has waited (0 when none).",
            value=now.oldest_pending_age,
        )
        orders = GaugeMetricFamily(
            PREFIX + "storage_orders", "Storage orders by status.", labels=["status"]
        )
        for status, count in sorted(now.storage_orders.items()):
            orders.add_metric([status], count)
        yield orders
        yield CounterMetricFamily(
            PREFIX + "storage_orders_placed",
            "Storage orders placed.",
            value=sum(now.storage_orders.values()),
        )
        yield CounterMetricFamily(
            PREFIX + "storage_orders_paid", "Storage orders paid.", value=now.storage_orders_paid
        )
        yield CounterMetricFamily(
            PREFIX + "storage_orders_cancelled",
            "Storage orders cancelled.",
            value=now.storage_orders.get("cancelled", 0),
        )
        requests = GaugeMetricFamily(
            PREFIX + "licence_requests", "Licence requests by status.", labels=["status"]
        )
        for status, count in sorted(now.licence_requests.items()):
            requests.add_metric([status], count)
        yield requests
        bank = CounterMetricFamily(
            PREFIX + "bank_notifications",
            "Bank transfer notifications recorded, by outcome.",
            labels=["outcome"],
        )
        for outcome, count in sorted(now.bank_notifications.items()):
            bank.add_metric([outcome], count)
        yield bank


class _Everything(Collector):
    def __init__(self, db: Database, clock: Clock) -> None:
        self.figures = DatabaseFigures(db, clock)

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()
        yield from self.figures.collect()


def registry(db: Database, clock: Clock) -> CollectorRegistry:
    """What one process's /metrics shows: its own counters and the database's figures."""
    combined = CollectorRegistry(auto_describe=False)
    combined.register(_Everything(db, clock))
    return combined
