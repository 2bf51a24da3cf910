"""The HTTP server: a threaded server on 127.0.0.1 (a free port) that hands each request to one
function and can close a connection without answering."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from slack_emulator.protocol import Drop, Reply
from slack_emulator.socket_mode import Connection, SocketHub, handshake

# (verb, path with query, lower-cased headers, body) -> reply; raises Drop to hang up.
App = Callable[[str, str, Mapping[str, str], bytes], Reply]


class _Handler(BaseHTTPRequestHandler):
    app: App
    hub: SocketHub | None = None
    server_version = "FakeSlack/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self, verb: str) -> None:
        body = self._read_body() if verb == "POST" else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            status, reply_headers, data = self.app(verb, self.path, headers, body)
        except Drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(status)
        for key, value in reply_headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        self._serve("POST")

    def do_GET(self) -> None:
        if self.path.startswith("/link/") and self.hub is not None:
            self._socket_mode(self.hub)
            return
        self._serve("GET")

    def _socket_mode(self, hub: SocketHub) -> None:
        """Upgrade to a WebSocket and speak Socket Mode on it until it closes."""
        reply = handshake({k.lower(): v for k, v in self.headers.items()})
        if reply is None:
            self.send_error(400, "expected a WebSocket upgrade")
            return
        self.send_response(101)
        for key, value in reply.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.flush()
        connection = Connection(hub, self.rfile, self.wfile, self.connection)
        hub.attach(connection)
        connection.serve()
        self.close_connection = True


class Server:
    """Serves ``app`` in a daemon thread until `stop`."""

    def __init__(
        self,
        app: App,
        *,
        host: str = "127.0.0.1",
        poll_interval: float = 0.005,
        hub: SocketHub | None = None,
    ) -> None:
        handler = type("_BoundHandler", (_Handler,), {"app": staticmethod(app), "hub": hub})
        self._server = ThreadingHTTPServer((host, 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": poll_interval},
            name="fake-slack",
            daemon=True,
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
