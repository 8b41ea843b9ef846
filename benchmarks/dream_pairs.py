"""Gallery of ``brush dream``'s prototypes: each class image above its MyPaint replay, names underneath.

    python benchmarks/dream_pairs.py OUT docs/gallery/dream-prototype/prototypes.png

OUT is a ``benchmarks/dream_classes.py`` output folder (classes in the order of OUT/results.json). The
class image is the first panel of each compare.png (``target``), the replay is mypaint.png.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

from brushcli.vision.classes import find_class  # noqa: E402
from dream_classes import contact_sheet, judge_note  # noqa: E402


def prototype(folder: Path, side: int) -> Image.Image:
    """A dream output folder's class image: compare.png's first panel (``side`` px, under its label strip)."""
    compare = Image.open(folder / "compare.png").convert("RGB")
    return compare.crop((0, compare.height - side, side, compare.height))


def pair(folder: Path) -> Image.Image:
    """The class image above mypaint.png, same width."""
    replay = Image.open(folder / "mypaint.png").convert("RGB")
    side = replay.width
    target = prototype(folder, side)
    both = Image.new("RGB", (side, 2 * side), "white")
    both.paste(target, (0, 0))
    both.paste(replay, (0, side))
    return both


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="a dream_classes.py output folder")
    parser.add_argument("gallery", type=Path, help="where to write the PNG")
    args = parser.parse_args()
    if not (args.out / "results.json").is_file():
        raise SystemExit(f"{args.out} holds no results.json: give a finished dream_classes.py --out folder")
    rows = json.loads((args.out / "results.json").read_text())["rows"]
    contact_sheet([pair(args.out / find_class(r["class"]).slug) for r in rows], [r["class"] for r in rows],
                  args.gallery, [judge_note(r) for r in rows], tile=200)


if __name__ == "__main__":
    main()
