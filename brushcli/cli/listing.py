"""``brush brushes`` and ``brush presets``: what can be painted with."""

from __future__ import annotations

import typer
from rich.table import Table

from brushcli.cli.app import app
from brushcli.cli.console import console
from brushcli.mypaint.brushes import brush_dirs, list_brushes
from brushcli.presets import list_presets, load_preset


@app.command("brushes")
def brushes_command(
    contains: str = typer.Argument("", help="Only names containing this text."),
) -> None:
    """List the MyPaint brushes installed on this machine (names usable with --brush)."""
    names = [n for n in list_brushes() if contains.lower() in n.lower()]
    for name in names:
        console.print(name, highlight=False)
    if not names:
        folders = ", ".join(str(d) for d in brush_dirs()) or "none found"
        console.print(f"no brushes match (searched: {folders})")


@app.command("presets")
def presets_command() -> None:
    """List the shipped brush presets and their action ranges."""
    table = Table("preset", "brush", "size (radius / long side)", "pressure", "description")
    for name in list_presets():
        p = load_preset(name)
        table.add_row(
            p.name, p.brush, f"{p.size[0]:g}..{p.size[1]:g}", f"{p.pressure[0]:g}..{p.pressure[1]:g}",
            p.description,
        )
    console.print(table)
