"""Socket Mode: `apps.connections.open` hands out a WebSocket URL on the emulator's own server;
the app connects there, is greeted with `hello`, receives envelopes (`slash_commands`,
`interactive`, `events_api`) and acknowledges each with its `envelope_id` (and a payload);
`disconnect` asks it to reconnect. WebSocket framing (RFC 6455) with the standard library."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import socket
import struct
import threading
import uuid
from typing import Any, BinaryIO

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


def accept_key(key: str) -> str:
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


class Connection:
    """One app connection: frames in on its handler thread, frames out under a lock."""

    def __init__(self, hub: SocketHub, rfile: BinaryIO, wfile: BinaryIO, sock: socket.socket):
        self.hub, self.rfile, self.wfile, self.sock = hub, rfile, wfile, sock
        self._send_lock = threading.Lock()
        self.closed = threading.Event()

    def send_json(self, message: dict[str, Any]) -> None:
        self._send(TEXT, json.dumps(message, ensure_ascii=False).encode())

    def _send(self, opcode: int, data: bytes) -> None:
        header = bytes([0x80 | opcode])
        if len(data) < 126:
            header += bytes([len(data)])
        elif len(data) < 1 << 16:
            header += bytes([126]) + struct.pack("!H", len(data))
        else:
            header += bytes([127]) + struct.pack("!Q", len(data))
        with self._send_lock:
            self.wfile.write(header + data)
            self.wfile.flush()

    def _read_frame(self) -> tuple[int, bytes]:
        first = self.rfile.read(2)
        if len(first) < 2:
            raise ConnectionError("closed")
        opcode, length = first[0] & 0x0F, first[1] & 0x7F
        masked = first[1] & 0x80
        if length == 126:
            length = struct.unpack("!H", self.rfile.read(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self.rfile.read(8))[0]
        mask = self.rfile.read(4) if masked else b"\0\0\0\0"
        data = bytearray(self.rfile.read(length))
        for i in range(len(data)):
            data[i] ^= mask[i % 4]
        return opcode, bytes(data)

    def serve(self) -> None:
        """Read until the app closes (or `close` is called); answer pings, record acks."""
        try:
            while not self.closed.is_set():
                opcode, data = self._read_frame()
                if opcode == PING:
                    self._send(PONG, data)
                elif opcode == CLOSE:
                    with contextlib.suppress(OSError):
                        self._send(CLOSE, data[:2])
                    break
                elif opcode == TEXT:
                    self.hub.received(json.loads(data))
        except (ConnectionError, OSError, ValueError, struct.error):
            pass
        finally:
            self.closed.set()
            self.hub.gone(self)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._send(CLOSE, struct.pack("!H", 1000))
        self.closed.set()
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)


class SocketHub:
    """The app's connections, the envelopes sent and the acknowledgements received."""

    def __init__(self, app_id: str) -> None:
        self.app_id = app_id
        self.cond = threading.Condition()
        self.connections: list[Connection] = []
        self.acks: dict[str, dict[str, Any]] = {}
        self.opened = 0  # connections ever made

    def attach(self, connection: Connection) -> None:
        with self.cond:
            self.connections.append(connection)
            self.opened += 1
            count = len(self.connections)
            self.cond.notify_all()
        connection.send_json(
            {
                "type": "hello",
                "num_connections": count,
                "debug_info": {"host": "fake-slack", "approximate_connection_time": 3600},
                "connection_info": {"app_id": self.app_id},
            }
        )

    def gone(self, connection: Connection) -> None:
        with self.cond:
            if connection in self.connections:
                self.connections.remove(connection)
            self.cond.notify_all()

    def received(self, message: dict[str, Any]) -> None:
        envelope_id = message.get("envelope_id")
        if isinstance(envelope_id, str):
            with self.cond:
                self.acks[envelope_id] = message
                self.cond.notify_all()

    def wait_connected(self, timeout: float = 10.0, *, opened: int = 1) -> None:
        """Until at least `opened` connections were ever made and exactly one is open (after a
        reconnect, the app has closed the old one)."""

        def settled() -> bool:
            return self.opened >= opened and len(self.connections) == 1

        with self.cond:
            if not self.cond.wait_for(settled, timeout):
                raise AssertionError(f"no Socket Mode connection within {timeout}s")

    def send(self, kind: str, payload: dict[str, Any], *, timeout: float = 10.0) -> dict[str, Any]:
        """Deliver an envelope to an open connection; returns the app's acknowledgement."""
        self.wait_connected(timeout)
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
        }
        with self.cond:
            connection = self.connections[-1]
        connection.send_json(envelope)
        with self.cond:
            if not self.cond.wait_for(lambda: envelope_id in self.acks, timeout):
                raise AssertionError(f"{kind} envelope not acknowledged within {timeout}s")
            return self.acks.pop(envelope_id)

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the open connections to go; the app opens a new one (apps.connections.open)."""
        with self.cond:
            connections = list(self.connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.send_json({"type": "disconnect", "reason": reason})


def handshake(headers: dict[str, str]) -> dict[str, str] | None:
    """The 101 reply's headers for a WebSocket upgrade request, or None if it is not one."""
    if headers.get("upgrade", "").lower() != "websocket" or "sec-websocket-key" not in headers:
        return None
    return {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Accept": accept_key(headers["sec-websocket-key"]),
    }


def connections_open(ws: Any, _p: dict[str, Any]) -> dict[str, Any]:
    """apps.connections.open: where the app's next WebSocket connection goes."""
    base = ws.base_url.replace("http://", "ws://", 1)
    return {"url": f"{base}/link/?ticket={uuid.uuid4()}&app_id={ws.team.app_id}"}


METHODS = {"apps.connections.open": connections_open}
