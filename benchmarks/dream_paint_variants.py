"""How settings of ``brush dream``'s painting stage change what the judge sees, on the same class images.

The class image (the first half of every class, ~100 s) does not depend on how it is painted, so it
is made once per class, seed and step count (cached as OUT/<class>-s<seed>.npy) and painted once
per variant; each MyPaint replay is scored by the optimised nets (their mean probability) and by the judge.

    BRUSH_THREADS=2 python benchmarks/dream_paint_variants.py --out /tmp/variants \\
        --variants "search=3;search=1;search=0;search=3,strokes=400"

Classes default to the development classes of ``dream_classes.py`` (settings are tuned on those,
never on its benchmark classes). Each variant sets ``DreamSettings`` fields: ``search`` (sweeps of
paint's output search), ``strokes``, ``steps`` (the class image's, which gets its own cache file,
OUT/<class>-s<seed>-steps<N>.npy). Prints and appends one JSON row per class and variant to
OUT/rows.jsonl, saves each replay as OUT/<class>-s<seed>-<variant>.png, then prints the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as brush runs torch (brushcli/runtime.py); before torch starts
import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from brushcli.api import paint_for_dream  # noqa: E402
from brushcli.files import write_png  # noqa: E402
from brushcli.apps.dream import (DEFAULT_JUDGES, DEFAULT_NETS, DEFAULT_PAINTER, DreamSettings,  # noqa: E402
                                 prototype_image)
from brushcli.objectives import class_objective  # noqa: E402
from brushcli.painters.registry import create_painter  # noqa: E402
from brushcli.runtime import thread_budget  # noqa: E402
from brushcli.vision.classes import find_class  # noqa: E402
from brushcli.vision.nets import NetEnsemble  # noqa: E402
from brushcli.vision.scoring import class_scores, ensemble_scores  # noqa: E402
from dream_classes import DEV_CLASSES  # noqa: E402


def parse_variant(text: str) -> dict[str, int]:
    """``search=1,strokes=400`` -> ``{"search": 1, "strokes": 400}``."""
    return {key.strip(): int(value) for key, value in (item.split("=") for item in text.split(","))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--classes", default=";".join(DEV_CLASSES), help="';'-separated class names")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--variants", default="search=3;search=1;search=0")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(thread_budget())
    nets, judge = NetEnsemble.create(list(DEFAULT_NETS)), NetEnsemble.create(list(DEFAULT_JUDGES))
    painter = create_painter(DEFAULT_PAINTER)
    variants = args.variants.split(";")
    rows = []
    for name in args.classes.split(";"):
        cls = find_class(name)
        stem = f"{cls.name.replace(' ', '-')}-s{args.seed}"
        for variant in variants:
            settings = DreamSettings(seed=args.seed, **parse_variant(variant))
            settings.validate()
            # the class image depends on the seed and its steps only: made once, shared by the variants
            suffix = "" if settings.steps is None else f"-steps{settings.steps}"
            cache = args.out / f"{stem}{suffix}.npy"
            started = time.perf_counter()
            if cache.exists():
                image, image_seconds = np.load(cache), None
            else:
                image = prototype_image(class_objective(nets.names, cls.index), nets, settings)
                image_seconds = round(time.perf_counter() - started, 1)
                np.save(cache, image)
            started = time.perf_counter()
            painting = paint_for_dream(image, painter, settings)
            seconds = round(time.perf_counter() - started, 1)
            real = painting.mypaint().image
            write_png(args.out / f"{stem}-{variant}.png", real)
            row = {"class": cls.name, "seed": args.seed, "variant": variant, "paint_seconds": seconds,
                   "class_image_seconds": image_seconds,
                   "ensemble": ensemble_scores(real, list(nets), cls.index),
                   "judge": class_scores(real, list(judge)[0], cls.index),
                   "mse_mypaint": painting.metrics["mse_mypaint"]}
            rows.append(row)
            print(json.dumps(row), flush=True)
            with open(args.out / "rows.jsonl", "a") as log:
                log.write(json.dumps(row) + "\n")
    for variant in dict.fromkeys(variants):  # a variant may be listed twice (interleaved A/B)
        mine = [r for r in rows if r["variant"] == variant]
        print(json.dumps({"variant": variant, "classes": len(mine),
                          "judge_prob_median": round(statistics.median(r["judge"]["prob"] for r in mine), 4),
                          "judge_top1": sum(r["judge"]["rank"] == 1 for r in mine),
                          "ensemble_top1": sum(r["ensemble"]["rank"] == 1 for r in mine),
                          "paint_seconds_median": statistics.median(r["paint_seconds"] for r in mine)}))


if __name__ == "__main__":
    main()
