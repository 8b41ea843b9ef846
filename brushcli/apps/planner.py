"""``paint``'s schedule: how many strokes go on which grid level, in which groups, how large, for how long.

Good scheduling matters more than step count: strokes are added in groups, largest first (where
they start is :mod:`brushcli.canvas.placement`'s business). Beyond one painter canvas, later levels
add detail on finer grids of painter-canvas tiles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from brushcli.canvas.grid import TILE, Level


@dataclass
class LevelBudget:
    """Strokes of one level: ``per_tile`` strokes in each of ``tiles`` tiles, in ``groups`` groups."""

    level: int
    tiles: int
    per_tile: int

    @property
    def strokes(self) -> int:
        return self.tiles * self.per_tile


def max_level(long_side: int, tile: int = TILE) -> int:
    """Finest grid level worth using for an output of ``long_side`` px (level L works at tile*2^L px)."""
    return max(0, int(math.floor(math.log2(max(tile, long_side) / tile) + 1e-9)))


def allocate(strokes: int, long_side: int, aspect: float, min_per_tile: int = 1, tile: int = TILE
             ) -> list[LevelBudget]:
    """Split a stroke budget over grid levels, coarse to fine.

    Finer levels get geometrically more strokes (weights 1, 2, 4, ...), but only if every tile of
    the level gets at least ``min_per_tile``; level 0 (one canvas over the whole image) takes the rest.
    Why one stroke per tile is enough: small strokes left on level 0 are painted at 64 px and
    replayed 8x larger at 512 px, where the painter's blur and MyPaint's sharp edges differ most
    (500 strokes at 512 px, astronaut: mse_mypaint 0.0171 / gap 0.0068 with a minimum of two per
    tile, 0.0105 / 0.0026 with one).
    """
    top = max_level(long_side, tile)
    budgets: list[LevelBudget] = []
    remaining = strokes
    weights = {lvl: 2.0**lvl for lvl in range(top + 1)}
    total_w = sum(weights.values())
    for lvl in range(top, 0, -1):
        tiles = Level(lvl, aspect, tile).count
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


def default_steps(strokes: int, levels: int) -> int:
    """Total optimisation steps: enough for the schedule, growing slowly with the budget."""
    return int(min(1500, 200 + 30 * math.sqrt(strokes))) + 150 * (levels - 1)


def radius_schedule(group: int, groups: int, level: Level, per_level: int) -> float:
    """Radius (in painter-canvas pixels) for a new group: large first, down to what the density allows."""
    w, h = level.size
    area = (w * h) / max(1, per_level) if level.index == 0 else level.stride**2 / max(1, per_level)
    finest = max(1.2, math.sqrt(area / 6.0))
    coarsest = min(16.0, 3.0 * finest) if level.index == 0 else min(8.0, 2.0 * finest)
    if groups <= 1:
        return coarsest if level.index == 0 else finest * 1.3
    return coarsest * (finest / coarsest) ** (group / (groups - 1))
