"""How far `python -m bot import` has got: a tqdm bar on a terminal, else a line now and then.

Rows done, rows per second and the time left (a CSV's size is known from its first read; an
XLSX's is not, so its progress has no end to count down to).
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from tqdm import tqdm

from bot.i18n import Translator
from bot.importer import ImportReport

EVERY_SECONDS = 5.0


class ImportProgress:
    """Called by `import_file` after each batch with the report so far."""

    def __init__(
        self, t: Translator, stream: TextIO | None = None, every: float = EVERY_SECONDS
    ) -> None:
        self.t = t
        self.stream = stream or sys.stderr
        self.every = every
        self.started = time.monotonic()
        self.shown_at = self.started
        self.bar: tqdm | None = None
        self.done = 0

    def __call__(self, report: ImportReport) -> None:
        total = None
        if report.source is not None and report.source.records is not None:
            total = max(report.source.records - 1, report.total)  # less the header
        if self.stream.isatty():
            if self.bar is None:
                self.bar = tqdm(
                    total=total, unit=" rows", file=self.stream, dynamic_ncols=True, leave=True
                )
            self.bar.update(report.total - self.done)
        else:
            now = time.monotonic()
            finished = total is not None and report.total >= total
            if now - self.shown_at >= self.every or finished:
                self.shown_at = now
                self._line(report.total, total, now - self.started)
        self.done = report.total

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def _line(self, done: int, total: int | None, seconds: float) -> None:
        rate = done / seconds if seconds > 0 else 0.0
        if total is None:
            line = self.t("import.progress_open", done=done, rate=round(rate))
        else:
            left = round((total - done) / rate) if rate else 0
            line = self.t("import.progress", done=done, total=total, rate=round(rate), seconds=left)
        print(line, file=self.stream, flush=True)
