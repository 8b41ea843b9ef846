"""The README's before/after picture: one target beside the MyPaint replays of two paint runs.

    PYTHONPATH=OLD_CHECKOUT python -m brushcli paint docs/examples/astronaut.jpg --strokes 50 -o /tmp/ba/before
    python -m brushcli paint docs/examples/astronaut.jpg --strokes 50 -o /tmp/ba/after
    python benchmarks/before_after.py docs/examples/astronaut.jpg /tmp/ba/before/astronaut /tmp/ba/after/astronaut \
        docs/gallery/paint/before-after.png

Each panel is labelled with its run's ``mse_mypaint`` from ``metrics.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont


def panel(image: Image.Image, label: str, side: int, font: ImageFont.ImageFont) -> Image.Image:
    """``image`` fitted to ``side`` px with ``label`` in a white band underneath."""
    image = image.convert("RGB").resize((side, side), Image.LANCZOS)
    out = Image.new("RGB", (side, side + 34), "white")
    out.paste(image, (0, 0))
    ImageDraw.Draw(out).text((8, side + 6), label, fill="black", font=font)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", type=Path, help="the painted image")
    parser.add_argument("before", type=Path, help="output folder of the earlier run (one image's folder)")
    parser.add_argument("after", type=Path, help="output folder of the later run")
    parser.add_argument("out", type=Path)
    parser.add_argument("--side", type=int, default=320)
    parser.add_argument("--labels", default="before,after")
    args = parser.parse_args()
    font = ImageFont.load_default(size=18)
    names = args.labels.split(",")
    panels = [panel(Image.open(args.target), "target", args.side, font)]
    for name, folder in zip(names, (args.before, args.after)):
        metrics = json.loads((folder / "metrics.json").read_text())
        label = f"{name}: {metrics['strokes']} strokes, MSE {metrics['mse_mypaint']:.4f}"
        panels.append(panel(Image.open(folder / "mypaint.png"), label, args.side, font))
    sheet = Image.new("RGB", (len(panels) * (args.side + 8) + 8, args.side + 42), "white")
    for i, p in enumerate(panels):
        sheet.paste(p, (8 + i * (args.side + 8), 4))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out, optimize=True)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
