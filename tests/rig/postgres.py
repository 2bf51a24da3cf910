"""A throwaway PostgreSQL server on loopback for the test session (Debian's packages).

Set TEST_POSTGRES_URL to use an existing server instead (an admin URL that may create
databases).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _bindir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    if candidates:
        return Path(candidates[0])
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise RuntimeError(
        "PostgreSQL is not installed: run `bash .ci/run` or apt-get install postgresql"
    )


class PostgresServer:
    """initdb + pg_ctl in a temporary directory, owned by `postgres` when running as root."""

    def __init__(self) -> None:
        self.admin_url = os.environ.get("TEST_POSTGRES_URL", "")
        self._dir: Path | None = None
        self._run_as: list[str] = []

    def start(self) -> PostgresServer:
        if self.admin_url:
            return self
        bindir = _bindir()
        self._dir = Path(tempfile.mkdtemp(prefix="misa-bot-pg-"))
        data, sockets = self._dir / "data", self._dir / "sock"
        sockets.mkdir()
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            for path in (self._dir, sockets):
                os.chown(path, user.pw_uid, user.pw_gid)
            self._run_as = ["runuser", "-u", "postgres", "--"]
        port = free_port()
        self._run(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        self._run(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(self._dir / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
        self.admin_url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        return self

    def _run(self, command: list[str]) -> None:
        subprocess.run(self._run_as + command, check=True, capture_output=True, cwd="/")

    def create_database(self, *, template: str | None = None) -> str:
        """A new empty (or template-cloned) database; returns its SQLAlchemy URL."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        clause = f" TEMPLATE {template}" if template else ""
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"{clause}')
        return self.url_for(name)

    def url_for(self, name: str) -> str:
        base = self.admin_url.rsplit("/", 1)[0]
        return base.replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"

    def stop(self) -> None:
        if self._dir is None:
            return
        bindir = _bindir()
        try:
            self._run(
                [str(bindir / "pg_ctl"), "-D", str(self._dir / "data"), "-m", "immediate", "stop"]
            )
        finally:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
