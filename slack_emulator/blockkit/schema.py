"""Slack's Block Kit limits, and which blocks and elements go where with which properties."""

from __future__ import annotations

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
MESSAGE_TEXT_MAX = 40_000
MAX_ATTACHMENTS = 100
TEXT_OBJECT_MAX = 3000
ID_MAX = 255

STYLES = ("primary", "danger")
SELECTS = {
    "static_select",
    "external_select",
    "users_select",
    "conversations_select",
    "channels_select",
}
MULTI_SELECTS = {"multi_" + s for s in SELECTS}
SECTION_ACCESSORIES = {
    "button",
    "checkboxes",
    "datepicker",
    "image",
    "overflow",
    "radio_buttons",
    "timepicker",
    "workflow_button",
    *SELECTS,
    *MULTI_SELECTS,
}
ACTIONS_ELEMENTS = {
    "button",
    "checkboxes",
    "datepicker",
    "datetimepicker",
    "overflow",
    "radio_buttons",
    "timepicker",
    "workflow_button",
    "rich_text_input",
    *SELECTS,
    *MULTI_SELECTS,
}
INPUT_ELEMENTS = {
    "checkboxes",
    "datepicker",
    "datetimepicker",
    "email_text_input",
    "file_input",
    "number_input",
    "plain_text_input",
    "radio_buttons",
    "rich_text_input",
    "timepicker",
    "url_text_input",
    *SELECTS,
    *MULTI_SELECTS,
}
# Block types Slack accepts that this module checks only lightly (shape, block_id).
TOLERATED_BLOCKS = {
    "rich_text",
    "video",
    "file",
    "markdown",
    "table",
    "context_actions",
    "call",
    "plan",
    "task_card",
}
BLOCK_KEYS: dict[str, set[str]] = {
    "section": {"type", "block_id", "text", "fields", "accessory", "expand"},
    "divider": {"type", "block_id"},
    "header": {"type", "block_id", "text"},
    "context": {"type", "block_id", "elements"},
    "actions": {"type", "block_id", "elements"},
    "image": {"type", "block_id", "image_url", "slack_file", "alt_text", "title"},
    "input": {"type", "block_id", "label", "element", "dispatch_action", "hint", "optional"},
}
_COMMON_EL = {"type", "action_id", "confirm", "focus_on_load", "placeholder"}
ELEMENT_KEYS: dict[str, set[str]] = {
    "button": {
        "type",
        "text",
        "action_id",
        "url",
        "value",
        "style",
        "confirm",
        "accessibility_label",
    },
    "static_select": _COMMON_EL | {"options", "option_groups", "initial_option"},
    "multi_static_select": _COMMON_EL
    | {"options", "option_groups", "initial_options", "max_selected_items"},
    "external_select": _COMMON_EL | {"initial_option", "min_query_length"},
    "multi_external_select": _COMMON_EL
    | {"initial_options", "min_query_length", "max_selected_items"},
    "users_select": _COMMON_EL | {"initial_user"},
    "multi_users_select": _COMMON_EL | {"initial_users", "max_selected_items"},
    "conversations_select": _COMMON_EL
    | {"initial_conversation", "default_to_current_conversation", "response_url_enabled", "filter"},
    "multi_conversations_select": _COMMON_EL
    | {"initial_conversations", "default_to_current_conversation", "max_selected_items", "filter"},
    "channels_select": _COMMON_EL | {"initial_channel", "response_url_enabled"},
    "multi_channels_select": _COMMON_EL | {"initial_channels", "max_selected_items"},
    "plain_text_input": {
        "type",
        "action_id",
        "initial_value",
        "multiline",
        "min_length",
        "max_length",
        "dispatch_action_config",
        "focus_on_load",
        "placeholder",
    },
    "number_input": {
        "type",
        "is_decimal_allowed",
        "action_id",
        "initial_value",
        "min_value",
        "max_value",
        "dispatch_action_config",
        "focus_on_load",
        "placeholder",
    },
    "email_text_input": {
        "type",
        "action_id",
        "initial_value",
        "dispatch_action_config",
        "focus_on_load",
        "placeholder",
    },
    "url_text_input": {
        "type",
        "action_id",
        "initial_value",
        "dispatch_action_config",
        "focus_on_load",
        "placeholder",
    },
    "datepicker": _COMMON_EL | {"initial_date"},
    "timepicker": _COMMON_EL | {"initial_time", "timezone"},
    "datetimepicker": {"type", "action_id", "initial_date_time", "confirm", "focus_on_load"},
    "checkboxes": {"type", "action_id", "options", "initial_options", "confirm", "focus_on_load"},
    "radio_buttons": {"type", "action_id", "options", "initial_option", "confirm", "focus_on_load"},
    "overflow": {"type", "action_id", "options", "confirm"},
    "file_input": {"type", "action_id", "filetypes", "max_files"},
    "image": {"type", "image_url", "slack_file", "alt_text"},
}
# Elements accepted but only lightly checked.
TOLERATED_ELEMENTS = {"rich_text_input", "workflow_button"}
ACTIONABLE = (set(ELEMENT_KEYS) | TOLERATED_ELEMENTS) - {"image"}
