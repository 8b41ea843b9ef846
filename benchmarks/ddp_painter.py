"""Data-parallel painter training: one process against ``torchrun --nproc_per_node N``, interrupted once.

    flock /tmp/brush-cpu.lock python benchmarks/ddp_painter.py [--samples 40000] [--steps 3000] \
        [--batch 128] [--procs 2] [--interrupt-after 60]

Trains the same painter (pen preset, seed 0) twice with the same global batch and steps: with one
process (``python -m brushcli train-painter``) and with ``torchrun --nproc_per_node N -m brushcli
train-painter``. The torchrun run gets SIGINT (as Ctrl-C does) ``--interrupt-after`` seconds after it
started training, then the same command is run again and resumes from the checkpoint. Reports the
alpha MAE and footprint IoU each painter folder records (``--eval-samples`` held-out strokes, the same
for both) and the wall seconds. A fresh BRUSH_CACHE_DIR is used unless --cache is given.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def train_args(args: argparse.Namespace, out: Path) -> list[str]:
    return ["train-painter", "--preset", "pen", "--samples", str(args.samples), "--steps", str(args.steps),
            "--batch", str(args.batch), "--seed", "0", "--eval-samples", str(args.eval_samples), "--out", str(out),
            "-q"]


def torchrun() -> list[str]:
    return [str(Path(sys.executable).parent / "torchrun")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=40_000)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--eval-samples", type=int, default=2000)
    parser.add_argument("--interrupt-after", type=float, default=60.0,
                        help="seconds after the torchrun run's first checkpoint-able step (0: no interruption)")
    parser.add_argument("--cache", type=Path, help="BRUSH_CACHE_DIR (default: a fresh temporary one)")
    parser.add_argument("--out", type=Path, help="keep the painter folders here")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="brush-ddp-"))
    out = args.out or tmp
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BRUSH_CACHE_DIR": str(args.cache or tmp / "cache")}
    report: dict[str, dict] = {}
    try:
        one = out / "one-process"
        print(f"# one process; load {os.getloadavg()}", file=sys.stderr, flush=True)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "brushcli", *train_args(args, one)], env=env, check=True)
        report["1 process"] = {"seconds": time.perf_counter() - started}

        many = out / f"{args.procs}-processes"
        cmd = [*torchrun(), "--nproc_per_node", str(args.procs), "-m", "brushcli", *train_args(args, many)]
        print(f"# {args.procs} processes; load {os.getloadavg()}", file=sys.stderr, flush=True)
        started = time.perf_counter()
        interrupted_at = None
        if args.interrupt_after > 0:
            first = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            time.sleep(args.interrupt_after)
            first.send_signal(signal.SIGINT)  # what Ctrl-C in the terminal sends torchrun
            first.communicate(timeout=120)
            state = many / "checkpoint" / "state.json"
            interrupted_at = json.loads(state.read_text())["step"] if state.is_file() else None
            print(f"# interrupted: checkpoint at step {interrupted_at}; resuming", file=sys.stderr, flush=True)
        subprocess.run(cmd, env=env, check=True)
        report[f"{args.procs} processes"] = {"seconds": time.perf_counter() - started,
                                             "interrupted_at_step": interrupted_at}
        for name, folder in (("1 process", one), (f"{args.procs} processes", many)):
            config = json.loads((folder / "config.json").read_text())
            report[name].update(alpha_mae=config["metrics"]["alpha_mae"], iou=config["metrics"]["iou"],
                                train_seconds=config["training"]["seconds"])
    finally:
        if args.out is None:
            shutil.rmtree(tmp, ignore_errors=True)
    base = report["1 process"]["alpha_mae"]
    print(f"| run | alpha MAE | vs 1 process | footprint IoU | training s | wall s (incl. rendering, eval) |")
    print("|---|---|---|---|---|---|")
    for name, r in report.items():
        note = f" (interrupted at step {r['interrupted_at_step']}, resumed)" if r.get("interrupted_at_step") else ""
        print(f"| {name}{note} | {r['alpha_mae']:.4f} | {r['alpha_mae'] / base - 1:+.1%} | {r['iou']:.3f} | "
              f"{r['train_seconds']:.0f} | {r['seconds']:.0f} |")
    if args.json:
        args.json.write_text(json.dumps({"args": vars(args), "report": report}, indent=1, default=str))


if __name__ == "__main__":
    main()
