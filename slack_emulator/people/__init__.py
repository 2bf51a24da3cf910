"""Talk to the bot the way Slack does: signed HTTP requests to its /slack/events endpoint.

Payloads follow Slack's documented shapes (slash commands, block_actions, view_submission,
view_closed, block_suggestion, Events API). Each interaction carries a fresh trigger_id and
response_url issued by the `FakeSlack`, so whatever the bot does next with them is checked there.

The client also behaves like the Slack client a person uses: it only clicks buttons that are in the
message or view, and it refuses to submit a modal Slack would not let the user submit (empty
required input, text shorter than min_length, a number out of range, an invalid email...).

Modules: `transport` (signing, headers, Events API), `actions` (commands, clicks, picks),
`views` (submissions, closing, suggestions, acknowledgement checks), `values` (Slack's shapes
of what a person entered), `checks` (what the Slack client refuses); `socket` sends the same
requests as Socket Mode envelopes (`SocketSlack`). It needs httpx; the
emulator itself (`import slack_emulator`) does not load it.
"""

from slack_emulator.people.socket import SocketSlack
from slack_emulator.people.transport import SendOptions, SubmissionBlocked
from slack_emulator.people.views import SignedSlack

__all__ = ["SendOptions", "SignedSlack", "SocketSlack", "SubmissionBlocked"]
