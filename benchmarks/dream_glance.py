"""Does a net's score say which dream paintings a person reads? Scores against my readings.

    python benchmarks/dream_glance.py docs/results/dream-person-readings.json --root RUNS --out scores.json

The readings file's ``runs`` map ``dream_classes.py`` output folders (under ``--root``; its
``commands`` say how each was made) to ``{class: "glance" | "name" | "hardly"}`` (what a person
reads in the gallery, names shown). For each painting, the optimised nets' (the ensemble's) and the
judge's mean log-probability of the class are taken on the class image and on the MyPaint replay,
sharp and blurred as the class image's blurred views are (``visualise.BLUR_SIDES``: 11, 14 and 21%
of the side; what is left at a glance, the outline and the colours). Printed: each score's Spearman
correlation with the readings (0 1 2), and for classes run with several seeds, how often the seed a
score picks is one of the best-read ones, against the same count for a seed picked at random.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

from brushcli.runtime import thread_budget  # noqa: E402
from brushcli.vision.classes import find_class  # noqa: E402
from brushcli.vision.nets import NetEnsemble  # noqa: E402
from brushcli.vision import transforms as T  # noqa: E402
from brushcli.vision.scoring import probabilities  # noqa: E402
from brushcli.vision.visualise import BLUR_SIDES  # noqa: E402
from dream_pairs import prototype  # noqa: E402

READING = {"hardly": 0, "name": 1, "glance": 2}


def log_p(image: np.ndarray, nets: NetEnsemble, index: int, sides: tuple[float, ...]) -> float:
    """Mean over ``nets`` and views of log p(class); a view is ``image`` blurred to a side fraction (None: sharp)."""
    t = torch.from_numpy(image).permute(2, 0, 1)[None]
    total = []
    for f in sides:
        v = t if f is None else T.low_pass(1, [f])(t, torch.Generator())  # the class image's blurred views
        total += [float(torch.log(probabilities(v[0].permute(1, 2, 0).numpy(), c)[index])) for c in nets]
    return float(np.mean(total))


def ranks(values: list[float]) -> np.ndarray:
    """Ranks with ties averaged (for Spearman's correlation)."""
    a = np.asarray(values, dtype=float)
    r = np.empty(len(a))
    r[a.argsort(kind="stable")] = np.arange(len(a))
    for v in np.unique(a):
        r[a == v] = r[a == v].mean()
    return r


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("readings", type=Path)
    parser.add_argument("--root", type=Path, default=Path("."), help="folder holding the readings' run folders")
    parser.add_argument("--nets", default="efficientnet-lite0,efficientnet-lite1")
    parser.add_argument("--judges", default="efficientnet-lite2")
    parser.add_argument("--out", type=Path, help="write the per-painting scores here (JSON)")
    args = parser.parse_args()
    runs = json.loads(args.readings.read_text())["runs"]
    missing = [f for f in runs if not (args.root / f / "results.json").is_file()]
    if missing:
        sys.exit(f"error: no dream_classes.py output (results.json) in {', '.join(str(args.root / f) for f in missing)}")
    torch.set_num_threads(thread_budget())
    nets = {"ensemble": NetEnsemble.create(args.nets.split(","), "cpu", {}),
            "judge": NetEnsemble.create(args.judges.split(","), "cpu", {})}
    rows = []
    for folder, readings in runs.items():
        for name, reading in readings.items():
            cls = find_class(name)
            painted = args.root / folder / cls.slug
            replay = Image.open(painted / "mypaint.png").convert("RGB")
            images = {"replay": replay, "prototype": prototype(painted, replay.width)}
            row = {"run": folder, "class": cls.name, "reading": reading}
            for who, ens in nets.items():
                for what, im in images.items():
                    pixels = np.asarray(im, dtype=np.float32) / 255
                    row[f"{who} {what} sharp"] = log_p(pixels, ens, cls.index, (None,))
                    row[f"{who} {what} blurred"] = log_p(pixels, ens, cls.index, BLUR_SIDES)
            rows.append(row)
            print(json.dumps(row), flush=True)
    people = ranks([READING[r["reading"]] for r in rows])
    keys = [k for k in rows[0] if k not in ("run", "class", "reading")]
    seeded = [[r for r in rows if r["class"] == c] for c in sorted({r["class"] for r in rows})]
    seeded = [group for group in seeded if len(group) > 1]  # classes painted with several seeds

    def best_read(row: dict, group: list[dict]) -> bool:
        return READING[row["reading"]] == max(READING[r["reading"]] for r in group)

    chance = sum(sum(best_read(r, group) for r in group) / len(group) for group in seeded)
    summary = {"paintings": len(rows), "classes with several seeds": len(seeded), "random pick expected": round(chance, 2)}
    for k in keys:
        rho = float(np.corrcoef(ranks([r[k] for r in rows]), people)[0, 1])
        hits = sum(best_read(max(group, key=lambda r: r[k]), group) for group in seeded)
        summary[k] = {"spearman": round(rho, 3), "pick is best-read": hits}
        print(f"{k:28s} spearman {rho:+.3f}   seed it picks is best-read: {hits}/{len(seeded)} (random: {chance:.2f})")
    if args.out:
        args.out.write_text(json.dumps({"summary": summary, "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
