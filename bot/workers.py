"""Pure work spread over other processes, its results taken back in order.

The pool's processes are fresh interpreters (spawned: nothing of the caller's threads, locks
or database connections comes along), ignore Ctrl-C (the caller decides and stops them) and
leave as soon as their parent is gone, however it went (killed, crashed): no orphans. Being
spawned, they import the caller's main module again when it is a script: a script that
starts them keeps its work under `if __name__ == "__main__":`.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

PARENT_CHECK_SECONDS = 0.5


def available_cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def ordered_map(function: Callable[[T], R], tasks: Iterable[T], workers: int) -> Iterator[R]:
    """`function(task)` for each task, computed by `workers` processes, yielded in the tasks'
    order; at most two tasks a process are pending at once (their results wait in memory).
    `function` must be importable by name (a module's top-level function). Closing the
    iterator early cancels what has not started and waits for what has."""
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_started,
        initargs=(os.getpid(),),
    )
    pending: deque[Future[R]] = deque()
    try:
        remaining = iter(tasks)
        for task in remaining:
            pending.append(pool.submit(function, task))
            if len(pending) >= 2 * workers:
                break
        while pending:
            result = pending.popleft().result()
            for task in remaining:
                pending.append(pool.submit(function, task))
                break
            yield result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _started(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_leave_with, args=(parent,), daemon=True).start()


def _leave_with(parent: int) -> None:
    """Ends this process once `parent` is gone (its pipes to us may stay open if it was
    killed, and the pool would wait for work forever)."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)
