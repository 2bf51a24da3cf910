"""Import throughput: `python -m bot import` of a million generated customers, in rows/s.

    python bench/import_rate.py --backend sqlite
    python bench/import_rate.py --backend postgresql [--again]

Writes the CSV once (bench/out/customers-N.csv, about 1.25 rows per customer), then runs the
import the way operators do, in its own process, into an empty database, and prints rows/s,
the time and the command's peak memory. `--again` imports the same file a second time (every
row read, checked and found unchanged: the cost of a routine re-import).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import BACKENDS, csv_for, empty_database, header, load


def run_import(url: str, path: Path) -> tuple[float, float, float, str]:
    """Seconds, CPU seconds of the command, peak RSS in MB and the summary line of
    `python -m bot import` (CPU time says more than the clock on a busy machine; PostgreSQL's
    own work is in another process and not counted)."""
    env = {**os.environ, "DATABASE_URL": url, "HOME": tempfile.gettempdir()}
    command = [sys.executable, "-m", "bot", "import", str(path), "--lang", "en"]
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0)
        output = out.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"import failed:\n{output[-3000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, usage.ru_maxrss / 1024, output.strip().splitlines()[-1]


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
            seconds, cpu, peak_mb, summary = run_import(url, path)
            print(
                f"  {label:<15}: {rows / seconds:8,.0f} rows/s  ({seconds:,.0f} s; "
                f"{rows / cpu:,.0f} rows per CPU second; peak {peak_mb:,.0f} MB)  {summary}"
            )
    print(f"  load    : {load()} (at end)")


if __name__ == "__main__":
    main()
