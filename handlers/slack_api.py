"""The Web API client: SLACK_API_URL, and one retry policy for 429, 5xx and connection errors."""

from __future__ import annotations

import random

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import Jitter

from bot.config import Settings


class _ProportionalJitter(Jitter):
    """Up to half as long again, so instances spread out (the default adds up to a second)."""

    def recalculate(self, duration: float) -> float:
        return duration * random.uniform(1.0, 1.5)


# 0.2 s, 0.4 s, 0.8 s (+ jitter): three quick retries fit in the 3 s a trigger_id (and a
# person waiting on a modal) allows; a longer outage is the outbox's business.
QUICK_BACKOFF = BackoffRetryIntervalCalculator(backoff_factor=0.2, jitter=_ProportionalJitter())


def retry_handlers() -> list:
    """429 waits for Retry-After; 5xx and dropped connections back off and try again."""
    return [
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=3, interval_calculator=QUICK_BACKOFF),
        ConnectionErrorRetryHandler(max_retry_count=3, interval_calculator=QUICK_BACKOFF),
    ]


def make_client(settings: Settings) -> WebClient:
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=settings.slack_timeout_seconds,  # type: ignore[arg-type]  # urllib takes floats
        retry_handlers=retry_handlers(),
    )
