"""Who approves: APPROVER_USER_IDS plus the members of APPROVER_USERGROUP, asked of Slack."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.config import load_settings
from handlers.approvals import SlackApprovers
from tests.rig.bot_process import BOT_TOKEN
from tests.rig.fake_slack import FakeSlack


def approvers(fake: FakeSlack, group: str | None, ttl: int = 60) -> SlackApprovers:
    settings = load_settings(_env_file=None, approver_user_ids="U0BOSS", approver_usergroup=group)
    return SlackApprovers(settings, WebClient(token=BOT_TOKEN, base_url=fake.api_url), ttl)


def test_settings_and_group_members_approve_and_the_group_is_cached(
    fake_slack: FakeSlack,
) -> None:
    fake_slack.set_usergroup("S0APPROVE", ["U0LEAD"])
    directory = approvers(fake_slack, "S0APPROVE")
    mark = fake_slack.mark()
    assert directory.is_approver("U0BOSS") and directory.is_approver("U0LEAD")
    assert not directory.is_approver("U0SALES")
    asked = [c for c in fake_slack.calls[mark:] if c.method == "usergroups.users.list"]
    assert len(asked) == 1
    fake_slack.set_usergroup("S0APPROVE", ["U0SALES"])
    assert directory.is_approver("U0LEAD")  # remembered for a while, not asked per click
    assert approvers(fake_slack, "S0APPROVE", ttl=0).is_approver("U0SALES")


def test_an_unknown_group_approves_nobody_and_is_asked_again(fake_slack: FakeSlack) -> None:
    directory = approvers(fake_slack, "S0MISSING")
    assert not directory.is_approver("U0LEAD")
    fake_slack.set_usergroup("S0MISSING", ["U0LEAD"])
    assert directory.is_approver("U0LEAD")  # a failure is not remembered
    assert approvers(fake_slack, None).is_approver("U0BOSS")
