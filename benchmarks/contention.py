"""brush paint on a shared CPU: alone, two started together, and beside a busy loop.

    flock /tmp/brush-cpu.lock python benchmarks/contention.py [--repeats 3] [--code DIR] [--env K=V ...] \
        -- docs/examples/astronaut.jpg --strokes 50

Runs the real CLI (``python -m brushcli paint ARGS -o TMP --overwrite -q``) as a user would and
reports wall seconds (median of ``--repeats``) for: ``alone``; ``pair`` (two identical commands
started at the same moment, the slower one's time); ``busy`` (one command while a ``while True``
Python process keeps one core busy). ``--code`` runs another checkout of brush (e.g. the commit
before issue 18) for comparison; ``--env`` adds environment variables (e.g. OMP_WAIT_POLICY=PASSIVE).
The load average is printed before every run: the numbers mean something only on a quiet machine.
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

ROOT = Path(__file__).resolve().parent.parent


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def command(args: list[str], out: Path, code: Path) -> list[str]:
    # -P: the current directory does not come before PYTHONPATH, so --code really runs that checkout
    return [sys.executable, "-P", "-m", "brushcli", "paint", *args, "-o", str(out), "--overwrite", "-q"]


def run_together(cmds: list[list[str]], env: dict[str, str]) -> list[float]:
    """Start ``cmds`` at the same moment; wall seconds of each."""
    started = time.perf_counter()
    procs = [subprocess.Popen(c, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for c in cmds]
    times = []
    for p in procs:
        _, err = p.communicate()
        if p.returncode != 0:
            raise SystemExit(f"failed: {' '.join(cmds[0])}\n{err.decode()}")
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--code", type=Path, default=ROOT, help="brush checkout to run (default: this one)")
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE added to the environment")
    parser.add_argument("--cases", default="alone,pair,busy")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("paint_args", nargs="+", help="arguments of brush paint (after --)")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(args.code.resolve())}
    for item in args.env:
        key, _, value = item.partition("=")
        env[key] = value
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="brush-contention-") as tmp:
        for case in args.cases.split(","):
            results[case] = []
            for r in range(args.repeats):
                print(f"# {case} run {r + 1}: load {load()}", file=sys.stderr, flush=True)
                outs = [Path(tmp) / f"{case}{r}-{i}" for i in range(2)]
                if case == "alone":
                    seconds = run_together([command(args.paint_args, outs[0], args.code)], env)[0]
                elif case == "pair":
                    seconds = max(run_together([command(args.paint_args, o, args.code) for o in outs], env))
                elif case == "busy":
                    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
                    try:
                        time.sleep(0.5)
                        seconds = run_together([command(args.paint_args, outs[0], args.code)], env)[0]
                    finally:
                        spinner.kill()
                        spinner.wait()
                else:
                    raise SystemExit(f"unknown case {case}")
                results[case].append(seconds)
                print(f"{case}: {seconds:.2f} s", file=sys.stderr, flush=True)
    medians = {case: statistics.median(v) for case, v in results.items()}
    print(f"| case | seconds (median of {args.repeats}) | runs | x alone |")
    print("|---|---|---|---|")
    for case, values in results.items():
        ratio = f"{medians[case] / medians['alone']:.2f}" if "alone" in medians else ""
        print(f"| {case} | {medians[case]:.2f} | {', '.join(f'{v:.2f}' for v in values)} | {ratio} |")
    if args.json:
        args.json.write_text(json.dumps({"args": vars(args) | {"code": str(args.code), "json": str(args.json)},
                                         "runs": results, "medians": medians}, indent=1, default=str))


if __name__ == "__main__":
    main()
