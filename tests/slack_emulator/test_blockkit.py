"""Block Kit: what Slack rejects in a message is rejected with its JSON pointer, what it accepts at
the limits is accepted; the validator's entry points for acks."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_emulator import FakeSlack, blockkit
from tests.slack_emulator.builders import (
    actions,
    button,
    confirm,
    input_block,
    modal,
    mrkdwn,
    option,
    options,
    plain,
    section,
    select,
)

INVALID_MESSAGE_BLOCKS: list[tuple[str, list[dict[str, Any]], str]] = [
    ("more than 50 blocks", [section()] * 51, "/blocks"),
    ("unknown block type", [{"type": "carousel"}], "/blocks/0/type"),
    ("section text over 3000", [section("x" * 3001)], "/blocks/0/text/text"),
    ("empty text", [section("")], "/blocks/0/text/text"),
    ("section without text or fields", [{"type": "section"}], "/blocks/0"),
    ("11 section fields", [{"type": "section", "fields": [mrkdwn("f")] * 11}], "/blocks/0/fields"),
    (
        "section field over 2000",
        [{"type": "section", "fields": [mrkdwn("f" * 2001)]}],
        "/blocks/0/fields/0/text",
    ),
    (
        "emoji on mrkdwn",
        [{"type": "section", "text": {"type": "mrkdwn", "text": "x", "emoji": True}}],
        "/blocks/0/text/emoji",
    ),
    (
        "unknown text type",
        [{"type": "section", "text": {"type": "md", "text": "x"}}],
        "/blocks/0/text/type",
    ),
    ("header in mrkdwn", [{"type": "header", "text": mrkdwn("x")}], "/blocks/0/text/type"),
    ("header over 150", [{"type": "header", "text": plain("h" * 151)}], "/blocks/0/text/text"),
    (
        "context with 11 elements",
        [{"type": "context", "elements": [mrkdwn("c")] * 11}],
        "/blocks/0/elements",
    ),
    ("empty actions", [actions()], "/blocks/0/elements"),
    (
        "26 elements in actions",
        [actions(*[button(action_id=f"b{i}") for i in range(26)])],
        "/blocks/0/elements",
    ),
    ("button text over 75", [actions(button("b" * 76))], "/blocks/0/elements/0/text/text"),
    (
        "button text mrkdwn",
        [actions({**button(), "text": mrkdwn("b")})],
        "/blocks/0/elements/0/text/type",
    ),
    ("button value over 2000", [actions(button(value="v" * 2001))], "/blocks/0/elements/0/value"),
    (
        "button url over 3000",
        [actions(button(url="https://x/" + "u" * 2991))],
        "/blocks/0/elements/0/url",
    ),
    ("button style secondary", [actions(button(style="secondary"))], "/blocks/0/elements/0/style"),
    (
        "action_id over 255",
        [actions(button(action_id="a" * 256))],
        "/blocks/0/elements/0/action_id",
    ),
    (
        "duplicate action_id in a block",
        [actions(button(), button())],
        "/blocks/0/elements/1/action_id",
    ),
    ("duplicate block_id", [section(block_id="b"), section(block_id="b")], "/blocks/1/block_id"),
    ("block_id over 255", [section(block_id="b" * 256)], "/blocks/0/block_id"),
    (
        "confirm title over 100",
        [actions(button(confirm=confirm(title=plain("t" * 101))))],
        "/blocks/0/elements/0/confirm/title/text",
    ),
    (
        "confirm text over 300",
        [actions(button(confirm=confirm(text=plain("t" * 301))))],
        "/blocks/0/elements/0/confirm/text/text",
    ),
    (
        "confirm button over 30",
        [actions(button(confirm=confirm(confirm=plain("c" * 31))))],
        "/blocks/0/elements/0/confirm/confirm/text",
    ),
    (
        "confirm without deny",
        [actions(button(confirm={k: v for k, v in confirm().items() if k != "deny"}))],
        "/blocks/0/elements/0/confirm",
    ),
    (
        "select with 101 options",
        [actions(select(options=options(101)))],
        "/blocks/0/elements/0/options",
    ),
    (
        "option text over 75",
        [actions(select(options=[option("o" * 76, "v")]))],
        "/blocks/0/elements/0/options/0/text/text",
    ),
    (
        "option value over 150",
        [actions(select(options=[option("o", "v" * 151)]))],
        "/blocks/0/elements/0/options/0/value",
    ),
    (
        "initial_option not among options",
        [actions(select(initial_option=option("x", "nope")))],
        "/blocks/0/elements/0/initial_option",
    ),
    (
        "select placeholder over 150",
        [actions(select(placeholder=plain("p" * 151)))],
        "/blocks/0/elements/0/placeholder/text",
    ),
    (
        "select with both options and option_groups",
        [actions(select(option_groups=[{"label": plain("g"), "options": options(2)}]))],
        "/blocks/0/elements/0",
    ),
    (
        "overflow with 1 option",
        [actions({"type": "overflow", "action_id": "o", "options": options(1)})],
        "/blocks/0/elements/0/options",
    ),
    (
        "overflow with 6 options",
        [actions({"type": "overflow", "action_id": "o", "options": options(6)})],
        "/blocks/0/elements/0/options",
    ),
    (
        "checkboxes with 11 options",
        [actions({"type": "checkboxes", "action_id": "c", "options": options(11)})],
        "/blocks/0/elements/0/options",
    ),
    (
        "radio initial_option not among options",
        [
            actions(
                {
                    "type": "radio_buttons",
                    "action_id": "r",
                    "options": options(2),
                    "initial_option": option("o9", "v9"),
                }
            )
        ],
        "/blocks/0/elements/0/initial_option",
    ),
    ("image without alt_text", [{"type": "image", "image_url": "https://x/y.png"}], "/blocks/0"),
    (
        "image url over 3000",
        [{"type": "image", "image_url": "https://x/" + "i" * 2991, "alt_text": "a"}],
        "/blocks/0/image_url",
    ),
    (
        "image alt_text over 2000",
        [{"type": "image", "image_url": "https://x/y.png", "alt_text": "a" * 2001}],
        "/blocks/0/alt_text",
    ),
    (
        "text input as section accessory",
        [section(accessory={"type": "plain_text_input", "action_id": "t"})],
        "/blocks/0/accessory/type",
    ),
    (
        "misspelt property",
        [{"type": "section", "txt": mrkdwn("x"), "text": mrkdwn("x")}],
        "/blocks/0/txt",
    ),
    (
        "input label over 2000",
        [
            {
                **input_block({"type": "plain_text_input", "action_id": "t"}),
                "label": plain("l" * 2001),
            }
        ],
        "/blocks/0/label/text",
    ),
    (
        "input hint over 2000",
        [input_block({"type": "plain_text_input", "action_id": "t"}, hint=plain("h" * 2001))],
        "/blocks/0/hint/text",
    ),
    ("button inside an input", [input_block(button())], "/blocks/0/element/type"),
    (
        "number_input without is_decimal_allowed",
        [input_block({"type": "number_input", "action_id": "n"})],
        "/blocks/0/element",
    ),
    (
        "number_input initial_value as a number",
        [
            input_block(
                {
                    "type": "number_input",
                    "action_id": "n",
                    "is_decimal_allowed": False,
                    "initial_value": 1,
                }
            )
        ],
        "/blocks/0/element/initial_value",
    ),
    (
        "datepicker impossible date",
        [input_block({"type": "datepicker", "action_id": "d", "initial_date": "2025-02-30"})],
        "/blocks/0/element/initial_date",
    ),
    (
        "file_input max_files 11",
        [input_block({"type": "file_input", "action_id": "f", "max_files": 11})],
        "/blocks/0/element/max_files",
    ),
]


@pytest.mark.parametrize(
    ("blocks", "pointer"),
    [pytest.param(b, p, id=name) for name, b, p in INVALID_MESSAGE_BLOCKS],
)
def test_block_kit_violation_is_rejected_with_pointer(
    fake: FakeSlack, client: WebClient, blocks: list[dict[str, Any]], pointer: str
) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="fallback", blocks=blocks)
    data = raised.value.response.data
    assert data["error"] == "invalid_blocks"
    assert any(e.endswith(f"[json-pointer:{pointer}]") for e in data["errors"]), data["errors"]
    assert data["response_metadata"]["messages"][0].startswith("[ERROR] ")
    assert fake.messages("C1") == []


VALID_AT_THE_LIMITS: list[tuple[str, list[dict[str, Any]]]] = [
    ("50 blocks", [section()] * 50),
    ("section text 3000", [section("x" * 3000)]),
    ("10 fields of 2000", [{"type": "section", "fields": [mrkdwn("f" * 2000)] * 10}]),
    (
        "header 150 with emoji flag",
        [{"type": "header", "text": {**plain("h" * 150), "emoji": True}}],
    ),
    (
        "context 10 with image",
        [
            {
                "type": "context",
                "elements": [mrkdwn("c")] * 9
                + [{"type": "image", "image_url": "https://x/i.png", "alt_text": "i"}],
            }
        ],
    ),
    ("25 buttons", [actions(*[button(action_id=f"b{i}") for i in range(25)])]),
    (
        "button at its limits",
        [
            actions(
                button(
                    "b" * 75,
                    value="v" * 2000,
                    style="danger",
                    confirm=confirm(title=plain("t" * 100)),
                )
            )
        ],
    ),
    (
        "select with 100 options",
        [actions(select(options=options(100), initial_option=option("o5", "v5")))],
    ),
    (
        "option groups",
        [
            actions(
                {
                    "type": "static_select",
                    "action_id": "g",
                    "option_groups": [{"label": plain("A"), "options": options(2)}],
                }
            )
        ],
    ),
    (
        "overflow with 2 and 5",
        [
            actions(
                {"type": "overflow", "action_id": "a", "options": options(2)},
                {"type": "overflow", "action_id": "b", "options": options(5)},
            )
        ],
    ),
    (
        "checkboxes 10 with mrkdwn",
        [
            actions(
                {
                    "type": "checkboxes",
                    "action_id": "c",
                    "options": [{"text": mrkdwn(f"*{i}*"), "value": str(i)} for i in range(10)],
                }
            )
        ],
    ),
    ("image from slack_file", [{"type": "image", "slack_file": {"id": "F123"}, "alt_text": "qr"}]),
    (
        "rich_text tolerated",
        [
            {
                "type": "rich_text",
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": "x"}]}
                ],
            }
        ],
    ),
    (
        "input in a message",
        [input_block({"type": "plain_text_input", "action_id": "t"}, dispatch_action=True)],
    ),
    (
        "number_input with strings",
        [
            input_block(
                {
                    "type": "number_input",
                    "action_id": "n",
                    "is_decimal_allowed": False,
                    "initial_value": "1",
                    "min_value": "1",
                    "max_value": "12",
                }
            )
        ],
    ),
    ("block_id of 255", [section(block_id="b" * 255)]),
    ("same action_id in two blocks", [actions(button()), actions(button())]),
]


@pytest.mark.parametrize(("blocks",), [pytest.param(b, id=n) for n, b in VALID_AT_THE_LIMITS])
def test_valid_blocks_at_the_limits_are_accepted(
    client: WebClient, blocks: list[dict[str, Any]]
) -> None:
    assert client.chat_postMessage(channel="C1", text="ok", blocks=blocks)["ok"]


def test_response_action_validation() -> None:
    view = modal(
        [input_block({"type": "email_text_input", "action_id": "e"}, block_id="invoice_email")]
    )
    assert (
        blockkit.validate_response_action(
            {"response_action": "errors", "errors": {"invoice_email": "Sai"}}, view
        )
        == []
    )
    errors = blockkit.validate_response_action(
        {"response_action": "errors", "errors": {"email": "Sai"}}, view
    )
    assert errors and "[json-pointer:/errors/email]" in errors[0]
    update = blockkit.validate_response_action(
        {"response_action": "update", "view": modal([], title=plain("t" * 25))}
    )
    assert update == ["must be less than 25 characters [json-pointer:/view/title/text]"]
    assert blockkit.validate_response_action({"response_action": "clear"}) == []
    assert blockkit.validate_response_action({"response_action": "close"})
    assert blockkit.validate_options_response({"options": options(3)}) == []
    assert blockkit.validate_options_response({"options": [option("o", "v" * 151)]})
