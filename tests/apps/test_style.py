"""brush style: window rendering is exact, content loss decreases, palettes hold, seams measured."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torchvision

from brushcli.canvas.grid import Level
from brushcli.canvas.layered import LayeredCanvas
from brushcli.canvas.palette import parse_palette
from brushcli.cli import app
from brushcli.images import load_image
from brushcli.apps.style import StyleSettings, default_objective, seam_ratio, style
from brushcli.canvas.window import render_blocks
from brushcli.objectives import content_objective
from brushcli.painters.registry import create_painter
from brushcli.vision.nets import NetEnsemble, NetSpec, WeightsNotFound, register_net

PHOTO = "docs/examples/chelsea.jpg"


@pytest.fixture(scope="module")
def painter():
    return create_painter("pen")


def _tiny_features() -> torch.nn.Module:
    torch.manual_seed(0)
    features = torchvision.models.vgg11(weights=None).features[:6]  # random-init conv layers
    return torch.nn.Sequential(features, torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(128, 1000))


def _no_weights() -> None:
    raise WeightsNotFound("the tiny style test net has no pretrained weights")


register_net(NetSpec(name="tiny-style", family="test", input_size=64, mean=(0.5,) * 3, std=(0.25,) * 3,
                     build=_tiny_features, pretrained=_no_weights))


def _random_features() -> NetEnsemble:
    return NetEnsemble.create(["tiny-style"], pretrained=False)


OBJECTIVE = content_objective("tiny-style", ["0"])


def test_windows_render_exactly_like_the_whole_level(painter):
    level = Level(2, 1.3)
    g = torch.Generator().manual_seed(0)
    canvas = LayeredCanvas(painter, 1.3, torch.tensor([0.9, 0.9, 0.8]))
    canvas.add_group(2, torch.rand(level.count, 3, 9, generator=g) * 0.5 + 0.25,
                     torch.rand(level.count, 3, 3, generator=g), (0.25, 0.75), (0.0, 0.45))
    w, h = level.size
    base = canvas.background[:, None, None].expand(3, h, w)
    with torch.no_grad():
        whole = canvas.render(w, h)
        blocks = render_blocks(canvas, level, base, block=3)
    torch.testing.assert_close(blocks, whole.clamp(0, 1), atol=1e-5, rtol=1e-4)


def test_content_loss_decreases_size_and_aspect(painter):
    image = load_image(PHOTO)
    settings = StyleSettings(size=128, density=2, steps=12, window=128, lr=0.05)
    result = style(image, painter, _random_features(), settings, objective=OBJECTIVE)
    assert np.mean(result.losses[-3:]) < np.mean(result.losses[:3])
    assert result.neural.shape == (96, 128, 3)  # chelsea.jpg is 300x225
    assert len(result.strokes) == 4 * 3 * 2  # tiles of the 128-px level x density
    assert np.isfinite(result.info["seam_ratio"])


def test_default_objective_reads_the_nets_content_layers():
    assert str(default_objective("vgg16")) == "content(vgg16:conv4_2)"
    assert str(default_objective("tiny-style", ["0", "0.3"])) == "content(tiny-style:0) + content(tiny-style:0.3)"


@pytest.mark.parametrize("spec", ["gray", "3", "#ff0000,#00ff00,#0000ff,#ffffff"])
def test_palettes_hold_exactly_in_the_stroke_file(painter, spec, tmp_path):
    image = load_image(PHOTO)
    palette = parse_palette(spec, image)
    result = style(image, painter, _random_features(), StyleSettings(size=128, density=1, steps=6, window=128),
                   palette, objective=OBJECTIVE)
    path = tmp_path / "s.json"
    path.write_text(result.strokes.to_json())
    colors = np.array([s["color"] for s in json.loads(path.read_text())["strokes"]])
    if spec == "gray":
        assert np.abs(colors - colors[:, :1]).max() < 1e-6
    else:
        dist = np.abs(colors[:, None, :] - palette.colors[None]).max(-1).min(-1)
        assert dist.max() < 1e-6


def test_seam_ratio_detects_seams():
    rng = np.random.default_rng(0)
    smooth = rng.uniform(0, 1, (128, 128, 3)) * 0.1
    assert 0.8 < seam_ratio(smooth) < 1.2
    seamed = smooth.copy()
    seamed[:, 48:] += 0.5  # an edge exactly on a tile border (x = 48 = 32 + 16)
    assert seam_ratio(seamed) > 2


def test_bad_style_inputs(runner, tmp_path):
    for args, needle in [
        (["style", PHOTO, "--size", "100000"], "--size"),
        (["style", PHOTO, "--palette", "#zzzzzz"], "cannot read color"),
        (["style", PHOTO, "--palette", "0"], "--palette"),
        (["style", PHOTO, "--density", "0"], "--density"),
        (["style", str(tmp_path / "none.jpg")], "no such file"),
    ]:
        result = runner.invoke(app, args + ["-o", str(tmp_path / "o")])
        assert result.exit_code != 0 and needle in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1


def test_default_steps_follow_how_much_of_the_painting_a_window_covers():
    from brushcli.apps.style import default_steps

    assert default_steps((512, 512), 512) == 200  # one window is the whole painting
    assert default_steps((512, 384), 512) == 200
    assert default_steps((1024, 768), 512) == 300  # windows cover a third: capped
    assert 200 < default_steps((600, 600), 512) < 300
