"""How many threads a paint level is worth: optimisation seconds at 1..N threads for several budgets.

    flock /tmp/brush-cpu.lock python benchmarks/threads.py [--threads 1,2] [--repeats 3] \
        [--configs 50@512,500@512,1000@512] [--env GOMP_SPINCOUNT=...]

Runs ``brush paint docs/examples/astronaut.jpg --strokes S --size Z --threads T`` (the real CLI, one
process per run) and reads ``optimise_seconds`` (load, optimise, neural render; no MyPaint replay)
from metrics.json. The per-level work (tiles x strokes per tile x 64 x 64 alpha pixels) of each
budget is printed beside it: brushcli.runtime.WORK_PER_THREAD is chosen from where a second thread
starts to pay. Quiet machine only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def level_work(strokes: int, size: int) -> list[int]:
    from brushcli.apps.planner import allocate, group_sizes
    from brushcli.canvas.grid import Level

    out = []
    for budget in allocate(strokes, size, 1.0):
        per_tile = sum(group_sizes(budget.per_tile, budget.level))
        out.append(Level(budget.level, 1.0).count * per_tile * 64 * 64)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--configs", default="50@512,500@512,1000@512", help="STROKES@SIZE,...")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--image", default=str(ROOT / "docs/examples/astronaut.jpg"))
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE added to the environment")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for item in args.env:
        key, _, value = item.partition("=")
        env[key] = value
    print("| strokes @ size | level work (alpha pixels) | threads | optimise s (median) | runs |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="brush-threads-") as tmp:
        for config in args.configs.split(","):
            strokes, size = (int(x) for x in config.split("@"))
            for threads in args.threads.split(","):
                runs = []
                for r in range(args.repeats):
                    out = Path(tmp) / f"{config}-{threads}-{r}"
                    print(f"# {config} threads {threads} run {r + 1}: load {os.getloadavg()}", file=sys.stderr,
                          flush=True)
                    subprocess.run([sys.executable, "-m", "brushcli", "paint", args.image, "--strokes", str(strokes),
                                    "--size", str(size), "--threads", threads, "-o", str(out), "-q"], env=env,
                                   check=True, stdout=subprocess.DEVNULL)
                    metrics = json.loads(next(out.glob("*/metrics.json")).read_text())
                    runs.append(metrics["optimise_seconds"])
                work = ", ".join(f"{w:,}" for w in level_work(strokes, size))
                print(f"| {strokes} @ {size} | {work} | {threads} | {statistics.median(runs):.2f} | "
                      f"{', '.join(f'{v:.2f}' for v in runs)} |", flush=True)


if __name__ == "__main__":
    main()
