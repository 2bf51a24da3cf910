"""A reply to a person: fallback text and blocks, sent in an ack or through response_url."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slack_bolt import Respond

from handlers.blocks.kit import Block, section


@dataclass(frozen=True)
class Reply:
    text: str
    blocks: list[Block] = field(default_factory=list)

    @classmethod
    def message(cls, text: str) -> Reply:
        return cls(text=text, blocks=[section(text)])

    def ephemeral(self) -> dict[str, Any]:
        return {"response_type": "ephemeral", "text": self.text, "blocks": self.blocks}


def tell(respond: Respond, text: str) -> None:
    """A private note to the person who clicked, leaving the message they clicked as it is."""
    respond(text=text, response_type="ephemeral", replace_original=False)
