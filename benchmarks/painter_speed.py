"""Painter speed: forward + backward to the input actions at batch 1,024, on the CPU.

Run on a quiet machine:  python benchmarks/painter_speed.py [--repeats 10] [PAINTER ...]
(default: every registered painter; any name ``create_painter`` accepts, e.g. ``local-dir:out/pen``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from brushcli.painters.registry import create_painter, list_painters  # before torch: brush's OpenMP setting
from brushcli.runtime import use_threads

import torch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("painters", nargs="*", help="painter names (default: all registered)")
    args = parser.parse_args()
    with use_threads(args.threads):  # as brush runs painters: these threads, denormals flushed
        measure(args)


def measure(args: argparse.Namespace) -> None:
    print(f"# torch {torch.__version__}, {args.threads} threads, batch {args.batch}")
    print("| painter | parameters | forward+backward strokes/s (median) | forward only strokes/s |")
    print("|---|---|---|---|")
    for name in args.painters or list_painters():
        try:
            painter = create_painter(name)
        except Exception as exc:  # noqa: BLE001 - report and continue
            print(f"| {name} | unavailable: {exc} | | |")
            continue
        params = sum(p.numel() for p in painter.parameters())
        actions = torch.rand(args.batch, 9)
        both, fwd = [], []
        for i in range(args.repeats + 2):
            a = actions.clone().requires_grad_(True)
            t = time.perf_counter()
            painter(a).sum().backward()
            both.append(args.batch / (time.perf_counter() - t))
            with torch.no_grad():
                t = time.perf_counter()
                painter(actions)
                fwd.append(args.batch / (time.perf_counter() - t))
        print(f"| {name} | {params:,} | {statistics.median(both[2:]):,.0f} | {statistics.median(fwd[2:]):,.0f} |")


if __name__ == "__main__":
    main()
