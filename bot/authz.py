"""Who may do what: one matrix of permissions by role, roles from user ids and user groups.

| permission | staff | approver | finance |
|---|---|---|---|
| lookup (customers, orders, requests) | yes | yes | yes |
| order (storage orders, iGOV orders, licence requests) | yes | no | no |
| approve / reject a licence request | no | yes (never their own) | no |
| mark an order paid | no | no | yes |
| export (orders and payments as CSV) | no | no | yes |
| report (`/misa report`, figures and chart) | yes | yes | yes |

Roles are configured by Slack user ids and Slack user groups (STAFF_USER_IDS /
STAFF_USERGROUP, APPROVER_USER_IDS / APPROVER_USERGROUP, FINANCE_USER_IDS / FINANCE_USERGROUP).
When no staff is configured, everyone in the workspace is staff. A person may hold several
roles. Use cases call `Authorizer.require` themselves: hiding a button is not the check.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.config import Settings
from bot.errors import NotAuthorized

log = logging.getLogger(__name__)


class Role(StrEnum):
    STAFF = "staff"
    APPROVER = "approver"
    FINANCE = "finance"


class Permission(StrEnum):
    LOOKUP = "lookup"
    ORDER = "order"
    APPROVE = "approve"
    REJECT = "reject"
    MARK_PAID = "mark_paid"
    EXPORT = "export"
    REPORT = "report"


MATRIX: Mapping[Permission, frozenset[Role]] = {
    Permission.LOOKUP: frozenset({Role.STAFF, Role.APPROVER, Role.FINANCE}),
    Permission.ORDER: frozenset({Role.STAFF}),
    Permission.APPROVE: frozenset({Role.APPROVER}),
    Permission.REJECT: frozenset({Role.APPROVER}),
    Permission.MARK_PAID: frozenset({Role.FINANCE}),
    Permission.EXPORT: frozenset({Role.FINANCE}),
    Permission.REPORT: frozenset({Role.STAFF, Role.APPROVER, Role.FINANCE}),
}


class GroupDirectory(Protocol):
    """Members of a Slack user group (asked of Slack and cached, in handlers)."""

    def members(self, usergroup: str) -> frozenset[str]: ...


class NoGroups:
    """A directory without user groups (tests, and deployments configured by ids only)."""

    def members(self, usergroup: str) -> frozenset[str]:
        return frozenset()


@dataclass(frozen=True)
class RoleRule:
    user_ids: frozenset[str]
    usergroup: str | None
    everyone: bool = False


def role_rules(settings: Settings) -> dict[Role, RoleRule]:
    staff_ids = frozenset(settings.staff_user_ids)
    return {
        Role.STAFF: RoleRule(
            staff_ids,
            settings.staff_usergroup,
            everyone=not staff_ids and not settings.staff_usergroup,
        ),
        Role.APPROVER: RoleRule(frozenset(settings.approver_user_ids), settings.approver_usergroup),
        Role.FINANCE: RoleRule(frozenset(settings.finance_user_ids), settings.finance_usergroup),
    }


class Authorizer:
    def __init__(self, settings: Settings, directory: GroupDirectory) -> None:
        self.rules = role_rules(settings)
        self.directory = directory

    def has_role(self, user_id: str, role: Role) -> bool:
        rule = self.rules[role]
        if rule.everyone or user_id in rule.user_ids:
            return True
        return bool(rule.usergroup) and user_id in self.directory.members(rule.usergroup or "")

    def allows(self, user_id: str, permission: Permission) -> bool:
        return any(self.has_role(user_id, role) for role in MATRIX[permission])

    def require(self, user_id: str, permission: Permission) -> None:
        """Raise NotAuthorized (saying who may) unless `user_id` holds the permission."""
        if not self.allows(user_id, permission):
            log.info("refused %s to %s", permission.value, user_id)
            raise NotAuthorized(f"authz.{permission.value}")

    def is_approver(self, user_id: str) -> bool:
        return self.has_role(user_id, Role.APPROVER)
