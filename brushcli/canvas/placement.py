"""Where new strokes start: placement, orientation, size and color of strokes before optimisation.

Good initialisation matters more than step count. Strokes painting towards a target start where the
current painting is most wrong, run along the local image structure and take the target's color
there (:func:`init_strokes`); strokes on a blank canvas with no target are spread evenly, large ones
first (:func:`scatter_strokes`). On tiled grid levels, strokes keep their centres in the central cell
of their tile and their radius capped (:data:`TILE_POSITION`, :data:`TILE_MAX_SIZE`), so they never
reach a tile border where the painter's canvas would clip what MyPaint paints.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from brushcli.canvas.grid import Level
from brushcli.presets import Preset

#: Tiled levels keep stroke centres in the central half (the stride-sized cell) of their tile...
TILE_POSITION = (0.25, 0.75)
#: ...and cap the radius so strokes stay inside the tile (in units of the preset's size range).
TILE_MAX_SIZE = 0.45


def bounds(level: Level) -> tuple[tuple[float, float], tuple[float, float]]:
    """(position, size) bounds of the strokes of ``level``: the whole canvas at level 0, else the tile cell."""
    if level.index == 0:
        return (0.0, 1.0), (0.0, 1.0)
    return TILE_POSITION, (0.0, TILE_MAX_SIZE)


def box_blur(x: torch.Tensor, radius: int) -> torch.Tensor:
    """Mean over a (2r+1)^2 window, same size out, ``x`` is ``(C, H, W)``."""
    if radius <= 0:
        return x
    k = 2 * radius + 1
    return F.avg_pool2d(F.pad(x[None], (radius,) * 4, mode="replicate"), k, stride=1)[0]


def orientation(target: torch.Tensor, radius: int) -> torch.Tensor:
    """Angle (H, W) of the local edge direction (structure tensor), so strokes can follow edges."""
    gray = target.mean(dim=0, keepdim=True)
    gx, gy = _central_difference(gray, 2), _central_difference(gray, 1)
    jxx, jyy, jxy = (box_blur(v, max(1, radius)) for v in (gx * gx, gy * gy, gx * gy))
    # dominant gradient angle; the edge runs perpendicular to it
    return 0.5 * torch.atan2(2 * jxy, jxx - jyy)[0] + math.pi / 2


def _central_difference(gray: torch.Tensor, dim: int) -> torch.Tensor:
    """``gray[i + 1] - gray[i - 1]`` along ``dim`` of a ``(1, H, W)`` map, edges repeated; zero across
    a side under 3 px (a 1x4000 image has no gradient across its width, and must still paint)."""
    n = gray.shape[dim]
    if n < 3:
        return torch.zeros_like(gray)
    diff = gray.narrow(dim, 2, n - 2) - gray.narrow(dim, 0, n - 2)
    pad = (1, 1, 0, 0) if dim == 2 else (0, 0, 1, 1)
    return F.pad(diff, pad, mode="replicate")


def pick_points(error: torch.Tensor, count: int, spacing: float, generator: torch.Generator) -> list[tuple[int, int]]:
    """``count`` (y, x) points of high error, at least ``spacing`` px apart where possible."""
    err = error.clone()
    h, w = err.shape
    yy = torch.arange(h).view(-1, 1).float()
    xx = torch.arange(w).view(1, -1).float()
    noise = torch.rand(err.shape, generator=generator) * 1e-6
    err = err + noise
    points = []
    for _ in range(count):
        idx = int(torch.argmax(err))
        y, x = divmod(idx, w)
        points.append((y, x))
        near = (yy - y) ** 2 + (xx - x) ** 2 <= spacing**2
        err = torch.where(near, err * 0.02, err)
    return points


def worst_tiles(target: torch.Tensor, current: torch.Tensor, level: Level, count: int) -> list[int]:
    """The ``count`` tiles of ``level`` whose cells hold the most squared error of ``current`` against
    ``target`` (both ``(3, h, w)`` at the level's native size), as ascending row-major indices.

    Why: a tiled level spreads its strokes evenly, so a plain wall got as many as a face; giving
    them to the cells where the painting below is most wrong spends them where they pay.
    """
    error = ((target - current) ** 2).sum(0)
    scores = np.zeros(level.grid_count)
    for t, (ox, oy) in enumerate(level.grid_offsets()):
        x0, x1, y0, y1 = _area(ox, oy, level, TILE_POSITION)
        if x1 > x0 and y1 > y0:
            scores[t] = float(error[y0:y1, x0:x1].sum())
    return sorted(int(t) for t in np.argsort(-scores, kind="stable")[:count])


def _area(ox: int, oy: int, level: Level, position: tuple[float, float]) -> tuple[int, int, int, int]:
    """Pixel box ``(x0, x1, y0, y1)`` where the strokes of the tile at ``(ox, oy)`` may start, clipped
    to the image (empty for a tile of the padding only)."""
    w, h = level.size
    lo, hi = position
    x0, x1 = max(0, int(ox + lo * level.tile)), min(w, int(math.ceil(ox + hi * level.tile)))
    y0, y1 = max(0, int(oy + lo * level.tile)), min(h, int(math.ceil(oy + hi * level.tile)))
    return x0, x1, y0, y1


def init_strokes(
    target: torch.Tensor,
    current: torch.Tensor,
    level: Level,
    per_tile: int,
    radius_px: float,
    size_action: float,
    generator: torch.Generator,
    position: tuple[float, float] = (0.0, 1.0),
) -> tuple[torch.Tensor, torch.Tensor]:
    """Initial (actions, colors) for ``per_tile`` new strokes in every tile of ``level``.

    ``target``/``current`` are ``(3, h, w)`` at the level's native size. Each stroke starts where
    the error is largest (inside its tile's allowed area), runs along the local edge direction for
    about three radii, and takes the target's color there.
    """
    w, h = level.size
    r = max(1, int(round(radius_px)))
    error = box_blur(((target - current) ** 2).sum(0, keepdim=True), r)[0]
    smooth = box_blur(target, max(1, r // 2))
    angle = orientation(target, r)
    offsets = level.tile_offsets()
    tiles = len(offsets)
    actions = torch.zeros(tiles, per_tile, 9)
    colors = torch.zeros(tiles, per_tile, 3)
    lo, hi = position
    for t, (ox, oy) in enumerate(offsets):
        x0, x1, y0, y1 = _area(ox, oy, level, position)
        if x1 <= x0 or y1 <= y0:  # tile of the padding only: park strokes in its centre
            region = torch.zeros(1, 1)
            x0, y0 = int(ox + level.stride), int(oy + level.stride)
        else:
            region = error[y0:y1, x0:x1]
        for i, (py, px) in enumerate(pick_points(region, per_tile, 2.0 * r, generator)):
            gy, gx = y0 + py, x0 + px
            cy, cx = min(max(gy, 0), h - 1), min(max(gx, 0), w - 1)
            theta = float(angle[cy, cx]) + float(torch.randn((), generator=generator)) * 0.3
            length = 1.5 * r * (0.7 + 0.6 * float(torch.rand((), generator=generator)))
            dx, dy = math.cos(theta) * length, math.sin(theta) * length
            centre = np.array([gx + 0.5, gy + 0.5])
            pts = [centre - (dx, dy), centre + 0.1 * np.array((-dy, dx)), centre + (dx, dy)]
            local = [((p[0] - ox) / float(level.tile), (p[1] - oy) / float(level.tile)) for p in pts]
            flat = [min(max(v, lo + 1e-3), hi - 1e-3) for xy in local for v in xy]
            actions[t, i] = torch.tensor(flat + [0.85, 0.85, size_action])
            colors[t, i] = smooth[:, cy, cx].clamp(0.02, 0.98)
    return actions, colors


def _halton(index: int, base: int) -> float:
    out, f = 0.0, 1.0
    while index > 0:
        f /= base
        out += f * (index % base)
        index //= base
    return out


def scatter_strokes(count: int, preset: Preset, canvas: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Initial ``(1, count, 9)`` actions and ``(1, count, 3)`` colors for a blank ``canvas``-px painter canvas.

    Strokes are spread evenly (a randomly shifted Halton sequence, so any prefix is spread too), the
    first ones largest (radius ~14 px of a 64-px canvas down to ~3 px, in proportion on other canvases: big
    shapes first, detail painted on top),
    each a gentle curve about three radii long in a random direction, in a random mid-range color.
    """
    shift = torch.rand(2, generator=generator).tolist()
    actions = torch.zeros(1, count, 9)
    colors = 0.15 + 0.7 * torch.rand(1, count, 3, generator=generator)
    r_big, r_small = 14.0 * canvas / 64, 3.0 * canvas / 64
    for i in range(count):
        t = i / max(1, count - 1)
        radius = r_big * (r_small / r_big) ** t
        cx = 0.12 + 0.76 * ((_halton(i + 1, 2) + shift[0]) % 1.0)
        cy = 0.12 + 0.76 * ((_halton(i + 1, 3) + shift[1]) % 1.0)
        theta = float(torch.rand((), generator=generator)) * math.pi
        half = 1.5 * radius / canvas
        dx, dy = math.cos(theta) * half, math.sin(theta) * half
        bend = (float(torch.rand((), generator=generator)) - 0.5) * half
        points = [cx - dx, cy - dy, cx - dy * bend / half * 0.5, cy + dx * bend / half * 0.5, cx + dx, cy + dy]
        size = min(1.0, max(0.0, preset.size_action(radius, canvas)))
        actions[0, i] = torch.tensor([min(max(v, 0.01), 0.99) for v in points] + [0.85, 0.85, size])
    return actions, colors
