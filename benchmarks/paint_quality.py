"""Photo reconstruction quality: real MyPaint replay vs target, for several stroke budgets.

Run on a quiet machine:
    python benchmarks/paint_quality.py --size 64 --budgets 10,25,50,100,200 [--painter pen]
    python benchmarks/paint_quality.py --size 512 --budgets 500,1000
Photos: the 10 real photos of benchmarks/photos.py (scikit-image / scikit-learn, offline). Reports
the mean and median over photos of mse_neural, mse_mypaint, gap_mse (neural vs MyPaint), a flat-cell
mosaic baseline with as many cells as strokes, and seconds per image.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from photos import NAMES, load  # noqa: E402

from brushcli.images import fit_long_side, resize  # noqa: E402
from brushcli.apps.paint import PaintSettings, paint  # noqa: E402
from brushcli.painters.registry import create_painter  # noqa: E402


def mosaic(target: np.ndarray, cells: int) -> np.ndarray:
    """Best flat-color mosaic with about ``cells`` rectangular cells (same aspect as the image)."""
    h, w = target.shape[:2]
    rows = max(1, round(math.sqrt(cells * h / w)))
    cols = max(1, cells // rows)
    out = np.empty_like(target)
    ys = np.linspace(0, h, rows + 1).round().astype(int)
    xs = np.linspace(0, w, cols + 1).round().astype(int)
    for i in range(rows):
        for j in range(cols):
            block = target[ys[i]:ys[i + 1], xs[j]:xs[j + 1]]
            out[ys[i]:ys[i + 1], xs[j]:xs[j + 1]] = block.reshape(-1, 3).mean(axis=0)
    return out


def mse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean((a - b) ** 2))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--budgets", default="10,25,50,100,200")
    parser.add_argument("--painter", default="pen")
    parser.add_argument("--photos", default=",".join(NAMES))
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write per-photo rows here")
    args = parser.parse_args()
    painter = create_painter(args.painter)
    budgets = [int(b) for b in args.budgets.split(",")]
    rows = []
    print(f"# painter {args.painter}, size {args.size}, photos {args.photos}")
    print("| strokes | mse_neural mean (median) | mse_mypaint mean (median) | gap_mse mean (max) | mosaic mean | seconds/image (median) |")
    print("|---|---|---|---|---|---|")
    for budget in budgets:
        per = []
        for name in args.photos.split(","):
            image = load(name)
            t = time.perf_counter()
            result = paint(image, painter, PaintSettings(strokes=budget, size=args.size, steps=args.steps))
            real = result.mypaint().image
            seconds = time.perf_counter() - t
            w, h = fit_long_side(image.shape[1], image.shape[0], args.size)
            target = resize(image, w, h)
            row = {"photo": name, "strokes": budget, "mse_neural": mse(result.neural, target),
                   "mse_mypaint": mse(real, target), "gap_mse": mse(real, result.neural),
                   "mosaic": mse(mosaic(target, budget), target), "seconds": seconds}
            per.append(row)
            rows.append(row)
            print(f"  {name}: " + ", ".join(f"{k}={v:.4f}" for k, v in row.items() if isinstance(v, float)),
                  file=sys.stderr, flush=True)

        def col(key: str) -> list[float]:
            return [r[key] for r in per]

        print(f"| {budget} | {np.mean(col('mse_neural')):.4f} ({statistics.median(col('mse_neural')):.4f}) "
              f"| {np.mean(col('mse_mypaint')):.4f} ({statistics.median(col('mse_mypaint')):.4f}) "
              f"| {np.mean(col('gap_mse')):.4f} ({max(col('gap_mse')):.4f}) | {np.mean(col('mosaic')):.4f} "
              f"| {statistics.median(col('seconds')):.1f} |", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
