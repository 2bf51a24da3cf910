"""Shared bench plumbing: a database on either backend, loaded through the import path."""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.generate import write
from storage.db import Database
from storage.migrate import upgrade

OUT = Path(__file__).parent / "out"


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def csv_for(customers: int) -> Path:
    path = OUT / f"customers-{customers}.csv"
    if not path.exists():
        write(path, customers)
    return path


@contextmanager
def database(backend: str, name: str, *, fresh: bool) -> Iterator[Database]:
    """A migrated database: a SQLite file under bench/out, or PostgreSQL (BENCH_POSTGRES_URL,
    else a throwaway server on loopback)."""
    if backend == "sqlite":
        path = OUT / f"{name}.sqlite3"
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        OUT.mkdir(parents=True, exist_ok=True)
        db = Database(f"sqlite:///{path}")
        upgrade(db)
        yield db
        db.dispose()
        return
    from tests.rig.postgres import PostgresServer

    server = PostgresServer().start()
    try:
        db = Database(server.create_database())
        upgrade(db)
        yield db
        db.dispose()
    finally:
        server.stop()


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Timer:
    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.seconds = time.perf_counter() - self.start
