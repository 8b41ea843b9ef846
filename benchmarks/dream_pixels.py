"""What the offline nets' class optimum looks like with no strokes at all (``dream``'s prototype).

With ``--start strokes`` a person recognises none of ``brush dream``'s paintings (docs/dream.md). Is
that the strokes or the nets? This benchmark takes the strokes away: it optimises a free 224-px image
for the same ensemble (EfficientNet-Lite0 + Lite1) with :func:`brushcli.vision.visualise.class_image`
(Lucid-style: a 1/f^decay spectrum, decorrelated colours, random views, priced opacity over random
backgrounds), scores it with every net
and the judge (EfficientNet-Lite2, never optimised against), and optionally paints it with ``brush
paint`` and scores the MyPaint replay, to see how much of it strokes keep.

    python benchmarks/dream_pixels.py --out /tmp/dream_pixels --paint 200 --json docs/results/dream-pixels.json

The image and the painting of each class go to OUT/<class>/ (prototype.png, painted/); OUT/gallery.png
shows the images with the judge's score, and OUT/gallery-painted.png the paintings.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

from brushcli.api import paint  # noqa: E402
from brushcli.apps.dream import DEFAULT_JUDGES, DEFAULT_NETS  # noqa: E402
from brushcli.objectives import class_objective, observe  # noqa: E402
from brushcli.vision.classes import find_class  # noqa: E402
from brushcli.vision.nets import NetEnsemble  # noqa: E402
from brushcli.vision.scoring import score_image  # noqa: E402
from brushcli.vision.visualise import BLURRED, class_image, views  # noqa: E402
from dream_classes import CLASSES, DEV_CLASSES, gallery  # noqa: E402

def ranks(image: np.ndarray, nets: NetEnsemble, index: int) -> dict[str, dict]:
    return {name: {"prob": round(v["prob"], 4), "rank": v["rank"], "top1": v["top1"]}
            for name, v in score_image(image, list(nets), index).items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--classes", default=None, help="comma-separated (default: the ten of dream_classes.py)")
    parser.add_argument("--dev", action="store_true", help="the development classes instead")
    parser.add_argument("--steps", type=int, default=256)
    parser.add_argument("--decay", type=float, default=2.0, help="spectrum falls as 1/f^decay (Lucid: 1)")
    parser.add_argument("--opacity", type=float, default=3.0, help="price of opacity (0: no opacity channel)")
    parser.add_argument("--scale", default="0.5,1.2", help="zoom range of the views")
    parser.add_argument("--rotate", type=float, default=30.0)
    parser.add_argument("--crop", default="0.65,1.0", help="side range of the random crops")
    parser.add_argument("--blurred", type=int, default=BLURRED, help="views of the four blurred each step")
    parser.add_argument("--paint", type=int, default=0, help="also paint each image with this many strokes")
    parser.add_argument("--painter", default="dry-brush")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="/tmp/dream_pixels")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    names = args.classes.split(",") if args.classes else DEV_CLASSES if args.dev else CLASSES
    nets = NetEnsemble.create(list(DEFAULT_NETS))
    scorers = NetEnsemble.create(list(dict.fromkeys([*DEFAULT_NETS, *DEFAULT_JUDGES])))
    low, high = (float(v) for v in args.scale.split(","))
    crop = tuple(float(v) for v in args.crop.split(","))
    view = views(224, scale=(low, high), rotate=args.rotate, crop=crop, fill=0.0 if args.opacity > 0 else 0.5,
                 blurred=args.blurred)
    out = Path(args.out)
    rows = []
    for name in names:
        cls = find_class(name)
        folder = out / cls.slug
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        image = class_image(class_objective(nets.names, cls.index), nets, 224, args.steps, args.decay, view,
                            args.seed, opacity=args.opacity)
        row = {"class": cls.name, "seconds": round(time.perf_counter() - started, 1),
               "image": ranks(image, scorers, cls.index)}
        Image.fromarray((image * 255).round().astype(np.uint8)).save(folder / "prototype.png")
        if args.paint:
            done = paint(folder / "prototype.png", strokes=args.paint, painter=args.painter, out=folder,
                         name="painted")
            row["painted"] = ranks(done.mypaint().image, scorers, cls.index)
        rows.append(row)
        print(json.dumps(row), flush=True)
    summary: dict = {"command": "python benchmarks/dream_pixels.py " + " ".join(sys.argv[1:]), "classes": len(rows)}
    for stage in ("image", "painted"):
        for net in scorers.names:
            got = [r[stage][net] for r in rows if stage in r]
            if got:
                summary[f"{stage}:{net}:top5"] = sum(g["rank"] <= 5 for g in got)
                summary[f"{stage}:{net}:prob_median"] = round(statistics.median(g["prob"] for g in got), 4)
    print(json.dumps(summary, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps({"summary": summary, "rows": rows}, indent=1) + "\n")
    judge = DEFAULT_JUDGES[0]
    labels = [r["class"] for r in rows]
    folders = [out / find_class(r["class"]).slug for r in rows]
    gallery(folders, labels, out / "gallery.png", [f"{judge}: p {r['image'][judge]['prob']:.2f}, rank "
                                                    f"{r['image'][judge]['rank']}" for r in rows], image="prototype.png")
    if args.paint:
        gallery([f / "painted" for f in folders], labels, out / "gallery-painted.png",
                [f"{judge}: p {r['painted'][judge]['prob']:.2f}, rank {r['painted'][judge]['rank']}" for r in rows])


if __name__ == "__main__":
    main()
