"""``brush style``: intrinsic style transfer, the brush alone dictating the style."""

from __future__ import annotations

import time
from pathlib import Path

import typer

import brushcli.cli.exports as exports
from brushcli.cli.app import app
from brushcli.cli.painters import PAINTER_HELP
from brushcli.cli.console import LazyBars, json_option, notes, print_json, progress_bar
from brushcli.cli.options import command_threads, device_option, seed_option, threads_option


@app.command("style")
def style_command(
    image: Path = typer.Argument(..., help="The photo whose content to paint."),
    size: int = typer.Option(1024, "--size", "-s", help="Output long side in px (128..4096)."),
    net: str = typer.Option("efficientnet-lite0", "--net",
                            help="Feature network: efficientnet-lite0 (offline, the default), or a torchvision net "
                                 "downloaded on first use (vgg16, vgg19, resnet50, ...)."),
    layers: str = typer.Option(None, "--layers", help="Comma-separated content layers (default: _blocks.5 for "
                                                      "EfficientNet-Lite0, conv4_2 for VGG, layer2 for ResNet-50)."),
    density: int = typer.Option(8, "--density", help="Strokes per 32x32-px cell of the output (stroke count follows --size)."),
    palette: str = typer.Option(None, "--palette", help="gray, N (colors taken from the image), or #hex,#hex,..."),
    steps: int = typer.Option(None, "--steps", help="Optimisation steps (default 200 up to 512 px, where one "
                                                    "window covers the painting, up to 300 for larger ones)."),
    window: int = typer.Option(512, "--window", help="Content loss window in px (bounds memory; multiple of 32)."),
    painter: str = typer.Option("pen", "--painter", help=PAINTER_HELP),
    weights: str = typer.Option(None, "--weights", help="Local weights for the net: a safetensors file (never a pickle)."),
    seed: int = seed_option(0, help="Random seed."),
    device: str = device_option(),
    threads: str = threads_option(),
    out: Path = typer.Option(Path("out"), "--out", "-o", help="Output folder; writes OUT/<stem>/."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Redo the painting if its outputs already exist."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    as_json: bool = json_option(),
    export_to: list[Path] = exports.EXPORT,
    transparent: bool = exports.TRANSPARENT,
    per_layer: int = exports.PER_LAYER,
    fps: float = exports.FPS,
    frames: str = exports.FRAMES,
) -> None:
    """Paint a photo by matching only its content features: the brush dictates the style.

    Strokes are stitched from overlapping 64-px painter canvases, so any size up to 4096 px works;
    the MyPaint replay is rendered at full size. Writes OUT/<stem>/ with strokes.json, neural.png,
    mypaint.png, compare.png, timelapse.gif and metrics.json (content loss, seam ratio, strokes, seconds).

    Examples:
      brush style photo.jpg --size 1024
      brush style photo.jpg --size 512 --palette gray --painter dry-brush
      brush style photo.jpg --palette 6 --net vgg16
      brush style photo.jpg --size 512 --net efficientnet-lite0 --export photo.svg --export photo.ora
    """
    from brushcli.api import resolve_device
    from brushcli.apps.style import StyleSettings, default_objective, record, style
    from brushcli.canvas.palette import parse_palette
    from brushcli.images import load_image
    from brushcli.outputs.folder import prepare_folder, write_painting
    from brushcli.painters.registry import create_painter, resolve_painter_folder
    from brushcli.vision.nets import NetEnsemble, resolve_net_name

    started = time.perf_counter()
    settings = StyleSettings(size=size, density=density, steps=steps, window=window, seed=seed,
                             device=resolve_device(device))
    settings.validate()
    options = exports.export_options(transparent, per_layer, fps, frames)
    targets = exports.check_exports(export_to, options, [image.stem])
    net_name = resolve_net_name(net)
    chosen_layers = [x.strip() for x in layers.split(",") if x.strip()] if layers else None
    objective = default_objective(net_name, chosen_layers)
    resolve_painter_folder(painter)
    target = load_image(image, max_side=settings.size)
    pal = parse_palette(palette, target, seed)
    folder = out / image.stem
    wanted = record(settings, painter, str(image), str(objective), palette)
    say = notes(as_json)
    if not prepare_folder(folder, wanted, overwrite):
        say.print(f"{folder} is done with these settings; --overwrite to redo", highlight=False)
        if as_json:
            print_json({"name": folder.name, "status": "skipped", "folder": folder, "metrics": None, "exports": []})
        return
    model = create_painter(painter, device=settings.device)
    nets = NetEnsemble.create([net_name], settings.device, {net_name: weights} if weights else None)
    with command_threads(threads), progress_bar(disable=quiet) as bar:
        bars = LazyBars(bar)
        painting = style(target, model, nets, settings, pal, source=str(image), objective=objective,
                         progress=lambda s, t, loss: bars.update("style", f"style (loss {loss:.3f})", s, t))
    painting.info.update({"net": net_name, "layers": chosen_layers, "painter": painter, "palette": palette or "free"})
    write_painting(painting, folder, wanted, started=started)
    written = exports.write_exports(painting, targets, options, folder.name, say)
    m = painting.metrics
    say.print(f"wrote {folder}: {m['strokes']} strokes, seam ratio {m['seam_ratio']:.2f}, "
              f"gap {m['gap_mse']:.4f}, {m['seconds']:.0f} s", highlight=False)
    if as_json:
        print_json({"name": folder.name, "status": "painted", "folder": folder, "metrics": m, "exports": written})
