"""Shared rich consoles and progress bars: results on stdout, progress and errors on stderr."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

console = Console()
err_console = Console(stderr=True)


def progress_bar(disable: bool = False) -> Progress:
    """A progress bar on stderr (so stdout stays clean for results)."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=disable,
        transient=False,
    )


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
