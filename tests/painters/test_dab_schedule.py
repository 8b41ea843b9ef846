"""Painters that lay dabs on MyPaint's schedule: the engine's radii, the dab count, the data cache."""

from __future__ import annotations

import numpy as np
import torch

from brushcli.painters.data import build_dataset
from brushcli.painters.models import DabNet
from brushcli.painters.pipeline import dab_schedule
from brushcli.presets import load_preset
from brushcli.mypaint.render import render_alphas


def _straight_strokes(lengths: np.ndarray, size: float = 0.9, pressure: float = 0.5) -> np.ndarray:
    """Horizontal actions from x=0.1 to 0.1+length at mid height (control point at the middle)."""
    a = np.zeros((len(lengths), 9), np.float32)
    a[:, 0], a[:, 4] = 0.1, 0.1 + lengths
    a[:, 2] = (a[:, 0] + a[:, 4]) / 2
    a[:, [1, 3, 5]] = 0.5
    a[:, 6:8], a[:, 8] = pressure, size
    return a


def test_engine_reports_dab_radii_the_same_in_a_pool():
    preset = load_preset("pen")
    shapes = preset.actions_to_shapes(_straight_strokes(np.linspace(0.2, 0.6, 300)))
    shapes[::2, 6:8] = preset.pressure[0]  # lowest and highest pressure in turn
    shapes[1::2, 6:8] = preset.pressure[1]
    serial = np.empty((len(shapes), preset.sampling.steps + 1), np.float32)
    pooled = np.empty_like(serial)
    render_alphas(preset.brush, shapes, 64, preset.sampling, workers=1, radii_out=serial)
    render_alphas(preset.brush, shapes, 64, preset.sampling, workers=2, radii_out=pooled)
    assert np.array_equal(serial, pooled)
    assert (serial > 0).all() and (serial < 1).all()
    # the pen's radius grows with pressure (radius_logarithmic has a pressure input)
    assert np.median(serial[1::2, -1]) > 1.3 * np.median(serial[::2, -1])


def test_the_dab_count_puts_the_end_cap_where_mypaint_does():
    """Fed the engine's radii, the count predicts the sawtooth of the stroke's end."""
    preset = load_preset("pen")
    lengths = np.linspace(0.3, 0.6, 31, dtype=np.float32)  # ends stay clear of the border
    actions = _straight_strokes(lengths)
    radii = np.empty((len(actions), preset.sampling.steps + 1), np.float32)
    alphas = render_alphas(preset.brush, preset.actions_to_shapes(actions), 64, preset.sampling, workers=1,
                           radii_out=radii)
    right_edge = np.array([(np.nonzero(a[32] > 0.5)[0].max() + 1) / 64 for a in alphas])
    net = DabNet(preset.size, **dab_schedule(preset))
    a = torch.from_numpy(actions)
    r = torch.from_numpy(radii)
    log_w = net._last_dab_mask(a[:, [0, 2, 4]], a[:, [1, 3, 5]], r, net.base_radius(a))
    # the last dab is where the weight crosses one half; x grows linearly along these strokes
    t_last = (log_w > np.log(0.5)).float().sum(1).numpy() / net.dabs
    last_dab_x = actions[:, 0] + t_last * lengths
    beyond_end = right_edge - actions[:, 4]  # a sawtooth of one dab spacing (~0.13 here)
    beyond_dab = right_edge - last_dab_x  # the last dab's radius, nearly constant
    assert beyond_end.max() - beyond_end.min() > 0.1
    assert beyond_dab.max() - beyond_dab.min() < 0.25 * (beyond_end.max() - beyond_end.min())


def test_schedule_painter_learns_the_radius(tmp_path):
    from brushcli.painters.config import PainterConfig
    from brushcli.painters.painter import Painter
    from brushcli.painters.train import TrainSettings, train

    preset = load_preset("pen")
    data = build_dataset(preset, samples=256, seed=0, workers=1, cache_dir=tmp_path)
    assert data.radii is not None and data.radii.shape == (256, preset.sampling.steps + 1)
    torch.manual_seed(0)
    args = {"dabs": 32, "hidden": 16, **dab_schedule(preset)}
    painter = Painter(PainterConfig(name="t", preset=preset, arch="dabs", arch_args=args, method="regression"))
    log = train(painter, data, TrainSettings(steps=200, batch=32, lr=1e-2, warmup=0.1))
    radius = [losses["radius"] for losses in log.losses]
    assert all(np.isfinite(v) for losses in log.losses for v in losses.values())
    assert radius[-1] < 0.5 * radius[0]
    a = torch.rand(4, 9, requires_grad=True)
    painter(a).sum().backward()
    assert a.grad is not None and torch.isfinite(a.grad).all() and a.grad.abs().sum() > 0


def test_shards_cached_without_radii_are_rendered_again(tmp_path):
    preset = load_preset("pen")
    first = build_dataset(preset, samples=64, seed=3, workers=1, cache_dir=tmp_path)
    (shard,) = list(tmp_path.rglob("shard-*.npz"))
    np.savez(shard, actions=first.actions, alphas=first.alphas)  # the layout of older caches
    again = build_dataset(preset, samples=64, seed=3, workers=1, cache_dir=tmp_path)
    assert again.radii is not None and np.array_equal(again.radii, first.radii)
    with np.load(shard) as data:
        assert "radii" in data.files
