"""Shared bench plumbing: the machine, the million-customer databases, percentiles."""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from bench.bulk import bulk_load
from bench.generate import write
from bench.pg import BenchPostgres
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Customer

OUT = Path(__file__).parent / "out"
BACKENDS = ("sqlite", "postgresql")


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{model}, {os.cpu_count()} CPUs{memory}, Python {platform.python_version()}"


def load() -> str:
    """The load average, to say how quiet the machine was."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def header(title: str, backend: str | None = None) -> None:
    print(title)
    print(f"  machine : {machine()}")
    print(f"  load    : {load()} (at start)")
    if backend:
        print(f"  database: {backend}")


def csv_for(customers: int) -> Path:
    path = OUT / f"customers-{customers}.csv"
    if not path.exists():
        write(path, customers)
    return path


@contextmanager
def postgres() -> Iterator[BenchPostgres]:
    with BenchPostgres() as server:
        yield server


@contextmanager
def dataset(backend: str, customers: int) -> Iterator[str]:
    """URL of a database holding `customers` generated customers, built once (bulk path) and
    kept under bench/out for the next runs."""
    name = f"dataset_{customers}"
    if backend == "sqlite":
        url = f"sqlite:///{OUT / name}.sqlite3"
        _ensure(url, customers, fresh=lambda: _remove_sqlite(OUT / f"{name}.sqlite3"))
        yield url
        return
    with postgres() as server:
        url = server.url(name)
        if not server.exists(name):
            server.create(name)
        _ensure(url, customers, fresh=lambda: server.create(name, replace=True))
        yield url


def _ensure(url: str, customers: int, fresh: object) -> None:
    db = Database(url)
    try:
        upgrade(db)
        with db.session() as session:
            count = session.scalar(select(func.count()).select_from(Customer))
    finally:
        db.dispose()
    if count == customers:
        return
    print(f"  building the {customers:,}-customer dataset (bulk path)...", flush=True)
    fresh()  # type: ignore[operator]
    db = Database(url)
    try:
        upgrade(db)
        started = time.perf_counter()
        rows = bulk_load(db, customers)
        print(f"  built: {rows:,} subscriptions in {time.perf_counter() - started:.0f} s")
    finally:
        db.dispose()


def _remove_sqlite(path: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@contextmanager
def empty_database(backend: str, name: str) -> Iterator[str]:
    """A new, empty database (migrated by whoever uses it first), removed afterwards."""
    if backend == "sqlite":
        path = OUT / f"{name}.sqlite3"
        _remove_sqlite(path)
        try:
            yield f"sqlite:///{path}"
        finally:
            _remove_sqlite(path)
        return
    with postgres() as server:
        url = server.create(name, replace=True)
        try:
            yield url
        finally:
            server.drop(name)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def verdict(value: float, budget: float) -> str:
    return "within budget" if value <= budget else "OVER BUDGET"


class Timer:
    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.seconds = time.perf_counter() - self.start
