"""The Web API client: SLACK_API_URL, and one retry policy for 429, 5xx and connection errors."""

from __future__ import annotations

import random
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import HttpRequest, HttpResponse, RetryHandler, RetryState
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import Jitter

from bot.config import Settings
from bot.metrics import SLACK_API_CALLS, SLACK_API_FAILED_ATTEMPTS


class _ProportionalJitter(Jitter):
    """Up to half as long again, so instances spread out (the default adds up to a second)."""

    def recalculate(self, duration: float) -> float:
        return duration * random.uniform(1.0, 1.5)


# 0.2 s, 0.4 s, 0.8 s (+ jitter): three quick retries fit in the 3 s a trigger_id (and a
# person waiting on a modal) allows; a longer outage is the outbox's business.
QUICK_BACKOFF = BackoffRetryIntervalCalculator(backoff_factor=0.2, jitter=_ProportionalJitter())


class _CountFailedAttempts(RetryHandler):
    """Counts each attempt that failed (429, 5xx, a dropped connection); never retries itself,
    so the handlers after it decide."""

    def __init__(self) -> None:
        super().__init__(max_retry_count=1_000_000)

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None:
            reason = "connection_error" if error is not None else None
        elif response.status_code == 429:
            reason = "http_429"
        elif response.status_code >= 500:
            reason = "http_5xx"
        else:
            reason = None
        if reason is not None:
            method = request.url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
            SLACK_API_FAILED_ATTEMPTS.labels(method, reason).inc()
        return False


class MeteredWebClient(WebClient):
    """The Web API client, counting each call's result by method (`bot.metrics`)."""

    def api_call(self, api_method: str, **kwargs: Any) -> Any:  # type: ignore[override]
        try:
            response = super().api_call(api_method, **kwargs)
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            SLACK_API_CALLS.labels(api_method, str(error or "error")).inc()
            raise
        except TimeoutError:
            SLACK_API_CALLS.labels(api_method, "timeout").inc()
            raise
        except Exception:
            SLACK_API_CALLS.labels(api_method, "connection_error").inc()
            raise
        SLACK_API_CALLS.labels(api_method, "ok").inc()
        return response


def retry_handlers() -> list:
    """429 waits for Retry-After; 5xx and dropped connections back off and try again."""
    return [
        _CountFailedAttempts(),
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=3, interval_calculator=QUICK_BACKOFF),
        ConnectionErrorRetryHandler(max_retry_count=3, interval_calculator=QUICK_BACKOFF),
    ]


def make_client(settings: Settings) -> WebClient:
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return MeteredWebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=settings.slack_timeout_seconds,  # type: ignore[arg-type]  # urllib takes floats
        retry_handlers=retry_handlers(),
    )
