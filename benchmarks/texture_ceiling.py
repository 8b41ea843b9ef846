"""How high a footprint IoU a textured brush allows: real MyPaint against itself, nudged or smoothed.

    python benchmarks/texture_ceiling.py --presets charcoal,dry-brush,pen --strokes 500

For random actions of each preset, the IoU of footprints (alpha > 0.1, as ``eval-painter``) between
MyPaint's render and (a) MyPaint's render of the same stroke moved half a pixel along x, (b) the
render blurred by a 1-px Gaussian (the kind of smooth picture a painter predicting the expected
coverage draws). A painter cannot be expected to beat these on a brush whose specks move with a
sub-pixel change of the stroke.
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy.ndimage import gaussian_filter

from brushcli.mypaint.render import render_alphas
from brushcli.presets import load_preset


def iou(a: np.ndarray, b: np.ndarray, threshold: float = 0.1) -> float:
    """Mean over strokes of the footprint IoU of two ``(N, S, S)`` alpha stacks."""
    fa, fb = a > threshold, b > threshold
    inter = (fa & fb).sum(axis=(1, 2))
    union = np.maximum((fa | fb).sum(axis=(1, 2)), 1)
    return float(np.mean(inter / union))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", default="charcoal,dry-brush,pen")
    parser.add_argument("--strokes", type=int, default=500)
    parser.add_argument("--canvas", type=int, default=64)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    print("| preset | IoU vs itself moved 0.5 px | IoU vs its 1-px blur |")
    print("|---|---|---|")
    for name in args.presets.split(","):
        preset = load_preset(name)
        actions = preset.random_actions(args.strokes, np.random.default_rng(args.seed))
        moved = actions.copy()
        moved[:, [0, 2, 4]] += 0.5 / args.canvas

        def render(a: np.ndarray) -> np.ndarray:
            shapes = preset.actions_to_shapes(a)
            return render_alphas(preset.brush, shapes, args.canvas, preset.sampling, workers=1) / 32768.0

        base = render(actions)
        blurred = np.stack([gaussian_filter(x, 1.0) for x in base])
        print(f"| {name} | {iou(base, render(moved)):.3f} | {iou(base, blurred):.3f} |")


if __name__ == "__main__":
    main()
