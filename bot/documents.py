"""Documents attached to a licence request: PDF or image, size-limited, kept with a checksum."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from bot.errors import InvalidInput
from bot.text import clean_line


class DocumentKind(StrEnum):
    DECISION = "decision"  # Quyết định cấp nguồn (funding decision)
    EVIDENCE = "evidence"  # Bằng chứng cam kết (commitment evidence)


# What the bytes must start with: the declared mimetype alone is whatever the browser guessed.
_SIGNATURES: tuple[tuple[str, bytes], ...] = (
    ("application/pdf", b"%PDF-"),
    ("image/png", b"\x89PNG\r\n\x1a\n"),
    ("image/jpeg", b"\xff\xd8\xff"),
    ("image/gif", b"GIF87a"),
    ("image/gif", b"GIF89a"),
)
ALLOWED_FILETYPES = ("pdf", "png", "jpg", "jpeg", "gif", "webp")
NAME_MAX = 255


def sniff_mimetype(content: bytes) -> str | None:
    """The real type of `content` (PDF, PNG, JPEG, GIF or WebP), or None for anything else."""
    for mimetype, magic in _SIGNATURES:
        if content.startswith(magic):
            return mimetype
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass(frozen=True)
class Document:
    """A document as downloaded, checked and about to be kept with its request."""

    kind: DocumentKind
    slack_file_id: str
    name: str
    mimetype: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def check_size(kind: DocumentKind, size: int, max_bytes: int) -> None:
    """Refuse a file bigger than the limit (before downloading it, when Slack tells the size)."""
    if size > max_bytes:
        raise InvalidInput(
            "document.too_large",
            field=f"{kind.value}_file",
            size_mb=round(size / 1_048_576, 1),
            max_mb=max_bytes // 1_048_576,
        )


def check_document(
    kind: DocumentKind,
    *,
    slack_file_id: str,
    name: str,
    declared_mimetype: str,
    content: bytes,
    max_bytes: int,
) -> Document:
    """A kept document, or InvalidInput when it is empty, too big, or neither PDF nor image."""
    # The name is whatever the uploader's computer called the file: one line, as stored.
    name = clean_line(name, NAME_MAX) or slack_file_id
    if not content:
        raise InvalidInput("document.empty", field=f"{kind.value}_file", name=name)
    check_size(kind, len(content), max_bytes)
    mimetype = sniff_mimetype(content)
    declared = declared_mimetype.lower()
    declared_ok = declared in ("", "application/octet-stream", "application/pdf") or (
        declared.startswith("image/")
    )
    if mimetype is None or not declared_ok:
        raise InvalidInput("document.type", field=f"{kind.value}_file", name=name)
    return Document(
        kind=kind, slack_file_id=slack_file_id, name=name, mimetype=mimetype, content=content
    )
