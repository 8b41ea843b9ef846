"""Does a ``brush dream --sketch`` tile show the class image its seed finishes with?

For each class and seed, the sketch (a tile of OUT/<class>-sketches.png) is compared with the
finished class images of the same class for every seed (the first panel of compare.png in the
dream output folders of one run per seed): the sketch should be nearest to its own seed's, far
more often than the 1-in-seeds a guess gets. Two distances at 48 px, where only the composition is
left: the mean absolute RGB difference and the overlap (IoU) of the painted parts (not paper-white).

    python benchmarks/dream_sketch.py SKETCHES --finals RUN0,RUN1,RUN2 --out docs/results/dream-dev/sketch-vs-final.json

SKETCHES holds the sheets of ``brush dream CLASSES --sketch N --seed S``; RUNk the dream output
folders of seed S + k (``python benchmarks/dream_classes.py --set seed=S+k --out RUNk``, or
``brush dream CLASSES --seed S+k -o RUNk``). A class missing from some runs is compared among the
seeds it has (at least two); the chance of a guess is counted accordingly.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from dream_pairs import prototype  # noqa: E402

#: Side the images are compared at: the composition, not the detail.
SIDE = 48
#: A pixel is painted if some channel is this far from the paper's white.
INK = 0.08


def tiles(sheet: Path, count: int) -> list[Image.Image]:
    """The first ``count`` tiles of a one-row sketch sheet (square tiles 4 px apart under a label)."""
    if count > 4:
        raise SystemExit(f"{sheet}: compare sheets of up to 4 seeds (one row)")
    page = Image.open(sheet).convert("RGB")
    side = (page.width - 4 * (count - 1)) // count
    strip = page.height - side
    return [page.crop((k * (side + 4), strip, k * (side + 4) + side, strip + side)) for k in range(count)]


def small(image: Image.Image) -> np.ndarray:
    return np.asarray(image.resize((SIDE, SIDE), Image.Resampling.BOX), np.float32) / 255.0


def distances(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Mean absolute RGB difference and IoU of the painted pixels."""
    ink_a, ink_b = (1 - a).max(axis=2) > INK, (1 - b).max(axis=2) > INK
    union = (ink_a | ink_b).sum()
    return float(np.abs(a - b).mean()), float((ink_a & ink_b).sum() / union) if union else 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sketches", type=Path)
    parser.add_argument("--finals", required=True, help="comma-separated run folders, one per seed, in seed order")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    roots = [Path(p) for p in args.finals.split(",")]
    sheets = sorted(args.sketches.glob("*-sketches.png"))
    for path in [args.sketches, *roots]:
        if not path.is_dir():
            raise SystemExit(f"no such folder: {path}")
    if not sheets:
        raise SystemExit(f"no *-sketches.png in {args.sketches}")
    rows, hits, expected = [], {"rgb": 0, "iou": 0}, 0.0
    for sheet in sheets:
        slug = sheet.name[: -len("-sketches.png")]
        finals = {k: small(prototype(root / slug, 512)) for k, root in enumerate(roots) if (root / slug).is_dir()}
        if len(finals) < 2:
            continue  # nothing to tell apart
        for k, tile in enumerate(tiles(sheet, len(roots))):
            if k not in finals:
                continue
            d = {j: distances(small(tile), f) for j, f in finals.items()}
            near_rgb = min(d, key=lambda j: d[j][0]) == k
            near_iou = max(d, key=lambda j: d[j][1]) == k
            hits["rgb"] += near_rgb
            hits["iou"] += near_iou
            expected += 1 / len(finals)
            rows.append({"class": slug, "seed_index": k,
                         "rgb": [round(d[j][0], 4) if j in d else None for j in range(len(roots))],
                         "iou": [round(d[j][1], 3) if j in d else None for j in range(len(roots))],
                         "nearest_rgb": near_rgb, "nearest_iou": near_iou})
    if not rows:
        raise SystemExit("no class has finished images for two or more of the seeds")
    own = [r["iou"][r["seed_index"]] for r in rows]
    other = [v for r in rows for i, v in enumerate(r["iou"]) if i != r["seed_index"] and v is not None]
    summary = {"sketches": len(rows), "seeds": len(roots), "chance": round(expected / len(rows), 3),
               "expected_by_chance": round(expected, 2),
               "own_final_nearest_rgb": hits["rgb"], "own_final_nearest_iou": hits["iou"],
               "median_iou_own": round(float(np.median(own)), 3), "median_iou_other": round(float(np.median(other)), 3)}
    print(json.dumps(summary))
    if args.out:
        args.out.write_text(json.dumps({"summary": summary, "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
