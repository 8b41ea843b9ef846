"""A dab budget per stroke, so that no brush and no stroke can make libmypaint run away.

libmypaint lays a dab each time the travelled distance reaches one dab spacing
(``count_dabs_to``: ``distance * (dabs per actual radius / actual radius + dabs per basic radius /
base radius) + dtime * dabs per second``) and queues every dab once per 64-px tile it overlaps
until the stroke ends. A *stamp* is one such queued tile operation: stamps are what a stroke costs
in memory (about 100 bytes each) and time. A dab far outside the canvas also grows the engine's
tile index, quadratically in the distance.

:func:`stroke_bounds` gives, before painting, an upper bound of both for every stroke, from the
brush's :class:`~brushcli.mypaint.limits.DabGeometry` and the engine events, using only the engine's
own clamps where input mappings make the radius unpredictable. Strokes within the budget are painted
directly (every normal stroke); the others are painted with each dab counted by the engine surface,
and stopped cleanly (:class:`~brushcli.errors.DabBudgetExceeded`) the moment they go past it.
"""

from __future__ import annotations

import numpy as np

from brushcli.mypaint.brushes import BrushSpec
from brushcli.mypaint.limits import GAUSS_MAX, RADIUS_MAX, RADIUS_MIN, DabGeometry

TILE = 64
#: Tile operations one stroke may queue: ~100 MB of libmypaint's queue, a few seconds of painting.
MAX_STAMPS = 1_000_000
#: Farthest a dab may reach from the canvas origin, in pixels: keeps libmypaint's tile index
#: (16 bytes per tile of the square it spans) near 100 MB.
MAX_COORD = 65_536.0


def tiles_spanned(radius: np.ndarray | float) -> np.ndarray:
    """Most 64-px tiles a dab of ``radius`` px can overlap (its bounding box is ``2 * (r + 1)`` wide)."""
    per_axis = np.ceil((2.0 * (np.asarray(radius, dtype=np.float64) + 1.0)) / TILE) + 1.0
    return per_axis * per_axis


def drawn_radius(geometry: DabGeometry, actual: np.ndarray | float) -> np.ndarray:
    """Largest radius a dab is drawn with, given the engine's actual radius (random radius,
    anti-aliasing and pixel snapping can widen it)."""
    spread = np.exp(min(GAUSS_MAX * geometry.radius_by_random, 50.0))
    return np.minimum(RADIUS_MAX, np.asarray(actual) * spread) + geometry.anti_aliasing / 2.0 + 0.5


def max_speed(brush: BrushSpec, radii: np.ndarray, events: np.ndarray, zoom: float) -> float:
    """Fastest the engine's tracked pointer can move in these strokes, in px/s times ``zoom``.

    Bounded by a whole stroke's path (slow tracking may catch up on a lag in one event) over the
    shortest event time, with the largest possible tracking noise.
    """
    radii, events, steps = _segments(radii, events)
    noise = 2.0 * GAUSS_MAX * float(brush.settings.get("tracking_noise", {}).get("base_value", 0.0))
    path = (steps + noise * radii[:, None]).sum(axis=1)
    return float(np.max(path / np.min(events[:, 2:, 3], axis=1), initial=0.0)) * zoom


def stroke_bounds(geometry: DabGeometry, radii: np.ndarray, events: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Upper bounds ``(stamps, coordinate)`` for strokes given as engine events.

    ``radii`` ``(N,)`` are the base radii in px, ``events`` ``(N, S, 4)`` the events of
    :func:`~brushcli.mypaint.convert.stroke_events` (the first places the brush). ``coordinate`` is
    the largest absolute x or y any dab's bounding box can reach. Infinite when the brush's geometry
    is unbounded (see :class:`~brushcli.mypaint.limits.DabGeometry`).
    """
    radii, events, steps = _segments(radii, events)
    base = np.clip(radii, RADIUS_MIN, RADIUS_MAX)
    dtimes = events[:, 2:, 3]
    # tracking noise moves the pointer by up to GAUSS_MAX * noise each event, in any direction
    jitter = 2.0 * GAUSS_MAX * geometry.tracking_noise * radii[:, None]
    length = (steps + jitter).sum(axis=1)
    elapsed = dtimes.sum(axis=1)
    low = np.clip(radii * geometry.radius_low, RADIUS_MIN, RADIUS_MAX)
    high = np.clip(radii * geometry.radius_high, RADIUS_MIN, RADIUS_MAX)
    widest = tiles_spanned(drawn_radius(geometry, high))
    per_px = geometry.aspect_ratio * geometry.per_actual * _max_tiles_per_radius(geometry, low, high) \
        + geometry.per_basic * widest / base
    stamps = length * per_px + (elapsed * geometry.per_second + 1.0) * widest
    speed = np.max((steps + jitter) / dtimes, axis=1, initial=0.0)
    centre = np.max(np.abs(events[:, 1:, :2]), axis=(1, 2)) + GAUSS_MAX * geometry.tracking_noise * radii
    coordinate = centre + geometry.reach * radii + geometry.speed_reach * speed + drawn_radius(geometry, high) + 1.0
    if not geometry.bounded:
        stamps = np.full_like(stamps, np.inf)
        coordinate = np.full_like(coordinate, np.inf)
    return stamps, coordinate


def _segments(radii: np.ndarray, events: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    radii = np.asarray(radii, dtype=np.float64).reshape(-1)
    events = np.asarray(events, dtype=np.float64).reshape(len(radii), -1, 4)
    steps = np.hypot(np.diff(events[:, 1:, 0], axis=1), np.diff(events[:, 1:, 1], axis=1))
    return radii, events, steps


def within_budget(stamps: np.ndarray, coordinate: np.ndarray) -> np.ndarray:
    """Which strokes are certain to stay within the budget (the others are painted counted)."""
    return (np.asarray(stamps) <= MAX_STAMPS) & (np.asarray(coordinate) <= MAX_COORD)


def _max_tiles_per_radius(geometry: DabGeometry, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """max over actual radius r in [low, high] of tiles(drawn(r)) / r: stamps per px per dab-rate unit.

    On a geometric grid, each interval bounded by its right end's tiles over its left end's radius.
    """
    grid = np.geomspace(low, np.maximum(high, low * (1 + 1e-9)), 33, axis=-1)  # (N, 33)
    upper = tiles_spanned(drawn_radius(geometry, grid[:, 1:])) / grid[:, :-1]
    return np.maximum(upper.max(axis=1), tiles_spanned(drawn_radius(geometry, low)) / low)
