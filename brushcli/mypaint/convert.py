"""Pure conversion from stroke parameters to libmypaint engine calls (no libmypaint needed).

A stroke is a quadratic Bezier in canvas-relative coordinates with a start/end pressure and a radius
relative to the canvas's long side. Turning it into ``stroke_to`` events at a given pixel size is kept
separate from the binding so it can be tested, and reasoned about, on its own.
"""

from __future__ import annotations

import colorsys
import functools
import math
from dataclasses import dataclass

import numpy as np

#: dtime of the first event; above libmypaint's 5 s max_dtime so slow_tracking forgets the last stroke.
PLACE_DTIME = 10.0


@dataclass(frozen=True)
class Sampling:
    """How a Bezier is fed to the engine: ``steps`` drawn events, ``dtime`` seconds apart.

    Kept constant across canvas sizes, so speed-dependent brush inputs (normalised by the radius in
    libmypaint) see the same values at 64 px and at 4096 px.
    """

    steps: int = 32
    dtime: float = 0.1

    def to_dict(self) -> dict[str, float]:
        return {"steps": self.steps, "dtime": self.dtime}


def bezier_points(start: np.ndarray, control: np.ndarray, end: np.ndarray, steps: int) -> np.ndarray:
    """``steps + 1`` points of the quadratic Bezier ``start -> control -> end`` (shape (steps+1, 2))."""
    basis = _basis(steps)[:, :3]
    return basis @ np.stack([start, control, end]).astype(np.float64)


@functools.lru_cache(maxsize=16)
def _basis(steps: int) -> np.ndarray:
    # Columns: the three Bernstein weights of the Bezier, then linear weights for the pressure.
    t = np.linspace(0.0, 1.0, steps + 1)
    return np.stack([(1 - t) ** 2, 2 * (1 - t) * t, t**2, 1 - t, t], axis=1)


def stroke_events(
    params: np.ndarray, width: int, height: int, sampling: Sampling
) -> tuple[np.ndarray, np.ndarray]:
    """Engine calls for strokes at ``width`` x ``height`` pixels (vectorised over strokes).

    ``params`` is ``(N, 9+)`` (or one stroke of shape ``(9+,)``) holding
    ``x0 y0 x1 y1 x2 y2 p0 p1 size``; trailing color columns are ignored. Returns the base radii in
    pixels ``(N,)`` and the events ``(N, steps + 2, 4)`` as ``(x, y, pressure, dtime)``: one placing
    event with pressure 0 (the engine draws nothing on the first event after a reset), then
    ``steps + 1`` drawn ones from start to end.
    """
    p = np.asarray(params, dtype=np.float64)
    p = p.reshape(-1, p.shape[-1])
    n, steps = len(p), sampling.steps
    basis = _basis(steps)
    events = np.empty((n, steps + 2, 4))
    events[:, 1:, 0] = p[:, [0, 2, 4]] @ basis[:, :3].T * width
    events[:, 1:, 1] = p[:, [1, 3, 5]] @ basis[:, :3].T * height
    events[:, 1:, 2] = p[:, [6, 7]] @ basis[:, 3:].T
    events[:, 1:, 3] = sampling.dtime
    events[:, 0, :2] = events[:, 1, :2]
    events[:, 0, 2] = 0.0
    events[:, 0, 3] = PLACE_DTIME
    radius_px = p[:, 8] * max(width, height)
    return radius_px, events


def radius_logarithmic(radius_px: float) -> float:
    """libmypaint's ``radius_logarithmic`` base value for a radius in pixels."""
    return math.log(max(radius_px, 1e-3))


def rgb_to_hsv(rgb: tuple[float, float, float] | np.ndarray) -> tuple[float, float, float]:
    """MyPaint takes color as HSV base values in 0..1."""
    r, g, b = (min(max(float(c), 0.0), 1.0) for c in rgb)
    return colorsys.rgb_to_hsv(r, g, b)
