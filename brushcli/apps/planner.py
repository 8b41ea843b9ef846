"""``paint``'s schedule: how many strokes go on which grid level, in which groups, how large, for how long.

Good scheduling matters more than step count: strokes are added in groups, largest first (where
they start is :mod:`brushcli.canvas.placement`'s business). Beyond one painter canvas, later levels
add detail on finer grids of painter-canvas tiles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from brushcli.canvas.grid import TILE, Level
from brushcli.errors import InvalidArgument


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


def allocate(strokes: int, long_side: int, aspect: float, min_per_tile: int = 1, tile: int = TILE,
             share: float = 1.0) -> list[LevelBudget]:
    """Split a stroke budget over grid levels, coarse to fine.

    Finer levels get geometrically more strokes (weights 1, 2, 4, ...), but only if every tile of
    the level gets at least ``min_per_tile``; level 0 (one canvas over the whole image) takes the rest.
    With ``share`` below 1 a tiled level's strokes go to about that share of its tiles, each with
    ``1 / share`` times the mean (``paint`` picks the tiles where the painting is most wrong). A
    grid that is not square then also stops rounding: a 4:3 image's finest grid (192 tiles, 1.4
    strokes each for 500 strokes) got one per tile and left the rest to level 0 (152 strokes there,
    against 52 for a square image). Level 0 keeps what a square image leaves it (or less) and the
    tiled levels share the rest by weight (500 strokes at 512 px, four non-square dev images:
    -4.5% to -15.5%). What does not divide evenly goes to level 0.
    Why one stroke per tile is enough: small strokes left on level 0 are painted at 64 px and
    replayed 8x larger at 512 px, where the painter's blur and MyPaint's sharp edges differ most
    (500 strokes at 512 px, astronaut: mse_mypaint 0.0171 / gap 0.0068 with a minimum of two per
    tile, 0.0105 / 0.0026 with one).
    """
    even = _even(strokes, long_side, aspect, min_per_tile, tile)
    if share >= 1:
        return even
    square = _even(strokes, long_side, 1.0, min_per_tile, tile)
    # a square grid: each level twice as dense in half its tiles, which divides exactly (the rule below
    # would leave up to a tile's strokes per level over for level 0: 1,000 strokes at 256 px, 41 more)
    if [b.tiles for b in square] == [b.tiles for b in even]:
        tiled = [_dense(b.level, b.tiles, b.strokes, b.per_tile, share) for b in even if b.level > 0]
    else:  # level 0 keeps what a square image would (or less), the tiled levels share the rest by weight
        levels = [b.level for b in square if b.level > 0]
        total_w = sum(2.0**lvl for lvl in levels)
        rest = strokes - min(square[0].strokes, even[0].strokes)
        tiled = [_dense(lvl, Level(lvl, aspect, tile).count, rest * 2.0**lvl / total_w, 1, share) for lvl in levels]
    tiled = [b for b in tiled if b.tiles >= 1]
    return [LevelBudget(0, 1, strokes - sum(b.strokes for b in tiled))] + tiled


def _even(strokes: int, long_side: int, aspect: float, min_per_tile: int, tile: int) -> list[LevelBudget]:
    """The same number of strokes in every tile of a level (see :func:`allocate`)."""
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


def _dense(level: int, tiles: int, strokes: float, least: int, share: float) -> LevelBudget:
    """About ``strokes`` strokes of a level in ``share`` of its ``tiles``, at least ``least`` per tile."""
    per_tile = max(least, round(strokes / tiles / share))
    return LevelBudget(level, min(tiles, int(strokes // per_tile)), per_tile)


@dataclass(frozen=True)
class Recipe:
    """How a level's stroke budget and steps are spent (each default measured in docs/benchmarks.md,
    "Broad paint benchmark").

    ``groups``: this many stroke groups at level 0 (about sqrt(n)/2 with ``sqrt_groups``; at most
    ``tiled_groups`` on tiled levels), added one after another, each where the painting is then most
    wrong, with radii from large to small (``radii``: ``"reference"`` is geometric from 0.2 of the
    canvas down to 0.3 / sqrt(n) at level 0, ``"brush"`` the older density rule). ``final``: the share
    of a level's steps kept for the joint polish of all its strokes at the end; the rest is spread
    over the stages (stage ``g`` weighted ``g + 1`` when ``growing``: later stages move more strokes).
    Each stage decays its rate to ``stage_decay`` times the start, the polish to ``final_decay``.
    ``color_lr``: the color parameters' rate relative to the shape's. ``reseed``: after this share of
    the polish, level-0 strokes whose removal would raise the pixel loss by less than ``reseed_tol``
    of the mean stroke's (at most ``reseed_max`` of them) are moved to the largest remaining error,
    ``reseed_rounds`` times, evenly spaced up to that share. ``tiled_share``: a tiled level gives its
    strokes to this share of its tiles, those where the painting below is most wrong
    (:func:`allocate`). ``candidates``: every new or re-seeded stroke is picked from this many
    variations of the proposed one (turned, stretched, resized, shifted) by the error it removes in
    its closed-form color (:mod:`brushcli.canvas.candidates`; 0 or 1: as proposed). ``full_rate``:
    a level 0 of more strokes than this runs at the rate times ``sqrt(full_rate / strokes)`` (0: the
    full rate at any budget), since its finest strokes are then about as small as one step moves them:
    at 200 strokes (64 px) a rate of 0.045 painted 16 dev images 5.5% better than 0.06, at 100 strokes
    0.05 painted as well and 0.04 worse (docs/benchmarks.md). 120 keeps the full rate at 100 strokes
    and for level 0 of the 512-px paintings (at most 116 strokes at 1,000, 16:9), where it was chosen.
    """

    groups: int = 10
    tiled_groups: int = 2
    sqrt_groups: bool = False
    final: float = 0.5
    growing: bool = True
    stage_decay: float = 1.0
    final_decay: float = 0.05
    color_lr: float = 1.0
    radii: str = "reference"
    reseed: float = 0.5
    reseed_tol: float = 0.1
    reseed_max: float = 0.2
    reseed_rounds: int = 2
    tiled_share: float = 0.5
    candidates: int = 32
    full_rate: int = 120

    def validate(self) -> None:
        if self.radii not in ("reference", "brush"):
            raise InvalidArgument(f"recipe radii must be 'reference' or 'brush', got {self.radii!r}")
        if self.reseed_rounds < 1:
            raise InvalidArgument(f"recipe reseed_rounds must be 1 or more, got {self.reseed_rounds}")
        if min(self.groups, self.tiled_groups) < 1:
            raise InvalidArgument("a recipe needs at least one group per level")
        if self.full_rate < 0:
            raise InvalidArgument(f"recipe full_rate must be 0 (off) or more strokes, got {self.full_rate}")
        if not 0 <= self.candidates <= 256:
            raise InvalidArgument(f"recipe candidates must be 0 (off) to 256, got {self.candidates}")
        if not 0.0 < self.tiled_share <= 1.0:
            raise InvalidArgument(f"recipe tiled_share must be in (0, 1], got {self.tiled_share}")
        for name in ("final", "reseed", "reseed_tol", "reseed_max"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise InvalidArgument(f"recipe {name} must be in 0..1, got {getattr(self, name)}")
        if min(self.stage_decay, self.final_decay, self.color_lr) <= 0:
            raise InvalidArgument("recipe decays and color_lr must be positive")

    def rate_scale(self, per_tile: int, level: int) -> float:
        """The share of the rate a level of ``per_tile`` strokes per tile runs at (see ``full_rate``)."""
        if level != 0 or not self.full_rate or per_tile <= self.full_rate:
            return 1.0
        return math.sqrt(self.full_rate / per_tile)

    def group_sizes(self, per_tile: int, level: int) -> list[int]:
        """Strokes per tile in each group of ``level``."""
        if per_tile <= 0:
            return []
        if level == 0:
            count = max(1, round(math.sqrt(per_tile) / 2)) if self.sqrt_groups else self.groups
            count = min(per_tile, count, self.groups)
        else:
            count = min(per_tile, self.tiled_groups)
        base, extra = divmod(per_tile, count)
        return [base + (1 if i < extra else 0) for i in range(count)]

    def stage_steps(self, share: int, groups: int) -> tuple[list[int], int]:
        """Steps of each stage (one per new group) and of the final polish, out of ``share``."""
        if groups == 0:
            return [], share
        final = int(round(share * self.final))
        weights = [g + 1.0 if self.growing else 1.0 for g in range(groups)]
        rest = share - final
        return [int(rest * w / sum(weights)) for w in weights], final


#: The default recipe.
RECIPE = Recipe()


def group_sizes(per_tile: int, level: int) -> list[int]:
    """Strokes per tile in each group of the default :data:`RECIPE`."""
    return RECIPE.group_sizes(per_tile, level)


def default_steps(strokes: int, levels: int) -> int:
    """Total optimisation steps: enough for the schedule, growing slowly with the budget."""
    return int(min(1500, 200 + 30 * math.sqrt(strokes))) + 150 * (levels - 1)


def radius_schedule(group: int, groups: int, level: Level, per_level: int, kind: str = "brush") -> float:
    """Radius (in painter-canvas pixels) for a new group: large first, down to what the density allows."""
    w, h = level.size
    if kind == "reference" and level.index == 0:
        coarse, fine = 0.2 * level.tile, max(1.2, 0.3 * level.tile / math.sqrt(max(1, per_level)))
        return coarse * (fine / coarse) ** (group / max(1, groups - 1))
    area = (w * h) / max(1, per_level) if level.index == 0 else level.stride**2 / max(1, per_level)
    finest = max(1.2, math.sqrt(area / 6.0))
    coarsest = min(16.0, 3.0 * finest) if level.index == 0 else min(8.0, 2.0 * finest)
    if groups <= 1:
        return coarsest if level.index == 0 else finest * 1.3
    return coarsest * (finest / coarsest) ** (group / (groups - 1))
