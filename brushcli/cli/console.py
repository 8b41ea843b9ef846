"""Shared rich consoles and progress bars: results on stdout, progress and errors on stderr.

With ``--json`` a command prints one JSON document on stdout and nothing else there: its tables and
notes go to stderr (:func:`notes`), so ``brush paint x.jpg --json | jq`` always parses.
"""

from __future__ import annotations

import contextlib
import json
import math
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import typer

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

console = Console()
err_console = Console(stderr=True)

JSON_HELP = "Print the results as one JSON document on stdout (tables, notes and progress go to stderr)."


def json_option() -> Any:
    return typer.Option(False, "--json", help=JSON_HELP)


def notes(as_json: bool) -> Console:
    """Where a command's human-readable output goes: stdout normally, stderr under ``--json``."""
    return err_console if as_json else console


def print_json(data: Any) -> None:
    """``data`` as JSON on stdout (paths as strings; NaN and infinities as null, which JSON lacks)."""
    sys.stdout.write(json.dumps(_plain(data), indent=2, allow_nan=False) + "\n")
    sys.stdout.flush()


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "item"):  # numpy and torch scalars
        return _plain(value.item())
    return str(value)


class _LiveOnFirstTask(Progress):
    """A :class:`Progress` whose display starts with its first task: a command refused before any
    work prints its one-line error alone, without the blank line an empty display leaves."""

    def __enter__(self) -> "_LiveOnFirstTask":
        return self

    def add_task(self, *args: Any, **kwargs: Any) -> Any:
        if not self.live.is_started and not self.disable:
            self.start()
        return super().add_task(*args, **kwargs)

    def stop(self) -> None:
        if self.live.is_started:
            super().stop()


def progress_bar(disable: bool = False) -> Progress:
    """A progress bar on stderr (so stdout stays clean for results), shown from its first task on."""
    return _LiveOnFirstTask(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=disable,
        transient=False,
    )


class LazyBars:
    """Bars on ``bar``, one per key, each added on its first :meth:`update`.

    Why lazily: a bar appears only once its work has started, so an input refused before that (an
    unreadable photo, an unknown brush) prints its one-line error with no empty bar above it.
    """

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.tasks: dict[object, Any] = {}

    def update(self, key: object, description: str, completed: float | None = None, total: float | None = None,
               advance: float | None = None) -> None:
        if key not in self.tasks:
            self.tasks[key] = self.bar.add_task(description, total=total)
        self.bar.update(self.tasks[key], completed=completed, total=total, advance=advance, description=description)

    def remove(self, key: object) -> None:
        if key in self.tasks:
            self.bar.remove_task(self.tasks.pop(key))


@contextlib.contextmanager
def graceful_stop(message: str = "interrupted: saving a checkpoint (Ctrl-C again to abort)"
                  ) -> Iterator[Callable[[], bool]]:
    """Within the block, the first Ctrl-C (or SIGTERM: ``kill``, Slurm's ``scancel``, torchrun passing
    on a Ctrl-C) only sets a flag, polled through the yielded function, so long work can checkpoint
    and stop cleanly; a second Ctrl-C aborts at once."""
    stopping = False

    def interrupt(signum: int, _frame: object) -> None:
        nonlocal stopping
        if stopping:
            if signum == signal.SIGINT:
                raise KeyboardInterrupt
            return
        stopping = True
        err_console.print(message)

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield lambda: stopping
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def training_finished(stopped: bool, main: bool, done_before: bool, out: Path, what: str) -> bool:
    """Say how a training command ended; True when it wrote a new model this process should report.

    Interrupted: the checkpoint is kept and the command exits 130 (every process). Only the main
    process of a torchrun group speaks. A folder that already holds this model is left as it is.
    """
    if stopped:
        if main:
            console.print(f"stopped; checkpoint in {out}/checkpoint — run the same command to resume")
        raise typer.Exit(130)
    if not main:
        return False
    if done_before:
        console.print(f"{out} already holds this {what}, trained with these settings; --overwrite to retrain",
                      highlight=False, soft_wrap=True)
        return False
    return True
