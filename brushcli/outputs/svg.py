"""SVG (``.svg``): every stroke as a vector path, for the web and vector editors.

A stroke is its quadratic Bezier, cut (exactly, by de Casteljau) into :data:`SEGMENTS` pieces, each
a ``Q`` path with round caps whose width is twice the radius MyPaint's engine really used there:
the brush's radius follows pressure and speed through its own input curves, so the radii are read
back from libmypaint (one cheap render of each stroke on a small canvas, where the brush behaves as
at any size) instead of being guessed. For a solid, round brush such as the pen this looks like
the MyPaint render; a textured brush (low hardness, random offsets or radii) cannot be drawn with
plain paths, so the file holds the strokes' skeletons and says so in its ``<desc>``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from brushcli.files import atomic_path, to_uint8
from brushcli.mypaint.brushes import BrushSpec, resolve_brush
from brushcli.mypaint.render import render_alpha_batch
from brushcli.outputs.options import ExportOptions
from brushcli.outputs.result import Painting
from brushcli.strokes import SHAPE, StrokeList

#: Pieces each stroke is cut into (its width is constant along a piece).
SEGMENTS = 8
#: Canvas long side at which the engine's radii are measured (they are relative, so size hardly matters).
RADIUS_CANVAS = 128
#: Settings that scatter dabs or vary them at random: such brushes are not clean paths.
SCATTERING = ("offset_by_random", "radius_by_random", "tracking_noise", "smudge")


def is_solid(brush: BrushSpec) -> bool:
    """Whether the brush paints clean, opaque, round-capped strokes (like the pen) that SVG paths can show."""
    settings = brush.settings

    def base(name: str, default: float = 0.0) -> float:
        entry = settings.get(name, {})
        return float(entry.get("base_value", default)) if isinstance(entry, dict) else default

    def used(name: str) -> bool:
        entry = settings.get(name, {})
        return isinstance(entry, dict) and (base(name) != 0.0 or bool(entry.get("inputs")))

    random_input = any(isinstance(v, dict) and "random" in (v.get("inputs") or {}) for v in settings.values())
    scattered = any(used(name) for name in SCATTERING)
    return base("hardness", 0.8) >= 0.7 and base("opaque", 1.0) >= 0.9 and not scattered and not random_input


def engine_radii(strokes: StrokeList, brush: BrushSpec) -> np.ndarray:
    """The engine's dab radius after each drawn event, ``(N, steps + 1)``, as a fraction of the long side."""
    width, height = strokes.width, strokes.height
    long_side = max(width, height)
    shapes = strokes.params[:, SHAPE].copy()
    shapes[:, [0, 2, 4]] *= width / long_side  # the same geometry on a square canvas of the long side
    shapes[:, [1, 3, 5]] *= height / long_side
    radii = np.empty((len(strokes), strokes.sampling.steps + 1), np.float32)
    if len(strokes):
        render_alpha_batch(brush, shapes, RADIUS_CANVAS, strokes.sampling, radii)
    return radii


def stroke_paths(strokes: StrokeList, width: int, height: int, radii: np.ndarray) -> list[str]:
    """One ``<g>`` of path pieces per stroke, in painting order, at ``width`` x ``height`` px."""
    long_side = max(width, height)
    cuts = np.linspace(0.0, 1.0, SEGMENTS + 1)
    event_t = np.linspace(0.0, 1.0, radii.shape[1])
    out = []
    for row, stroke_radii in zip(strokes.params, radii):
        p = np.array([[row[0] * width, row[1] * height], [row[2] * width, row[3] * height],
                      [row[4] * width, row[5] * height]])
        color = "#{:02x}{:02x}{:02x}".format(*to_uint8(row[9:12]).tolist())
        pieces = []
        for a, b in zip(cuts[:-1], cuts[1:]):
            start, control, end = _piece(p, a, b)
            inside = (event_t >= a - 1e-9) & (event_t <= b + 1e-9)
            stroke_width = 2.0 * float(stroke_radii[inside].mean()) * long_side
            pieces.append(f'<path d="M{start[0]:.2f} {start[1]:.2f}Q{control[0]:.2f} {control[1]:.2f} '
                          f'{end[0]:.2f} {end[1]:.2f}" stroke-width="{stroke_width:.2f}"/>')
        out.append(f'<g stroke="{color}">' + "".join(pieces) + "</g>")
    return out


def _piece(p: np.ndarray, a: float, b: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start, control and end of the part ``a..b`` of the quadratic Bezier ``p`` (its blossom)."""

    def blossom(u: float, v: float) -> np.ndarray:
        return (1 - u) * (1 - v) * p[0] + ((1 - u) * v + u * (1 - v)) * p[1] + u * v * p[2]

    return blossom(a, a), blossom(a, b), blossom(b, b)


def write_svg(painting: Painting, path: Path, options: ExportOptions) -> None:
    """``.svg``: background rectangle (unless transparent) and one group of path pieces per stroke."""
    strokes = painting.strokes
    width, height = painting.size
    brush = resolve_brush(strokes.brush)
    solid = is_solid(brush)
    about = (f"{len(strokes)} strokes of MyPaint brush {brush.name}, painted by brush "
             f"(each a quadratic Bezier; width from the engine's radius)")
    if not solid:
        about += (f". {brush.name} is textured: these paths are the strokes' skeletons (centre line and radius), "
                  "not its look; the .ora or .png export holds the real MyPaint render")
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        f"<desc>{_escape(about)}</desc>",
    ]
    if not solid:
        lines.append(f"<!-- skeletons of a textured brush ({_escape(brush.name)}): see desc -->")
    if not options.transparent:
        bg = "#{:02x}{:02x}{:02x}".format(*to_uint8(np.asarray(strokes.background)).tolist())
        lines.append(f'<rect width="{width}" height="{height}" fill="{bg}"/>')
    lines.append('<g fill="none" stroke-linecap="round" stroke-linejoin="round">')
    lines += stroke_paths(strokes, width, height, engine_radii(strokes, brush))
    lines += ["</g>", "</svg>"]
    with atomic_path(Path(path)) as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("--", "- -")
