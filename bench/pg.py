"""A PostgreSQL server for the benchmarks whose data survives between runs (bench/out/pg).

Generating a million customers takes minutes; keeping the cluster lets every benchmark reuse
the same database. The server runs with PostgreSQL's default settings (durable commits...) except
`shared_buffers`, sized as a production server would be to hold the customer table and its
indexes (about 500 MB at a million customers; the default 128 MB would send most name searches
to the operating system's cache). It listens on loopback only and stops when the benchmark
ends.
Set BENCH_POSTGRES_URL (an admin URL that may create databases) to use another server.
"""

from __future__ import annotations

import os
import pwd
import subprocess
from pathlib import Path

import psycopg

from tests.rig.postgres import _bindir, free_port

DATA = Path(__file__).parent / "out" / "pg"
SETTINGS = ("shared_buffers=1GB", "max_connections=200")


class BenchPostgres:
    """Start (initialising once) the cluster in bench/out/pg; `url(name)` for a database."""

    def __init__(self) -> None:
        self.admin_url = os.environ.get("BENCH_POSTGRES_URL", "")
        self._started = False
        self._run_as: list[str] = []

    def __enter__(self) -> BenchPostgres:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> BenchPostgres:
        if self.admin_url:
            return self
        bindir = _bindir()
        sockets = DATA / "sock"
        if os.geteuid() == 0:
            self._run_as = ["runuser", "-u", "postgres", "--"]
        if not (DATA / "data" / "PG_VERSION").exists():
            sockets.mkdir(parents=True, exist_ok=True)
            self._chown(DATA, sockets)
            self._run(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(DATA / "data"),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            )
        port = free_port()
        settings = " ".join(f"-c {setting}" for setting in SETTINGS)
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} {settings}"
        self._run(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(DATA / "data"),
                "-o",
                options,
                "-l",
                str(DATA / "server.log"),
                "-w",
                "-t",
                "120",
                "start",
            ]
        )
        self._started = True
        self.admin_url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        return self

    def _chown(self, *paths: Path) -> None:
        if os.geteuid() != 0:
            return
        user = pwd.getpwnam("postgres")
        for path in paths:
            os.chown(path, user.pw_uid, user.pw_gid)

    def _run(self, command: list[str]) -> None:
        subprocess.run(self._run_as + command, check=True, capture_output=True, cwd="/")

    def exists(self, name: str) -> bool:
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            return found.fetchone() is not None

    def create(self, name: str, *, replace: bool = False) -> str:
        """An empty database `name` (dropped first when `replace`); its SQLAlchemy URL."""
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            if replace:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop(self, name: str) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def url(self, name: str) -> str:
        base = self.admin_url.rsplit("/", 1)[0]
        return base.replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"

    def stop(self) -> None:
        if not self._started:
            return
        self._run([str(_bindir() / "pg_ctl"), "-D", str(DATA / "data"), "-m", "fast", "stop"])
        self._started = False
