"""Resident memory of `python -m bot serve` over the million-customer database.

    python bench/serve_memory.py --backend sqlite
    python bench/serve_memory.py --backend postgresql

Starts the bot as deployed (`serve`, with its scheduler; the stored schedule is cleared first
so that no run missed since the last benchmark is caught up meanwhile: the jobs' own memory
is bench/reminders.py's figure), reads its resident set size (VmRSS)
once started, then after every --step lookups (signed `/misa` commands from 16 clients, by tax
code and by name alternately, as fast as answered), and its peak (VmHWM) at the end.
Budget: 200 MB.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import inspect, text

from bench.common import BACKENDS, OUT, dataset, header, load, verdict
from bench.lookup import name_queries, sample_customers
from bench.serve_load import CHANNEL, SECRET, TOKEN, Server, command_body, run_clients, users
from slack_emulator import FakeSlack
from storage.db import Database

BUDGET_MB = 200.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=10_000)
    parser.add_argument("--step", type=int, default=2_500)
    args = parser.parse_args()
    header("Resident memory of serve", args.backend)
    OUT.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="serve-memory-", dir=OUT))
    rng = random.Random(9)
    with dataset(args.backend, args.customers) as url, FakeSlack(bot_token=TOKEN) as fake:
        db = Database(url)
        customers = sample_customers(db, rng, 5000)
        with db.session() as session:
            if inspect(session.connection()).has_table("scheduler_jobs"):
                session.execute(text("DELETE FROM scheduler_jobs"))
        db.dispose()
        people = users(16)
        names = [query for query, _meant in name_queries(customers, rng, 2000)]
        queries = [
            customers[i // 2 % len(customers)][0] if i % 2 else names[i // 2 % len(names)]
            for i in range(args.lookups)
        ]
        env = {
            "DATABASE_URL": url,
            "SLACK_API_URL": fake.api_url,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "PUBLIC_BASE_URL": "https://bot.example.vn",
            "SUPPORT_CHANNEL": CHANNEL,
            "HOME": str(workdir),
            "LOG_LEVEL": "INFO",
        }
        bot = Server("bot", [sys.executable, "-m", "bot", "serve"], env, workdir / "bot.log")
        bot.start()
        try:
            rss, _ = bot.rss_mb()
            print(f"  after start-up      : {rss:6.0f} MB")
            job = argparse.Namespace(clients=16, seconds=3600.0, warmup=0.0)
            done = 0
            while done < args.lookups:
                chunk = queries[done : done + args.step]
                bodies = [command_body(fake, people[i % 16], q) for i, q in enumerate(chunk)]
                answered = run_clients(bot, bodies, job, None)
                assert all(status == 200 for _, _, status, _ in answered)
                done += len(chunk)
                rss, _ = bot.rss_mb()
                print(f"  after {done:>6,} lookups: {rss:6.0f} MB")
            rss, peak = bot.rss_mb()
            print(
                f"  peak (VmHWM)        : {peak:6.0f} MB  budget <= {BUDGET_MB:.0f} MB: "
                f"{verdict(peak, BUDGET_MB)}"
            )
        finally:
            bot.stop()
    print(f"  load    : {load()} (at end)")


if __name__ == "__main__":
    main()
