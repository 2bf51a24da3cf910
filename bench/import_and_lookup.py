"""Import throughput and lookup latency (by tax code, by name) on SQLite or PostgreSQL.

    python bench/import_and_lookup.py --backend sqlite --customers 100000
    python bench/import_and_lookup.py --backend postgresql --customers 100000

Prints rows/s for a first import and a re-import, and p50/p99 of the lookup use case (the
database query and the result cards) over --queries random tax codes and name queries.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Timer, csv_for, database, machine, percentile
from bot.customers import lookup_customers
from bot.importer import import_file
from bot.text import fold


def name_queries(path: Path, rng: random.Random, count: int) -> list[str]:
    """What staff type: 2-4 words of a real name, without accents, in any order."""
    names = []
    with path.open(encoding="utf-8") as handle:
        for index, row in enumerate(csv.DictReader(handle)):
            if index % 97 == 0:
                names.append(row["company_name"])
    queries = []
    for _ in range(count):
        words = fold(rng.choice(names)).split()
        picked = rng.sample(words, k=min(len(words), rng.randint(2, 4)))
        queries.append(" ".join(picked))
    return queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=2000)
    args = parser.parse_args()
    path = csv_for(args.customers)
    rows = sum(1 for _ in path.open(encoding="utf-8")) - 1
    print(f"machine: {machine()}")
    print(f"backend: {args.backend}; {args.customers} customers, {rows} rows ({path.name})")
    with database(args.backend, f"bench-{args.customers}", fresh=True) as db:
        with Timer() as first:
            report = import_file(db, path)
        assert report.rejected == 0, report.errors[:3]
        rate = rows / first.seconds
        print(f"import: {rate:,.0f} rows/s ({first.seconds:.1f} s, {report.added} added)")
        with Timer() as again:
            report = import_file(db, path)
        rate = rows / again.seconds
        print(
            f"re-import: {rate:,.0f} rows/s ({again.seconds:.1f} s, {report.unchanged} unchanged)"
        )

        rng = random.Random(11)
        with path.open(encoding="utf-8") as handle:
            codes = [r["tax_code"] for r in csv.DictReader(handle)]
        today = date.today()
        for label, queries in (
            ("tax code", [rng.choice(codes) for _ in range(args.queries)]),
            ("name", name_queries(path, rng, args.queries)),
        ):
            for query in queries[:50]:  # warm caches
                lookup_customers(db, query, today)
            samples, found = [], 0
            for query in queries:
                with Timer() as timer:
                    result = lookup_customers(db, query, today)
                samples.append(timer.seconds * 1000)
                found += bool(result.customers)
            print(
                f"lookup by {label}: p50 {percentile(samples, 0.5):.2f} ms, "
                f"p99 {percentile(samples, 0.99):.2f} ms, max {max(samples):.1f} ms "
                f"({len(samples)} queries, {found} found something)"
            )


if __name__ == "__main__":
    main()
