"""Load N generated customers into a database through the import path, and report the time.

python bench/load.py --customers 1000000 --database-url sqlite:///bench/out/bench-1m.sqlite3
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Timer, csv_for, machine
from bot.importer import import_file
from storage.db import Database
from storage.migrate import upgrade


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    path = csv_for(args.customers)
    db = Database(args.database_url)
    upgrade(db)
    print(f"machine: {machine()}")
    with Timer() as timer:
        report = import_file(db, path)
    rows = report.total
    print(
        f"imported {rows} rows in {timer.seconds:.0f} s = {rows / timer.seconds:,.0f} rows/s "
        f"(added {report.added}, updated {report.updated}, unchanged {report.unchanged}, "
        f"rejected {report.rejected})"
    )


if __name__ == "__main__":
    main()
