"""The stroke budget's split over grid levels."""

from __future__ import annotations

import pytest

from brushcli.apps.planner import Recipe, allocate
from brushcli.errors import InvalidArgument


@pytest.mark.parametrize("strokes,side", [(50, 512), (500, 512), (1000, 512), (1000, 300), (37, 64)])
def test_every_stroke_is_allocated_and_fine_levels_get_more(strokes, side):
    budgets = allocate(strokes, side, 1.0)
    assert sum(b.strokes for b in budgets) == strokes
    assert [b.level for b in budgets] == sorted(b.level for b in budgets) and budgets[0].level == 0
    tiled = [b for b in budgets if b.level > 0]
    assert all(b.per_tile >= 1 for b in tiled)
    assert [b.strokes for b in tiled] == sorted(b.strokes for b in tiled)  # finer levels, more strokes


def test_a_500_stroke_512px_painting_reaches_the_finest_grid():
    budgets = {b.level: b for b in allocate(500, 512, 1.0)}
    assert max(budgets) == 3 and budgets[3].per_tile == 1  # not 300 tiny strokes left on the 64-px canvas
    assert budgets[0].strokes < 100
    assert [b.level for b in allocate(50, 512, 1.0)] == [0]  # small budgets stay on one canvas


@pytest.mark.parametrize("strokes,side,aspect", [(500, 512, 1.0), (500, 512, 4 / 3), (1000, 512, 1.33), (300, 256, 0.75)])
def test_a_share_gives_a_tiled_level_fewer_denser_tiles_and_keeps_every_stroke(strokes, side, aspect):
    from brushcli.canvas.grid import Level

    even = {b.level: b for b in allocate(strokes, side, aspect)}
    dense = {b.level: b for b in allocate(strokes, side, aspect, share=0.5)}
    square = {b.level: b for b in allocate(strokes, side, 1.0, share=0.5)}
    assert sum(b.strokes for b in dense.values()) == strokes and dense.keys() == even.keys()
    for level in dense:
        if level > 0:
            assert dense[level].tiles < Level(level, aspect).count and dense[level].per_tile > even[level].per_tile
    if aspect == 1.0:  # every level exactly twice as dense in half of the tiles
        assert all(dense[lvl].strokes == even[lvl].strokes for lvl in even)
    else:  # level 0 keeps about what a square image leaves it (or less), not the grid's rounding losses
        least = min(square[0].strokes, even[0].strokes)
        assert least <= dense[0].strokes < least + sum(b.per_tile for lvl, b in dense.items() if lvl > 0)
    tiny = allocate(strokes, side, aspect, share=0.001)  # a share too small for one tile: no empty level
    assert all(b.tiles >= 1 for b in tiny) and sum(b.strokes for b in tiny) == strokes


def test_a_level_0_above_full_rate_strokes_runs_at_a_rate_falling_as_one_over_sqrt_of_its_strokes():
    recipe = Recipe(full_rate=100)
    assert recipe.rate_scale(50, 0) == 1.0 and recipe.rate_scale(100, 0) == 1.0
    assert recipe.rate_scale(200, 0) == pytest.approx(0.5**0.5) and recipe.rate_scale(400, 0) == pytest.approx(0.5)
    assert recipe.rate_scale(400, 1) == 1.0  # tiled levels: small strokes by design, at the full rate
    assert Recipe(full_rate=0).rate_scale(10_000, 0) == 1.0
    with pytest.raises(InvalidArgument, match="full_rate"):
        Recipe(full_rate=-1).validate()
