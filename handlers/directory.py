"""Members of Slack user groups (usergroups.users.list), cached briefly, failing closed."""

from __future__ import annotations

import logging
import threading

from cachetools import TTLCache
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger(__name__)


class SlackGroups:
    """A role's members may change at any time: asked of Slack again after `ttl_seconds`."""

    def __init__(self, client: WebClient, ttl_seconds: int = 60) -> None:
        self._client = client
        self._cache: TTLCache[str, frozenset[str]] = TTLCache(maxsize=32, ttl=ttl_seconds)
        self._lock = threading.Lock()

    def members(self, usergroup: str) -> frozenset[str]:
        with self._lock:
            cached = self._cache.get(usergroup)
        if cached is not None:
            return cached
        try:
            response = self._client.usergroups_users_list(usergroup=usergroup)
            members = frozenset(response.get("users") or [])
        except (SlackApiError, SlackClientError, OSError) as exc:
            # Fail closed, and don't remember the failure: the next click asks again.
            log.warning("members of %s unknown: %s", usergroup, exc)
            return frozenset()
        with self._lock:
            self._cache[usergroup] = members
        return members
