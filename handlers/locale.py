"""Which language to answer a person in: their Slack locale, cached briefly."""

from __future__ import annotations

import logging
import threading

from cachetools import TTLCache
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.i18n import DEFAULT_LANGUAGE, Translator, language_for

log = logging.getLogger(__name__)


# The person is waiting for an answer Slack wants within 3 s: a language is not worth more.
LOCALE_TIMEOUT = 1.0


class UserLanguages:
    """users.info (with locale) once per person per hour; Vietnamese when Slack can't say
    quickly (no retries, a short timeout: the answer must not be late because of it)."""

    def __init__(
        self, client: WebClient, ttl_seconds: int = 3600, timeout: float = LOCALE_TIMEOUT
    ) -> None:
        self._client = WebClient(
            token=client.token,
            base_url=client.base_url,
            timeout=min(client.timeout, timeout),  # type: ignore[arg-type]
            retry_handlers=[],
        )
        self._cache: TTLCache[str, str] = TTLCache(maxsize=10_000, ttl=ttl_seconds)
        self._lock = threading.Lock()

    def language(self, user_id: str | None) -> str:
        if not user_id:
            return DEFAULT_LANGUAGE
        with self._lock:
            cached = self._cache.get(user_id)
        if cached is not None:
            return cached
        try:
            response = self._client.users_info(user=user_id, include_locale=True)
            language = language_for(response["user"].get("locale"))
        except (SlackApiError, SlackClientError, OSError, KeyError) as exc:
            log.warning("locale of %s unknown (%s); answering in Vietnamese", user_id, exc)
            return DEFAULT_LANGUAGE
        with self._lock:
            self._cache[user_id] = language
        return language

    def translator(self, user_id: str | None) -> Translator:
        return Translator(self.language(user_id))
