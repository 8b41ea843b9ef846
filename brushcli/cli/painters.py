"""``brush painters list | info | pull | push``: what painters exist, how good they are, sharing them."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from brushcli.cli.app import app
from brushcli.cli.console import console, json_option, notes, print_json

#: The --painter help of every command that takes one (the rule is brushcli.painters.registry's).
PAINTER_HELP = ("Painter: a bundled name (pen, dry-brush, ...), a painter folder PATH (or local-dir:PATH), "
                "a NAME in your painters folder, or hf-hub:ORG/REPO[@REV]. A bare NAME is looked up as bundled, "
                "then in your painters folder, then as a folder here (./NAME forces the folder). "
                "`brush painters list` shows them all.")

painters_app = typer.Typer(help="List, inspect, download and publish neural painters.", no_args_is_help=True)
app.add_typer(painters_app, name="painters")


@painters_app.command("list")
def list_command(as_json: bool = json_option()) -> None:
    """Every painter on this machine: bundled, yours, and pulled from the Hub, with where each lives.

    NAME is what --painter takes. Yours are the folders in your painters folder
    ($XDG_DATA_HOME/brush/painters on Linux, printed below): put a painter folder there (or train into
    it with --out) and --painter FOLDERNAME finds it. Hub painters are those `brush painters pull`
    (or --painter hf-hub:...) downloaded into the Hugging Face cache (HF_HOME, HF_HUB_CACHE).
    """
    from brushcli import userdirs
    from brushcli.painters.catalog import catalog
    from brushcli.painters.hub import hub_cache_dir
    from brushcli.painters.registry import DEFAULT_PAINTER

    entries = catalog()
    if as_json:
        print_json({"painters": [_entry_json(entry, entry.reference == DEFAULT_PAINTER) for entry in entries],
                    "painters_folder": userdirs.painters_dir(), "hub_cache": hub_cache_dir()})
        return
    table = Table()
    for column in ("name", "from", "brush", "alpha MAE", "IoU", "folder"):
        table.add_column(column, overflow="fold")  # names and paths are shown whole, wrapped if need be
    for entry in entries:
        cfg = entry.config
        mae = iou = "?"
        if cfg is not None:
            mae = f"{cfg.metrics['alpha_mae']:.4f}" if isinstance(cfg.metrics.get("alpha_mae"), float) else "?"
            iou = f"{cfg.metrics['iou']:.3f}" if isinstance(cfg.metrics.get("iou"), float) else "?"
        brush = cfg.preset.brush if cfg is not None else "-"
        if entry.problem:
            brush = f"{brush} [red](unusable: {escape(entry.problem)})[/red]"
        label = f"{entry.reference} (default)" if entry.reference == DEFAULT_PAINTER else entry.reference
        table.add_row(escape(label), entry.source, brush, mae, iou, escape(str(entry.folder)))
    console.print(table)
    console.print(f"your painters folder: {userdirs.painters_dir()}", highlight=False, soft_wrap=True)
    console.print(f"Hub cache: {hub_cache_dir()}", highlight=False, soft_wrap=True)


def _entry_json(entry, default: bool) -> dict:  # type: ignore[no-untyped-def]
    cfg = entry.config
    return {"name": entry.reference, "source": entry.source, "default": default, "folder": entry.folder,
            "brush": cfg.preset.brush if cfg is not None else None,
            "metrics": dict(cfg.metrics) if cfg is not None else None, "problem": entry.problem}


@painters_app.command("info")
def info_command(
    name: str = typer.Argument(..., help=PAINTER_HELP),
    as_json: bool = json_option(),
) -> None:
    """Everything recorded about one painter: brush, ranges, architecture, recipe, metrics, sha256."""
    from brushcli.painters.folder import WEIGHTS_FILE, sha256_file
    from brushcli.painters.registry import create_painter, resolve_painter_folder

    folder, _ = resolve_painter_folder(name)
    painter = create_painter(name)
    cfg = painter.config
    params = sum(p.numel() for p in painter.parameters())
    if as_json:
        print_json({"folder": folder, "parameters": params, "sha256": sha256_file(folder / WEIGHTS_FILE),
                    "config": cfg.to_dict()})
        return
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
    token: str = typer.Option(None, "--token", help="Hub token for a private or gated repository "
                                                    "(default: HF_TOKEN, else your `hf auth login`)."),
) -> None:
    """Download a painter from the Hugging Face Hub into the local cache and check that it loads.

    Afterwards --painter hf-hub:REPO works, also offline (HF_HUB_OFFLINE=1), and `brush painters
    list` shows it. HF_ENDPOINT, HF_HOME and HF_TOKEN are honoured as by every Hugging Face tool.
    An unreachable Hub fails within seconds.

    Example: brush painters pull someone/charcoal-painter@v1
    """
    from brushcli.painters.folder import load_painter_folder
    from brushcli.painters.hub import download_painter, parse_hub_spec

    ref = parse_hub_spec(spec)
    folder = download_painter(str(ref), token=token)
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
