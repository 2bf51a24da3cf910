"""A receiver of outbound events on loopback, as a real one is written: it verifies each
delivery with the Standard Webhooks library, processes each `webhook-id` once and drops
duplicates. It can fail deliveries on purpose: a scripted answer per attempt of an id (a
status, or `"sleep"` to answer only after the bot has given up waiting)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OTHER_SECRET = "whsec_dGhpcyBpcyBub3QgdGhlIHNlY3JldCBvZiB0aGUgYm90"


@dataclass
class Delivery:
    """One request as it reached the receiver."""

    id: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    answered: int | str


@dataclass
class WebhookReceiver:
    secret: str = SECRET
    # Answers to the 1st, 2nd… attempt of each id; later attempts get 200. "sleep" holds the
    # answer for `sleep_seconds` (longer than the bot waits).
    script: tuple[int | str, ...] = ()
    always: int | None = None  # answer every delivery with this status
    sleep_seconds: float = 3.0
    deliveries: list[Delivery] = field(default_factory=list)
    processed: dict[str, dict[str, Any]] = field(default_factory=dict)
    duplicates: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                answer = receiver.receive(dict(self.headers.items()), body)
                if answer == "sleep":
                    time.sleep(receiver.sleep_seconds)
                    answer = 200
                try:
                    self.send_response(int(answer))
                    self.end_headers()
                except OSError:
                    pass  # the bot stopped waiting

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/events"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def receive(self, headers: dict[str, str], body: bytes) -> int | str:
        try:
            event = Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError:
            event = None
        lowered = {k.lower(): v for k, v in headers.items()}
        msg_id = lowered.get("webhook-id", "")
        with self._lock:
            attempt = sum(1 for d in self.deliveries if d.id == msg_id)
            if event is None:
                answer: int | str = 401
            elif self.always is not None:
                answer = self.always
            elif attempt < len(self.script):
                answer = self.script[attempt]
            else:
                answer = 200
            self.deliveries.append(Delivery(msg_id, lowered, body, event is not None, answer))
            # Processed before answering (a 500 is a failure after the work started): the
            # dedupe by id is what keeps a retry from doing it twice.
            if event is not None and answer in (200, "sleep"):
                if msg_id in self.processed:
                    self.duplicates += 1
                else:
                    self.processed[msg_id] = event
        return answer

    def processed_events(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.processed.values())

    def bodies(self) -> list[dict[str, Any]]:
        with self._lock:
            return [json.loads(d.body) for d in self.deliveries if d.verified]
