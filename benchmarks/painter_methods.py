"""Regression vs the paper's VAE and GAN methods, on the same real MyPaint strokes.

    python benchmarks/painter_methods.py --samples 20000 --steps 1500 --batch 128

Each method trains with its default architecture (regression: dabs; vae: vae; gan: conv) on the
same cached dataset, then is evaluated on the same 1,000 held-out strokes.
"""

from __future__ import annotations

import argparse
import time

import torch

from brushcli.painters.config import PainterConfig
from brushcli.painters.data import build_dataset
from brushcli.painters.evaluate import evaluate_painter
from brushcli.painters.painter import Painter
from brushcli.painters.pipeline import DEFAULT_ARCH, default_arch_args
from brushcli.painters.train import TrainSettings, train
from brushcli.presets import load_preset


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--preset", default="pen")
    parser.add_argument("--samples", type=int, default=20000)
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--eval", type=int, default=1000)
    parser.add_argument("--methods", default="regression,vae,gan")
    args = parser.parse_args()
    preset = load_preset(args.preset)
    data = build_dataset(preset, args.samples, seed=0)
    print(f"# {args.preset}: {args.samples} strokes, {args.steps} steps, batch {args.batch}, eval {args.eval}")
    print("| method | architecture | parameters | alpha MAE | footprint IoU | train seconds |")
    print("|---|---|---|---|---|---|")
    for method in args.methods.split(","):
        torch.manual_seed(0)
        arch = DEFAULT_ARCH[method]
        arch_args = default_arch_args(arch, preset)  # as `brush train-painter` does
        painter = Painter(PainterConfig(name=method, preset=preset, arch=arch, arch_args=arch_args, method=method))
        started = time.perf_counter()
        train(painter, data, TrainSettings(steps=args.steps, batch=args.batch))
        seconds = time.perf_counter() - started
        fid = evaluate_painter(painter, args.eval)[0]
        params = sum(p.numel() for p in painter.parameters())
        print(f"| {method} | {painter.config.arch} | {params:,} | {fid.alpha_mae:.4f} | {fid.iou:.3f} | {seconds:.0f} |",
              flush=True)


if __name__ == "__main__":
    main()
