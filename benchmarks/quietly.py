"""Run a benchmark only on a quiet machine, and say how quiet it stayed.

    python benchmarks/quietly.py [--lock /tmp/brush-cpu.lock] [--max-other 0.15] [--log FILE] -- CMD ...

Takes the shared benchmark lock (the one ``flock /tmp/brush-cpu.lock`` takes), then checks that no
other process uses more than ``--max-other`` cores over 5 s; if something does, it lets the lock go
and tries again a minute later. While CMD runs, every other process's CPU use is sampled each
second; at the end it prints the load average before/after and the largest CPU use of anything
outside CMD's own process tree, so every timing comes with the conditions it was measured in.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_times() -> dict[int, tuple[int, float, str]]:
    """pid -> (parent pid, CPU seconds so far, command name)."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        out[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS, name)
    return out


def descendants(root: int, table: dict[int, tuple[int, float, str]]) -> set[int]:
    mine = {root}
    grew = True
    while grew:
        grew = False
        for pid, (ppid, _, _) in table.items():
            if ppid in mine and pid not in mine:
                mine.add(pid)
                grew = True
    return mine


def others_usage(seconds: float, exclude: set[int]) -> tuple[float, list[str]]:
    """Cores used by processes outside ``exclude`` over ``seconds``, and the busiest of them."""
    before = cpu_times()
    time.sleep(seconds)
    after = cpu_times()
    mine = exclude | descendants(os.getpid(), after)
    used = []
    for pid, (_, t, name) in after.items():
        if pid in mine or pid not in before:
            continue
        delta = (t - before[pid][1]) / seconds
        if delta > 0.01:
            used.append((delta, f"{name}[{pid}] {delta:.2f}"))
    used.sort(reverse=True)
    return sum(d for d, _ in used), [text for _, text in used[:3]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lock", default="/tmp/brush-cpu.lock")
    parser.add_argument("--max-other", type=float, default=0.15, help="cores other processes may use")
    parser.add_argument("--log", type=Path, help="append the conditions here too")
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()
    with open(args.lock, "a") as lock:
        while True:
            fcntl.flock(lock, fcntl.LOCK_EX)
            busy, who = others_usage(5.0, set())
            if busy <= args.max_other:
                break
            fcntl.flock(lock, fcntl.LOCK_UN)
            print(f"# not quiet ({busy:.2f} cores: {', '.join(who)}); waiting", file=sys.stderr, flush=True)
            time.sleep(60)
        load_before = os.getloadavg()
        started = time.perf_counter()
        proc = subprocess.Popen(args.command)
        worst, worst_who, samples = 0.0, [], []
        while proc.poll() is None:
            busy, who = others_usage(1.0, descendants(proc.pid, cpu_times()))
            samples.append(busy)
            if busy > worst:
                worst, worst_who = busy, who
        seconds = time.perf_counter() - started
        load_after = os.getloadavg()
    mean = sum(samples) / len(samples) if samples else 0.0
    report = (f"# conditions: {' '.join(args.command)}: {seconds:.0f} s, exit {proc.returncode}; load before "
              f"{' '.join(f'{x:.2f}' for x in load_before)}, after {' '.join(f'{x:.2f}' for x in load_after)}; "
              f"other processes: mean {mean:.2f} cores, max {worst:.2f} ({', '.join(worst_who) or 'none'})")
    print(report, file=sys.stderr, flush=True)
    if args.log:
        with open(args.log, "a") as fh:
            fh.write(report + "\n")
    sys.exit(proc.returncode)


if __name__ == "__main__":
    main()
