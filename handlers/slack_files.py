"""Downloading files people uploaded in a modal (file_input), with the bot token.

`files.info` says where the file is and how big; `url_private_download` serves it only with the
token (without one Slack answers with its HTML sign-in page, which must never be kept).
"""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.documents import Document, DocumentKind, check_document, check_size
from bot.errors import InvalidFields, InvalidInput

log = logging.getLogger(__name__)


class DownloadFailed(Exception):
    """Slack did not give us the file (error, sign-in page, timeout)."""


@dataclass(frozen=True)
class Wanted:
    kind: DocumentKind
    file_id: str


def _fetch(client: WebClient, wanted: Wanted, max_bytes: int, timeout: float) -> Document:
    try:
        info = client.files_info(file=wanted.file_id)["file"]
    except (SlackApiError, SlackClientError, OSError, KeyError) as exc:
        raise DownloadFailed(f"files.info {wanted.file_id}: {exc}") from exc
    size = info.get("size")
    if isinstance(size, int):
        check_size(wanted.kind, size, max_bytes)
    url = info.get("url_private_download") or info.get("url_private") or ""
    if not url.startswith(("https://", "http://")):
        raise DownloadFailed(f"{wanted.file_id} has no download URL")
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {client.token}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if response.headers.get_content_type() == "text/html":
                raise DownloadFailed(f"{wanted.file_id}: Slack answered with a web page")
            content = response.read(max_bytes + 1)
    except (urllib.error.URLError, OSError) as exc:
        raise DownloadFailed(f"{wanted.file_id}: {exc}") from exc
    return check_document(
        wanted.kind,
        slack_file_id=wanted.file_id,
        name=str(info.get("name") or info.get("title") or wanted.file_id),
        declared_mimetype=str(info.get("mimetype") or ""),
        content=content,
        max_bytes=max_bytes,
    )


def download_documents(
    client: WebClient, wanted: list[Wanted], *, max_bytes: int, budget: float
) -> list[Document]:
    """Download and check every file in parallel within `budget` seconds.

    Returns the documents, or raises InvalidFields with, per failed file, an error naming its
    input: nothing is kept unless every file arrived.
    """
    deadline = time.monotonic() + budget
    documents: list[Document] = []
    errors: list[InvalidInput] = []
    pool = ThreadPoolExecutor(max_workers=max(len(wanted), 1), thread_name_prefix="download")
    try:
        futures = [(w, pool.submit(_fetch, client, w, max_bytes, budget)) for w in wanted]
        for item, future in futures:
            field = f"{item.kind.value}_file"
            try:
                documents.append(future.result(timeout=max(deadline - time.monotonic(), 0.01)))
            except InvalidInput as error:  # gathered: every failed file is said at once
                errors.append(error)
            except (DownloadFailed, FutureTimeout) as exc:
                log.warning("download of %s failed: %s", item.file_id, exc)
                errors.append(InvalidInput("document.download_failed", field=field))
    finally:
        # A download still running after the budget is abandoned, not waited for.
        pool.shutdown(wait=False, cancel_futures=True)
    if errors:
        raise InvalidFields.of(errors)
    return documents
