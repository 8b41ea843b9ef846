"""``brush paint``: reconstruct photos with brushstrokes, one image or whole folders."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

import brushcli.cli.exports as exports
from brushcli.cli.app import app
from brushcli.cli.painters import PAINTER_HELP
from brushcli.cli.console import LazyBars, err_console, json_option, notes, print_json, progress_bar
from brushcli.cli.options import device_option, jobs_option, seed_option, shard_option, threads_option


@app.command("paint")
def paint_command(
    images: list[Path] = typer.Argument(None, help="Image files and/or folders. In a folder, files named like images (.png, .jpg, .tif, ...) or "
                                    "recognised as images by content are inputs, other files are ignored."),
    strokes: int = typer.Option(50, "--strokes", "-n", help="Stroke budget per image."),
    painter: str = typer.Option(None, "--painter", help=PAINTER_HELP + " Default: pen; with --resume, the stroke file's."),
    size: int = typer.Option(None, "--size", "-s", help="Output long side in pixels, MyPaint replays at this size "
                                                        "(default: 512; with --resume, the stroke file's)."),
    steps: int = typer.Option(None, "--steps", help="Optimisation steps (default grows with --strokes)."),
    search: int = typer.Option(None, "--search", help="After the gradient steps, sweeps of trial and error scored "
                               "on the real MyPaint replay: each sweep tries 12 small changes of every stroke's shape "
                               "(in turn: moved whole, one point moved, turned, scaled, pressure, all at once), "
                               "each in its best color, and its best color on its own shape, drawn by libmypaint "
                               "(a one-canvas painting, at 512 px up to 60-120 strokes by aspect, at 128 px; a "
                               "painting with tiled levels at the output size). 0 = off; "
                               "default: 4 for one canvas, 3 with tiles (--quality best: 24 and 12)."),
    quality: str = typer.Option("fast", "--quality", help="fast: the default steps and search sweeps (50 strokes "
                                "in under 8 s, 500 strokes at 512 px in under a minute, on 2 cores); best: 2.5x the "
                                "steps and more sweeps (~2.3x the time; 6% closer to the photo at 512 px, 13% at "
                                "64 px, for 50 strokes). --steps and --search override either."),
    seed: int = seed_option(0, help="Random seed (same seed, CPU and --threads: same strokes)."),
    device: str = device_option(),
    threads: str = threads_option(),
    jobs: int = jobs_option(),
    shard: str = shard_option(),
    out: Path = typer.Option(Path("out"), "--out", "-o", help="Output folder; each image gets OUT/<stem>/."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Redo images whose outputs already exist."),
    resume: Path = typer.Option(None, "--resume", help="Continue optimising the strokes of a strokes.json."),
    real_feedback: bool = typer.Option(
        True, "--real-feedback/--no-real-feedback",
        help="Optimise against real MyPaint alphas (refreshed every 10-25 steps) with the painter's gradients."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
    as_json: bool = json_option(),
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

    Folders are walked recursively (hidden entries, OUT and folders brush wrote are not entered). A
    file there is an input if its name ends in an image suffix or Pillow recognises its header;
    other files (notes.txt, README) are ignored. Every input gets a row in the summary: painted,
    skipped, or failed with its reason (also one "failed NAME: reason" line each on stderr). A
    broken input (empty, truncated, not an image, too large) or an unexpected error fails that
    image alone, with --jobs too; the exit code is 1 if any image failed. A file named explicitly is
    always an input. With a single input its error is the command's one error line (exit code 2).

    Examples:
      brush paint photo.jpg --strokes 50
      brush paint photos/ -o out/ --strokes 200 --size 1024
      brush paint photos/ -o out/ --jobs 2 --shard 0/4
      brush paint --resume out/photo/strokes.json --steps 300
      brush paint digit.png --agent digits --size 256
      brush paint photo.jpg --export photo.ora --export photo.svg --export photo.mp4
      brush paint photos/ --json -q > results.json
    """
    from brushcli.api import DEFAULT_SIZE, paint
    from brushcli.apps.paint import PaintSettings, given
    from brushcli.batch import SKIPPED, BatchRow, PaintJob, paint_batch, plan_batch
    from brushcli.distributed import resolve_shard
    from brushcli.errors import InvalidArgument
    from brushcli.inputs import collect_images
    from brushcli.runtime import parse_threads, resolve_device, thread_budget

    PaintSettings(strokes=strokes, size=size or DEFAULT_SIZE, steps=steps, seed=seed,
                  **given(search=search, quality=quality)).validate()
    device = resolve_device(device)
    fixed_threads = parse_threads(threads)
    if jobs < 1:
        raise InvalidArgument(f"--jobs must be a positive number, got {jobs}")
    part = resolve_shard(shard)
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
            bars = LazyBars(bar)
            painting = paint(image, painter=painter, size=size, steps=steps, search=search, quality=quality,
                             seed=seed, device=device, out=out, resume=resume, real_feedback=real_feedback,
                             threads=fixed_threads, name=name,
                             progress=lambda s, t, loss: bars.update("resume", "resume", s, t))
        _report([(painting.folder.name, painting.metrics, None)], notes(as_json))
        written = exports.write_exports(painting, targets, options, painting.folder.name, notes(as_json))
        if as_json:
            print_json([_row_json(painting.folder.name, painting.folder, painting.metrics, None, written)])
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
    items = plan_batch(files, out, part)
    targets = exports.check_exports(export_to, options, [item.name for item in items])
    if part is not None:
        err_console.print(f"shard {part} ({part.source}): {len(items)} of {len(files)} images")
        if not items:
            if as_json:
                print_json([])
            return
    job = PaintJob(strokes=strokes, painter=painter, size=size or DEFAULT_SIZE, steps=steps, search=search,
                   quality=quality, seed=seed, device=device,
                   real_feedback=real_feedback, agent=agent, threads=fixed_threads, cores=thread_budget(threads),
                   exports=tuple(targets), export_options=options)
    if jobs > 1 and len(items) > 1 and jobs * job.threads_per_image() > (job.cores or 1):
        err_console.print(f"note: images of this size paint with up to {job.threads_per_image()} threads each; "
                          f"--jobs {jobs} runs more threads than the {job.cores} cores (it works, but fewer jobs "
                          "may be as fast)")
    with progress_bar(disable=quiet) as bar:
        rows = paint_batch(items, job, jobs=jobs, overwrite=overwrite, events=_bar_events(bar, len(items)))
    say = notes(as_json)
    # the table names the image, so its status drops the path the reason starts with (stderr keeps it)
    failed = _report([(row.name, row.metrics, row.error and row.error.removeprefix(f"{item.path}: "))
                      for item, row in zip(items, rows)], say)

    def exported(row: BatchRow) -> list[Path]:  # painted now, or finished before (exports from its strokes)
        return job.export_paths(row.name) if row.metrics is not None or row.error == SKIPPED else []

    for row in rows:
        for target in exported(row):
            say.print(f"wrote {target}", highlight=False)
        if row.failed:
            err_console.print(f"failed {row.name}: {escape(row.error or '')}", highlight=False, soft_wrap=True)
    if as_json:
        print_json([_row_json(row.name, out / row.name, row.metrics, row.error, exported(row)) for row in rows])
    if failed:
        err_console.print(f"{failed} of {len(rows)} images failed")
        raise typer.Exit(1)


def _bar_events(bar, count: int):  # type: ignore[no-untyped-def]
    """Progress bars following a batch: one overall, one per image being painted, each shown from its
    first update (a batch refused before any image started shows none)."""
    from brushcli.batch import BatchEvents

    bars, overall = LazyBars(bar), ("all images",)  # a key no image name can be

    def step(name: str, done: int, total: int, loss: float) -> None:
        if count > 1:
            bars.update(overall, "images", total=count)
        bars.update(name, f"{name} (loss {loss:.4f})", done, total)

    def finished(row) -> None:  # type: ignore[no-untyped-def]
        bars.remove(row.name)
        if count > 1:
            bars.update(overall, "images", total=count, advance=1)

    return BatchEvents(step=step, finished=finished)


def _row_json(name: str, folder: Path, metrics: dict | None, error: str | None, written: list[Path]) -> dict:
    """One image in ``--json``: its status (painted, skipped or failed), folder, metrics, exports."""
    from brushcli.batch import SKIPPED

    status = "painted" if metrics is not None else "skipped" if error == SKIPPED else "failed"
    return {"name": name, "status": status, "folder": folder, "error": None if status == "painted" else error,
            "metrics": metrics, "exports": written}


def _report(rows: list[tuple[str, dict | None, str | None]], say: Console) -> int:
    table = Table("image", "strokes", "mse neural", "mse MyPaint", "gap", "seconds", "status")
    failed = 0
    for name, metrics, error in rows:
        if metrics:
            table.add_row(escape(name), str(metrics["strokes"]), f"{metrics['mse_neural']:.4f}",
                          f"{metrics['mse_mypaint']:.4f}", f"{metrics['gap_mse']:.4f}",
                          f"{metrics['seconds']:.1f}", "ok")
        else:
            if error and not error.startswith("skipped"):
                failed += 1
            table.add_row(escape(name), "", "", "", "", "", escape(error or ""))
    say.print(table)
    return failed
