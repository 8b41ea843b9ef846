"""Control for ``brush dream``'s judge: do the offline classifiers recognise a stroke painting at all?

``brush dream`` is judged by a net that was not optimised against (EfficientNet-Lite2). This control
asks the question the other way round: paint photos whose class every offline net agrees on (its
top-1 on the photo) with ``brush paint`` at several stroke budgets, and score the MyPaint replay with
every net. If a painting a person reads as a cat is not a cat to the nets, the judge measures how far
net-specific features transfer between nets, not whether a person would recognise the painting.

    python benchmarks/dream_control.py --budgets 30,100,300 --painters pen,dry-brush --json docs/results/dream-control.json

Also scored: the photo itself and the photo shrunk to 32 px and enlarged again (how little detail the
nets need when there are no stroke edges). Photos from ``benchmarks/photos.py`` (the ``../shared``
ones are used when present); the class of each is fixed below from the nets' own top-1 on the photo.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from brushcli.api import paint  # noqa: E402
from brushcli.images import fit_long_side, resize  # noqa: E402
from brushcli.vision.classes import find_class  # noqa: E402
from brushcli.vision.nets import OFFLINE_NETS, NetEnsemble  # noqa: E402
from brushcli.vision.scoring import score_image  # noqa: E402
from photos import Photo, is_available, load, select  # noqa: E402

#: Benchmark photos whose top-1 class is the same for EfficientNet-Lite0, -Lite1 and -Lite2 (checked
#: on the photo at 512 px before any painting; the others have no class all three agree on).
CLASSES = {"camera": "tripod", "chelsea": "Egyptian cat", "coffee": "espresso", "rocket": "drilling platform",
           "kitty": "tabby", "gulls": "albatross", "kingfisher": "jacamar"}


def blurred(image: np.ndarray, side: int) -> np.ndarray:
    """``image`` shrunk to ``side`` px on its long side and enlarged back (detail gone, no edges added)."""
    h, w = image.shape[:2]
    return resize(resize(image, *fit_long_side(w, h, side)), w, h)


def scores(image: np.ndarray, nets: NetEnsemble, index: int) -> dict[str, dict]:
    """Each net's probability, rank and top-1 for class ``index`` (:func:`score_image` without top-1's p)."""
    return {name: {k: v for k, v in got.items() if k != "top1_prob"}
            for name, got in score_image(image, list(nets), index).items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budgets", default="30,100,300", help="stroke counts, comma-separated")
    parser.add_argument("--painters", default="pen,dry-brush", help="painters, comma-separated")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--photos", default=None, help="comma-separated subset of " + ",".join(CLASSES))
    parser.add_argument("--out", default="/tmp/dream_control", help="where the paintings go")
    parser.add_argument("--json", default=None, help="write the rows and summary here")
    args = parser.parse_args()
    names = args.photos.split(",") if args.photos else list(CLASSES)
    photos: list[Photo] = [p for p in select(names=names) if is_available(p)]
    budgets = [int(b) for b in args.budgets.split(",") if b]  # "" : the photos alone
    nets = NetEnsemble.create(list(OFFLINE_NETS))
    rows = []
    for photo in photos:
        index = find_class(CLASSES[photo.name]).index
        image = load(photo.name)
        cases = {"photo": image, "photo shrunk to 32 px": blurred(image, 32)}
        for painter in args.painters.split(","):
            for n in budgets:
                done = paint(image, strokes=n, painter=painter, size=args.size, out=args.out,
                             name=f"{photo.name}-{painter}-{n}")
                cases[f"{painter}, {n} strokes"] = done.mypaint().image
        for case, picture in cases.items():
            row = {"photo": photo.name, "class": CLASSES[photo.name], "case": case, **scores(picture, nets, index)}
            rows.append(row)
            print(json.dumps(row), flush=True)
    summary = {}
    for case in dict.fromkeys(r["case"] for r in rows):
        for net in nets.names:
            got = [r[net] for r in rows if r["case"] == case]
            summary[f"{case} | {net}"] = {"median_p": round(statistics.median(g["prob"] for g in got), 4),
                                          "top1": sum(g["rank"] == 1 for g in got),
                                          "top5": sum(g["rank"] <= 5 for g in got), "of": len(got)}
    print(json.dumps(summary, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps({"command": "python benchmarks/dream_control.py " + " ".join(sys.argv[1:]),
                                               "summary": summary, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
