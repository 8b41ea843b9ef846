"""brush style: time, peak memory and seam ratio at 512 and 1024 px.

    python benchmarks/style_bench.py --size 512 --net vgg16 --random-weights   # timing with VGG16's cost
    python benchmarks/style_bench.py --size 1024 --net efficientnet-lite0      # real pretrained, offline

VGG16's ImageNet weights cannot be downloaded on the benchmark machine, so its timing runs use the
same architecture with random weights (identical cost). Peak memory is the process's max RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from photos import load  # noqa: E402

from brushcli.canvas.palette import parse_palette  # noqa: E402
from brushcli.apps.style import StyleSettings, seam_ratio, style  # noqa: E402
from brushcli.outputs.folder import write_painting  # noqa: E402
from brushcli.painters.registry import create_painter  # noqa: E402
from brushcli.vision.nets import NetEnsemble, resolve_net_name  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photo", default="chelsea")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--density", type=int, default=8)
    parser.add_argument("--steps", type=int, default=None, help="default: the command's (200 at 512 px, up to 300 above)")
    parser.add_argument("--net", default="vgg16")
    parser.add_argument("--random-weights", action="store_true")
    parser.add_argument("--palette", default=None)
    parser.add_argument("--painter", default="pen")
    parser.add_argument("--out", type=Path, default=None, help="write the outputs (gallery) here")
    args = parser.parse_args()
    started = time.perf_counter()
    image = load(args.photo)
    net = resolve_net_name(args.net)
    nets = NetEnsemble.create([net], pretrained=not args.random_weights)
    settings = StyleSettings(size=args.size, density=args.density, steps=args.steps)
    result = style(image, create_painter(args.painter), nets, settings, parse_palette(args.palette, image))
    row = {"photo": args.photo, "size": args.size, "net": net, "random_weights": args.random_weights,
           "strokes": len(result.strokes), "steps": result.steps, "optimise_seconds": round(result.seconds, 1),
           "seam_ratio_neural": round(result.info["seam_ratio"], 3), "final_content_loss": round(result.losses[-1], 4)}
    if args.out:
        folder = args.out / f"{args.photo}-{args.size}-{args.palette or 'color'}-{args.painter}"
        write_painting(result, folder, {"benchmark": "style", **vars(args), "out": str(args.out)}, started=started)
        row["seam_ratio_mypaint"] = round(seam_ratio(result.mypaint().image), 3)
        row["gap_mse"] = round(result.metrics["gap_mse"], 5)
    row["total_seconds"] = round(time.perf_counter() - started, 1)
    row["peak_rss_gb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2, 2)
    print(json.dumps(row))


if __name__ == "__main__":
    main()
