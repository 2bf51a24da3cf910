"""The authorization matrix, cell by cell, with roles from user ids and Slack user groups."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from bot.authz import MATRIX, Authorizer, NoGroups, Permission, Role
from bot.config import load_settings
from bot.errors import NotAuthorized
from handlers.directory import SlackGroups
from slack_emulator import FakeSlack
from tests.rig.bot_process import BOT_TOKEN

# One person per role, each given by id or by user group, and one with no role at all.
PEOPLE = {
    Role.STAFF: "U0STAFF",
    Role.APPROVER: "U0APPROVER",
    Role.FINANCE: "U0FINANCE",
}
OUTSIDER = "U0OUTSIDER"
EXPECTED = {
    # permission: roles allowed (the documented matrix in bot/authz.py and docs/reliability.md)
    Permission.LOOKUP: {Role.STAFF, Role.APPROVER, Role.FINANCE},
    Permission.ORDER: {Role.STAFF},
    Permission.APPROVE: {Role.APPROVER},
    Permission.REJECT: {Role.APPROVER},
    Permission.MARK_PAID: {Role.FINANCE},
    Permission.EXPORT: {Role.FINANCE},
    Permission.REPORT: {Role.STAFF, Role.APPROVER, Role.FINANCE},
}


def authorizer(fake: FakeSlack, *, by_group: bool) -> Authorizer:
    if by_group:
        fake.set_usergroup("S0STAFF", [PEOPLE[Role.STAFF]])
        fake.set_usergroup("S0APPROVE", [PEOPLE[Role.APPROVER]])
        fake.set_usergroup("S0FINANCE", [PEOPLE[Role.FINANCE]])
        settings = load_settings(
            _env_file=None,
            staff_usergroup="S0STAFF",
            approver_usergroup="S0APPROVE",
            finance_usergroup="S0FINANCE",
        )
    else:
        settings = load_settings(
            _env_file=None,
            staff_user_ids=[PEOPLE[Role.STAFF]],
            approver_user_ids=[PEOPLE[Role.APPROVER]],
            finance_user_ids=[PEOPLE[Role.FINANCE]],
        )
    groups = SlackGroups(WebClient(token=BOT_TOKEN, base_url=fake.api_url))
    return Authorizer(settings, groups)


def test_the_documented_matrix_is_the_enforced_one() -> None:
    assert {p: set(r) for p, r in MATRIX.items()} == EXPECTED


@pytest.mark.parametrize("by_group", [False, True], ids=["user ids", "user groups"])
@pytest.mark.parametrize("permission", list(Permission))
@pytest.mark.parametrize("role", [*Role, None], ids=[*(r.value for r in Role), "no role"])
def test_every_cell(
    fake_slack: FakeSlack, by_group: bool, permission: Permission, role: Role | None
) -> None:
    authz = authorizer(fake_slack, by_group=by_group)
    user = PEOPLE[role] if role else OUTSIDER
    allowed = role in EXPECTED[permission]
    assert authz.allows(user, permission) is allowed
    if allowed:
        authz.require(user, permission)
    else:
        with pytest.raises(NotAuthorized) as refused:
            authz.require(user, permission)
        assert refused.value.key == f"authz.{permission.value}"


def test_without_configured_staff_everyone_is_staff() -> None:
    authz = Authorizer(load_settings(_env_file=None), NoGroups())
    assert authz.allows("U0ANYONE", Permission.ORDER)
    assert authz.allows("U0ANYONE", Permission.LOOKUP)
    assert not authz.allows("U0ANYONE", Permission.APPROVE)
    assert not authz.allows("U0ANYONE", Permission.MARK_PAID)


def test_group_members_are_cached_briefly(fake_slack: FakeSlack) -> None:
    fake_slack.set_usergroup("S0APPROVE2", ["U0LEAD"])
    settings = load_settings(
        _env_file=None, approver_user_ids="U0BOSS", approver_usergroup="S0APPROVE2"
    )
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)
    authz = Authorizer(settings, SlackGroups(client))
    mark = fake_slack.mark()
    assert authz.is_approver("U0BOSS") and authz.is_approver("U0LEAD")
    assert not authz.is_approver("U0SALES")
    asked = [c for c in fake_slack.calls[mark:] if c.method == "usergroups.users.list"]
    assert len(asked) == 1
    fake_slack.set_usergroup("S0APPROVE2", ["U0SALES"])
    assert authz.is_approver("U0LEAD")  # remembered for a while, not asked per click
    fresh = Authorizer(settings, SlackGroups(client, ttl_seconds=0))
    assert fresh.is_approver("U0SALES")


def test_an_unknown_group_grants_nothing_and_is_asked_again(fake_slack: FakeSlack) -> None:
    settings = load_settings(_env_file=None, approver_usergroup="S0MISSING")
    authz = Authorizer(
        settings, SlackGroups(WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url))
    )
    assert not authz.is_approver("U0LEAD")
    fake_slack.set_usergroup("S0MISSING", ["U0LEAD"])
    assert authz.is_approver("U0LEAD")  # a failure is not remembered


def test_slack_errors_fail_closed(fake_slack: FakeSlack) -> None:
    fake_slack.set_usergroup("S0FIN", ["U0FIN"])
    settings = load_settings(_env_file=None, finance_usergroup="S0FIN")
    authz = Authorizer(
        settings, SlackGroups(WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url))
    )
    fake_slack.fail_next("usergroups.users.list", status=500, times=10)
    assert not authz.allows("U0FIN", Permission.MARK_PAID)
