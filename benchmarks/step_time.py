"""Time of one optimisation step of ``paint`` (render, pixel loss, backward) for one grid level.

    python benchmarks/step_time.py THREADS LEVEL STROKES_PER_TILE   # e.g. 1 0 46, 2 3 1

Random strokes of the pen painter on a square canvas, inside brush's compute block (threads and
denormal mode as ``paint`` runs them); prints milliseconds per step (mean of 20 after 5 warm-up
steps). Quiet machine only. The figures in docs/benchmarks.md "Scaling" come from it.
"""

from __future__ import annotations

import argparse
import time

import brushcli  # noqa: F401 - before torch: brush's OpenMP and allocator settings
from brushcli.canvas.layered import LayeredCanvas
from brushcli.canvas.placement import bounds
from brushcli.objectives import evaluate, pixel_loss
from brushcli.painters.registry import create_painter
from brushcli.runtime import use_threads

import torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("threads", type=int)
    parser.add_argument("level", type=int)
    parser.add_argument("per_tile", type=int)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    canvas = LayeredCanvas(create_painter("pen"), 1.0, torch.tensor([0.5, 0.5, 0.5]))
    level = canvas.level(args.level)
    generator = torch.Generator().manual_seed(0)
    actions = torch.rand(level.count, args.per_tile, 9, generator=generator) * 0.6 + 0.2
    actions[..., 8] = 0.3
    colors = torch.rand(level.count, args.per_tile, 3, generator=generator)
    canvas.add_group(args.level, actions, colors, *bounds(level))
    w, h = level.size
    target, base = torch.rand(3, h, w), torch.rand(3, h, w)
    params = [canvas.groups[0].raw_actions, canvas.groups[0].raw_colors]

    def step() -> None:
        loss = evaluate(pixel_loss(), canvas.render(w, h, groups=[0], base=base)[None], target[None], None,
                        resize=False)
        for p in params:
            p.grad = None
        loss.backward()

    with use_threads(args.threads):
        for _ in range(5):
            step()
        start = time.perf_counter()
        for _ in range(args.steps):
            step()
        ms = (time.perf_counter() - start) / args.steps * 1e3
    print(f"level {args.level}, {level.count} tiles x {args.per_tile} strokes, {w} px, "
          f"{args.threads} thread(s): {ms:.2f} ms/step")


if __name__ == "__main__":
    main()
