"""High-level real-MyPaint rendering: one stroke's alpha (training data) and whole canvases (replay).

``render_alphas`` renders many strokes, each alone on a cleared transparent canvas, optionally in a
process pool; ``render_canvas`` replays a :class:`~brushcli.strokes.StrokeList` at any size, stroke
after stroke on one surface, exactly as MyPaint would paint it, on a color, an image or a transparent
canvas, reporting what each stroke changed (for time-lapses).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from brushcli.errors import DabBudgetExceeded, InvalidArgument
from brushcli.mypaint._lib import native_stdout_silenced
from brushcli.mypaint.brushes import BrushSpec, resolve_brush
from brushcli.mypaint.convert import Sampling, stroke_events
from brushcli.mypaint.engine import Surface, check_brush

#: Longest canvas side brush renders. 16384^2 RGBA uint16 is 2 GiB in libmypaint plus a float copy.
MAX_SIDE = 16384
#: Strokes a pool worker renders per task: large enough to amortise the pickling.
CHUNK = 256


def check_size(width: int, height: int) -> None:
    """Refuse canvas sizes brush cannot allocate, before anything is allocated."""
    for name, value in (("width", width), ("height", height)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise InvalidArgument(f"canvas {name} must be a positive number of pixels, got {value}")
        if value > MAX_SIDE:
            raise InvalidArgument(f"canvas {name} {value} px is above the limit of {MAX_SIDE} px")


def check_long_side(size: int) -> None:
    """Refuse a requested long side (``--size``) outside 1..MAX_SIDE pixels."""
    if not 1 <= size <= MAX_SIDE:
        raise InvalidArgument(f"size {size} px is outside the allowed 1..{MAX_SIDE} px")


def render_alpha_batch(
    brush: BrushSpec, shapes: np.ndarray, size: int, sampling: Sampling, radii_out: np.ndarray | None = None,
    speed_side: int | None = None,
) -> np.ndarray:
    """Alpha of each stroke alone on a transparent ``size`` x ``size`` canvas, as uint16 (1.0 = 32768).

    ``shapes`` is ``(N, 9)``: ``x0 y0 x1 y1 x2 y2 p0 p1 size``. Serial; see :func:`render_alphas`.
    ``radii_out`` ``(N, steps + 1)``, if given, receives the engine's dab radius after each event as
    a fraction of ``size``. ``speed_side``: see :class:`~brushcli.mypaint.engine.Surface`.
    """
    check_size(size, size)
    out = np.empty((len(shapes), size, size), dtype=np.uint16)
    radii, events = stroke_events(shapes, size, size, sampling)
    with Surface(size, size, speed_side) as surface, native_stdout_silenced():
        safe = surface.within_budget(brush, radii, events).tolist()
        for i, (radius, stroke) in enumerate(zip(radii.tolist(), events.tolist())):
            surface.clear()
            with _naming_stroke(i):
                surface.paint_events(brush, radius, stroke, radii_out=None if radii_out is None else radii_out[i],
                                     guarded=not safe[i])
            out[i] = surface.alpha_fixed()
    if radii_out is not None:
        radii_out /= size
    return out


@contextlib.contextmanager
def _naming_stroke(index: int) -> Iterator[None]:
    """Prefix a dab-budget error with the stroke it happened in."""
    try:
        yield
    except DabBudgetExceeded as exc:
        raise DabBudgetExceeded(f"stroke {index}: {exc}") from None


def dab_tracks(brush: str | BrushSpec, shapes: np.ndarray, size: int, sampling: Sampling) -> np.ndarray:
    """Where the engine puts each stroke's dabs: ``(N, steps + 1, 3)`` = last dab ``x, y, radius`` after
    each drawn event, as fractions of a ``size``-px square canvas (``shapes`` as for :func:`render_alpha_batch`).

    Tracking, the dab schedule and the brush's radius curves (pressure, speed) make this differ from
    the Bezier and the base radius; the engine's own numbers are the truth a vector export can follow.
    """
    spec = brush if isinstance(brush, BrushSpec) else resolve_brush(brush)
    check_size(size, size)
    shapes = np.asarray(shapes, dtype=np.float64).reshape(-1, 9)
    out = np.zeros((len(shapes), sampling.steps + 1, 3), np.float64)
    radii, events = stroke_events(shapes, size, size, sampling)
    with Surface(size, size) as surface, native_stdout_silenced():
        for i, (radius, stroke) in enumerate(zip(radii.tolist(), events.tolist())):
            surface.clear()
            surface.paint_events(spec, radius, stroke, track_out=out[i])
    return out / size


def _pool_context() -> multiprocessing.context.BaseContext:
    """A forkserver that preloads only this module.

    Not fork: the parent may hold torch/OpenMP thread pools that do not survive a fork. Not spawn,
    and not the default forkserver preload: both re-import ``__main__``, which breaks scripts that
    call brush at top level.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def _worker_init() -> None:
    # Each worker renders one stroke at a time: keep BLAS/OpenMP from spinning extra threads.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"


def _worker_render(args: tuple[str, np.ndarray, int, Sampling, bool]) -> tuple[np.ndarray, np.ndarray | None]:
    brush_name, shapes, size, sampling, with_radii = args
    radii = np.empty((len(shapes), sampling.steps + 1), np.float32) if with_radii else None
    return render_alpha_batch(resolve_brush(brush_name), shapes, size, sampling, radii), radii


def render_alphas(
    brush: str | BrushSpec,
    shapes: np.ndarray,
    size: int = 64,
    sampling: Sampling | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    radii_out: np.ndarray | None = None,
) -> np.ndarray:
    """Render the alpha of many strokes (uint16, 1.0 = 32768), in a pool of ``workers`` processes.

    ``workers=None`` uses every core; ``1`` renders in this process. Output is identical either way:
    each stroke gets a fresh brush, so the pixels depend on nothing but the stroke. ``progress`` is
    called with the number of strokes finished since the last call. ``radii_out``: see
    :func:`render_alpha_batch`.
    """
    spec = brush if isinstance(brush, BrushSpec) else resolve_brush(brush)
    check_brush(spec)
    sampling = sampling or Sampling()
    shapes = np.asarray(shapes, dtype=np.float64).reshape(-1, 9)
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(shapes) <= CHUNK:
        parts = []
        for i in range(0, len(shapes), CHUNK):
            chunk = shapes[i : i + CHUNK]
            radii = None if radii_out is None else radii_out[i : i + CHUNK]
            parts.append(render_alpha_batch(spec, chunk, size, sampling, radii))
            if progress:
                progress(len(chunk))
        return np.concatenate(parts) if parts else np.empty((0, size, size), np.uint16)
    out = np.empty((len(shapes), size, size), dtype=np.uint16)
    context = _pool_context()
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init) as pool:
        starts = list(range(0, len(shapes), CHUNK))
        jobs = [(str(spec.path), shapes[s : s + CHUNK], size, sampling, radii_out is not None) for s in starts]
        for start, (part, radii) in zip(starts, pool.map(_worker_render, jobs)):
            out[start : start + len(part)] = part
            if radii_out is not None:
                radii_out[start : start + len(part)] = radii
            if progress:
                progress(len(part))
    return out


@dataclass
class CanvasRender:
    """A real MyPaint replay: the final RGB image, and its alpha when painted on a transparent canvas.

    On a transparent canvas ``image`` is premultiplied (the strokes over black), so over a background
    ``b`` the painting is ``image + (1 - alpha) * b``; on an opaque one ``alpha`` is ``None``.
    """

    image: np.ndarray
    alpha: np.ndarray | None = None


#: ``on_paint(strokes_painted, surface, (x, y, width, height))``: see :func:`render_canvas`.
PaintHook = Callable[[int, Surface, tuple[int, int, int, int]], None]


def render_canvas(
    shapes: np.ndarray,
    colors: np.ndarray,
    brush: str | BrushSpec,
    width: int,
    height: int,
    sampling: Sampling | None = None,
    background: Sequence[float] | np.ndarray | None = (1.0, 1.0, 1.0),
    on_paint: PaintHook | None = None,
) -> CanvasRender:
    """Paint strokes one after another on a ``width`` x ``height`` canvas with real libmypaint.

    ``background`` is an RGB color, an (H, W, 3) image to paint over, or ``None`` for a transparent
    canvas (layers of an OpenRaster file, transparent PNGs). ``on_paint``, if given, is called once
    the background is laid (with 0 and the whole canvas) and after every stroke (with the number of
    strokes painted and the rectangle libmypaint reports changed): a time-lapse reads just that part
    of the surface instead of copying whole frames. Returns float32 in 0..1.
    """
    check_size(width, height)
    spec = brush if isinstance(brush, BrushSpec) else resolve_brush(brush)
    check_brush(spec)
    sampling = sampling or Sampling()
    shapes = np.asarray(shapes, dtype=np.float64).reshape(-1, 9)
    colors = np.asarray(colors, dtype=np.float64).reshape(-1, 3)
    with Surface(width, height) as surface, native_stdout_silenced():
        if background is None:
            surface.clear()
        else:
            bg = np.asarray(background, dtype=np.float64)
            if bg.ndim == 3:
                surface.set_rgb(bg)
            else:
                surface.clear((float(bg[0]), float(bg[1]), float(bg[2]), 1.0))
        if on_paint is not None:
            on_paint(0, surface, (0, 0, width, height))
        radii, events = stroke_events(shapes, width, height, sampling)
        safe = surface.within_budget(spec, radii, events).tolist()
        for n in range(len(shapes)):
            with _naming_stroke(n):
                changed = surface.paint_events(spec, float(radii[n]), events[n].tolist(), colors[n],
                                               guarded=not safe[n])
            if on_paint is not None:
                on_paint(n + 1, surface, changed)
        rgba = surface.rgba()
    if background is None:
        return CanvasRender(image=rgba[..., :3], alpha=rgba[..., 3])
    return CanvasRender(image=rgba[..., :3])
