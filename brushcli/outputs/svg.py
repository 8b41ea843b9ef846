"""SVG (``.svg``): every stroke as a vector path, for the web and vector editors.

A stroke is drawn where MyPaint's engine really lays its dabs: the brush's radius follows pressure
and speed through its own input curves, tracking makes dabs trail the pointer, and a stroke ends at
its last whole dab, so the dab track (position and radius after each engine event) is read back
from libmypaint (one cheap render of each stroke on a small canvas, where the brush behaves as at
any size) instead of being guessed. The track is cut into :data:`SEGMENTS` pieces, each a ``Q``
path with round caps whose width is twice the dab radius there. For a solid, round brush such as the pen this looks like
the MyPaint render; a textured brush (low hardness, random offsets or radii) cannot be drawn with
plain paths, so the file holds the strokes' skeletons and says so in its ``<desc>``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from brushcli.files import atomic_path, to_uint8
from brushcli.mypaint.brushes import BrushSpec, resolve_brush
from brushcli.mypaint.render import dab_tracks
from brushcli.outputs.options import ExportOptions
from brushcli.outputs.result import Painting
from brushcli.strokes import SHAPE, StrokeList

#: Pieces each stroke is cut into (its width is constant along a piece).
SEGMENTS = 8
#: Canvas side at which the engine's dab track is measured (it is relative: the size hardly matters).
TRACK_CANVAS = 128
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


def engine_tracks(strokes: StrokeList, brush: BrushSpec) -> np.ndarray:
    """Last dab ``x, y, radius`` after each drawn event, ``(N, steps + 1, 3)``, as fractions of the long side.

    Measured on a square :data:`TRACK_CANVAS`-px canvas holding the plan's geometry: the engine is
    scale-free (speed is normalised by the canvas), so the fractions hold at any output size.
    """
    width, height = strokes.width, strokes.height
    long_side = max(width, height)
    shapes = strokes.params[:, SHAPE].copy()
    shapes[:, [0, 2, 4]] *= width / long_side  # the same geometry on a square canvas of the long side
    shapes[:, [1, 3, 5]] *= height / long_side
    if not len(strokes):
        return np.zeros((0, strokes.sampling.steps + 1, 3))
    return dab_tracks(brush, shapes, TRACK_CANVAS, strokes.sampling)


def stroke_paths(strokes: StrokeList, width: int, height: int, tracks: np.ndarray) -> list[str]:
    """One ``<g>`` of path pieces per stroke, in painting order, at ``width`` x ``height`` px.

    Piece ``k`` runs through the engine's dab track from one cut to the next as a quadratic that
    passes through the track's middle point there; its width is twice the mean dab radius on it.
    """
    long_side = max(width, height)
    events = tracks.shape[1]
    cuts = np.linspace(0, events - 1, min(SEGMENTS, events - 1) + 1).round().astype(int)
    out = []
    for row, track in zip(strokes.params, tracks):
        xy = track[:, :2] * long_side
        color = "#{:02x}{:02x}{:02x}".format(*to_uint8(row[9:12]).tolist())
        pieces = []
        for a, b in zip(cuts[:-1], cuts[1:]):
            start, end, middle = xy[a], xy[b], xy[(a + b) // 2] if b - a > 1 else (xy[a] + xy[b]) / 2
            control = 2.0 * middle - (start + end) / 2.0  # the quadratic through start, middle, end
            stroke_width = 2.0 * float(track[a : b + 1, 2].mean()) * long_side
            pieces.append(f'<path d="M{start[0]:.2f} {start[1]:.2f}Q{control[0]:.2f} {control[1]:.2f} '
                          f'{end[0]:.2f} {end[1]:.2f}" stroke-width="{stroke_width:.2f}"/>')
        out.append(f'<g stroke="{color}">' + "".join(pieces) + "</g>")
    return out


def write_svg(painting: Painting, path: Path, options: ExportOptions) -> None:
    """``.svg``: background rectangle (unless transparent) and one group of path pieces per stroke."""
    strokes = painting.strokes
    width, height = painting.size
    brush = resolve_brush(strokes.brush)
    solid = is_solid(brush)
    about = (f"{len(strokes)} strokes of MyPaint brush {brush.name}, painted by brush "
             f"(each drawn along the dabs MyPaint's engine lays: quadratic pieces as wide as the dabs)")
    if not solid:
        about += (f". {brush.name} is textured: these paths are the strokes' skeletons (dab track and radius), "
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
    lines += stroke_paths(strokes, width, height, engine_tracks(strokes, brush))
    lines += ["</g>", "</svg>"]
    with atomic_path(Path(path)) as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("--", "- -")
