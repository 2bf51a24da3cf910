"""The slash command's dispatcher: which subcommand a text means, and typo suggestions."""

from __future__ import annotations

import pytest

from handlers.commands import SUBCOMMANDS, suggest_subcommand


@pytest.mark.parametrize(
    ("first_word", "suggestion"),
    [
        ("hepl", "help"),
        ("HEPL", "help"),
        ("oder", "order"),
        ("licence", "license"),
        ("pendng", "pending"),
        ("lokup", "lookup"),
        ("igvo", "igov"),
        ("exprot", "export"),
    ],
)
def test_a_first_word_close_to_a_subcommand_is_suggested(first_word: str, suggestion: str) -> None:
    assert suggest_subcommand(first_word) == suggestion


@pytest.mark.parametrize(
    "first_word", ["misa", "cong", "công", "0101243150", "sở", "hoa", "", "?", "x", "tnhh"]
)
def test_words_far_from_every_subcommand_get_no_suggestion(first_word: str) -> None:
    assert suggest_subcommand(first_word) is None


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_a_subcommand_itself_is_not_a_typo(name: str) -> None:
    assert suggest_subcommand(name) is None
