"""The ``brush`` command-line interface: thin Typer commands over the library.

Each command module registers its commands on :data:`brushcli.cli.app.app` (one module per command
group); :mod:`brushcli.cli.app` turns library errors into one line on stderr and a non-zero exit.
"""

from __future__ import annotations

from brushcli.cli import agent, dream, listing, paint, painters, render, style, train_painter  # noqa: F401  (register commands)
from brushcli.cli.app import EXIT_ERROR, app

__all__ = ["EXIT_ERROR", "app", "main"]


def main() -> None:
    """Console-script entry point (also ``python -m brushcli`` and ``torchrun -m brushcli``)."""
    app(prog_name="brush")
