"""The painting schedule: how many strokes go where, in which order, starting from where.

Good initialisation and scheduling matter more than step count: strokes are added in groups,
largest first, each new stroke placed where the current painting is most wrong, oriented along the
local image structure and colored from the target there. Beyond 64 px, later levels add detail on
finer grids of 64-px tiles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from brushcli.canvas.grid import Level

#: Tiled levels keep stroke centres in the central 32x32 cell of their 64-px tile.
TILE_POSITION = (0.25, 0.75)
#: ...and cap the radius so strokes stay inside the tile (in units of the preset's size range).
TILE_MAX_SIZE = 0.45


@dataclass
class LevelBudget:
    """Strokes of one level: ``per_tile`` strokes in each of ``tiles`` tiles, in ``groups`` groups."""

    level: int
    tiles: int
    per_tile: int

    @property
    def strokes(self) -> int:
        return self.tiles * self.per_tile


def max_level(long_side: int) -> int:
    """Finest grid level worth using for an output of ``long_side`` px (level L works at 64*2^L px)."""
    return max(0, int(math.floor(math.log2(max(64, long_side) / 64) + 1e-9)))


def allocate(strokes: int, long_side: int, aspect: float, min_per_tile: int = 1) -> list[LevelBudget]:
    """Split a stroke budget over grid levels, coarse to fine.

    Finer levels get geometrically more strokes (weights 1, 2, 4, ...), but only if every tile of
    the level gets at least ``min_per_tile``; level 0 (one canvas over the whole image) takes the rest.
    Why one stroke per tile is enough: small strokes left on level 0 are painted at 64 px and
    replayed 8x larger at 512 px, where the painter's blur and MyPaint's sharp edges differ most
    (500 strokes at 512 px, astronaut: mse_mypaint 0.0171 / gap 0.0068 with a minimum of two per
    tile, 0.0105 / 0.0026 with one).
    """
    top = max_level(long_side)
    budgets: list[LevelBudget] = []
    remaining = strokes
    weights = {lvl: 2.0**lvl for lvl in range(top + 1)}
    total_w = sum(weights.values())
    for lvl in range(top, 0, -1):
        tiles = Level(lvl, aspect).count
        per_tile = int(strokes * weights[lvl] / total_w // tiles)
        if per_tile >= min_per_tile and per_tile * tiles < remaining:
            budgets.append(LevelBudget(lvl, tiles, per_tile))
            remaining -= per_tile * tiles
    budgets.append(LevelBudget(0, 1, remaining))
    return sorted(budgets, key=lambda b: b.level)


def group_sizes(per_tile: int, level: int) -> list[int]:
    """Strokes per tile in each group: about sqrt(n)/2 groups at level 0, two groups on tiled levels.

    Fewer, larger groups measured as good as sqrt(n) groups with half the steps (docs/benchmarks.md).
    """
    if per_tile <= 0:
        return []
    count = min(per_tile, max(1, round(math.sqrt(per_tile) / 2))) if level == 0 else min(per_tile, 2)
    count = min(count, 10)
    base, extra = divmod(per_tile, count)
    return [base + (1 if i < extra else 0) for i in range(count)]


def box_blur(x: torch.Tensor, radius: int) -> torch.Tensor:
    """Mean over a (2r+1)^2 window, same size out, ``x`` is ``(C, H, W)``."""
    if radius <= 0:
        return x
    k = 2 * radius + 1
    return F.avg_pool2d(F.pad(x[None], (radius,) * 4, mode="replicate"), k, stride=1)[0]


def orientation(target: torch.Tensor, radius: int) -> torch.Tensor:
    """Angle (H, W) of the local edge direction (structure tensor), so strokes can follow edges."""
    gray = target.mean(dim=0, keepdim=True)
    gx = F.pad(gray[:, :, 2:] - gray[:, :, :-2], (1, 1, 0, 0), mode="replicate")
    gy = F.pad(gray[:, 2:, :] - gray[:, :-2, :], (0, 0, 1, 1), mode="replicate")
    jxx, jyy, jxy = (box_blur(v, max(1, radius)) for v in (gx * gx, gy * gy, gx * gy))
    # dominant gradient angle; the edge runs perpendicular to it
    return 0.5 * torch.atan2(2 * jxy, jxx - jyy)[0] + math.pi / 2


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
        x0 = max(0, int(ox + lo * 64))
        x1 = min(w, int(math.ceil(ox + hi * 64)))
        y0 = max(0, int(oy + lo * 64))
        y1 = min(h, int(math.ceil(oy + hi * 64)))
        if x1 <= x0 or y1 <= y0:  # tile of the padding only: park strokes in its centre
            region = torch.zeros(1, 1)
            x0, y0 = int(ox + 32), int(oy + 32)
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
            local = [((p[0] - ox) / 64.0, (p[1] - oy) / 64.0) for p in pts]
            flat = [min(max(v, lo + 1e-3), hi - 1e-3) for xy in local for v in xy]
            actions[t, i] = torch.tensor(flat + [0.85, 0.85, size_action])
            colors[t, i] = smooth[:, cy, cx].clamp(0.02, 0.98)
    return actions, colors
