"""Mutation score of the rule modules: would the fast unit tests catch a wrong rule?

    .venv/bin/python bench/mutation.py                   # every module below
    .venv/bin/python bench/mutation.py customers vietqr  # some of them
    .venv/bin/python bench/mutation.py --survivors       # and print each surviving mutant

For each module, mutmut (3.x, in the test extras) changes one thing at a time in the module's
functions (a number, an operator, a comparison, a constant string, an argument) and runs the
module's own fast SQLite unit tests against each change. A mutant the tests fail on is killed;
one they pass on survived: a wrong rule that nothing would notice. The score is
(killed + timed out) / all mutants, the ones no test reaches counted as survivors.
docs/mutation.md lists the survivors that remain and why they are left.

mutmut mutates function bodies only: module constants (the tax-code weights, GRACE_DAYS,
MAX_RESULTS) and properties are pinned by literal tests instead (docs/mutation.md).

Each module runs in a throw-away copy of the working tree (mutmut writes a `mutants/` folder
beside the code), at the lowest CPU priority. Not part of `pytest`: it takes minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Target:
    source: str
    tests: tuple[str, ...]
    # Only these functions are scored (None: all); the others are use cases that the
    # end-to-end tests cover, too slow to run once per mutant.
    functions: tuple[str, ...] | None = None
    goal: float = 90.0


TARGETS = {
    "customers": Target("bot/customers.py", ("tests/test_customers.py", "tests/test_lookup.py")),
    "vietqr": Target("bot/vietqr.py", ("tests/test_vietqr.py",)),
    "subscriptions": Target(
        "bot/subscriptions.py", ("tests/test_subscriptions.py", "tests/test_days_left.py")
    ),
    "storage_orders": Target(
        "bot/storage_orders.py",
        ("tests/test_storage_orders.py",),
        functions=(
            "parse_quantity",
            "price",
            "storage_until",
            "validate_invoice",
            "check_eligible",
            "new_order_no",
            "find_order_no",
        ),
    ),
}

# What the exit code of a mutant's test run means, as mutmut records it (mutmut/stats.py).
STATUS = {
    1: "killed",
    3: "killed",  # pytest's internal error: the mutant broke the import
    37: "killed",  # caught by the type checker
    0: "survived",
    5: "not reached",  # no test ran
    33: "not reached",
    None: "not reached",  # not checked
    34: "skipped",
    36: "timeout",
    24: "timeout",
    -24: "timeout",
    152: "timeout",
    255: "timeout",
}


@dataclass
class Score:
    module: str
    killed: int
    timeout: int
    survived: list[str]
    not_reached: list[str]
    seconds: float
    diffs: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.killed + self.timeout + len(self.survived) + len(self.not_reached)

    @property
    def percent(self) -> float:
        return 100.0 * (self.killed + self.timeout) / self.total if self.total else 0.0


def _copy_tree(destination: Path) -> None:
    """The working tree as it is (tracked and new files), without caches and the venv."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def _setup_cfg(target: Target) -> str:
    """mutmut's settings (it reads setup.cfg when pyproject.toml has no [tool.mutmut])."""
    indented = "\n    ".join
    return (
        "[mutmut]\n"
        "source_paths =\n    bot\n"
        f"only_mutate =\n    {target.source}\n"
        "also_copy =\n    handlers/\n    storage/\n    slack_emulator/\n    samples/\n"
        f"pytest_add_cli_args_test_selection =\n    {indented(target.tests)}\n"
        "pytest_add_cli_args =\n    -m\n    not postgres\n    -p\n    no:cacheprovider\n"
        "    -x\n    -q\n"
    )


def _scored(name: str, target: Target) -> bool:
    # Mutant names read "bot.customers.x_parse_phone__mutmut_12".
    function = name.rsplit(".", 1)[-1].removeprefix("x_").split("__mutmut_")[0]
    return target.functions is None or function in target.functions


def run(module: str, target: Target, jobs: int, keep: bool, diffs: bool) -> Score:
    workdir = Path(tempfile.mkdtemp(prefix=f"mutation-{module}-"))
    started = time.monotonic()
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)
    mutmut = str(VENV_BIN / "mutmut")
    try:
        _copy_tree(workdir)
        (workdir / "setup.cfg").write_text(_setup_cfg(target))
        log = workdir / "mutmut.log"
        with log.open("w") as out:
            done = subprocess.run(
                ["nice", "-n", "19", mutmut, "run", "--max-children", str(jobs)],
                cwd=workdir,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
            )
        meta = workdir / "mutants" / f"{target.source}.meta"
        if not meta.exists():
            tail = log.read_text()[-3000:]
            raise SystemExit(f"mutmut did not run for {module} (exit {done.returncode}):\n{tail}")
        codes: dict[str, int | None] = json.loads(meta.read_text())["exit_code_by_key"]
        status = {
            name: STATUS.get(code, "suspicious")
            for name, code in codes.items()
            if _scored(name, target)
        }
        score = Score(
            module=module,
            killed=sum(s == "killed" for s in status.values()),
            timeout=sum(s == "timeout" for s in status.values()),
            survived=sorted(k for k, s in status.items() if s in ("survived", "suspicious")),
            not_reached=sorted(k for k, s in status.items() if s == "not reached"),
            seconds=time.monotonic() - started,
        )
        if diffs:
            for name in score.survived + score.not_reached:
                shown = subprocess.run(
                    [mutmut, "show", name],
                    cwd=workdir,
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                score.diffs[name] = shown.stdout
        return score
    finally:
        if keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("modules", nargs="*", help=f"some of: {', '.join(TARGETS)}")
    parser.add_argument("--jobs", type=int, default=2, help="parallel test runs (default 2)")
    parser.add_argument("--survivors", action="store_true", help="print each survivor's diff")
    parser.add_argument("--keep", action="store_true", help="keep the mutmut working copy")
    args = parser.parse_args()
    unknown = set(args.modules) - set(TARGETS)
    if unknown:
        parser.error(f"unknown module(s) {', '.join(sorted(unknown))}; known: {', '.join(TARGETS)}")

    scores = []
    for module in args.modules or list(TARGETS):
        target = TARGETS[module]
        print(f"{target.source}: mutating, tests {' '.join(target.tests)} …", flush=True)
        score = run(module, target, args.jobs, args.keep, args.survivors)
        scores.append(score)
        print(
            f"{target.source}: {score.percent:.1f}% of {score.total} ({score.killed} killed, "
            f"{score.timeout} timed out, {len(score.survived)} survived, "
            f"{len(score.not_reached)} not reached by the tests) in {score.seconds:.0f} s",
            flush=True,
        )
        for name in score.survived + score.not_reached:
            print(f"  survived: {name}")
            if name in score.diffs:
                print("    " + score.diffs[name].strip().replace("\n", "\n    "))

    print("\nmodule                  score   goal")
    failed = False
    for score in scores:
        goal = TARGETS[score.module].goal
        ok = score.percent >= goal
        failed |= not ok
        mark = "✓" if ok else "✗"
        print(f"{TARGETS[score.module].source:<22} {score.percent:5.1f}%  ≥ {goal:.0f}% {mark}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
