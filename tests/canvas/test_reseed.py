"""Re-seeding weak strokes: the value of each stroke is the exact cost of removing it, and moving
strokes to the top keeps every other stroke as it was."""

from __future__ import annotations

import pytest
import torch

from brushcli.apps.planner import Recipe
from brushcli.canvas.layered import LayeredCanvas
from brushcli.errors import InvalidArgument
from brushcli.painters.registry import create_painter


def _canvas(n: int = 6, seed: int = 0) -> LayeredCanvas:
    g = torch.Generator().manual_seed(seed)
    actions = torch.rand(1, n, 9, generator=g)
    actions[..., :6] = 0.2 + 0.6 * actions[..., :6]
    canvas = LayeredCanvas(create_painter("pen"), 1.0, torch.tensor([0.9, 0.9, 0.85]))
    canvas.add_group(0, actions, torch.rand(1, n, 3, generator=g), (0.0, 1.0), (0.0, 1.0))
    return canvas


def _painting(canvas: LayeredCanvas, without: int | None = None) -> torch.Tensor:
    """The group's strokes over the background, one by one (``without``: that stroke left out)."""
    group = canvas.groups[0]
    with torch.no_grad():
        alphas = canvas.painter(group.actions()[0])
        colors = group.colors()[0]
        picture = canvas.background[:, None, None].expand(3, 64, 64).clone()
        for i in range(alphas.shape[0]):
            if i != without:
                picture = picture * (1 - alphas[i]) + colors[i][:, None, None] * alphas[i]
    return picture


def test_stroke_values_are_the_exact_cost_of_removing_each_stroke():
    canvas = _canvas()
    target = torch.rand(3, 64, 64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        assert torch.allclose(_painting(canvas), canvas.render(64, 64), atol=1e-4)
    values = canvas.stroke_values(0, target)
    before = float(((_painting(canvas) - target) ** 2).sum())
    for i in range(values.shape[0]):
        removed = float(((_painting(canvas, without=i) - target) ** 2).sum())
        assert removed - before == pytest.approx(float(values[i]), rel=1e-3, abs=1e-2)
    assert values.abs().max() > 1.0  # the strokes do matter on this target


def test_move_to_top_paints_the_chosen_strokes_last_and_keeps_the_rest():
    canvas = _canvas()
    group = canvas.groups[0]
    keep = group.actions()[0, [0, 2, 3, 5]].detach().clone()
    new_actions = torch.full((2, 9), 0.5)
    new_colors = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    canvas.move_to_top(0, torch.tensor([1, 4]), new_actions, new_colors)
    actions, colors = group.actions()[0].detach(), group.colors()[0].detach()
    assert torch.allclose(actions[:4], keep, atol=1e-5)
    assert torch.allclose(actions[4:], new_actions, atol=1e-4)
    assert torch.allclose(colors[4:], new_colors, atol=1e-4)


def test_a_recipe_out_of_range_is_one_clear_error():
    Recipe().validate()
    with pytest.raises(InvalidArgument, match="radii"):
        Recipe(radii="huge").validate()
    with pytest.raises(InvalidArgument, match="final"):
        Recipe(final=1.5).validate()


def test_worst_tiles_are_those_whose_cells_hold_the_error():
    from brushcli.canvas.grid import Level
    from brushcli.canvas.placement import worst_tiles

    level = Level(2, 1.0)  # 256 px, 8 x 8 tiles whose central 32-px cells partition the image
    target = torch.zeros(3, 256, 256)
    current = torch.zeros(3, 256, 256)
    current[:, 40:50, 100:110] = 1.0  # inside the cell of tile (3, 1): x 96..128, y 32..64
    current[:, 200:202, 10:12] = 0.5  # a smaller error in tile (0, 6)
    assert worst_tiles(target, current, level, 1) == [1 * 8 + 3]
    assert worst_tiles(target, current, level, 2) == [1 * 8 + 3, 6 * 8 + 0]
