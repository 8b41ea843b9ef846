"""Elliptical dabs (a calligraphy nib): the shape read from the brush file is the one MyPaint draws."""

from __future__ import annotations

import numpy as np
import torch

from brushcli.painters.data import render_actions
from brushcli.painters.models import DabNet
from brushcli.painters.pipeline import dab_schedule, dab_shape, default_arch_args
from brushcli.presets import load_preset

DOT = [[0.4, 0.45, 0.401, 0.45, 0.402, 0.45, 1.0, 1.0, 1.0]]  # a stroke that hardly moves: one nib print


def principal_axis(alpha: np.ndarray) -> tuple[float, float, float, float]:
    """Angle of the long axis (degrees, x right, y down), long/short ratio and centre of a footprint."""
    ys, xs = np.nonzero(alpha > 0.3 * alpha.max())
    w = alpha[ys, xs]
    cx, cy = np.average(xs, weights=w), np.average(ys, weights=w)
    values, vectors = np.linalg.eigh(np.cov(np.stack([xs - cx, ys - cy]), aweights=w))
    angle = np.degrees(np.arctan2(vectors[1, 1], vectors[0, 1])) % 180
    return float(angle), float(np.sqrt(values[1] / values[0])), float(cx), float(cy)


def untrained(preset, **extra) -> DabNet:
    """The net with a zero last layer: dabs exactly as the brush file says, nothing learnt."""
    net = DabNet(preset.size, hidden=16, **default_arch_args("dabs", preset), **extra)
    with torch.no_grad():
        net.dab_head[-1].weight.zero_()
        net.dab_head[-1].bias.zero_()
    return net


def test_the_nib_comes_from_the_brush_file():
    assert dab_shape(load_preset("calligraphy")) == {"ellipse": [45.92, 5.46]}
    for round_brush in ("pen", "dry-brush", "charcoal", "glaze"):
        assert dab_shape(load_preset(round_brush)) == {}
    assert default_arch_args("dabs", load_preset("calligraphy")) == {
        **dab_schedule(load_preset("calligraphy")), "ellipse": [45.92, 5.46]}
    assert default_arch_args("conv", load_preset("calligraphy")) == {}


def test_elliptical_dabs_point_where_mypaint_points_the_nib():
    preset = load_preset("calligraphy")
    mypaint = render_actions(preset, np.array(DOT, np.float32), 64, workers=1)[0]
    angle, ratio, cx, cy = principal_axis(mypaint)
    assert abs(angle - 45.92) < 3 and ratio > 4  # the engine's nib, measured
    net = untrained(preset)
    with torch.no_grad():
        for size in (64, 160):  # also when drawn larger (render_at)
            alpha = net(torch.tensor(DOT), None if size == 64 else size)[0].numpy()
            n_angle, n_ratio, n_cx, n_cy = principal_axis(alpha)
            assert abs(n_angle - angle) < 3, size
            assert 0.7 < n_ratio / ratio < 1.4, size
            scale = size / 64
            assert abs(n_cx - (cx + 0.5) * scale + 0.5) < 1.5 * scale and abs(n_cy - (cy + 0.5) * scale + 0.5) < 1.5 * scale


def test_elliptical_painter_has_gradients_for_every_action():
    net = untrained(load_preset("calligraphy"))
    torch.nn.init.normal_(net.dab_head[-1].weight, std=0.1)
    actions = torch.rand(16, 9, generator=torch.Generator().manual_seed(0), requires_grad=True)
    alpha = net(actions)
    assert alpha.shape == (16, 64, 64) and torch.isfinite(alpha).all()
    (alpha * torch.rand_like(alpha)).sum().backward()
    assert torch.isfinite(actions.grad).all() and (actions.grad.abs().sum(0) > 0).all()


def test_an_extreme_short_axis_keeps_training_finite():
    """A nib squeezed to nothing (or blown up) by the learnt factor gives finite alphas and gradients."""
    for bias in (-40.0, 40.0):
        net = untrained(load_preset("calligraphy"))
        with torch.no_grad():
            net.dab_head[-1].bias[-1] = bias
        actions = torch.rand(16, 9, generator=torch.Generator().manual_seed(0))
        alpha = net(actions)
        alpha.square().mean().backward()
        assert torch.isfinite(alpha).all()
        assert all(torch.isfinite(p.grad).all() for p in net.parameters() if p.grad is not None)
