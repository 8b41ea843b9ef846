"""Real-MyPaint rendering speed: strokes/s at 64 and 512 px, one process and a pool.

Run on a quiet machine:  python benchmarks/render_speed.py [--strokes 8000] [--repeats 3]
Strokes are random actions of each shipped preset (its size and pressure ranges).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import numpy as np

from brushcli.mypaint.render import render_alphas
from brushcli.presets import list_presets, load_preset


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--strokes", type=int, default=8000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"# {platform.processor() or platform.machine()}, {__import__('os').cpu_count()} cores")
    print("| preset | canvas | processes | strokes | strokes/s (median of %d) |" % args.repeats)
    print("|---|---|---|---|---|")
    for name in list_presets():
        preset = load_preset(name)
        rng = np.random.default_rng(0)
        shapes = preset.actions_to_shapes(preset.random_actions(args.strokes, rng))
        for size in (64, 512):
            n = args.strokes if size == 64 else max(200, args.strokes // 20)
            for workers in (1, 2):
                rates = []
                for _ in range(args.repeats):
                    t = time.perf_counter()
                    render_alphas(preset.brush, shapes[:n], size, preset.sampling, workers=workers)
                    rates.append(n / (time.perf_counter() - t))
                print(f"| {name} | {size} px | {workers} | {n} | {statistics.median(rates):,.0f} |", flush=True)


if __name__ == "__main__":
    main()
