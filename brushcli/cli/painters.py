"""``brush painters list | info``: what painters exist and how good they are."""

from __future__ import annotations

import typer
from rich.table import Table

from brushcli.cli import app
from brushcli.cli.console import console

painters_app = typer.Typer(help="List, inspect, download and publish neural painters.", no_args_is_help=True)
app.add_typer(painters_app, name="painters")


@painters_app.command("list")
def list_command() -> None:
    """The bundled painters with their brush and measured fidelity."""
    from brushcli.painters.config import PainterConfig
    from brushcli.painters.registry import BUNDLED, DEFAULT_PAINTER, weights_dir

    table = Table("name", "brush", "alpha MAE", "IoU", "description")
    for name, entry in sorted(BUNDLED.items()):
        cfg_path = weights_dir() / entry.folder / "config.json"
        mae = iou = "?"
        if cfg_path.is_file():
            cfg = PainterConfig.load(cfg_path)
            mae = f"{cfg.metrics.get('alpha_mae', float('nan')):.4f}"
            iou = f"{cfg.metrics.get('iou', float('nan')):.3f}"
            brush = cfg.preset.brush
        else:
            brush = "(missing)"
        label = f"{name} (default)" if name == DEFAULT_PAINTER else name
        table.add_row(label, brush, mae, iou, entry.description)
    console.print(table)


@painters_app.command("info")
def info_command(name: str = typer.Argument(..., help="Bundled name, local-dir:PATH or hf-hub:ORG/REPO.")) -> None:
    """Everything recorded about one painter: brush, ranges, architecture, recipe, metrics, sha256."""
    from brushcli.painters.folder import WEIGHTS_FILE, sha256_file
    from brushcli.painters.registry import create_painter, resolve_painter_folder

    folder, _ = resolve_painter_folder(name)
    painter = create_painter(name)
    cfg = painter.config
    params = sum(p.numel() for p in painter.parameters())
    table = Table(show_header=False)
    for key, value in [
        ("name", cfg.name), ("folder", str(folder)), ("brush", cfg.preset.brush), ("preset", cfg.preset.name),
        ("size range", f"{cfg.preset.size[0]:g}..{cfg.preset.size[1]:g} (radius / long side)"),
        ("pressure range", f"{cfg.preset.pressure[0]:g}..{cfg.preset.pressure[1]:g}"),
        ("architecture", f"{cfg.arch} {cfg.arch_args or ''}"), ("parameters", f"{params:,}"),
        ("method", cfg.method), ("metrics", ", ".join(f"{k}={v:.4g}" for k, v in cfg.metrics.items()
                                                       if isinstance(v, (int, float)))),
        ("recipe", cfg.training.get("command", "")), ("sha256", sha256_file(folder / WEIGHTS_FILE)),
    ]:
        table.add_row(key, str(value))
    console.print(table)
