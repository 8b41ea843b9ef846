"""``brush train-painter`` and ``brush eval-painter``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer
from rich.table import Table

from brushcli.cli.app import app
from brushcli.cli.painters import PAINTER_HELP
from brushcli.cli.console import (
    LazyBars, console, graceful_stop, json_option, notes, print_json, progress_bar, training_finished,
)
from brushcli.errors import OutputError
from brushcli.cli.options import command_threads, device_option, seed_option, threads_option
from brushcli.files import check_output_file, write_json, write_png


@app.command("train-painter")
def train_painter_command(
    brush: str = typer.Option(None, "--brush", "-b", help="MyPaint brush name (classic/charcoal) or .myb path."),
    preset: str = typer.Option(None, "--preset", "-p", help="Preset giving the action ranges (see `brush presets`)."),
    out: Path = typer.Option(None, "--out", "-o", help="Painter folder to write (resumes if it holds a checkpoint). "
                                                         "Default: the painter's name (--name, else the brush's or "
                                                         "preset's; my-NAME if a bundled painter is called NAME) "
                                                         "in your painters folder, where --painter NAME finds it: "
                                                         "~/.local/share/brush/painters/NAME on Linux."),
    method: str = typer.Option("regression", "--method", "-m", help="regression (best measured fidelity), vae or gan."),
    samples: int = typer.Option(100_000, "--samples", help="Real MyPaint strokes to render for training."),
    steps: int = typer.Option(20_000, "--steps", help="Optimisation steps."),
    batch: int = typer.Option(128, "--batch", help="Strokes per step."),
    lr: float = typer.Option(3e-3, "--lr", help="Peak learning rate (warm-up, then cosine decay)."),
    seed: int = seed_option(0, help="Seed for data and training."),
    name: str = typer.Option(None, "--name", help="Painter name recorded in config.json (default: the preset's)."),
    arch_args: str = typer.Option(None, "--arch-args", help='Architecture arguments as JSON, e.g. \'{"hidden": 96}\'.'),
    eval_samples: int = typer.Option(2000, "--eval-samples", help="Held-out strokes for the final fidelity report."),
    workers: int = typer.Option(None, "--workers", help="Rendering processes (default: all cores, shared by the "
                                                         "training processes of one machine)."),
    device: str = device_option(),
    threads: str = threads_option(),
    overwrite: bool = typer.Option(False, "--overwrite", help="Train from scratch: replace the painter in OUT and "
                                                              "discard its checkpoint instead of resuming it."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
) -> None:
    """Turn any MyPaint brush into a neural painter: render strokes, train, measure, save.

    Writes OUT/config.json, OUT/model.safetensors, OUT/README.md (model card) and OUT/samples.png;
    without --out, OUT is the painter's name in your painters folder (my-NAME if a bundled painter is
    called NAME), so --painter NAME finds it.
    Checkpoints go to OUT/checkpoint every 500 steps; run the same command again to resume (Ctrl-C
    saves one; the painter files are only written when training finishes). An OUT holding this
    painter trained with the same settings is left as it is; --overwrite retrains it.
    Under torchrun it trains data-parallel: each process renders and learns from its own shards
    of the strokes, --batch is split over the processes, rank 0 writes.

    Examples:
      brush train-painter --brush classic/charcoal      (then: brush paint photo.jpg --painter my-charcoal)
      brush train-painter --brush classic/charcoal --out painters/charcoal
      torchrun --nproc_per_node 2 -m brushcli train-painter --brush classic/charcoal --out painters/charcoal
    """
    from brushcli.distributed import ProcessGroup
    from brushcli.errors import InvalidArgument
    from brushcli.painters.pipeline import train_painter
    from brushcli.painters.train import TrainSettings
    from brushcli.runtime import resolve_device

    settings = TrainSettings(steps=steps, batch=batch, lr=lr, seed=seed)
    settings.validate()
    if samples < 1:
        raise InvalidArgument(f"--samples must be a positive number of strokes, got {samples}")
    if eval_samples < 1:
        raise InvalidArgument(f"--eval-samples must be positive, got {eval_samples}")
    extra = _parse_arch_args(arch_args)
    group = ProcessGroup.from_env()
    device = resolve_device(device)
    try:
        device = group.start(device)
        with command_threads(threads), graceful_stop() as stopped, \
                progress_bar(disable=quiet or not group.main) as bar:
            bars, shard = LazyBars(bar), -(-samples // group.world)  # bars appear once the inputs are accepted
            report = train_painter(
                brush=brush, preset=preset, out=out, method=method, samples=samples, settings=settings, name=name,
                arch_args=extra,
                eval_samples=eval_samples, workers=workers,
                data_progress=lambda n: bars.update("data", "render strokes", total=shard, advance=n),
                train_progress=lambda step, losses: bars.update(
                    "train", f"train (loss {losses.get('loss', 0):.4f})", step, steps),
                should_stop=stopped, device=device, group=group, overwrite=overwrite,
            )
    finally:
        group.close()
    if not training_finished(report.stopped, group.main, report.done_before, report.folder, "painter"):
        return
    f = report.fidelity
    console.print(f"wrote painter {report.folder}: alpha MAE {f.alpha_mae:.4f}, footprint IoU {f.iou:.3f} "
                  f"on {f.samples} held-out strokes", highlight=False)
    from brushcli.painters.registry import painter_reference

    console.print(f"use it with: brush paint photo.jpg --painter {painter_reference(report.folder)}",
                  highlight=False, soft_wrap=True)


def _parse_arch_args(text: str | None) -> dict:
    from brushcli.errors import InvalidArgument
    from brushcli.safejson import parse_json

    if not text:
        return {}
    value = parse_json(text, "--arch-args", InvalidArgument)
    if not isinstance(value, dict):
        raise InvalidArgument("--arch-args must be a JSON object, e.g. '{\"hidden\": 96}'")
    return value


@app.command("eval-painter")
def eval_painter_command(
    name: str = typer.Argument(..., help=PAINTER_HELP),
    samples: int = typer.Option(2000, "--samples", help="Held-out random actions to compare."),
    seed: int = seed_option(12345, help="Seed of the held-out actions."),
    grid: Path = typer.Option(None, "--grid", help="Write a MyPaint | neural | difference grid PNG here."),
    report: Path = typer.Option(None, "--report", metavar="FILE", help="Also write the numbers as JSON to FILE."),
    as_json: bool = json_option(),
    worst: int = typer.Option(8, "--worst", help="How many worst strokes to list."),
    device: str = device_option(),
    threads: str = threads_option(),
) -> None:
    """Compare a painter with real MyPaint on held-out random strokes.

    Reports alpha mean absolute error, footprint IoU (alpha > 0.1) and the worst strokes.

    --grid and --report files are written to a temporary name and renamed into place, replacing a
    file of that name.

    Examples:
      brush eval-painter pen --grid pen-grid.png
      brush eval-painter pen --samples 200 --json
    """
    from brushcli.errors import InvalidArgument
    from brushcli.painters.evaluate import comparison_grid, evaluate_painter, fidelity
    from brushcli.painters.registry import create_painter
    from brushcli.runtime import resolve_device

    if samples < 1:
        raise InvalidArgument(f"--samples must be positive, got {samples}")
    if worst < 0:
        raise InvalidArgument(f"--worst must be 0 or more strokes, got {worst}")
    if grid is not None and grid.suffix.lower() != ".png":
        raise OutputError(f"--grid writes a PNG image; give a .png path, not {grid.name}")
    for path in (grid, report):
        if path is not None:
            check_output_file(path)
    painter = create_painter(name, device=resolve_device(device))
    with command_threads(threads):
        result, actions, target, pred = evaluate_painter(painter, samples, seed)
    result = fidelity(pred, target, actions, worst=worst)
    table = Table("painter", "strokes", "alpha MAE (mean / median)", "footprint IoU (mean / median)")
    table.add_row(name, str(result.samples), f"{result.alpha_mae:.4f} / {result.alpha_mae_median:.4f}",
                  f"{result.iou:.3f} / {result.iou_median:.3f}")
    say = notes(as_json)
    say.print(table)
    worst_table = Table("stroke", "alpha MAE", "IoU", "action")
    for w in result.worst:
        worst_table.add_row(str(w["index"]), f"{w['alpha_mae']:.4f}", f"{w['iou']:.3f}", str(w["action"]))
    say.print(worst_table)
    if grid is not None:
        order = [w["index"] for w in result.worst] + list(range(min(8, samples)))
        image = comparison_grid(target, pred, order)
        write_png(grid, np.repeat(image[..., None], 3, axis=2))
        say.print(f"wrote {grid} (worst strokes first)")
    numbers = {"painter": name, **result.to_dict()}
    if report is not None:
        write_json(report, numbers)
        say.print(f"wrote {report}")
    if as_json:
        print_json(numbers)
