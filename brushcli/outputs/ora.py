"""OpenRaster (``.ora``): the painting as layers MyPaint, Krita and GIMP open and keep working on.

The file is a ZIP (OpenRaster 0.0.5): ``mimetype`` first and stored uncompressed, ``stack.xml`` (the
layer stack, topmost first), one PNG per layer under ``data/``, ``mergedimage.png`` (the flattened
picture at full size) and ``Thumbnails/thumbnail.png`` (at most 256 px). Layers are the paper
(background color) and the strokes: one layer per grid level of the painting's plan
(``meta.plan`` in the stroke file), or ``ExportOptions.layers`` strokes per layer. Each stroke layer
is a real MyPaint render of its strokes on a transparent canvas, cropped to what they cover; the
merged image is those layers composited, so a reader that flattens the file gets it back.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from brushcli.files import atomic_path, to_uint8
from brushcli.mypaint.render import render_canvas
from brushcli.outputs.options import ExportOptions
from brushcli.outputs.result import Painting, straight_rgba
from brushcli.strokes import COLOR, SHAPE, StrokeList

MIMETYPE = b"image/openraster"
THUMBNAIL_SIDE = 256


@dataclass(frozen=True)
class LayerSpec:
    """A stroke layer: its name and the strokes ``start:stop`` (in painting order) it holds."""

    name: str
    start: int
    stop: int


def stroke_layers(strokes: StrokeList, per_layer: int | None = None) -> list[LayerSpec]:
    """How the strokes are split into layers, bottom first.

    ``per_layer`` strokes each if given; else one layer per grid level of ``meta.plan`` (consecutive
    groups on the same level paint as one stack, so they share a layer); a file without a plan that
    matches its strokes gets one layer.
    """
    n = len(strokes)
    if per_layer:
        return [LayerSpec(f"strokes {a + 1}-{min(n, a + per_layer)}", a, min(n, a + per_layer))
                for a in range(0, n, per_layer)] or [LayerSpec("strokes", 0, 0)]
    levels = _plan_levels(strokes)
    if levels is None:
        return [LayerSpec(f"strokes ({n})", 0, n)]
    out, start = [], 0
    for level, count in levels:
        out.append(LayerSpec(f"level {level} ({count} strokes)", start, start + count))
        start += count
    return out


def _plan_levels(strokes: StrokeList) -> list[tuple[int, int]] | None:
    """(level, strokes) per run of same-level groups in ``meta.plan``, or None if it does not fit."""
    plan = strokes.meta.get("plan")
    if not isinstance(plan, list) or not plan:
        return None
    runs: list[list[int]] = []  # [level, strokes per tile, tiles holding strokes or -1 for all]
    try:
        for entry in plan:
            level, per_tile = int(entry["level"]), int(entry["per_tile"])
            if runs and runs[-1][0] == level:
                runs[-1][1] += per_tile
            else:
                runs.append([level, per_tile, len(entry["tiles"]) if "tiles" in entry else -1])
        from brushcli.canvas.grid import TILE, Level  # here: torch is not needed to list the formats

        # the painter canvas is not recorded; bundled painters use TILE, and a mismatch falls back
        counts = [(level, (tiles if tiles >= 0 else Level(level, strokes.aspect, TILE).count) * per_tile)
                  for level, per_tile, tiles in runs]
    except (KeyError, TypeError, ValueError):
        return None
    return counts if sum(c for _, c in counts) == len(strokes) else None


def write_ora(painting: Painting, path: Path, options: ExportOptions) -> None:
    """``.ora``: background layer plus stroke layers, each rendered by MyPaint on a transparent canvas."""
    strokes = painting.strokes
    width, height = painting.size
    # merged image, premultiplied: the paper (unless transparent), then each layer over it
    merged = np.zeros((height, width, 3), np.float32)
    coverage = np.zeros((height, width), np.float32)
    background = np.asarray(strokes.background, np.float32)
    if not options.transparent:
        merged[:] = background
        coverage[:] = 1.0
    entries: list[tuple[str, bytes, dict[str, str]]] = []
    paper = np.broadcast_to(np.append(to_uint8(background), 255).astype(np.uint8), (height, width, 4))
    entries.append(("data/background.png", _png(paper), {
        "name": "background", "visibility": "hidden" if options.transparent else "visible"}))
    for index, layer in enumerate(stroke_layers(strokes, options.layers)):
        part = strokes.params[layer.start : layer.stop]
        render = render_canvas(part[:, SHAPE], part[:, COLOR], strokes.brush, width, height, strokes.sampling,
                               background=None)
        alpha = render.alpha
        merged = render.image + (1.0 - alpha[..., None]) * merged
        coverage = alpha + (1.0 - alpha) * coverage
        rgba = straight_rgba(render.image, alpha)
        x0, y0, x1, y1 = _bbox(rgba[..., 3])
        entries.append((f"data/layer{index + 1:03d}.png", _png(rgba[y0:y1, x0:x1]),
                        {"name": layer.name, "x": str(x0), "y": str(y0), "visibility": "visible"}))
    merged_rgba = straight_rgba(merged, coverage)
    with atomic_path(Path(path)) as tmp, zipfile.ZipFile(tmp, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("stack.xml", _stack_xml(width, height, entries), compress_type=zipfile.ZIP_DEFLATED)
        for name, data, _ in entries:  # PNGs are compressed already
            archive.writestr(name, data, compress_type=zipfile.ZIP_STORED)
        archive.writestr("mergedimage.png", _png(merged_rgba), compress_type=zipfile.ZIP_STORED)
        archive.writestr("Thumbnails/thumbnail.png", _png(_thumbnail(merged_rgba)), compress_type=zipfile.ZIP_STORED)


def _stack_xml(width: int, height: int, entries: list[tuple[str, bytes, dict[str, str]]]) -> bytes:
    image = ET.Element("image", {"version": "0.0.5", "w": str(width), "h": str(height),
                                 "xres": "72", "yres": "72"})
    stack = ET.SubElement(image, "stack")
    for src, _, attrs in reversed(entries):  # stack.xml lists the topmost layer first
        ET.SubElement(stack, "layer", {"name": attrs["name"], "src": src, "x": attrs.get("x", "0"),
                                       "y": attrs.get("y", "0"), "opacity": "1.0",
                                       "visibility": attrs["visibility"], "composite-op": "svg:src-over"})
    return ET.tostring(image, encoding="UTF-8", xml_declaration=True)


def _bbox(alpha: np.ndarray) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the pixels with any coverage (one pixel if none: layers cannot be empty)."""
    rows, cols = np.flatnonzero(alpha.any(axis=1)), np.flatnonzero(alpha.any(axis=0))
    if not len(rows):
        return 0, 0, 1, 1
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def _thumbnail(rgba: np.ndarray) -> np.ndarray:
    from PIL import Image

    image = Image.fromarray(rgba, "RGBA")
    image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    return np.asarray(image)


def _png(pixels: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels), "RGBA").save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()
