"""``brush render``: replay a stroke file in real MyPaint at any resolution."""

from __future__ import annotations

from pathlib import Path

import typer

from brushcli.cli.app import app
from brushcli.cli.console import console
from brushcli.colors import parse_color
from brushcli.mypaint.brushes import resolve_brush
from brushcli.mypaint.render import MAX_SIDE, check_long_side
from brushcli.outputs.replay import replay
from brushcli.outputs.result import Painting
from brushcli.outputs.writers import WRITERS, check_export, export
from brushcli.strokes import load_strokes


@app.command("render")
def render_command(
    strokes_file: Path = typer.Argument(..., help="A stroke file (strokes.json) written by brush."),
    output: Path = typer.Option(..., "-o", "--output",
                                help="File to write; its suffix picks the format: " + ", ".join(sorted(WRITERS))
                                     + " (flat formats hold the MyPaint render, .gif the time-lapse, .json the strokes)."),
    size: int = typer.Option(
        None, "--size", "-s", help=f"Long side in pixels (1..{MAX_SIDE}); default: the plan's own size."
    ),
    brush: str = typer.Option(None, "--brush", "-b", help="Brush name or .myb path instead of the file's."),
    gif: Path = typer.Option(None, "--gif", help="Also write a stroke-by-stroke time-lapse GIF here."),
    background: str = typer.Option(
        None, "--background", help="Background color (white, black, #rrggbb); default: the file's."
    ),
) -> None:
    """Render a stroke file with real MyPaint, at any resolution.

    Coordinates and brush radius scale with the canvas, so the same strokes draw the same picture at
    64 px and at 4096 px; non-square canvases keep their aspect ratio.

    Example: brush render out/photo/strokes.json -o big.png --size 2048 --gif big.gif
    """
    if size is not None:
        check_long_side(size)
    plan = load_strokes(strokes_file)
    check_export(output)
    if gif is not None:
        check_export(gif)
    if brush is not None:
        resolve_brush(brush)
    bg = parse_color(background) if background is not None else None
    timelapse = output.suffix.lower() == ".gif" or gif is not None
    result = replay(plan, long_side=size, brush=brush, background=bg, timelapse=timelapse)
    painting = Painting(strokes=plan).use_replay(result)
    export(painting, output)
    console.print(f"wrote {output} ({result.width}x{result.height}, {len(plan)} strokes)", highlight=False)
    if gif is not None:
        export(painting, gif)
        console.print(f"wrote {gif} ({len(result.frames)} frames)", highlight=False)
