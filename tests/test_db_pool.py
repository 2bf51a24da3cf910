"""As many units of work at once as serve runs request threads keep their connections: none
is opened and closed per request (a PostgreSQL log-in, or SQLite's file and pragmas)."""

from __future__ import annotations

import threading

from sqlalchemy import event, text

from storage.db import Database
from wiring.app import LISTENER_THREADS


def test_concurrent_sessions_reuse_their_connections(database_url: str) -> None:
    database = Database(database_url)
    opened: list[object] = []
    event.listen(database.engine, "connect", lambda connection, _record: opened.append(1))
    rounds = 4
    barrier = threading.Barrier(LISTENER_THREADS)

    def work() -> None:
        for _ in range(rounds):
            with database.session() as session:
                session.execute(text("SELECT 1"))
                barrier.wait(10)  # every thread holds its session at the same time
            barrier.wait(10)  # and every one has given it back before the next round

    try:
        threads = [threading.Thread(target=work) for _ in range(LISTENER_THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not any(thread.is_alive() for thread in threads)
        assert len(opened) == LISTENER_THREADS  # opened in the first round, then reused
    finally:
        database.dispose()
