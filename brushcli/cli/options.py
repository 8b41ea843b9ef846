"""Options shared by every command that computes: ``--device``, ``--threads`` and ``--seed`` (and paint's ``--jobs``, ``--shard``).

One definition each, so the help text, the environment variable and the parsing are the same
everywhere; the policies behind them live in :mod:`brushcli.runtime` and :mod:`brushcli.distributed`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import typer

DEVICE_HELP = "auto (a CUDA GPU, else an Apple GPU, else the CPU), cpu, cuda, cuda:N or mps."
THREADS_HELP = ("CPU threads: a number, or auto (from the work and the cores this command may use: CPU affinity, "
                "cgroup quota, OMP_NUM_THREADS). Also $BRUSH_THREADS.")


def device_option() -> Any:
    return typer.Option("auto", "--device", help=DEVICE_HELP)


def threads_option() -> Any:
    return typer.Option("auto", "--threads", envvar="BRUSH_THREADS", help=THREADS_HELP)


#: Largest ``--seed``: every random generator brush seeds (torch's, numpy's) takes 0..2^32-1, and a
#: negative or larger seed would fail deep inside one of them instead of as a usage error.
MAX_SEED = 2**32 - 1


def seed_option(default: int, help: str) -> Any:
    return typer.Option(default, "--seed", min=0, max=MAX_SEED, help=help)


def jobs_option() -> Any:
    return typer.Option(1, "--jobs", "-j", help="Images painted at once, each in its own worker process "
                                                "(same outputs as --jobs 1).")


def shard_option() -> Any:
    return typer.Option("auto", "--shard", help="Paint part I/N of the input list (counted from 0) and leave the rest "
                                                "to other machines; auto reads torchrun's RANK/WORLD_SIZE or a Slurm "
                                                "array's task; none paints all.")


@contextlib.contextmanager
def command_threads(threads: str | None) -> Iterator[int]:
    """Run a command's work with ``--threads`` threads, or auto: its cores, shared with the other
    processes torchrun started on this machine (``LOCAL_WORLD_SIZE``)."""
    from brushcli.distributed import ProcessGroup
    from brushcli.runtime import parse_threads, usable_cores, use_threads

    count = parse_threads(threads)
    if count is None:
        count = max(1, usable_cores() // max(1, ProcessGroup.from_env().local_world))
    with use_threads(count):
        yield count
