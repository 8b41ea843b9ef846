"""``brush paint``: reconstruct photos with brushstrokes, one image or whole folders."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

import brushcli.cli.exports as exports
from brushcli.cli.app import app
from brushcli.cli.painters import PAINTER_HELP
from brushcli.cli.console import console, err_console, progress_bar
from brushcli.errors import BrushError

if TYPE_CHECKING:
    from brushcli.outputs.result import Painting


@app.command("paint")
def paint_command(
    images: list[Path] = typer.Argument(None, help="Image files and/or folders (images are found by content)."),
    strokes: int = typer.Option(50, "--strokes", "-n", help="Stroke budget per image."),
    painter: str = typer.Option(None, "--painter", help=PAINTER_HELP + " Default: pen; with --resume, the stroke file's."),
    size: int = typer.Option(None, "--size", "-s", help="Output long side in pixels, MyPaint replays at this size "
                                                        "(default: 512; with --resume, the stroke file's)."),
    steps: int = typer.Option(None, "--steps", help="Optimisation steps (default grows with --strokes)."),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same CPU: same strokes)."),
    device: str = typer.Option("auto", "--device", help="auto, cpu or cuda."),
    out: Path = typer.Option(Path("out"), "--out", "-o", help="Output folder; each image gets OUT/<stem>/."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Redo images whose outputs already exist."),
    resume: Path = typer.Option(None, "--resume", help="Continue optimising the strokes of a strokes.json."),
    real_feedback: bool = typer.Option(
        True, "--real-feedback/--no-real-feedback",
        help="Optimise against real MyPaint alphas (refreshed every 10 steps) with the painter's gradients."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
    agent: str = typer.Option(None, "--agent", help="Paint in one forward pass with a trained agent (folder or bundled name); --strokes and --steps are the agent's own."),
    export_to: list[Path] = exports.EXPORT,
    transparent: bool = exports.TRANSPARENT,
    per_layer: int = exports.PER_LAYER,
    fps: float = exports.FPS,
    frames: str = exports.FRAMES,
) -> None:
    """Paint images with brushstrokes: optimise strokes through a neural painter, replay them in MyPaint.

    Writes OUT/<image stem>/: strokes.json, neural.png, mypaint.png (real MyPaint replay),
    compare.png (target | neural | MyPaint), timelapse.gif and metrics.json. An image whose folder
    holds a finished painting with the same settings is skipped (--overwrite redoes it); a folder
    brush did not write is never touched.

    Examples:
      brush paint photo.jpg --strokes 50
      brush paint photos/ -o out/ --strokes 200 --size 1024
      brush paint --resume out/photo/strokes.json --steps 300
      brush paint digit.png --agent digits --size 256
      brush paint photo.jpg --export photo.ora --export photo.svg --export photo.mp4
    """
    from brushcli.api import DEFAULT_SIZE, paint, resolve_device
    from brushcli.inputs import collect_images, output_name
    from brushcli.apps.paint import PaintSettings, record
    from brushcli.errors import InvalidArgument
    from brushcli.outputs.folder import prepare_folder

    PaintSettings(strokes=strokes, size=size or DEFAULT_SIZE, steps=steps, seed=seed).validate()
    resolve_device(device)
    options = exports.export_options(transparent, per_layer, fps, frames)
    if agent is not None and resume is not None:
        raise InvalidArgument("--agent paints from scratch; to refine an agent's painting use --resume alone")
    if resume is not None:
        if images and len(images) > 1:
            raise InvalidArgument("--resume takes at most one image (the one the strokes were painted from)")
        image = images[0] if images else None
        name = resume.parent.name if resume.name == "strokes.json" else None
        targets = exports.check_exports(export_to, options, [name or resume.stem])
        with progress_bar(disable=quiet) as bar:
            task = bar.add_task("resume", total=None)
            painting = paint(image, painter=painter, size=size, steps=steps, seed=seed, device=device, out=out,
                             resume=resume, real_feedback=real_feedback, name=name,
                             progress=lambda s, t, loss: bar.update(task, completed=s, total=t))
        _report([(painting.folder.name, painting.metrics, None)])
        exports.write_exports(painting, targets, options, painting.folder.name)
        return
    if not images:
        raise InvalidArgument("give at least one image or folder (or --resume strokes.json)")
    from brushcli.painters.registry import DEFAULT_PAINTER, resolve_painter_folder

    painter = painter or DEFAULT_PAINTER
    if agent is not None:  # --agent: fail before any work on a bad agent
        from brushcli.agents.inference import resolve_agent_folder

        resolve_agent_folder(agent)
    else:
        resolve_painter_folder(painter)  # fail before any work on a bad painter name
    files = collect_images(images, exclude=[out])
    if not files:
        raise InvalidArgument("no images found in " + ", ".join(str(i) for i in images))
    targets = exports.check_exports(export_to, options, [f.stem for f in files])
    settings = PaintSettings(strokes=strokes, size=size or DEFAULT_SIZE, steps=steps, seed=seed,
                             real_feedback=real_feedback)
    taken: set[str] = set()
    rows = []
    with progress_bar(disable=quiet) as bar:
        overall = bar.add_task("images", total=len(files)) if len(files) > 1 else None
        for path in files:
            name = output_name(path, taken)
            folder = out / name
            task = bar.add_task(f"{name}", total=None)
            try:
                wanted = record(settings, f"agent:{agent}" if agent else painter, str(path))
                if not prepare_folder(folder, wanted, overwrite):  # refuses a folder brush did not write
                    rows.append((name, None, "skipped (done; --overwrite to redo)"))
                    continue
                if agent is not None:  # --agent: one forward pass of a trained agent, same outputs
                    painting = _paint_with_agent(path, agent, size or DEFAULT_SIZE, device, folder, wanted)
                else:
                    painting = paint(path, strokes=strokes, painter=painter, size=size, steps=steps, seed=seed,
                                     device=device, out=out, name=name, real_feedback=real_feedback,
                                     progress=lambda s, t, loss, task=task: bar.update(
                                         task, completed=s, total=t, description=f"{name} (loss {loss:.4f})"))
                exports.write_exports(painting, targets, options, name)
                rows.append((name, painting.metrics, None))
            except BrushError as exc:
                rows.append((name, None, str(exc)))
                if len(files) == 1:
                    raise
            finally:
                bar.remove_task(task)
                if overall is not None:
                    bar.advance(overall)
    failed = _report(rows)
    if failed:
        err_console.print(f"{failed} of {len(rows)} images failed")
        raise typer.Exit(1)


def _paint_with_agent(path: Path, agent: str, size: int, device: str, folder: Path, settings: dict) -> Painting:
    """Paint one image with an agent and write the usual outputs."""
    import time

    from brushcli.agents.inference import paint_with_agent
    from brushcli.api import resolve_device
    from brushcli.outputs.folder import write_painting

    started = time.perf_counter()
    painting = paint_with_agent(path, agent, size=size, device=resolve_device(device))
    painting.info.update({"agent": agent, "device": resolve_device(device), "source": str(path)})
    return write_painting(painting, folder, settings, started=started)


def _report(rows: list[tuple[str, dict | None, str | None]]) -> int:
    table = Table("image", "strokes", "mse neural", "mse MyPaint", "gap", "seconds", "status")
    failed = 0
    for name, metrics, error in rows:
        if metrics:
            table.add_row(name, str(metrics["strokes"]), f"{metrics['mse_neural']:.4f}",
                          f"{metrics['mse_mypaint']:.4f}", f"{metrics['gap_mse']:.4f}",
                          f"{metrics['seconds']:.1f}", "ok")
        else:
            if error and not error.startswith("skipped"):
                failed += 1
            table.add_row(name, "", "", "", "", "", error or "")
    console.print(table)
    return failed
