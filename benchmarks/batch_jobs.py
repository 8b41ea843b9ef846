"""brush paint DIR with --jobs 1 and --jobs N, and --shard over N shards: speed, bytes, coverage.

    flock /tmp/brush-cpu.lock python benchmarks/batch_jobs.py [--photos 20] [--size 64] [--strokes 50] \
        [--jobs 2] [--repeats 3]

Writes ``--photos`` real photos (the 10 of benchmarks/photos.py and their mirror images) fitted to
``--size`` px into a folder, then runs the real CLI on it: ``brush paint DIR --jobs 1`` and
``--jobs N`` (wall seconds, median of ``--repeats``; images per hour), checks that both wrote the
same bytes (every file; metrics.json without its wall-clock fields), and that ``--shard I/N`` for
I = 0..N-1 into one folder paints every image exactly once.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from photos import NAMES, load  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TIMES = {"seconds", "optimise_seconds"}


def write_photos(folder: Path, count: int, size: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        name = NAMES[i % len(NAMES)]
        img = load(name)
        if (i // len(NAMES)) % 2:
            img = img[:, ::-1]
        h, w = img.shape[:2]
        scale = size / max(h, w)
        pil = Image.fromarray(np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8))
        pil.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.LANCZOS).save(folder / f"{i:02d}-{name}.png")


def paint(photos: Path, out: Path, args: argparse.Namespace, extra: list[str]) -> float:
    cmd = [sys.executable, "-m", "brushcli", "paint", str(photos), "--size", str(args.size), "--strokes",
           str(args.strokes), "-o", str(out), "--overwrite", "-q", *extra]
    started = time.perf_counter()
    done = subprocess.run(cmd, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{done.stderr}")
    return time.perf_counter() - started


def contents(out: Path) -> dict[str, bytes]:
    found = {}
    for path in sorted(out.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if path.name == "metrics.json":
                data = json.dumps({k: v for k, v in json.loads(data).items() if k not in TIMES}).encode()
            found[str(path.relative_to(out))] = data
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--strokes", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results: dict[str, list[float]] = {"1": [], str(args.jobs): []}
    with tempfile.TemporaryDirectory(prefix="brush-jobs-") as tmp:
        photos = Path(tmp) / "photos"
        write_photos(photos, args.photos, args.size)
        for r in range(args.repeats):
            for jobs in results:
                print(f"# --jobs {jobs} run {r + 1}: load {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
                      file=sys.stderr, flush=True)
                seconds = paint(photos, Path(tmp) / f"jobs{jobs}", args, ["--jobs", jobs])
                results[jobs].append(seconds)
                print(f"--jobs {jobs}: {seconds:.1f} s", file=sys.stderr, flush=True)
        a, b = contents(Path(tmp) / "jobs1"), contents(Path(tmp) / f"jobs{args.jobs}")
        differ = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
        sharded = Path(tmp) / "sharded"
        for index in range(args.jobs):
            paint(photos, sharded, args, ["--shard", f"{index}/{args.jobs}"])
        folders = sorted(p.name for p in sharded.iterdir() if p.is_dir())
        expected = sorted(p.stem for p in photos.iterdir())
    medians = {k: statistics.median(v) for k, v in results.items()}
    print(f"| --jobs | wall seconds (median of {args.repeats}) | runs | images per hour |")
    print("|---|---|---|---|")
    for jobs, values in results.items():
        print(f"| {jobs} | {medians[jobs]:.1f} | {', '.join(f'{v:.1f}' for v in values)} | "
              f"{args.photos / medians[jobs] * 3600:,.0f} |")
    print(f"files compared: {len(a)}; differing: {len(differ)} {differ[:5]}")
    print(f"--shard 0..{args.jobs - 1}/{args.jobs}: {len(folders)} folders for {len(expected)} photos; "
          f"every photo exactly once: {folders == expected}")
    if args.json:
        args.json.write_text(json.dumps({"args": vars(args), "runs": results, "medians": medians, "differing": differ,
                                         "shards_cover_once": folders == expected}, indent=1, default=str))
    if differ or folders != expected:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
