"""Search on the replay at the output size: trials scored on real libmypaint renders of the whole painting."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import brushcli.output_search as output_search
from brushcli.canvas.grid import Level
from brushcli.canvas.layered import LayeredCanvas
from brushcli.canvas.placement import bounds
from brushcli.mypaint.brushes import resolve_brush
from brushcli.mypaint.render import render_alpha_batch
from brushcli.outputs.replay import replay
from brushcli.painters.registry import create_painter
from brushcli.replay_search import SearchSettings

WIDTH, HEIGHT = 192, 128  # 3:2, so level 1 is a 6x4 grid of 64-px tiles and level 0 leaves a strip empty


@pytest.fixture(scope="module")
def painter():
    return create_painter("pen")


def _canvas(painter, seed: int) -> LayeredCanvas:
    """Strokes on level 0 and on every tile of level 1, random but inside each level's bounds."""
    g = torch.Generator().manual_seed(seed)
    canvas = LayeredCanvas(painter, WIDTH / HEIGHT, torch.tensor([0.9, 0.85, 0.8]))
    for index, per_tile in ((0, 6), (1, 2)):
        level = Level(index, WIDTH / HEIGHT, painter.canvas)
        (lo, hi), (s_lo, s_hi) = bounds(level)
        actions = lo + (hi - lo) * torch.rand(level.count, per_tile, 9, generator=g)
        actions[..., 6:8] = 0.3 + 0.6 * torch.rand(level.count, per_tile, 2, generator=g)
        actions[..., 8] = s_lo + (s_hi - s_lo) * (0.3 + 0.5 * torch.rand(level.count, per_tile, generator=g))
        canvas.add_group(index, actions, torch.rand(level.count, per_tile, 3, generator=g), (lo, hi), (s_lo, s_hi))
    return canvas


def _replay(canvas: LayeredCanvas) -> np.ndarray:
    return replay(canvas.to_stroke_list(WIDTH, HEIGHT, meta={})).image


def _mse(a: np.ndarray, target: torch.Tensor) -> float:
    return float(((torch.from_numpy(a).permute(2, 0, 1) - target) ** 2).mean())


def test_a_window_drawn_with_the_canvas_speeds_is_the_whole_canvas_render_cropped():
    preset = create_painter("pen").preset
    brush, sampling = resolve_brush(preset.brush), preset.sampling
    shape = np.array([[0.30, 0.35, 0.50, 0.45, 0.62, 0.60, 0.9, 0.8, 0.05]])
    whole = render_alpha_batch(brush, shape, 256, sampling).astype(np.int32)[0]
    x0, y0, side = 40, 60, 160  # the stroke, in a window of the 256-px canvas
    local = shape.copy()
    local[:, [0, 2, 4]] = (shape[:, [0, 2, 4]] * 256 - x0) / side
    local[:, [1, 3, 5]] = (shape[:, [1, 3, 5]] * 256 - y0) / side
    local[:, 8] = shape[:, 8] * 256 / side
    window = render_alpha_batch(brush, local, side, sampling, speed_side=256).astype(np.int32)[0]
    assert whole.max() > 30000 and whole[y0 : y0 + side, x0 : x0 + side].sum() == whole.sum()
    assert np.abs(window - whole[y0 : y0 + side, x0 : x0 + side]).max() <= 4  # 1.0 = 32768
    # at the window's own speeds the pen draws another stroke: that is why the window needs the canvas's
    own = render_alpha_batch(brush, local, side, sampling).astype(np.int32)[0]
    assert np.abs(own - whole[y0 : y0 + side, x0 : x0 + side]).max() > 3000


def test_the_search_scores_the_real_replay_and_only_improves_it(painter):
    goal = _canvas(painter, 1)
    target = torch.from_numpy(_replay(goal)).permute(2, 0, 1).contiguous()
    canvas = _canvas(painter, 2)
    before = _mse(_replay(canvas), target)
    start = {i: g.raw_actions.detach().clone() for i, g in enumerate(canvas.groups)}
    seen = []
    log = output_search.search_painting(canvas, target, SearchSettings(sweeps=2, candidates=8, sigma=0.4),
                                        torch.Generator().manual_seed(0), progress=lambda *a: seen.append(a))
    strokes = 6 + 2 * Level(1, WIDTH / HEIGHT).count
    assert len(log.scores) == 2 * strokes and [s[0] for s in seen] == list(range(1, 2 * strokes + 1))
    assert seen[-1][1] == 2 * strokes
    assert log.start == pytest.approx(before, rel=1e-4)  # its composite of crops is the replay
    assert all(b <= a for a, b in zip([log.start, *log.scores], log.scores))
    assert log.accepted > 0 and log.scores[-1] < 0.9 * log.start
    assert _mse(_replay(canvas), target) == pytest.approx(log.scores[-1], rel=1e-4)  # the strokes kept are scored
    for i, group in enumerate(canvas.groups):
        assert not torch.equal(group.raw_actions, start[i])  # both levels were tried
        actions = group.actions().detach()
        assert (actions >= group.lo - 1e-6).all() and (actions <= group.lo + group.span + 1e-6).all()


def test_coarse_levels_past_the_window_limit_are_composited_but_not_tried(painter, monkeypatch):
    monkeypatch.setattr(output_search, "MAX_WINDOW", 120)  # level 1 windows (96 px) fit, level 0 (192 px) not
    assert output_search.searched(Level(1, 1.5), WIDTH, HEIGHT)
    assert not output_search.searched(Level(0, 1.5), WIDTH, HEIGHT)
    target = torch.from_numpy(_replay(_canvas(painter, 1))).permute(2, 0, 1).contiguous()
    canvas = _canvas(painter, 2)
    coarse = canvas.groups[0].raw_actions.detach().clone()
    log = output_search.search_painting(canvas, target, SearchSettings(sweeps=1, candidates=4),
                                        torch.Generator().manual_seed(0))
    assert len(log.scores) == 2 * Level(1, 1.5).count
    assert torch.equal(canvas.groups[0].raw_actions, coarse)
    assert log.scores[-1] < log.start
    assert _mse(_replay(canvas), target) == pytest.approx(log.scores[-1], rel=1e-4)


def test_a_crop_keeps_only_what_lies_in_the_image():
    crops = output_search._Crops(WIDTH, HEIGHT)
    alpha = torch.zeros(40, 40)
    alpha[10:20, 5:30] = 0.5
    assert crops.crop((100, 50, 40), alpha)[0] == (105, 60, 130, 70)
    box, crop = crops.crop((180, 50, 40), alpha)  # the window runs past the right edge: cut there
    assert box == (185, 60, 192, 70) and crop.shape == (10, 7)
    for window in ((200, 50, 40), (100, 130, 40), (-60, 50, 40)):  # wholly outside: nothing to paint
        box, crop = crops.crop(window, alpha)
        assert box[2] == box[0] and box[3] == box[1] and crop.numel() == 0


def test_the_search_paints_each_variation_in_its_best_color(painter):
    goal = _canvas(painter, 1)
    target = torch.from_numpy(_replay(goal)).permute(2, 0, 1).contiguous()
    canvas = _canvas(painter, 1)  # the goal's shapes in wrong colors
    for group in canvas.groups:
        group.raw_colors.data = torch.randn(group.raw_colors.shape, generator=torch.Generator().manual_seed(3))
    before = _mse(_replay(canvas), target)
    log = output_search.search_painting(canvas, target, SearchSettings(sweeps=2, candidates=2, sigma=0.01),
                                        torch.Generator().manual_seed(0))
    # one trial per stroke keeps its shape in its closed-form color: random colors could not get this close
    assert log.scores[-1] < 0.05 * before
    assert _mse(_replay(canvas), target) == pytest.approx(log.scores[-1], rel=1e-3, abs=1e-6)
