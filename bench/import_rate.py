"""Import throughput: `python -m bot import` of a million generated customers, in rows/s.

    python bench/import_rate.py --backend sqlite
    python bench/import_rate.py --backend postgresql [--again]

Writes the CSV once (bench/out/customers-N.csv, about 1.25 rows per customer), then runs the
import the way operators do, in its own process, into an empty database, and prints rows/s,
the time, the CPU time (the command's own, and with its worker processes) and the peak
memory (of its largest process, and of all its processes together). `--again` imports the
same file a second time (every row read, checked and found unchanged: the cost of a routine
re-import).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import BACKENDS, csv_for, empty_database, header, load


class Watch:
    """Samples a command and the worker processes it starts, every 0.2 s, from /proc: the
    command's own CPU seconds (its workers' are in the total from wait4) and the peak of
    the memory all of them hold together (resident set sizes summed)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.own_cpu = 0.0
        self.peak_total_mb = 0.0
        self.workers = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.done.set()
        self.thread.join()

    def _run(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        page_mb = os.sysconf("SC_PAGE_SIZE") / (1 << 20)
        while not self.done.wait(0.2):
            stat = _stat(self.pid)
            if stat is None:
                continue
            self.own_cpu = (int(stat[11]) + int(stat[12])) / tick
            children = [int(c) for c in _read(f"/proc/{self.pid}/task/{self.pid}/children").split()]
            self.workers = max(self.workers, len(children))
            total = 0
            for pid in [self.pid, *children]:
                stat = _stat(pid)
                total += int(stat[21]) if stat else 0
            self.peak_total_mb = max(self.peak_total_mb, total * page_mb)


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (utime is [11], rss [21])."""
    text = _read(f"/proc/{pid}/stat")
    return text.rpartition(")")[2].split() if text else None


def run_import(url: str, path: Path) -> tuple[float, float, float, str, Watch]:
    """Seconds, CPU seconds of the command and its workers, peak RSS in MB of its largest
    process, the summary line of `python -m bot import` and what was watched (CPU time says
    more than the clock on a busy machine; PostgreSQL's own work is in another process and
    not counted)."""
    env = {**os.environ, "DATABASE_URL": url, "HOME": tempfile.gettempdir()}
    command = [sys.executable, "-m", "bot", "import", str(path), "--lang", "en"]
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        watch = Watch(process.pid)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        watch.stop()
        out.seek(0)
        output = out.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"import failed:\n{output[-3000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, usage.ru_maxrss / 1024, output.strip().splitlines()[-1], watch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--again", action="store_true", help="then import the same file again")
    args = parser.parse_args()
    header("Import throughput (python -m bot import, one process)", args.backend)
    path = csv_for(args.customers)
    with path.open(encoding="utf-8") as handle:
        rows = sum(1 for _ in handle) - 1
    print(f"  file    : {path.name}, {rows:,} rows ({args.customers:,} customers)")
    with empty_database(args.backend, "import_rate") as url:
        runs = ["first import", "same file again"] if args.again else ["first import"]
        for label in runs:
            seconds, cpu, peak_mb, summary, watch = run_import(url, path)
            print(
                f"  {label:<15}: {rows / seconds:8,.0f} rows/s  ({seconds:,.0f} s; "
                f"{rows / cpu:,.0f} rows per CPU second; peak {peak_mb:,.0f} MB)  {summary}"
            )
            print(
                f"  {'':<15}  {watch.workers} worker processes; the command's own CPU "
                f"{watch.own_cpu:,.1f} s of {cpu:,.1f} s ({rows / max(watch.own_cpu, 0.1):,.0f} "
                f"rows per own CPU second); peak of all processes together "
                f"{watch.peak_total_mb:,.0f} MB"
            )
    print(f"  load    : {load()} (at end)")


if __name__ == "__main__":
    main()
