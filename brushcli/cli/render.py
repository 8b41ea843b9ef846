"""``brush render``: replay a stroke file in real MyPaint at any resolution, into any format."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import typer

import brushcli.cli.exports as exports
from brushcli.cli.app import app
from brushcli.cli.console import json_option, notes, print_json
from brushcli.colors import parse_color
from brushcli.mypaint.brushes import resolve_brush
from brushcli.mypaint.render import MAX_SIDE, check_long_side
from brushcli.outputs.result import Painting
from brushcli.outputs.writers import TIMELAPSE, WRITERS, export
from brushcli.strokes import load_strokes


@app.command("render")
def render_command(
    strokes_file: Path = typer.Argument(..., help="A stroke file (strokes.json) written by brush."),
    outputs: list[Path] = typer.Option(
        ..., "-o", "--output", metavar="FILE",
        help="File to write, repeatable; its suffix picks the format: " + ", ".join(sorted(WRITERS))
             + " (.png/.jpg/.webp the MyPaint render, .ora its layers, .svg vector paths, .gif/.mp4/.webm "
               "the time-lapse, .json the strokes)."),
    size: int = typer.Option(
        None, "--size", "-s", help=f"Long side in pixels (1..{MAX_SIDE}); default: the plan's own size."
    ),
    brush: str = typer.Option(None, "--brush", "-b", help="Brush name or .myb path instead of the file's."),
    gif: Path = typer.Option(None, "--gif", help="Also write a time-lapse GIF here (same as another -o FILE.gif)."),
    background: str = typer.Option(
        None, "--background",
        help="Background: a color (white, black, #rrggbb) or transparent (.png, .webp, .ora, .svg; "
             "time-lapses keep the file's paper); default: the file's."),
    per_layer: int = exports.PER_LAYER,
    fps: float = exports.FPS,
    frames: str = exports.FRAMES,
    as_json: bool = json_option(),
) -> None:
    """Render a stroke file with real MyPaint, at any resolution, in the format each file's suffix names.

    Coordinates and brush radius scale with the canvas, so the same strokes draw the same picture at
    64 px and at 4096 px; non-square canvases keep their aspect ratio. Without --size the plan's own
    size is used. Each -o FILE is written to a temporary name and renamed into place, replacing a
    file of that name (naming it is the request, as with cp).

    Examples:
      brush render out/photo/strokes.json -o big.png --size 2048
      brush render out/photo/strokes.json -o photo.ora -o photo.svg -o photo.mp4
      brush render out/photo/strokes.json -o strokes.png --background transparent
    """
    if size is not None:
        check_long_side(size)
    plan = load_strokes(strokes_file)
    transparent = background is not None and background.strip().lower() == "transparent"
    options = exports.export_options(transparent, per_layer, fps, frames)
    targets = [*outputs, *([gif] if gif is not None else [])]
    exports.check_exports(targets, options, [])
    if brush is not None:
        resolve_brush(brush)
        plan = replace(plan, brush=brush)
    if background is not None and not transparent:
        plan = replace(plan, background=parse_color(background))
    if size is not None:  # the plan is relative: the same strokes at another size
        width, height = plan.size_for(size)
        plan = replace(plan, width=width, height=height)
    timelapse = any(p.suffix.lower() in TIMELAPSE for p in targets)
    painting = Painting(strokes=plan, record_timelapse=timelapse)  # renders lazily, each kind once
    say = notes(as_json)
    for target in targets:
        export(painting, target, options)
        say.print(f"wrote {target} ({plan.width}x{plan.height}, {len(plan)} strokes)", highlight=False)
    if as_json:
        print_json({"outputs": targets, "width": plan.width, "height": plan.height, "strokes": len(plan),
                    "brush": plan.brush})
