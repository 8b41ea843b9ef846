"""Seconds of ``brush dream``'s two stages (the class image, then the painting) with and without
blurred views, on one machine in one run, so a change in timing can be told from the machine's mood.

    BRUSH_THREADS=2 python benchmarks/dream_stage_seconds.py "fire engine" --blurred 0,2

Prints one JSON row per setting: the seconds of the views alone (256 steps, forward and backward, on
a random image), of the class image and of the painting, and the fraction of the canvas the object
covers (pixels not near-white), which is what the painting's time follows.
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from brushcli.api import paint_for_dream
from brushcli.apps.dream import DEFAULT_NETS, DEFAULT_PAINTER, DreamSettings
from brushcli.objectives import class_objective
from brushcli.painters.registry import create_painter
from brushcli.runtime import thread_budget
from brushcli.vision.classes import find_class
from brushcli.vision.nets import NetEnsemble
from brushcli.vision.visualise import class_image, views


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", help="an ImageNet class")
    parser.add_argument("--blurred", default="0,2", help="comma-separated: views of the four blurred")
    args = parser.parse_args()
    torch.set_num_threads(thread_budget())
    settings = DreamSettings()
    nets = NetEnsemble.create(list(DEFAULT_NETS))
    painter = create_painter(DEFAULT_PAINTER, device="cpu")
    cls = find_class(args.name)
    size = max(c.input_size for c in nets)
    for blurred in (int(v) for v in args.blurred.split(",")):
        view, probe = views(size, blurred=blurred), torch.rand(1, 4, size, size, requires_grad=True)
        generator, started = torch.Generator().manual_seed(0), time.perf_counter()
        for _ in range(settings.total_steps):
            view(probe, generator).sum().backward()
        views_s = time.perf_counter() - started
        started = time.perf_counter()
        image = class_image(class_objective(nets.names, cls.index), nets, size, settings.total_steps, settings.decay,
                            view, settings.seed, opacity=settings.opacity)
        drawn = time.perf_counter()
        paint_for_dream(image, painter, settings)
        print(json.dumps({"class": cls.name, "blurred": blurred, "views_s": round(views_s, 2),
                          "class_image_s": round(drawn - started, 1), "paint_s": round(time.perf_counter() - drawn, 1),
                          "covered": round(float((image.min(axis=2) < 0.95).mean()), 3)}), flush=True)


if __name__ == "__main__":
    main()
