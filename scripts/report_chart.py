"""Draw the chart of docs/reports.md: the known history of the tests (tests/reports_history.py)
in a throwaway SQLite database, month 10/2026 as of 01/12/2026, in Vietnamese and English.

    .venv/bin/python scripts/report_chart.py   # writes docs/reports/chart-vi.png, chart-en.png
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import load_settings  # noqa: E402
from bot.i18n import Translator  # noqa: E402
from bot.reports import compute, parse_period  # noqa: E402
from bot.services import Services  # noqa: E402
from handlers.report_chart import report_chart  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from tests import reports_history  # noqa: E402
from tests.conftest import FixedClock  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/report.sqlite3"
        settings = load_settings(_env_file=None, database_url=url)
        services = Services.create(settings)
        upgrade(services.db)
        reports_history.load(services.db, Path(folder))
        clock = FixedClock(datetime(2026, 12, 1, 9, 0, tzinfo=settings.tz))
        services = dataclasses.replace(services, clock=clock)
        report = compute(services, parse_period("month 10/2026", clock.now().date()))
        for language in ("vi", "en"):
            target = ROOT / "docs" / "reports" / f"chart-{language}.png"
            target.write_bytes(report_chart(Translator(language), report))
            print(target.relative_to(ROOT))
        services.db.dispose()


if __name__ == "__main__":
    main()
