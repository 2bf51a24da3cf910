"""A light HTTP load generator: N keep-alive connections sending signed Slack requests.

Run by bench/serve_load.py in a process of its own, so that the fake Slack (in the bench's
process) and the client do not share an interpreter lock. Reads a job as JSON on stdin:
{"url", "secret", "bodies": [[content_type, body], ...], "clients", "seconds", "warmup",
"rate"}; with a rate (requests per second, all clients together) each client sends on a
schedule instead of as soon as it has its answer (when an answer comes late, the next request
leaves at once);
writes, as JSON on stdout, one [sent_at (epoch s), latency (s), status, index] per request.
Bodies are used in order, each once (slash commands may repeat; button clicks carry a
single-use trigger_id); each request is signed when it is sent, as Slack does.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import sys
import time
from urllib.parse import urlsplit


def _signed(secret: bytes, body: bytes) -> tuple[str, str]:
    timestamp = str(int(time.time()))
    digest = hmac.new(secret, b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256)
    return timestamp, "v0=" + digest.hexdigest()


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def _run(job: dict) -> list[list[float]]:
    url = urlsplit(job["url"])
    secret = job["secret"].encode()
    bodies = [(kind, body.encode()) for kind, body in job["bodies"]]
    results: list[list[float]] = []
    next_index = 0
    warmup_until = time.monotonic() + job["warmup"]
    stop_at = warmup_until + job["seconds"]

    interval = job["clients"] / job["rate"] if job.get("rate") else 0.0

    async def client(number: int) -> None:
        nonlocal next_index
        reader, writer = await asyncio.open_connection(url.hostname, url.port)
        due = time.monotonic() + interval * number / job["clients"]  # spread the clients
        try:
            while time.monotonic() < stop_at and next_index < len(bodies):
                if interval:
                    await asyncio.sleep(max(0.0, due - time.monotonic()))
                    due += interval
                index = next_index
                next_index += 1
                content_type, body = bodies[index]
                timestamp, signature = _signed(secret, body)
                request = (
                    f"POST {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\n"
                    f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
                    f"X-Slack-Request-Timestamp: {timestamp}\r\n"
                    f"X-Slack-Signature: {signature}\r\n\r\n"
                ).encode() + body
                sent_at = time.time()
                started = time.perf_counter()
                writer.write(request)
                status = await _read_response(reader)
                latency = time.perf_counter() - started
                if time.monotonic() > warmup_until:
                    results.append([sent_at, latency, status, index])
        finally:
            writer.close()

    await asyncio.gather(*(client(number) for number in range(job["clients"])))
    return results


def main() -> None:
    job = json.load(sys.stdin)
    json.dump(asyncio.run(_run(job)), sys.stdout)


if __name__ == "__main__":
    main()
