"""Choosing new strokes among candidates: the closed-form color and gain are exact, the choice never
does worse than the proposed stroke, and tiled windows see the right part of the image."""

from __future__ import annotations

import math

import pytest
import torch

from brushcli.apps.planner import Recipe
from brushcli.canvas.candidates import _gain, _windows, choose_strokes
from brushcli.canvas.grid import Level
from brushcli.errors import InvalidArgument
from brushcli.painters.registry import create_painter


@pytest.fixture(scope="module")
def pen():
    return create_painter("pen")


def _stroke(x0: float, y0: float, x1: float, y1: float, size: float = 0.25) -> torch.Tensor:
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    return torch.tensor([x0, y0, mx, my, x1, y1, 0.85, 0.85, size])


def _error(picture: torch.Tensor, target: torch.Tensor) -> float:
    return float(((picture - target) ** 2).sum())


def test_the_closed_form_color_recovers_a_painted_stroke_exactly(pen):
    current = torch.full((3, 64, 64), 0.8)
    with torch.no_grad():
        alpha = pen(_stroke(0.3, 0.3, 0.7, 0.6)[None])  # (1, 64, 64)
    color = torch.tensor([0.1, 0.5, 0.9])
    target = current * (1 - alpha) + color[:, None, None] * alpha
    gain, best = _gain(alpha.view(1, 1, 64, 64), target[None], current[None], torch.ones(1, 1, 64, 64))
    assert torch.allclose(best[0, 0], color, atol=1e-4)
    assert float(gain[0, 0]) == pytest.approx(_error(current, target), rel=1e-3)


def test_the_gain_is_the_error_each_candidate_removes_in_its_best_color(pen):
    """The expanded sums against a direct composite of every candidate, with a mask."""
    g = torch.Generator().manual_seed(5)
    target, current = torch.rand(2, 3, 64, 64, generator=g), torch.rand(2, 3, 64, 64, generator=g)
    mask = (torch.rand(2, 1, 64, 64, generator=g) > 0.3).float()
    actions = 0.2 + 0.6 * torch.rand(2 * 4, 9, generator=g)
    with torch.no_grad():
        alpha = pen(actions).view(2, 4, 64, 64)
    gain, colors = _gain(alpha, target, current, mask)
    for t in range(2):
        before = float((mask[t] * (target[t] - current[t]) ** 2).sum())
        for k in range(4):
            a = alpha[t, k][None]
            after = float((mask[t] * (target[t] - current[t] * (1 - a) - colors[t, k][:, None, None] * a) ** 2).sum())
            assert float(gain[t, k]) == pytest.approx(before - after, rel=1e-3, abs=1e-2)
            nudged = (colors[t, k] + 0.03).clamp(0.02, 0.98)  # the color is the best one
            worse = float((mask[t] * (target[t] - current[t] * (1 - a) - nudged[:, None, None] * a) ** 2).sum())
            assert worse >= after - 1e-3


def test_the_chosen_stroke_removes_at_least_as_much_error_as_the_proposed_one(pen):
    """The target holds a dark horizontal stroke; the proposal is vertical at the same place.
    Among 48 variations (turns of up to 90 degrees) the choice paints more of it away."""
    current = torch.full((3, 64, 64), 0.9)
    with torch.no_grad():
        alpha = pen(_stroke(0.2, 0.5, 0.8, 0.5, 0.2)[None])
    target = current * (1 - alpha) + 0.1 * alpha
    proposed = _stroke(0.5, 0.3, 0.5, 0.7, 0.2).view(1, 1, 9)
    level = Level(0, 1.0)
    actions, colors = choose_strokes(pen, target, current, level, proposed, torch.full((1, 1, 3), 0.5), 48, 12.0,
                                     torch.Generator().manual_seed(0))

    def painted(a: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            al = pen(a.view(1, 9))
        return current * (1 - al) + c.view(3, 1, 1) * al

    first = _error(painted(proposed, torch.full((3,), 0.1)), target)  # the proposal, even in the right color
    chosen = _error(painted(actions, colors), target)
    assert chosen < 0.7 * first
    assert torch.allclose(colors.view(3), torch.full((3,), 0.1), atol=0.08)
    p0, p2 = actions[0, 0, 0:2], actions[0, 0, 4:6]
    angle = math.degrees(math.atan2(float(p2[1] - p0[1]), float(p2[0] - p0[0]))) % 180
    assert min(angle, 180 - angle) < 45  # turned towards the horizontal stroke


def test_one_candidate_keeps_the_proposal_and_choices_repeat_with_the_seed(pen):
    g = torch.Generator().manual_seed(3)
    target, current = torch.rand(3, 64, 64, generator=g), torch.rand(3, 64, 64, generator=g)
    actions = 0.3 + 0.4 * torch.rand(1, 3, 9, generator=g)
    colors = torch.rand(1, 3, 3, generator=g)
    same = choose_strokes(pen, target, current, Level(0, 1.0), actions, colors, 1, 8.0, torch.Generator())
    assert same[0] is actions and same[1] is colors
    runs = [choose_strokes(pen, target, current, Level(0, 1.0), actions, colors, 16, 8.0,
                           torch.Generator().manual_seed(7)) for _ in range(2)]
    assert torch.equal(runs[0][0], runs[1][0]) and torch.equal(runs[0][1], runs[1][1])
    assert not torch.equal(runs[0][0], actions)  # on a random target some variation beats the proposal


def test_tiled_windows_crop_each_tile_and_mask_what_lies_outside_the_image():
    level = Level(1, 4 / 3)  # 128 x 96 native, tiles every 32 px starting 16 px before the image
    w, h = level.size
    target = torch.arange(3 * h * w, dtype=torch.float32).view(3, h, w)
    crops_t, crops_c, mask = _windows(target, target + 1, level, 64)
    assert crops_t.shape == (level.count, 3, 64, 64) and mask.shape == (level.count, 1, 64, 64)
    for t, (ox, oy) in enumerate(level.tile_offsets()):
        for y, x in ((20, 20), (0, 0), (63, 63)):
            iy, ix = int(oy) + y, int(ox) + x
            inside = 0 <= iy < h and 0 <= ix < w
            assert float(mask[t, 0, y, x]) == float(inside)
            if inside:
                assert float(crops_t[t, 1, y, x]) == float(target[1, iy, ix])
                assert float(crops_c[t, 1, y, x]) == float(target[1, iy, ix]) + 1


def test_a_recipe_refuses_a_negative_number_of_candidates():
    with pytest.raises(InvalidArgument, match="candidates"):
        Recipe(candidates=-1).validate()
