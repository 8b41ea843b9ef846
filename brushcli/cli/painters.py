"""``brush painters list | info | pull | push``: what painters exist, how good they are, sharing them."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from brushcli.cli.app import app
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
def info_command(
    name: str = typer.Argument(..., help="Bundled name, local-dir:PATH or hf-hub:ORG/REPO[@REVISION]."),
) -> None:
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


@painters_app.command("pull")
def pull_command(
    spec: str = typer.Argument(..., metavar="REPO[@REVISION]",
                               help="Hub repository ORG/REPO, optionally @branch, tag or commit."),
) -> None:
    """Download a painter from the Hugging Face Hub into the local cache and check that it loads.

    Afterwards --painter hf-hub:REPO works, also offline (HF_HUB_OFFLINE=1). HF_ENDPOINT, HF_HOME
    and HF_TOKEN are honoured as by every Hugging Face tool.

    Example: brush painters pull someone/charcoal-painter@v1
    """
    from brushcli.painters.folder import load_painter_folder
    from brushcli.painters.hub import download_painter, parse_hub_spec

    ref = parse_hub_spec(spec)
    folder = download_painter(str(ref))
    cfg = load_painter_folder(folder).config
    console.print(f"pulled painter {cfg.name!r} (brush {cfg.preset.brush}, commit {folder.name[:12]}) "
                  f"into {folder}", highlight=False, soft_wrap=True)
    console.print(f"use it with: brush paint photo.jpg --painter hf-hub:{ref}",
                  highlight=False, soft_wrap=True)


@painters_app.command("push")
def push_command(
    folder: Path = typer.Argument(..., metavar="DIR",
                                  help="Painter folder with config.json and model.safetensors "
                                       "(what train-painter writes)."),
    repo: str = typer.Argument(..., metavar="REPO",
                               help="Hub repository ORG/REPO (or ORG/REPO@BRANCH); created if missing."),
    private: bool = typer.Option(False, "--private", help="Create the repository as private."),
    token: str = typer.Option(None, "--token", help="Hub token with write access "
                                                    "(default: HF_TOKEN, else your `hf auth login`)."),
    revision: str = typer.Option(None, "--revision",
                                 help="Branch to commit to (default main; created if missing)."),
) -> None:
    """Publish a painter folder to the Hugging Face Hub so others can use --painter hf-hub:REPO.

    Uploads config.json (recording the repo as its hub_id; your folder is not changed),
    model.safetensors, and README.md and samples.png if present. The training checkpoint stays local.

    Example: brush painters push painters/charcoal someone/charcoal-painter
    """
    from brushcli.painters.hub import parse_hub_spec, push_painter

    url = push_painter(folder, repo, token=token, private=private, revision=revision)
    ref = parse_hub_spec(repo)
    console.print(f"pushed {folder} to {ref.repo_id}: {url}", highlight=False, soft_wrap=True)
    branch = revision or ref.revision
    console.print(f"use it with: brush paint photo.jpg --painter hf-hub:{ref.repo_id}"
                  + (f"@{branch}" if branch else ""), highlight=False, soft_wrap=True)
