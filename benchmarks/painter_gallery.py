"""The painter gallery of docs/painters.md: the same strokes drawn by every bundled painter, neural vs MyPaint.

Run:  python benchmarks/painter_gallery.py --out docs/gallery/painters
      python benchmarks/painter_gallery.py --out /tmp/g --painters pen,charcoal --strokes 100 --size 192

Writes into ``--out``:

- ``strokes.png``: one row per painter: the same stroke list (the same actions, colours and order for
  every painter: random actions of a fixed seed) painted by real MyPaint and by the painter, at
  ``--canvas`` px (the painter drawing at that size through ``Painter.render_at``);
- ``paint-<painter>.png``: ``brush paint PHOTO --strokes N --size S --painter P`` for each painter:
  target | neural render | MyPaint replay;
- ``gallery.json``: the command, the gap between neural and MyPaint per painter (MSE, pixels in 0..1),
  the paintings' errors and seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

import brushcli
from brushcli.canvas.composite import composite_over
from brushcli.files import write_png
from brushcli.mypaint.render import render_canvas
from brushcli.outputs.folder import side_by_side
from brushcli.painters.registry import create_painter, list_painters

PALETTE = np.array([[0.10, 0.10, 0.12], [0.80, 0.20, 0.15], [0.15, 0.35, 0.75], [0.95, 0.70, 0.10],
                    [0.20, 0.55, 0.30], [0.55, 0.25, 0.60]], np.float32)


def stroke_list(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` actions in 0..1 and their colours: the same for every painter."""
    rng = np.random.default_rng(seed)
    actions = rng.uniform(0.0, 1.0, size=(n, 9)).astype(np.float32)
    actions[:, 6:8] = rng.uniform(0.5, 1.0, size=(n, 2))  # firm pressure: every brush shows its look
    actions[:, 8] = rng.uniform(0.05, 0.35, size=n)  # small to middling: the strokes stay apart
    return actions, PALETTE[np.arange(n) % len(PALETTE)]


def strokes_row(name: str, actions: np.ndarray, colors: np.ndarray, canvas: int) -> tuple[np.ndarray, float]:
    """MyPaint | neural of the same strokes on a ``canvas``-px white canvas, and their MSE."""
    painter = create_painter(name)
    name = painter.config.name
    shapes = painter.preset.actions_to_shapes(actions)
    real = render_canvas(shapes, colors, painter.preset.brush, canvas, canvas, painter.preset.sampling).image
    with torch.no_grad():
        alphas = painter.render_at(torch.from_numpy(actions), canvas) if painter.scalable else \
            torch.nn.functional.interpolate(painter(torch.from_numpy(actions))[:, None], size=canvas,
                                            mode="bilinear", align_corners=False)[:, 0]
        neural = composite_over(torch.ones(3), alphas, torch.from_numpy(colors)).permute(1, 2, 0).numpy()
    gap = float(np.mean((real - neural) ** 2))
    return side_by_side(real, neural, labels=[f"{name}: MyPaint", f"{name}: neural"]), gap


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--painters", default=",".join(list_painters()),
                        help="comma-separated --painter texts (names or folders); files are named by painter name")
    parser.add_argument("--n", type=int, default=14, help="strokes in strokes.png")
    parser.add_argument("--canvas", type=int, default=256, help="size of strokes.png's canvases")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--photo", type=Path, default=Path("docs/examples/chelsea.jpg"))
    parser.add_argument("--strokes", type=int, default=200, help="strokes of each painting (0: none)")
    parser.add_argument("--size", type=int, default=256, help="long side of each painting")
    args = parser.parse_args()
    names = [n.strip() for n in args.painters.split(",") if n.strip()]
    args.out.mkdir(parents=True, exist_ok=True)
    report = {"command": "python benchmarks/painter_gallery.py " + " ".join(
        f"--{k} {v}" for k, v in vars(args).items()), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "torch_threads": torch.get_num_threads(), "painters": {}}

    actions, colors = stroke_list(args.n, args.seed)
    rows = []
    for name in names:
        row, gap = strokes_row(name, actions, colors, args.canvas)
        rows.append(row)
        label = create_painter(name).config.name
        report["painters"][label] = {"painter": name, "strokes_gap_mse": round(gap, 5)}
        print(f"{label}: neural vs MyPaint on the same {args.n} strokes, MSE {gap:.5f}", flush=True)
    width = max(r.shape[1] for r in rows)
    padded = [np.pad(r, ((0, 6), (0, width - r.shape[1]), (0, 0)), constant_values=1.0) for r in rows]
    write_png(args.out / "strokes.png", np.concatenate(padded))

    for name in names if args.strokes else []:
        t = time.perf_counter()
        painting = brushcli.paint(str(args.photo), strokes=args.strokes, size=args.size, painter=name, seed=0)
        seconds = time.perf_counter() - t
        real = painting.mypaint().image
        label = create_painter(name).config.name
        image = side_by_side(painting.target, painting.neural, real,
                             labels=["target", f"{label}: neural", f"{label}: MyPaint"])
        write_png(args.out / f"paint-{label}.png", image)
        entry = report["painters"][label]
        entry.update(paint_mse_mypaint=round(float(np.mean((real - painting.target) ** 2)), 5),
                     paint_mse_neural=round(float(np.mean((painting.neural - painting.target) ** 2)), 5),
                     paint_gap_mse=round(float(np.mean((real - painting.neural) ** 2)), 5),
                     paint_seconds=round(seconds, 1))
        print(f"{label}: {args.photo.name} with {args.strokes} strokes at {args.size} px: {entry}", flush=True)
    (args.out / "gallery.json").write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
