"""VietQR throughput: payloads built per second, PNGs rendered per second, mean PNG size.

Usage: python bench/qr_throughput.py [--seconds N]

Each phase runs for about N seconds (default 3) on a rotating set of realistic requests
(different accounts, amounts, order numbers and Vietnamese notes), single-threaded.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

try:
    from bot.vietqr import TransferRequest, build_payload, purpose_for, render_png, verify_crc
except ModuleNotFoundError:  # run from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bot.vietqr import TransferRequest, build_payload, purpose_for, render_png, verify_crc

NOTES = [
    "thanh toán gia hạn lưu trữ",
    "Công ty TNHH Đầu tư Phát triển",
    "",
    "mua thêm 12 tháng",
    "đơn hàng iGOV Kế toán",
]


def make_requests(n: int = 256) -> list[TransferRequest]:
    requests = []
    for i in range(n):
        order_no = f"MS2611{220001 + i:06d}"
        requests.append(
            TransferRequest(
                bank_bin=("970416", "970436", "970415", "970422")[i % 4],
                account_no=f"{1000 + 7919 * i:0{9 + i % 8}d}",
                amount=None if i % 16 == 0 else 1_000 * (i * 37 % 5000 + 1),
                purpose=purpose_for(order_no, NOTES[i % len(NOTES)]),
            )
        )
    return requests


def run_for(
    seconds: float, items: list, fn: Callable, *, keep: bool = False
) -> tuple[int, float, list]:
    """Call fn on items round-robin for about `seconds`; return (calls, elapsed, outputs).

    Outputs are only collected when `keep` is true.
    """
    calls, outputs = 0, []
    n = len(items)
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(16):  # check the clock every 16 calls
            out = fn(items[calls % n])
            if keep:
                outputs.append(out)
            calls += 1
        now = time.perf_counter()
        if now >= deadline:
            return calls, now - start, outputs


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def version_of(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=3.0, help="duration of each phase (default 3)"
    )
    args = parser.parse_args(argv)
    if args.seconds <= 0:
        parser.error("--seconds must be positive")

    requests = make_requests()
    payloads = [build_payload(r) for r in requests]
    assert all(verify_crc(p) for p in payloads)
    render_png(payloads[0])  # warm up imports (qrcode, Pillow)

    built, build_s, _ = run_for(args.seconds, requests, build_payload)
    rendered, render_s, pngs = run_for(args.seconds, payloads, render_png, keep=True)
    sizes = [len(png) for png in pngs]
    mean_len = sum(len(p) for p in payloads) / len(payloads)

    print("VietQR throughput (single thread)")
    print(f"  machine          : {cpu_model()} ({os.cpu_count() or 1} logical CPUs)")
    print(f"  python           : {platform.python_implementation()} {platform.python_version()}")
    print(f"  qrcode / Pillow  : {version_of('qrcode')} / {version_of('pillow')}")
    print(f"  phase duration   : {args.seconds:g} s each, {len(requests)} distinct requests")
    print(f"  mean payload     : {mean_len:.1f} characters")
    print(f"  payloads built   : {built / build_s:,.0f} /s  ({built:,} in {build_s:.2f} s)")
    print(
        f"  PNGs rendered    : {rendered / render_s:,.1f} /s  ({rendered:,} in {render_s:.2f} s,"
        " box_size=8, border=4, EC level M)"
    )
    print(
        f"  mean PNG size    : {sum(sizes) / len(sizes):,.0f} bytes"
        f"  (min {min(sizes):,}, max {max(sizes):,})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
