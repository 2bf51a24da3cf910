"""The emulator stands in for Slack: it runs without the bot, and without anything but Python."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_emulator_imports_only_the_standard_library() -> None:
    probe = (
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "before = set(sys.modules)\n"
        "import slack_emulator\n"
        "loaded = {m.split('.')[0] for m in set(sys.modules) - before}\n"
        "print('\\n'.join(sorted(loaded - set(sys.stdlib_module_names))))\n"
    )
    found = subprocess.run(
        [sys.executable, "-I", "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.split() == ["slack_emulator"]
