"""The neural render at the output size: the dab painter draws coarse levels' tiles at a higher
resolution instead of having them upscaled, and the picture stays the same one."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from brushcli.canvas.layered import LayeredCanvas
from brushcli.errors import PainterError
from brushcli.painters.config import PainterConfig
from brushcli.painters.painter import Painter
from brushcli.painters.registry import create_painter
from brushcli.presets import load_preset


def _actions(n: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    a = torch.rand(n, 9, generator=g)
    a[:, :6] = 0.25 + 0.5 * a[:, :6]
    return a


def test_dab_painter_draws_the_same_stroke_at_any_canvas_size():
    painter = create_painter("pen")
    actions = _actions(6)
    with torch.no_grad():
        native = painter(actions)
        assert torch.equal(painter.render_at(actions, painter.canvas), native)
        big = painter.render_at(actions, 4 * painter.canvas)
    assert big.shape == (6, 256, 256)
    assert (F.avg_pool2d(big[:, None], 4)[:, 0] - native).abs().mean() < 0.02
    assert painter.scalable


def test_painters_that_cannot_scale_say_so():
    config = PainterConfig(name="conv", preset=load_preset("pen"), arch="conv", arch_args={"width": 8, "fc": 16})
    painter = Painter(config)
    assert not painter.scalable
    with pytest.raises(PainterError, match="64-px strokes only"):
        painter.render_at(_actions(1), 128)
    canvas = LayeredCanvas(painter, 1.0, torch.full((3,), 0.5))
    canvas.add_group(0, _actions(3)[None], torch.rand(1, 3, 3), (0.0, 1.0), (0.0, 1.0))
    with torch.no_grad():
        torch.testing.assert_close(canvas.render(256, 256, sharp=True), canvas.render(256, 256))


def test_sharp_render_keeps_the_picture():
    painter = create_painter("pen")
    canvas = LayeredCanvas(painter, 1.25, torch.tensor([0.9, 0.9, 0.8]))
    g = torch.Generator().manual_seed(3)
    canvas.add_group(0, _actions(4)[None], torch.rand(1, 4, 3, generator=g), (0.2, 0.8), (0.0, 0.5))
    tiles = canvas.level(1).count
    canvas.add_group(1, _actions(2 * tiles, 1).view(tiles, 2, 9), torch.rand(tiles, 2, 3, generator=g),
                     (0.3, 0.7), (0.0, 0.3))
    assert canvas.sharp_scale(0, [0], 320, 256) == 5 and canvas.sharp_scale(1, [1], 320, 256) == 3
    with torch.no_grad():
        soft = canvas.render(320, 256)
        sharp = canvas.render(320, 256, sharp=True)
    assert sharp.shape == soft.shape == (3, 256, 320)
    assert (sharp - soft).abs().mean() < 0.02
    # the upscaled render is blurrier: less high-frequency energy
    def detail(img: torch.Tensor) -> float:
        return float((img[:, :, 1:] - img[:, :, :-1]).abs().mean())

    assert detail(sharp) > detail(soft)
