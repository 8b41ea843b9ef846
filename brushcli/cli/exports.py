"""``--export`` and its options, shared by ``paint``, ``dream`` and ``style``.

Each ``--export PATH`` is checked (format by suffix, options, writable folder) before any work, and
written after the painting from the same :class:`~brushcli.outputs.result.Painting` (the MyPaint
replay is not made twice). With several inputs, ``{name}`` in the path is the painting's name.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from brushcli.batch import NAME
from brushcli.cli.console import console
from brushcli.errors import InvalidArgument
from brushcli.outputs.options import ExportOptions, FrameOptions, parse_frames
from brushcli.outputs.result import Painting
from brushcli.outputs.writers import WRITERS, check_export, export


EXPORT = typer.Option(
    None, "--export", metavar="PATH",
    help="Also write the painting here, format by suffix: " + ", ".join(sorted(WRITERS))
         + "; repeatable. With several inputs put {name} in the path ({name}.ora). Its folder must exist.")
TRANSPARENT = typer.Option(False, "--transparent",
                           help="Exports leave the paper out: PNG/WebP with alpha, SVG without its background, "
                                "OpenRaster with the background layer hidden (time-lapses keep the paper).")
PER_LAYER = typer.Option(None, "--strokes-per-layer",
                         help="OpenRaster: this many strokes per layer (default: one layer per grid level).")
FPS = typer.Option(None, "--fps", help="Time-lapse frames per second (default: up to 30, at least 5 s long).")
FRAMES = typer.Option("auto", "--frames",
                      help="Time-lapse frames: auto (one per stroke up to 20 s), all (one per stroke), or a count.")


def export_options(transparent: bool = False, per_layer: int | None = None, fps: float | None = None,
                   frames: str = "auto") -> ExportOptions:
    """The :class:`ExportOptions` the CLI options ask for (validated: a bad value fails before any work)."""
    options = ExportOptions(transparent=transparent, layers=per_layer,
                            timelapse=FrameOptions(frames=parse_frames(frames), fps=fps))
    options.validate()
    return options


def check_exports(paths: list[Path] | None, options: ExportOptions, names: list[str]) -> list[Path]:
    """Check every ``--export`` for the paintings ``names`` before the work starts; returns the paths."""
    paths = list(paths or [])
    for path in paths:
        if len(names) > 1 and NAME not in str(path):
            raise InvalidArgument(f"--export {path} would be overwritten by each of {len(names)} paintings; "
                                  f"put {NAME} in the path (e.g. out/{NAME}{path.suffix})")
        for name in names[:1] or ["painting"]:
            check_export(_named(path, name), options)
    return paths


def write_exports(painting: Painting, paths: list[Path], options: ExportOptions, name: str,
                  say: Console = console) -> list[Path]:
    """Write ``painting`` to every export path (``{name}`` filled in), say so on ``say``; returns the files."""
    written = []
    for path in paths:
        target = _named(path, name)
        export(painting, target, options)
        say.print(f"wrote {target}", highlight=False)
        written.append(target)
    return written


def _named(path: Path, name: str) -> Path:
    return Path(str(path).replace(NAME, name))
