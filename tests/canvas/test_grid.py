import numpy as np
import pytest
import torch

from brushcli.canvas.composite import composite_sequential
from brushcli.canvas.grid import TILE, Level
from brushcli.presets import load_preset


@pytest.mark.parametrize("aspect", [1.0, 1.5, 0.6])
def test_level_geometry(aspect):
    lvl0, lvl2 = Level(0, aspect), Level(2, aspect)
    assert max(lvl0.size) == 64 and max(lvl2.size) == 256
    assert lvl0.count == 1
    nx, ny = lvl2.tiles
    w, h = lvl2.size
    # central 32-px cells of the tiles cover the image exactly once
    assert nx * 32 >= w > (nx - 1) * 32 and ny * 32 >= h > (ny - 1) * 32
    assert sorted(lvl2.order.tolist()) == list(range(lvl2.count))


@pytest.mark.parametrize("index, aspect", [(1, 1.0), (2, 1.3)])
def test_tiled_render_equals_sequential_paint_in_export_order(index, aspect):
    """Stitching by layers must give what painting every stroke on the full canvas in order gives."""
    level = Level(index, aspect)
    g = torch.Generator().manual_seed(1)
    n = 3
    alphas = torch.rand(level.count, n, TILE, TILE, generator=g) ** 3
    colors = torch.rand(level.count, n, 3, generator=g)
    premult, keep = level.render(alphas, colors)
    w, h = level.size
    cw, ch = level.canvas
    canvas = torch.full((3, ch, cw), 0.5)
    offsets = level.tile_offsets() - level.origin
    for tile in level.order:
        ox, oy = offsets[tile]
        full = torch.zeros(n, ch, cw)
        full[:, oy : oy + TILE, ox : ox + TILE] = alphas[tile]
        canvas = composite_sequential(canvas, full, colors[tile])
    off = -level.origin
    expected = canvas[:, off : off + h, off : off + w]
    got = torch.full((3, h, w), 0.5) * keep + premult
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-4)


def test_image_coords_round_trip():
    preset = load_preset("pen")
    level = Level(2, 1.25)
    rng = np.random.default_rng(0)
    actions = rng.uniform(0.25, 0.75, (level.count, 2, 9))
    shapes = level.to_image_coords(actions, preset)
    assert shapes[..., :6].min() > -0.2 and shapes[..., :6].max() < 1.2
    np.testing.assert_allclose(level.from_image_coords(shapes, preset), actions, atol=1e-9)


@pytest.mark.parametrize("index, aspect", [(0, 1.3), (1, 1.0), (2, 0.7)])
def test_level_drawn_at_twice_the_tile_size_is_the_level_at_twice_its_size(index, aspect):
    level = Level(index, aspect)
    g = torch.Generator().manual_seed(2)
    alphas = torch.rand(level.count, 2, TILE, TILE, generator=g) ** 3
    colors = torch.rand(level.count, 2, 3, generator=g)
    premult, keep = level.render(alphas, colors)
    big = alphas.repeat_interleave(2, dim=-1).repeat_interleave(2, dim=-2)  # every pixel as 2x2
    premult2, keep2 = level.render(big, colors)
    w, h = level.size
    assert premult2.shape == (3, 2 * h, 2 * w) and keep2.shape == (1, 2 * h, 2 * w)
    torch.testing.assert_close(premult2[:, ::2, ::2], premult, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(keep2[:, ::2, ::2], keep, atol=1e-5, rtol=1e-4)


def test_a_level_with_active_tiles_paints_as_the_whole_grid_with_empty_tiles():
    """Strokes in some tiles only: the same operator as every tile with the others' strokes invisible."""
    full = Level(2, 1.3)
    active = [0, 3, 4, 9, full.grid_count - 1]
    level = full.with_active(active)
    assert level.count == len(active) and level.grid_count == full.grid_count
    assert sorted(level.order.tolist()) == list(range(len(active)))
    np.testing.assert_array_equal(level.tile_offsets(), full.tile_offsets()[active])
    g = torch.Generator().manual_seed(3)
    alphas = torch.rand(len(active), 2, TILE, TILE, generator=g) ** 3
    colors = torch.rand(len(active), 2, 3, generator=g)
    every = torch.zeros(full.count, 2, TILE, TILE)
    every[active] = alphas
    every_colors = torch.rand(full.count, 2, 3, generator=g)
    every_colors[active] = colors
    for got, expected in zip(level.render(alphas, colors), full.render(every, every_colors)):
        torch.testing.assert_close(got, expected)
    # painting order: active tiles keep the layer order of the whole grid
    position = {t: i for i, t in enumerate(active)}
    assert level.order.tolist() == [position[t] for t in full.order.tolist() if t in position]
    assert full.with_active(list(range(full.grid_count))).active is None  # every tile: no subset
    for bad in ([3, 0], [0, 0], [full.grid_count], [], list(range(1, full.grid_count + 1))):
        with pytest.raises(ValueError):
            full.with_active(bad)
